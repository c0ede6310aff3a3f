'use strict'
// What is Node's own: error classes, Dates and decimal strings, async iteration, token
// providers, event-loop liveness, CommonJS and ESM, TypeScript types, npm pack.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const capturekit = require('..')
const { startEmulator, KEYS, BEARER_TOKEN, STATESET_API_KEY } = require('./emulator.js')

const UNUSED_SESSION = 'paymentSession_00000000-0000-4000-8000-000000000000'

function client(emulator, credentials = { keyFile: KEYS.ed25519 }, options = {}) {
  return new capturekit.Client(credentials, { baseUrl: emulator.baseUrl, ...options })
}

async function withEmulator(fn, options) {
  const emulator = await startEmulator(options)
  try {
    await fn(emulator)
  } finally {
    emulator.stop()
  }
}

test('each error kind rejects with its class and fields', () =>
  withEmulator(async (emulator) => {
    const session = await emulator.authorizedSession('1')
    const ps = client(emulator, undefined, { maxRetries: 0 }).paymentSessions
    async function rejects(Cls, call, fault) {
      if (fault) await emulator.control('POST', 'faults', fault)
      const error = await call().then(
        () => assert.fail(`expected ${Cls.name}`),
        (e) => e,
      )
      await emulator.control('DELETE', 'faults')
      assert.ok(error instanceof Cls, `${error.constructor.name}: ${error.message}`)
      assert.ok(error instanceof capturekit.CaptureKitError && error instanceof Error)
      assert.equal(error.name, Cls.name)
      return error
    }
    const notFound = await rejects(capturekit.NotFoundError, () => ps.getSession(UNUSED_SESSION))
    assert.equal(notFound.code, 'not_found')
    assert.equal(notFound.httpStatus, 404)
    assert.equal(notFound.retryable, false)
    assert.equal(notFound.details.message, 'Payment session with the given ID does not exist.')
    assert.equal(notFound.errorType, 'not_found')
    assert.ok(notFound.correlationId && notFound.errorLink)
    // The core's description, the same in every language: the correlation id included.
    assert.equal(notFound.message, `not_found: Payment session with the given ID does not exist. (HTTP 404, not_found, correlation id ${notFound.correlationId})`)
    await rejects(capturekit.InvalidRequestError, () => ps.capture(session, { amount: '5' }))
    await rejects(capturekit.PermissionDeniedError, () => ps.getSession(session), { type: 'status', status: 403 })
    await rejects(capturekit.IdempotencyError, () => ps.getSession(session), { type: 'status', status: 422, errorType: 'idempotency_error' })
    await rejects(capturekit.APIError, () => ps.getSession(session), { type: 'status', status: 409, errorType: 'payment_session_already_authorized' })
    const limited = await rejects(capturekit.RateLimitError, () => ps.getSession(session), { type: 'status', status: 429, retryAfter: 7 })
    assert.equal(limited.retryAfterMs, 7000)
    assert.equal(limited.retryable, true)
    const server = await rejects(capturekit.ServerError, () => ps.getSession(session), { type: 'status', status: 502 })
    assert.ok(server instanceof capturekit.APIError)
    const unknown = await rejects(capturekit.OutcomeUnknownError, () => ps.capture(session, { amount: '1', idempotencyKey: 'node-unknown' }), { type: 'status', status: 500 })
    assert.equal(unknown.idempotencyKey, 'node-unknown')
    await rejects(capturekit.DecodeError, () => ps.getSession(session), { type: 'malformed' })
    const slow = client(emulator, undefined, { maxRetries: 0, timeoutMs: 200 }).paymentSessions
    await rejects(capturekit.TimeoutError, () => slow.getSession(session), { type: 'delay', delayMs: 1500 })
    await rejects(capturekit.AuthenticationError, () => client(emulator, { keyFile: KEYS.unknown }).paymentSessions.getSession(session))
    await ps.capture(session, { finalCapture: true })
    await rejects(capturekit.NoCapturableBalanceError, () => ps.capture(session, { amount: '1' }))
    const late = await emulator.authorizedSession('1')
    await emulator.control('POST', 'clock/advance', { seconds: 8 * 86400 })
    await rejects(capturekit.CaptureExpiredError, () => ps.capture(late, { amount: '1' }))
    const wait = await rejects(capturekit.TimeoutError, async () => {
      const open = await emulator.authorizedSession('1')
      const c = await ps.capture(open)
      return ps.waitForCapture(open, c.captureId, { timeoutMs: 300, pollIntervalMs: 50 })
    })
    assert.equal(wait.lastCapture.status, 'pending')
    assert.ok(wait.lastCapture.createdAt instanceof Date)
  }))

