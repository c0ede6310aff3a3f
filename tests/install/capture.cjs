// A user's first capture with the installed npm package (CommonJS), against the emulator
// that scripts/with-emulator.sh started (CAPTUREKIT_EMULATOR_URL, CDP_KEY_FILE).
const assert = require('node:assert/strict')
const { Client, CaptureKitError } = require('capturekit-sdk')

async function main() {
  assert.match(require.resolve('capturekit-sdk'), /node_modules\/capturekit-sdk\/index\.js$/)
  const emulator = process.env.CAPTUREKIT_EMULATOR_URL
  const answer = await fetch(`${emulator}/_emulator/payment-sessions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: '25.00' }),
  })
  const { paymentSessionId } = await answer.json()
  const sessions = new Client({ keyFile: process.env.CDP_KEY_FILE }, { baseUrl: `${emulator}/platform` }).paymentSessions
  const capture = await sessions.capture(paymentSessionId, { amount: '10.00', metadata: { order_id: '1001' } })
  const settled = await sessions.waitForCapture(paymentSessionId, capture.captureId)
  assert.equal(settled.status, 'succeeded')
  assert.deepEqual(settled.metadata, { order_id: '1001' })
  await assert.rejects(sessions.capture(paymentSessionId, { amount: '100.00' }), CaptureKitError)
  const { balances } = await sessions.getSession(paymentSessionId)
  assert.deepEqual([Number(balances.captured), Number(balances.capturable)], [10, 15])
  console.log(`[install: node, CommonJS] capture ${settled.captureId} ${settled.status}`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
