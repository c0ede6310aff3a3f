'use strict'
// The README's JavaScript examples run, in order, against the emulator.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const capturekit = require('..')
const { startEmulator, KEYS, STATESET_API_KEY, REPO } = require('./emulator.js')

test('the README JavaScript examples run', async () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8')
  // The examples are ES modules (top-level await); here they run in one async function, so
  // each `import { … } from '…'` becomes the equivalent `require`.
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1].replace(
    /^import (\{[^}]*\}) from ('[^']+')/gm, (_, names, from) => `const ${names.replace(/ as /g, ': ')} = require(${from})`))
  assert.ok(blocks.some((block) => block.includes("= require('capturekit-sdk')")), 'the examples import capturekit-sdk')
  assert.ok(blocks.length >= 2)
  const emulator = await startEmulator({ settleDelayMs: 50 })
  const cwd = process.cwd()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capturekit-readme-'))
  try {
    // The examples name a key file in the working directory and the production host; here
    // the key is the test key and clients are pointed at the emulator.
    fs.copyFileSync(KEYS.ed25519, path.join(dir, 'cdp_api_key.json'))
    process.chdir(dir)
    class ToEmulator extends capturekit.Client {
      constructor(credentials, options = {}) {
        super(credentials, {
          baseUrl: emulator.baseUrl, coinbasePaymentsBaseUrl: emulator.url, statesetBaseUrl: emulator.url, ...options,
        })
      }
    }
    const fakeRequire = (name) => (name === 'capturekit-sdk' ? { ...capturekit, Client: ToEmulator } : require(name))
    const sessionId = await emulator.authorizedSession('100')
    const escrowPaymentId = (await emulator.control('POST', 'escrow-payments', { amount: '50' })).id
    const statesetPaymentId = (await emulator.control('POST', 'stateset-payments', { amount: 15000 })).id
    const shippedSessionId = await emulator.authorizedSession('30')
    const unpaidSessionId = (await emulator.control('POST', 'payment-sessions', { amount: '8', authorized: false })).paymentSessionId
    process.env.STATESET_API_KEY = STATESET_API_KEY
    // One async scope for all blocks, as in a module: later blocks use `client` and `sessionId`.
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor
    const run = new AsyncFunction('require', 'sessionId', 'escrowPaymentId', 'statesetPaymentId', 'shippedSessionId', 'unpaidSessionId',
      blocks.join('\n'))
    await run(fakeRequire, sessionId, escrowPaymentId, statesetPaymentId, shippedSessionId, unpaidSessionId)
    const made = []
    const client = new ToEmulator({ keyFile: KEYS.ed25519 })
    for await (const c of client.paymentSessions.listCaptures(sessionId)) made.push(c.amount)
    assert.deepEqual(made, ['10.00', '1.00'])
    assert.equal((await client.coinbasePayments.getPayment(escrowPaymentId)).payment.capturedAmount, '25.00')
    assert.equal((await client.stateset.getPayment(statesetPaymentId)).amountCaptured, 12000)
    const { balances } = await client.paymentSessions.getSession(shippedSessionId)
    assert.deepEqual([balances.capturable, balances.captured, balances.refundable, balances.refunded], ['0', '20', '15', '5'])
    assert.equal((await client.paymentSessions.getSession(unpaidSessionId)).status, 'canceled')
  } finally {
    delete process.env.STATESET_API_KEY
    process.chdir(cwd)
    emulator.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