test('network and configuration errors', async () => {
  const closed = await startEmulator()
  closed.stop()
  await new Promise((r) => setTimeout(r, 100))
  const offline = new capturekit.Client({ keyFile: KEYS.ed25519 }, { baseUrl: closed.baseUrl, maxRetries: 0 })
  await assert.rejects(offline.paymentSessions.getSession(UNUSED_SESSION), capturekit.NetworkError)
  assert.throws(() => new capturekit.Client({ bearerToken: 't' }, { baseUrl: 'http://example.com/platform' }), (e) => {
    return e instanceof capturekit.ConfigurationError && /plain http:\/\/ is only allowed for loopback/.test(e.message)
  })
  const badKey = path.join(os.tmpdir(), `ck-bad-key-${process.pid}.json`)
  fs.writeFileSync(badKey, JSON.stringify({ id: 'k', privateKey: 'not-a-key-secret' }))
  assert.throws(() => new capturekit.Client({ keyFile: badKey }), (e) => e instanceof capturekit.ConfigurationError && !e.message.includes('not-a-key-secret'))
  fs.unlinkSync(badKey)
  assert.throws(() => new capturekit.Client({ bearerToken: 'a', keyFile: KEYS.ed25519 }), capturekit.ConfigurationError)
})

test('amounts are decimal strings, timestamps Dates, and numbers are refused', () =>
  withEmulator(async (emulator) => {
    const session = await emulator.authorizedSession('10')
    const ps = client(emulator).paymentSessions
    const capture = await ps.capture(session, { amount: '2.50', metadata: { order_id: 'o-1' } })
    assert.equal(capture.amount, '2.50')
    assert.ok(capture.createdAt instanceof Date && !Number.isNaN(capture.createdAt.getTime()))
    assert.equal(capture.idempotencyKey.length, 36)
    assert.deepEqual(capture.metadata, { order_id: 'o-1' })
    const whole = await ps.capture(session, { amount: 3n })
    assert.equal(whole.amount, '3')
    const s = await ps.getSession(session)
    assert.equal(s.balances.capturable, '4.5')
    assert.ok(s.expiries.captureExpiresAt instanceof Date)
    await assert.rejects(ps.capture(session, { amount: 1.5 }), (e) => e instanceof TypeError && /money is never a float/.test(e.message))
  }))

test('bad argument types are TypeErrors naming the argument', async () => {
  const ps = new capturekit.Client({ bearerToken: 't' }, { baseUrl: 'http://127.0.0.1:9/platform' }).paymentSessions
  const cases = [
    [() => ps.capture(42), /paymentSessionId/],
    [() => ps.capture(UNUSED_SESSION, { finalCapture: 'yes' }), /finalCapture/],
    [() => ps.capture(UNUSED_SESSION, { metadata: { k: 1 } }), /metadata\["k"\]/],
    [() => ps.capture(UNUSED_SESSION, { metadata: ['k'] }), /metadata/],
    [() => ps.capture(UNUSED_SESSION, { idempotencyKey: 7 }), /idempotencyKey/],
    [() => ps.getCapture(UNUSED_SESSION, null), /captureId/],
    [() => ps.listCapturesPage(UNUSED_SESSION, { pageSize: '2' }), /pageSize/],
    [() => ps.waitForCapture(UNUSED_SESSION, 'capture_x', { timeoutMs: 'soon' }), /timeoutMs/],
  ]
  for (const [call, name] of cases) await assert.rejects(call(), (e) => e instanceof TypeError && name.test(e.message))
  assert.throws(() => new capturekit.Client({ tokenProvider: 'nope' }), TypeError)
  assert.throws(() => capturekit.deriveIdempotencyKey('a', 1), TypeError)
  await assert.rejects(ps.capture(UNUSED_SESSION, { amount: '1e3', idempotencyKey: 'k-1' }), (e) => {
    return e instanceof capturekit.InvalidRequestError && e.idempotencyKey === 'k-1' && /amount/.test(e.message)
  })
})

