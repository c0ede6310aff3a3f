'use strict'
// The README's JavaScript examples run, in order, against the emulator.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const capturekit = require('..')
const { startEmulator, KEYS, STATESET_API_KEY, REPO } = require('./emulator.js')

// A README block whose first line names a test file (`// capture.test.mjs`) is a user's test file.
const TEST_FILE = /^\/\/ ([\w.-]+\.test\.mjs)\n/

/** The README's ```js blocks, in order. */
function jsBlocks(readme) {
  return [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])
}

test('the README node:test example passes as a user runs it', () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8')
  const [example, ...others] = jsBlocks(readme).filter((block) => TEST_FILE.test(block))
  assert.ok(example && others.length === 0, 'one README block is a test file')
  const name = TEST_FILE.exec(example)[1]
  // Its own folder, where capturekit-sdk resolves to this package as if installed.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capturekit-readme-test-'))
  try {
    fs.mkdirSync(path.join(dir, 'node_modules'))
    fs.symlinkSync(path.join(REPO, 'node'), path.join(dir, 'node_modules', 'capturekit-sdk'))
    fs.writeFileSync(path.join(dir, name), example)
    // Without this runner's NODE_TEST_CONTEXT, the child reports as a top-level run does.
    const { NODE_TEST_CONTEXT, ...env } = process.env
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', name],
      { cwd: dir, env, encoding: 'utf8', timeout: 120_000 })
    assert.equal(run.status, 0, run.stdout + run.stderr)
    assert.match(run.stdout, /# pass 1\b/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('the README JavaScript examples run', async () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8')
  // The examples are ES modules (top-level await); here they run in one async function, so
  // each `import { … } from '…'` becomes the equivalent `require`.
  const blocks = jsBlocks(readme).filter((block) => !TEST_FILE.test(block)).map((block) => block.replace(
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
