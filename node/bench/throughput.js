'use strict'
// Throughput of capture + get with 64 Promises in flight against a local emulator.
// Usage: node bench/throughput.js [seconds]   (build the addon first; release for real figures)
const { Client } = require('..')
const { startEmulator, KEYS } = require('../test/emulator.js')

const IN_FLIGHT = 64

async function main() {
  const seconds = Number(process.argv[2] ?? 5)
  const emulator = await startEmulator()
  try {
    const sessionId = await emulator.authorizedSession('1000000000')
    const sessions = new Client({ keyFile: KEYS.ed25519 }, { baseUrl: emulator.baseUrl }).paymentSessions
    const deadline = Date.now() + seconds * 1000
    let done = 0
    const worker = async () => {
      while (Date.now() < deadline) {
        const capture = await sessions.capture(sessionId, { amount: '0.000001' })
        await sessions.getCapture(sessionId, capture.captureId)
        done++
      }
    }
    const started = process.hrtime.bigint()
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9
    console.log(`node: ${(done / elapsed).toFixed(0)} capture+get pairs/s with ${IN_FLIGHT} in flight (${done} pairs in ${elapsed.toFixed(1)} s)`)
  } finally {
    emulator.stop()
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