test('async iteration walks every page', () =>
  withEmulator(async (emulator) => {
    const session = await emulator.authorizedSession('10')
    const ps = client(emulator).paymentSessions
    const made = []
    for (let i = 0; i < 5; i++) made.push((await ps.capture(session, { amount: '1' })).captureId)
    const seen = []
    for await (const capture of ps.listCaptures(session, { pageSize: 2 })) seen.push(capture.captureId)
    assert.deepEqual(seen, made)
    const first = await ps.listCapturesPage(session, { pageSize: 2 })
    assert.equal(first.captures.length, 2)
    assert.ok(first.nextPageToken)
  }))

test('token providers: async and sync, once per attempt, failures are authentication errors', () =>
  withEmulator(async (emulator) => {
    const session = await emulator.authorizedSession('10')
    const asked = []
    const provider = async (request) => {
      asked.push(request)
      return BEARER_TOKEN
    }
    await emulator.control('POST', 'faults', { type: 'status', status: 503, count: 1 })
    await client(emulator, { tokenProvider: provider }).paymentSessions.capture(session, { amount: '1' })
    assert.equal(asked.length, 2, 'one token per attempt')
    assert.equal(asked[0].method, 'POST')
    assert.equal(asked[0].uri, `POST ${asked[0].hostAndPath}`)
    assert.ok(asked[0].hostAndPath.endsWith(`/platform/v2/payment-sessions/${session}/captures`))
    await client(emulator, { tokenProvider: () => BEARER_TOKEN }).paymentSessions.getSession(session)

    const before = (await emulator.control('GET', 'stats')).requests
    const throwing = client(emulator, { tokenProvider: async () => { throw new Error('the back end is down') } })
    await assert.rejects(throwing.paymentSessions.getSession(session), (e) => e instanceof capturekit.AuthenticationError && /the back end is down/.test(e.message))
    const wrongType = client(emulator, { tokenProvider: async () => 42 })
    await assert.rejects(wrongType.paymentSessions.getSession(session), capturekit.AuthenticationError)
    assert.equal((await emulator.control('GET', 'stats')).requests, before, 'nothing was sent without a token')
  }))

test('generateJwt mints tokens the API accepts, and names a bad field', () =>
  withEmulator(async (emulator) => {
    const session = await emulator.authorizedSession('10')
    const key = JSON.parse(fs.readFileSync(KEYS.es256, 'utf8'))
    const backEnd = ({ method, hostAndPath }) => {
      const slash = hostAndPath.indexOf('/')
      return capturekit.generateJwt({
        apiKeyId: key.name, apiKeySecret: key.privateKey, requestMethod: method,
        requestHost: hostAndPath.slice(0, slash), requestPath: hostAndPath.slice(slash),
      })
    }
    const capture = await client(emulator, { tokenProvider: backEnd }).paymentSessions.capture(session, { amount: '1' })
    assert.equal(capture.amount, '1')
    const options = { apiKeyId: key.name, apiKeySecret: key.privateKey, requestMethod: 'get', requestHost: 'h', requestPath: '/p' }
    assert.throws(() => capturekit.generateJwt(options), (e) => e instanceof capturekit.InvalidRequestError && /requestMethod/.test(e.message))
    assert.throws(() => capturekit.generateJwt({ ...options, requestPath: 7 }), TypeError)
  }))

