// A user's first capture with the installed npm package (ESM, top-level await), against the
// emulator that scripts/with-emulator.sh started (CAPTUREKIT_EMULATOR_URL, CDP_KEY_FILE).
import assert from 'node:assert/strict'
import { Client, CaptureKitError } from 'capturekit-sdk'

const emulator = process.env.CAPTUREKIT_EMULATOR_URL
const answer = await fetch(`${emulator}/_emulator/payment-sessions`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: '25.00' }),
})
const { paymentSessionId } = await answer.json()
const sessions = new Client({ keyFile: process.env.CDP_KEY_FILE }, { baseUrl: `${emulator}/platform` }).paymentSessions
const capture = await sessions.capture(paymentSessionId, { amount: '10.00' })
const settled = await sessions.waitForCapture(paymentSessionId, capture.captureId)
assert.equal(settled.status, 'succeeded')
await assert.rejects(sessions.capture(paymentSessionId, { amount: '100.00' }), CaptureKitError)
const { balances } = await sessions.getSession(paymentSessionId)
assert.deepEqual([Number(balances.captured), Number(balances.capturable)], [10, 15])
console.log(`[install: node, ESM] capture ${settled.captureId} ${settled.status}`)
