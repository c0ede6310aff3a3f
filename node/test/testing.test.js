'use strict'
// capturekit-sdk/testing, as a user's test suite uses it.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { OutcomeUnknownError, TimeoutError, ServerError } = require('..')
const { startEmulator, findEmulatorExecutable, EmulatorControlError } = require('../testing.js')

test('the package exports capturekit-sdk/testing for require and import', async () => {
  const pkg = require('../package.json')
  assert.equal(pkg.exports['./testing'].require, './testing.js')
  const esm = await import('capturekit-sdk/testing')
  assert.equal(typeof esm.startEmulator, 'function')
})

test('an emulator hands back a client for all three providers', async (t) => {
  const emulator = await startEmulator()
  t.after(() => emulator.stop())
  assert.match(emulator.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.equal(emulator.baseUrl, `${emulator.url}/platform`)
  const client = emulator.client()
  const sessionId = await emulator.createSession({ amount: '25.00' })
  const capture = await client.paymentSessions.capture(sessionId, { amount: '10.00' })
  assert.equal(await emulator.settle({ captureId: capture.captureId }), 1)
  assert.equal((await client.paymentSessions.getCapture(sessionId, capture.captureId)).status, 'succeeded')
  const escrowId = await emulator.createEscrowPayment({ amount: '40.00' })
  await client.coinbasePayments.capture(escrowId, { amount: '15.00' })
  assert.equal((await client.coinbasePayments.getPayment(escrowId)).payment.capturedAmount, '15.00')
  const statesetId = await emulator.createStatesetPayment({ amount: 15000 })
  assert.equal((await client.stateset.capture(statesetId, { amountCents: 12000 })).amountCaptured, 12000)
})

test('a dropped answer retried with the same key captures once', async (t) => {
  const emulator = await startEmulator()
  t.after(() => emulator.stop())
  const sessionId = await emulator.createSession({ amount: '25.00' })
  const client = emulator.client({ maxRetries: 0 })
  await emulator.addFault({ type: 'drop', method: 'POST', path: '/captures' })
  const request = { amount: '10.00', idempotencyKey: 'order-7-capture' }
  await assert.rejects(client.paymentSessions.capture(sessionId, request), OutcomeUnknownError)
  await client.paymentSessions.capture(sessionId, request)
  const posts = (await emulator.requests()).filter((r) => r.method === 'POST')
  assert.deepEqual(posts.map((r) => [r.idempotencyKey, r.status, r.fault]),
    [['order-7-capture', 200, 'drop'], ['order-7-capture', 200, null]])
  await emulator.settle()
  const { balances } = await client.paymentSessions.getSession(sessionId)
  assert.deepEqual([balances.captured, balances.capturable], ['10', '15'])
})

test('the control helpers drive the emulator', async (t) => {
  const emulator = await startEmulator()
  t.after(() => emulator.stop())
  const client = emulator.client()
  assert.deepEqual(await emulator.configure({ settleDelayMs: null }), { settleDelayMs: null, rateLimits: false })
  const unpaid = await emulator.createSession({ amount: '3', authorized: false })
  assert.equal((await emulator.authorizeSession(unpaid)).status, 'authorization_succeeded')
  assert.deepEqual(await emulator.nextOutcome({ outcome: 'failed' }), { queued: 1 })
  const capture = await client.paymentSessions.capture(unpaid, { amount: '1' })
  assert.equal(await emulator.settle({ paymentSessionId: unpaid }), 1)
  assert.equal((await client.paymentSessions.getCapture(unpaid, capture.captureId)).status, 'failed')
  assert.match(await emulator.advanceClock(60), /Z$/)
  await emulator.addFault({ type: 'status', status: 503, count: 0 })
  await emulator.clearFaults()
  await emulator.addWebhookFault({ type: 'duplicate' })
  await emulator.clearWebhookFaults()
  assert.deepEqual(await emulator.webhookDeliveries({ eventType: 'payment_session.captured' }), [])
  const stats = await emulator.stats()
  assert.deepEqual([stats.sessions, stats.captures], [1, 1])
  await emulator.reset()
  assert.equal((await emulator.stats()).sessions, 0)
  assert.deepEqual(await emulator.requests(), [])
})

test('a refused control call names the field', async (t) => {
  const emulator = await startEmulator()
  t.after(() => emulator.stop())
  await assert.rejects(emulator.nextOutcome({ outcome: 'failed', count: 0 }),
    (error) => error instanceof EmulatorControlError && error.status === 400 && /count/.test(error.message))
})

test('options reach the emulator: manual settlement, seeded faults', async (t) => {
  const manual = await startEmulator({ manualSettle: true })
  t.after(() => manual.stop())
  const client = manual.client()
  const sessionId = await manual.createSession({ amount: '2' })
  const capture = await client.paymentSessions.capture(sessionId, { amount: '1' })
  await assert.rejects(client.paymentSessions.waitForCapture(sessionId, capture.captureId, { timeoutMs: 300 }), TimeoutError)
  assert.equal(await manual.settle(), 1)

  async function statuses(seed) {
    const emulator = await startEmulator({ seed })
    try {
      await emulator.addFault({ type: 'status', status: 503, probability: 0.5, count: 0 })
      const seeded = emulator.client({ maxRetries: 0 })
      const id = await emulator.createSession({ amount: '1' })
      for (let i = 0; i < 16; i++) await seeded.paymentSessions.getSession(id).catch((e) => assert.ok(e instanceof ServerError))
      return (await emulator.requests()).map((r) => r.status)
    } finally {
      await emulator.stop()
    }
  }
  const first = await statuses(7)
  assert.deepEqual(await statuses(7), first)
  assert.ok(first.includes(503) && first.includes(200))
  await assert.rejects(startEmulator({ settleDelay: 5 }), { name: 'TypeError', message: /unknown option settleDelay/ })
})

test('stop ends the process and removes its key file', async () => {
  const emulator = await startEmulator()
  assert.ok(fs.existsSync(emulator.keyFile))
  await emulator.stop()
  assert.ok(!fs.existsSync(emulator.keyFile))
  await assert.rejects(emulator.stats())
})

test('a missing executable or one that cannot start is a clear error', async () => {
  assert.throws(() => findEmulatorExecutable('/nowhere/capturekit-emulator'), /not an executable file/)
  const saved = process.env.CAPTUREKIT_EMULATOR_BIN
  process.env.CAPTUREKIT_EMULATOR_BIN = '' // empty counts as unset
  try {
    assert.throws(() => findEmulatorExecutable(), /npm install --save-dev capturekit-emulator/)
  } finally {
    process.env.CAPTUREKIT_EMULATOR_BIN = saved
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capturekit-broken-'))
  try {
    const script = path.join(dir, 'broken-emulator')
    fs.writeFileSync(script, "#!/bin/sh\necho 'capturekit-emulator: cannot listen: address in use' >&2\nexit 2\n", { mode: 0o755 })
    await assert.rejects(startEmulator({ executable: script }), /did not start: capturekit-emulator: cannot listen/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('an emulator outlives no killed test run', () => {
  const script = `require(${JSON.stringify(path.join(__dirname, '..', 'testing.js'))}).startEmulator()
    .then((emulator) => { console.log(emulator.url); process.kill(process.pid, 'SIGKILL') })`
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 })
  assert.equal(run.signal, 'SIGKILL', run.stderr)
  const port = new URL(run.stdout.trim()).port
  const deadline = Date.now() + 10_000
  // The orphan stops once its stdin pipe closes; then nothing listens on its port.
  for (;;) {
    const probe = spawnSync(process.execPath, ['-e',
      `require('node:net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`])
    if (probe.status === 1) break
    assert.ok(Date.now() < deadline, 'the emulator outlived its killed test run')
    spawnSync('sleep', ['0.05'])
  }
})

test('the helpers are the shared control calls', () => {
  // tests/vectors/emulator_fixture.json lists the control calls every language's fixture wraps.
  const vector = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'vectors', 'emulator_fixture.json'), 'utf8'))
  const camel = (name) => name.replace(/_([a-z])/g, (_, letter) => letter.toUpperCase())
  const infrastructure = new Set(['constructor', 'client', 'control', 'stop'])
  const { Emulator } = require('../testing.js')
  const helpers = Object.getOwnPropertyNames(Emulator.prototype).filter((name) => !infrastructure.has(name)).sort()
  assert.deepEqual(helpers, vector.helpers.map((helper) => camel(helper.name)).sort())
})