test('the event loop keeps running while a hundred captures are in flight', () =>
  withEmulator(async (emulator) => {
    const session = await emulator.authorizedSession('1000')
    const ps = client(emulator).paymentSessions
    await emulator.control('POST', 'faults', { type: 'delay', delayMs: 1000, count: 100, method: 'POST' })
    let ticks = 0
    const timer = setInterval(() => ticks++, 10)
    const started = Date.now()
    const captures = await Promise.all(Array.from({ length: 100 }, () => ps.capture(session, { amount: '1' })))
    const elapsed = Date.now() - started
    clearInterval(timer)
    assert.equal(new Set(captures.map((c) => c.captureId)).size, 100)
    // A blocked loop would tick about zero times; a free one about elapsed / 10 times.
    assert.ok(ticks >= elapsed / 10 / 4, `${ticks} ticks in ${elapsed} ms`)
  }))

test('CommonJS and ESM load the same module', async () => {
  const esm = await import('../index.mjs')
  assert.equal(esm.Client, capturekit.Client)
  assert.equal(esm.default.OutcomeUnknownError, capturekit.OutcomeUnknownError)
  const byName = await import('capturekit-sdk')
  assert.equal(byName.Client, capturekit.Client)
  assert.equal(require('capturekit-sdk').Client, capturekit.Client)
  assert.equal(capturekit.deriveIdempotencyKey('order-1234', 'capture-1'), '8d776d01-4680-4fe5-98e4-b5392bb5e042')
})

test('the TypeScript example compiles against the shipped types', () => {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', path.join(__dirname, 'tsconfig.json')], { stdio: 'pipe' })
})

test('Coinbase Payments and StateSet: typed results, refused numbers and fractions', async () => {
  const emulator = await startEmulator()
  try {
    const escrowId = (await emulator.control('POST', 'escrow-payments', { amount: '10' })).id
    const statesetId = (await emulator.control('POST', 'stateset-payments', { amount: 5000 })).id
    const client = new capturekit.Client(
      { keyFile: KEYS.ed25519, statesetApiKey: STATESET_API_KEY },
      { baseUrl: emulator.baseUrl, coinbasePaymentsBaseUrl: emulator.url, statesetBaseUrl: emulator.url },
    )
    const receiver = '0x1111111111111111111111111111111111111111'
    await assert.rejects(client.coinbasePayments.capture(escrowId, { amount: 1.5 }), TypeError)
    await assert.rejects(client.coinbasePayments.capture(escrowId, { amount: '1', feeBps: 1.5 }), /feeBps: must be a whole number/)
    await assert.rejects(client.stateset.capture(statesetId, { amountCents: 12.5 }), /amountCents: must be a whole number/)
    await assert.rejects(client.stateset.capture(statesetId, { amount: 100 }), (e) => e instanceof TypeError && /unexpected option "amount"/.test(e.message))
    const capture = await client.coinbasePayments.capture(escrowId, {
      amount: '2.50', feeBps: 100, feeReceiver: receiver,
      distributeRewards: [{ campaignAddress: receiver, tokenAddress: receiver, chainId: 8453 }],
    })
    assert.equal(capture.idempotencyKey.length, 36)
    assert.ok(capture.rewardOperations[0].createdAt instanceof Date)
    const { payment, paymentOperations } = await client.coinbasePayments.getPayment(escrowId)
    assert.equal(payment.capturedAmount, '2.50')
    assert.ok(payment.authorizationExpiry instanceof Date)
    assert.equal(paymentOperations.at(-1).feeAmount, '0.025')
    const paid = await client.stateset.capture(statesetId, { amountCents: 4000n })
    assert.equal(paid.amountCaptured, 4000)
    assert.ok(paid.capturedAt instanceof Date && paid.captureDetails.captureTime instanceof Date)
    const again = await client.stateset.capture(statesetId).catch((e) => e)
    assert.ok(again instanceof capturekit.NoCapturableBalanceError)
    assert.equal(again.errorType, 'already_captured')
  } finally {
    emulator.stop()
  }
})

test('an options key the core does not know is a TypeError naming it, before any request', async () => {
  const ps = new capturekit.Client({ bearerToken: 't' }, { baseUrl: 'http://127.0.0.1:9/platform' }).paymentSessions
  await assert.rejects(ps.capture(UNUSED_SESSION, { amout: '1.00' }), (e) => e instanceof TypeError && /unexpected option "amout"/.test(e.message))
  await assert.rejects(ps.waitForCapture(UNUSED_SESSION, 'capture_x', { timeout: 5 }), /unexpected option "timeout"/)
  assert.throws(() => new capturekit.Client({ keyFile: KEYS.ed25519, baseUrl: 'http://127.0.0.1:9' }), (e) => e instanceof TypeError && /unexpected option "baseUrl"/.test(e.message))
  assert.throws(() => new capturekit.JwtSigner({ apiKey: 'k' }), TypeError)
})

test('free-form maps come back with exactly the keys and values sent', () =>
  withEmulator(async (emulator) => {
    const session = await emulator.authorizedSession('10')
    const ps = client(emulator).paymentSessions
    const metadata = { orderId: 'A-1', 'Shipped At': 'tomorrow', shippedAt: 'tomorrow', createdAt: '2024-01-19T16:00:00Z', AMOUNT: '10.50', count: '42' }
    const capture = await ps.capture(session, { amount: '1', metadata })
    assert.deepStrictEqual(capture.metadata, metadata)
    assert.deepStrictEqual((await ps.getCapture(session, capture.captureId)).metadata, metadata)
    assert.deepStrictEqual((await ps.getSession(session)).captures[0].metadata, metadata)
  }))

test('a kept JwtSigner mints tokens the API accepts; its errors are the core kinds', () =>
  withEmulator(async (emulator) => {
    const session = await emulator.authorizedSession('10')
    const key = JSON.parse(fs.readFileSync(KEYS.es256, 'utf8'))
    const signer = new capturekit.JwtSigner({ apiKeyId: key.name, apiKeySecret: key.privateKey })
    assert.equal(signer.keyId, new capturekit.JwtSigner({ keyFile: KEYS.es256 }).keyId)
    const backEnd = ({ method, hostAndPath }) => {
      const slash = hostAndPath.indexOf('/')
      return signer.sign({ requestMethod: method, requestHost: hostAndPath.slice(0, slash), requestPath: hostAndPath.slice(slash) })
    }
    assert.equal((await client(emulator, { tokenProvider: backEnd }).paymentSessions.capture(session, { amount: '1' })).amount, '1')
    assert.throws(() => signer.sign({ requestMethod: 'get', requestHost: 'h', requestPath: '/p' }), capturekit.InvalidRequestError)
    assert.throws(() => new capturekit.JwtSigner({ apiKeyId: 'k' }), capturekit.ConfigurationError)
  }))

test('the error classes are the core kinds, each with its code', () => {
  const native = require('../native.js')
  const codes = Object.values(require('../errors.js')).map((cls) => cls.code).filter((code) => code !== 'unknown')
  assert.deepStrictEqual(codes.sort(), native.errorCodes().sort())
})

test('only plain objects are read, and only their own keys', async () => {
  const ps = new capturekit.Client({ bearerToken: 't' }, { baseUrl: 'http://127.0.0.1:9/platform', maxRetries: 0 }).paymentSessions
  // A Map holds no properties: read as options it would capture everything capturable.
  await assert.rejects(ps.capture(UNUSED_SESSION, new Map([['amount', '1.00']])), (e) => e instanceof TypeError && /plain object/.test(e.message))
  await assert.rejects(ps.capture(UNUSED_SESSION, { amount: '1', metadata: new Map([['k', 'v']]) }), (e) => e instanceof TypeError && /metadata: must be a plain object/.test(e.message))
  await assert.rejects(ps.capture(UNUSED_SESSION, Object.create({ amount: '1.00' })), TypeError)
  // A key on a polluted Object.prototype is not the caller's option: it is never read.
  Object.prototype.amount = 'not an amount'
  try {
    const request = { idempotencyKey: 'has space' }
    await assert.rejects(ps.capture(UNUSED_SESSION, request), (e) => {
      return e instanceof capturekit.InvalidRequestError && /^invalid_request: idempotencyKey/.test(e.message)
    })
  } finally {
    delete Object.prototype.amount
  }
})

test('an idle client with a token provider never keeps the process alive', () =>
  withEmulator(async (emulator) => {
    const session = await emulator.authorizedSession('5')
    // One call through a token provider, then nothing: the process must end at once (it
    // waited 8 s for the provider's thread-safe function before issue 14).
    const script = `
      const ck = require(${JSON.stringify(path.resolve(__dirname, '..'))})
      const client = new ck.Client({ tokenProvider: () => ${JSON.stringify(BEARER_TOKEN)} }, { baseUrl: ${JSON.stringify(emulator.baseUrl)} })
      client.paymentSessions.getSession(${JSON.stringify(session)}).then(() => { globalThis.keep = client; console.log('read') })`
    const started = Date.now()
    const printed = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 })
    assert.equal(printed.trim(), 'read')
    assert.ok(Date.now() - started < 5000, `exit took ${Date.now() - started} ms`)
  }))

test('close() lets the provider go and refuses later calls before any I/O; await using closes', () =>
  withEmulator(async (emulator) => {
    const session = await emulator.authorizedSession('5')
    const ck = client(emulator, { tokenProvider: () => BEARER_TOKEN })
    const ps = ck.paymentSessions
    await ps.getSession(session)
    ck.close()
    const before = (await emulator.control('GET', 'stats')).requests
    await assert.rejects(ps.capture(session, { amount: '1' }), (e) => e instanceof capturekit.ConfigurationError && /closed/.test(e.message))
    assert.equal((await emulator.control('GET', 'stats')).requests, before)
    ck.close()
    const disposable = client(emulator)
    await disposable[Symbol.asyncDispose]()
    await assert.rejects(disposable.paymentSessions.getSession(session), capturekit.ConfigurationError)
  }))

test('a token provider that never settles is bounded by the attempt timeout', () =>
  withEmulator(async (emulator) => {
    const session = await emulator.authorizedSession('5')
    const ck = client(emulator, { tokenProvider: () => new Promise(() => {}) }, { timeoutMs: 200, maxRetries: 0 })
    const started = Date.now()
    await assert.rejects(ck.paymentSessions.capture(session, { amount: '1' }), (e) => e instanceof capturekit.TimeoutError && /token provider/.test(e.message))
    assert.ok(Date.now() - started < 5000)
  }))

test('a panic inside the core rejects with InternalError and the process lives on', async () => {
  await assert.rejects(capturekit._panicForTests(), (e) =>
    e instanceof capturekit.InternalError && e.code === 'internal' && /a panic forced by a test/.test(e.message))
  // Still alive and working.
  assert.equal(capturekit.deriveIdempotencyKey('a'), capturekit.deriveIdempotencyKey('a'))
})

test('a rule a Node caller broke names the field as Node spells it', async () => {
  // Guards against messages in the core's Rust spelling (`page_size`, `source.account_id`,
  // `timeout`) that name no option a JavaScript caller wrote.
  const client = new capturekit.Client({ bearerToken: 't' }, { baseUrl: 'http://127.0.0.1:9/platform' })
  const ps = client.paymentSessions
  const session = 'paymentSession_00000000-0000-4000-8000-000000000000'
  const cases = [
    [() => ps.listCapturesPage(session, { pageSize: 0 }), /^pageSize: must be 1 to 100/],
    [() => ps.refund(session, { source: { accountId: 'account_x', asset: 'usdc' } }), /^source\.accountId: must match/],
    [() => ps.refund(session, { source: { accountId: 'account_af2937b0-9846-4fe7-bfe9-ccc22d935114' } }), /^source\.asset: is required with source\.accountId$/],
    [() => ps.waitForCapture(session, 'capture_00000000-0000-4000-8000-000000000000', { timeoutMs: 0 }), /^timeoutMs: must be greater than zero/],
    [() => ps.getCapture('paymentSession_x', 'capture_x'), /^paymentSessionId: must match \^paymentSession_/],
    [() => ps.capture(session, { idempotencyKey: 'bad key' }), /^idempotencyKey: must be visible ASCII/],
  ]
  for (const [call, expected] of cases) {
    await assert.rejects(call, (e) => e instanceof capturekit.InvalidRequestError && expected.test(e.details.message), String(expected))
  }
  client.close()
})
