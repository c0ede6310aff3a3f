'use strict'
// Property-based tests of the Node binding's conversions (issue 14, section 6).
//
// Any value of any type, in any argument of any call, ends in one of two ways:
// - accepted: the call resolves, or gets past every check and fails at the network. Every
//   client here points at a closed loopback port (127.0.0.1:9) with no retries, so nothing is
//   ever sent; most refusals come before any I/O at all.
// - refused with a TypeError or RangeError, or an InvalidRequestError (a client's or a
//   signer's configuration may also be refused with a ConfigurationError), whose message
//   names the argument (as the option is spelt in JavaScript, or as the core spells the field:
//   `pageSize` or `page_size`).
//
// Never another error class, a thrown non-Error, a crash or a hang. And never a misread:
// where the rule for a value is known (a range, a pattern, an amount's digits) the value is
// accepted exactly when it keeps the rule, so a value read as another one (a number wrapped
// at 2**32, a fraction truncated, a lone surrogate replaced) shows up as a value accepted or
// refused against its rule.
//
// fast-check runs NUM_RUNS cases per property, so that `make test` stays bounded.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const fc = require('fast-check')
const { inspect } = require('node:util')
const capturekit = require('..')
const { KEYS, REPO } = require('./emulator.js')

/** Cases per property: the file runs in about 7 s. */
const NUM_RUNS = 200
/** A call still running after this long has hung. */
const HANG_MS = 10_000

const CLOSED = 'http://127.0.0.1:9'
const SESSION = 'paymentSession_00000000-0000-4000-8000-000000000000'
const CAPTURE = 'capture_00000000-0000-4000-8000-000000000000'
const VOID = 'void_00000000-0000-4000-8000-000000000000'
const REFUND = 'refund_00000000-0000-4000-8000-000000000000'
const PAYMENT = 'pay_1'
const ADDRESS = `0x${'1'.repeat(40)}`
const IDEMPOTENCY_KEY = '8e03978e-40d5-43e8-bc93-6894a57f9324'
const KEY = JSON.parse(fs.readFileSync(KEYS.ed25519, 'utf8'))
const A_YEAR_MS = 366 * 24 * 3600 * 1000
const MAX_SAFE = Number.MAX_SAFE_INTEGER
const U64_MAX = 2n ** 64n - 1n

/**
 * A client whose every base URL is a closed loopback port, with no retries: a call that gets
 * past every check fails at once with a network error, and nothing is sent.
 */
function makeClient(credentials = { bearerToken: 't', statesetApiKey: 's' }, options = {}) {
  return new capturekit.Client(credentials, {
    baseUrl: `${CLOSED}/platform`, coinbasePaymentsBaseUrl: CLOSED, statesetBaseUrl: CLOSED, maxRetries: 0,
    timeoutMs: 2000, connectTimeoutMs: 1000, ...options,
  })
}

const client = makeClient()
const ps = client.paymentSessions
const signer = new capturekit.JwtSigner({ apiKeyId: KEY.id, apiKeySecret: KEY.privateKey })

// --- running a call and judging its outcome --------------------------------------------------

/** The codes of the errors of a call that passed every check and reached the closed port. */
const REACHED_THE_NETWORK = new Set(['network', 'outcome_unknown', 'timeout'])
const REFUSALS = [TypeError, RangeError, capturekit.InvalidRequestError]
const CONFIGURATION_REFUSALS = [...REFUSALS, capturekit.ConfigurationError]
const HUNG = Symbol('hung')

/** How `call()` ended: `{ error }` when it threw or rejected, `{}` when it returned; fails on a hang. */
async function run(call) {
  let timer
  const hung = new Promise((resolve) => {
    timer = setTimeout(() => resolve(HUNG), HANG_MS)
  })
  try {
    const ended = await Promise.race([Promise.resolve().then(call).then(() => ({}), (error) => ({ error })), hung])
    assert.notEqual(ended, HUNG, `the call was still running after ${HANG_MS} ms`)
    return ended
  } finally {
    clearTimeout(timer)
  }
}

/** `pageSize` as the core names it in its own messages: `page_size`. */
const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/**
 * Whether the error's message names `argument`: as spelt in JavaScript (`pageSize`), as the
 * core spells the field (`page_size`; `timeout` for `timeoutMs`, whose unit is the binding's),
 * or in words as configuration errors do (`key file`). `a|b`: either name will do.
 */
function names(error, argument) {
  const text = String(error?.message)
  const spellings = (name) => [name, snake(name), snake(name).replace(/_/g, ' ')]
  return argument.split('|').some((name) => {
    const core = name.endsWith('Ms') ? spellings(name.slice(0, -2)) : []
    return [...spellings(name), ...core].some((n) => text.includes(n))
  })
}

function describe(error) {
  return error instanceof Error ? `${error.constructor.name}: ${error.message.slice(0, 300)}` : `a thrown ${typeof error}: ${inspect(error)}`
}

/**
 * Runs `call`: `null` when it accepted its input, else the refusal, after checking that it is
 * one of `refusals` and (unless `named` is false) that it names `argument`.
 */
async function outcome(call, argument, refusals = REFUSALS, named = true) {
  const { error } = await run(call)
  if (error === undefined) return null
  if (error instanceof capturekit.CaptureKitError && REACHED_THE_NETWORK.has(error.code)) return null
  assert.ok(refusals.some((Cls) => error instanceof Cls), `${argument}: refused with ${describe(error)}`)
  if (named) assert.ok(names(error, argument), `${argument}: the error does not name the argument: ${describe(error)}`)
  return error
}

/**
 * Whether `call` accepted its input. Only the refusal's class is checked here: the properties
 * that use it look for misreads, and the naming of each argument has its own property.
 */
async function accepted(call, argument, refusals = REFUSALS) {
  return (await outcome(call, argument, refusals, false)) === null
}

/** Checks `property` on NUM_RUNS cases (or `numRuns`). */
function check(arbitrary, property, numRuns = NUM_RUNS) {
  return fc.assert(fc.asyncProperty(arbitrary, property), { numRuns, includeErrorInReport: true })
}

// --- values of every type ----------------------------------------------------------------------

class Boom extends Error {}

/** A lone UTF-16 surrogate: a JavaScript string can hold one, UTF-8 cannot. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))

/** Any text: printable, control characters, lone surrogates, spaces, astral, very long. */
const texts = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.oneof(loneSurrogate, fc.constantFrom('\0', '\n', '\r', '\t', ' ', '\u2028', '\ufeff', '\ufffd', 'é', '😀')) }),
  fc.tuple(fc.constantFrom('x', 'é', '\0', '9', '\n', '\ud800', '😀', 'a b'), fc.integer({ min: 100, max: 70_000 })).map(([piece, count]) => piece.repeat(count)),
)

/** Numbers at the edges of the types numbers are held in (u16, u32, u64, 2**53). */
const EDGE_NUMBERS = [0, -0, 1, -1, 0.5, 1.5, -1.5, 2 ** 16, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 2 ** 32 + 100, 2 ** 53 - 1,
  2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e19, 1e300, Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON, NaN, Infinity, -Infinity]
const EDGE_BIGINTS = [0n, 1n, -1n, 2n ** 32n, 2n ** 32n + 100n, 2n ** 53n + 1n, U64_MAX, U64_MAX + 1n, 2n ** 96n, -(2n ** 64n), 10n ** 40n]

const numbers = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(...EDGE_NUMBERS), fc.integer({ min: -5, max: 5 }).map((n) => 2 ** 32 + n))
const bigints = fc.oneof(fc.bigInt(), fc.constantFrom(...EDGE_BIGINTS))

/** Values `fc.anything()` does not make: symbols, functions, class instances, boxed and exotic objects. */
const oddValues = fc.constantFrom(
  Symbol('s'), Symbol.iterator, () => '1', async () => '1', function* gen() {}, class Options {}, Math, JSON, globalThis,
  new Map([['amount', '1']]), new Set(['1']), new Date(Number.NaN), /x/, new Error('e'), Promise.resolve('1'), new WeakMap(),
  Buffer.from('x'), new Uint8Array(2), new ArrayBuffer(2), new Number(5), new String('1'), new Boolean(true), Object(1n),
  Object.create(null), Object.create({ amount: '1' }), new Proxy({}, {}), [, '1'], new Array(3),
)

/** A value of any type, containers of them included. */
const anything = fc.oneof(
  fc.anything({
    maxDepth: 2, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true,
    withObjectString: true, withTypedArray: true, withSparseArray: true, stringUnit: 'binary',
  }),
  texts, numbers, bigints, oddValues,
)

/** `valid` and texts one edit away from it: the values most easily misread. */
function near(valid) {
  const position = fc.integer({ min: 0, max: valid.length })
  const char = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate, fc.constantFrom(...'\0\n\r\t /?#%&-_.:\\"\'éA'))
  return fc.oneof(
    fc.constantFrom(valid, valid.toUpperCase(), ` ${valid}`, `${valid}\0`),
    fc.tuple(position, char).map(([i, c]) => valid.slice(0, i) + c + valid.slice(i)),
    position.map((i) => valid.slice(0, i) + valid.slice(i + 1)),
    fc.tuple(position, char).map(([i, c]) => valid.slice(0, i) + c + valid.slice(i + 1)),
    fc.string({ maxLength: 8 }).map((tail) => valid + tail),
  )
}

/** Numbers and bigints around a range and at its edges, and the same as strings and booleans. */
function wholeNumbers(low, high) {
  const by = (edge) => fc.integer({ min: -2, max: 2 }).map((d) => Number(edge) + d)
  const around = fc.oneof(by(low), by(high), fc.integer({ min: Number(low), max: Math.min(Number(high), 2 ** 31 - 1) }))
  return fc.oneof(around, around.map(BigInt), around.map((n) => n + 0.5), around.map(String), fc.boolean(), numbers, bigints)
}

const digits = (maxLength = 32) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength })

/** Plain decimal texts of up to 32 + 32 digits (`"0"`, `"007.50"`, `"0." + "9" * 30`). */
const decimalTexts = fc.tuple(digits(), fc.option(digits(), { nil: null })).map(([whole, fraction]) => (fraction === null ? whole : `${whole}.${fraction}`))

/** Milliseconds: zero, tiny, a year, beyond what an `Instant` can add, fractions and not numbers. */
const milliseconds = fc.oneof(
  fc.constantFrom(0, -0, 1, 0.5, A_YEAR_MS, A_YEAR_MS + 1, MAX_SAFE, MAX_SAFE + 2, 2 ** 32 + 1000, 1e19, -1, NaN, Infinity, '1', 1n),
  fc.integer({ min: -10, max: 2 ** 31 - 1 }), fc.double(),
)

/** Maps near the metadata limits (10 pairs, keys 1 to 40 characters, values up to 500). */
const metadataMaps = fc.oneof(
  fc.dictionary(fc.oneof(fc.string({ maxLength: 42 }), fc.constantFrom('k'.repeat(40), 'k'.repeat(41), 'é'.repeat(40), '\ud800')),
    fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('v'.repeat(500), 'v'.repeat(501), '\ud800'), anything), { maxKeys: 12 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { minKeys: 9, maxKeys: 11 }),
)

const rewards = fc.array(fc.oneof(
  fc.record({
    campaignAddress: fc.oneof(fc.constant(ADDRESS), near(ADDRESS), anything),
    tokenAddress: fc.oneof(fc.constant(ADDRESS), anything),
    chainId: fc.oneof(fc.constant(8453), wholeNumbers(1, U64_MAX), anything),
  }),
  anything,
), { maxLength: 3 })

const keyFiles = fc.constantFrom(KEYS.ed25519, KEYS.es256, `${REPO}/Makefile`, REPO, '/dev/null', '', '.', `${REPO}/tests/fixtures/no-such-key.json`)

/** Values aimed at each argument, added to `anything`: valid ones, and those near the rules. */
const TARGETED = {
  paymentSessionId: near(SESSION),
  captureId: near(CAPTURE),
  paymentId: near(PAYMENT),
  amount: fc.oneof(decimalTexts, near('10.50'), bigints),
  amountCents: wholeNumbers(1, U64_MAX),
  feeBps: wholeNumbers(0, 10_000),
  pageSize: wholeNumbers(1, 100),
  maxRetries: wholeNumbers(0, 10),
  finalCapture: fc.oneof(fc.boolean(), fc.constantFrom(0, 1, 'true', 'false', new Boolean(false))),
  metadata: metadataMaps,
  externalReferenceId: fc.oneof(near('x'.repeat(256)), fc.constant('x'.repeat(257))),
  idempotencyKey: fc.oneof(near(IDEMPOTENCY_KEY), fc.constantFrom('k'.repeat(128), 'k'.repeat(129))),
  pageToken: near('eyJsYXN0X2lkIjogImFiYzEyMyJ9'),
  feeReceiver: near(ADDRESS),
  distributeRewards: rewards,
  statementDescriptor: fc.oneof(near('SHOP'), fc.constantFrom('x'.repeat(22), 'x'.repeat(23))),
  timeoutMs: milliseconds,
  connectTimeoutMs: milliseconds,
  pollIntervalMs: milliseconds,
  maxPollIntervalMs: milliseconds,
  baseUrl: fc.oneof(near(`${CLOSED}/platform`), fc.constantFrom('https://api.cdp.coinbase.com/platform', 'ftp://x', 'http://example.com',
    'https://', 'http://[::1]:9', 'https://user:pass@example.com', 'https://example.com/a?b#c', 'file:///etc/passwd')),
  userAgent: near('my-shop/1.2'),
  bearerToken: near('token'),
  statesetApiKey: near('sk_test'),
  apiKeyId: near(KEY.id),
  apiKeySecret: fc.oneof(near(KEY.privateKey), fc.constant(JSON.parse(fs.readFileSync(KEYS.es256, 'utf8')).privateKey)),
  keyFile: keyFiles,
  tokenProvider: fc.constantFrom(() => 't', async () => 't', 't', null),
  requestMethod: fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'get', 'TRACE'), near('GET')),
  requestHost: near('api.cdp.coinbase.com'),
  requestPath: near('/platform/v2/payment-sessions'),
  parts: near('order-1234'),
}

/** Any value, and the values aimed at `argument`. */
function valuesFor(argument) {
  return TARGETED[argument] ? fc.oneof(anything, TARGETED[argument]) : anything
}

/** Any value, and objects of some of `keys`, each with any value or one aimed at it. */
function optionsFor(keys) {
  return fc.oneof(anything, fc.record(Object.fromEntries(keys.map((key) => [key, valuesFor(key)])), { requiredKeys: [] }))
}

const isPlainObject = (v) => typeof v === 'object' && v !== null && [Object.prototype, null].includes(Object.getPrototypeOf(v)) && !Array.isArray(v)

// --- every argument of every call ----------------------------------------------------------------

const escrowCapture = (request) => client.coinbasePayments.capture(PAYMENT, { amount: '1', ...request })
const refund = (request) => ps.refund(SESSION, { source: { address: ADDRESS }, ...request })
/** Builds a client with only these credentials. */
const newClient = (credentials, options) => () => makeClient(credentials, options)
/** Builds a client with these options, then makes one call with it (to the closed port). */
const buildAndCall = (options) => makeClient(undefined, options).paymentSessions.getSession(SESSION)
const JWT_REQUEST = { requestMethod: 'GET', requestHost: 'api.cdp.coinbase.com', requestPath: '/platform/v2/x' }
const JWT_KEY = { apiKeyId: KEY.id, apiKeySecret: KEY.privateKey }
/** The names an options object may be refused under: its type, and each of its keys. */
const anyOf = (type, keys) => [type, ...keys].join('|')

const CAPTURE_KEYS = ['amount', 'finalCapture', 'metadata', 'externalReferenceId', 'idempotencyKey']
const PAGE_KEYS = ['pageSize', 'pageToken']
const WAIT_KEYS = ['timeoutMs', 'pollIntervalMs', 'maxPollIntervalMs']
const ESCROW_KEYS = ['amount', 'feeBps', 'feeReceiver', 'distributeRewards', 'metadata', 'idempotencyKey']
const STATESET_KEYS = ['amountCents', 'statementDescriptor', 'metadata']
const VOID_KEYS = ['metadata', 'idempotencyKey']
const REFUND_KEYS = ['source', 'amount', 'reason', 'metadata', 'idempotencyKey']
const SOURCE_KEYS = ['accountId', 'asset', 'address']
const CANCEL_KEYS = ['cancellationReason', 'idempotencyKey']
const CREDENTIAL_KEYS = ['apiKeyId', 'apiKeySecret', 'keyFile', 'bearerToken', 'tokenProvider', 'statesetApiKey']
const OPTION_KEYS = ['baseUrl', 'timeoutMs', 'connectTimeoutMs', 'maxRetries', 'userAgent', 'coinbasePaymentsBaseUrl', 'statesetBaseUrl']
const API_KEY_KEYS = ['apiKeyId', 'apiKeySecret', 'keyFile']
const JWT_REQUEST_KEYS = Object.keys(JWT_REQUEST)

/**
 * [call and argument, the argument's name(s), a call of the value, the refusals allowed, the
 * values to try (default: any value, and those aimed at the argument)].
 */
const SLOTS = [
  ['capture.paymentSessionId', 'paymentSessionId', (v) => ps.capture(v, { amount: '1' })],
  ['capture.request', anyOf('CaptureRequest', CAPTURE_KEYS), (v) => ps.capture(SESSION, v), REFUSALS, optionsFor(CAPTURE_KEYS)],
  ...CAPTURE_KEYS.map((key) => [`capture.${key}`, key, (v) => ps.capture(SESSION, { [key]: v })]),
  ['getCapture.paymentSessionId', 'paymentSessionId', (v) => ps.getCapture(v, CAPTURE)],
  ['getCapture.captureId', 'captureId', (v) => ps.getCapture(SESSION, v)],
  ['getSession.paymentSessionId', 'paymentSessionId', (v) => ps.getSession(v)],
  ['listCapturesPage.paymentSessionId', 'paymentSessionId', (v) => ps.listCapturesPage(v)],
  ['listCapturesPage.page', anyOf('PageOptions', PAGE_KEYS), (v) => ps.listCapturesPage(SESSION, v), REFUSALS, optionsFor(PAGE_KEYS)],
  ...PAGE_KEYS.map((key) => [`listCapturesPage.${key}`, key, (v) => ps.listCapturesPage(SESSION, { [key]: v })]),
  ['listCaptures.paymentSessionId', 'paymentSessionId', (v) => ps.listCaptures(v).next()],
  ['listCaptures.page', anyOf('PageOptions', PAGE_KEYS), (v) => ps.listCaptures(SESSION, v).next(), REFUSALS, optionsFor(PAGE_KEYS)],
  ...PAGE_KEYS.map((key) => [`listCaptures.${key}`, key, (v) => ps.listCaptures(SESSION, { [key]: v }).next()]),
  // A wait ends fast whatever the value: polls fail at once, and the other option is set so
  // that the next poll would be past the deadline.
  ['waitForCapture.paymentSessionId', 'paymentSessionId', (v) => ps.waitForCapture(v, CAPTURE, { timeoutMs: 50 })],
  ['waitForCapture.captureId', 'captureId', (v) => ps.waitForCapture(SESSION, v, { timeoutMs: 50 })],
  // Only what is not a plain object: an empty one would wait the default minute (its keys are
  // tried one by one below).
  ['waitForCapture.options', anyOf('WaitOptions', WAIT_KEYS), (v) => ps.waitForCapture(SESSION, CAPTURE, v), REFUSALS,
    anything.filter((v) => v != null && !isPlainObject(v))],
  ['waitForCapture.timeoutMs', 'timeoutMs', (v) => ps.waitForCapture(SESSION, CAPTURE, { timeoutMs: v, pollIntervalMs: A_YEAR_MS })],
  ['waitForCapture.pollIntervalMs', 'pollIntervalMs', (v) => ps.waitForCapture(SESSION, CAPTURE, { timeoutMs: 50, pollIntervalMs: v })],
  ['waitForCapture.maxPollIntervalMs', 'maxPollIntervalMs', (v) => ps.waitForCapture(SESSION, CAPTURE, { timeoutMs: 50, maxPollIntervalMs: v })],
  ['void.paymentSessionId', 'paymentSessionId', (v) => ps.void(v)],
  ['void.request', anyOf('VoidRequest', VOID_KEYS), (v) => ps.void(SESSION, v), REFUSALS, optionsFor(VOID_KEYS)],
  ...VOID_KEYS.map((key) => [`void.${key}`, key, (v) => ps.void(SESSION, { [key]: v })]),
  ['refund.paymentSessionId', 'paymentSessionId', (v) => ps.refund(v, { source: { address: ADDRESS } })],
  ['refund.request', anyOf('RefundRequest', REFUND_KEYS), (v) => ps.refund(SESSION, v), REFUSALS, optionsFor(REFUND_KEYS)],
  ...REFUND_KEYS.map((key) => [`refund.${key}`, key, (v) => refund({ [key]: v })]),
  ...SOURCE_KEYS.map((key) => [`refund.source.${key}`, key, (v) => refund({ source: { [key]: v } })]),
  ['cancel.paymentSessionId', 'paymentSessionId', (v) => ps.cancel(v)],
  ['cancel.request', anyOf('CancelRequest', CANCEL_KEYS), (v) => ps.cancel(SESSION, v), REFUSALS, optionsFor(CANCEL_KEYS)],
  ...CANCEL_KEYS.map((key) => [`cancel.${key}`, key, (v) => ps.cancel(SESSION, { [key]: v })]),
  ['getVoid.voidId', 'voidId', (v) => ps.getVoid(SESSION, v)],
  ['getRefund.refundId', 'refundId', (v) => ps.getRefund(SESSION, v)],
  ['listSessionsPage.page', anyOf('PageOptions', PAGE_KEYS), (v) => ps.listSessionsPage(v), REFUSALS, optionsFor(PAGE_KEYS)],
  ['listVoids.paymentSessionId', 'paymentSessionId', (v) => ps.listVoids(v).next()],
  ['listRefundsPage.pageSize', 'pageSize', (v) => ps.listRefundsPage(SESSION, { pageSize: v })],
  ['waitForVoid.voidId', 'voidId', (v) => ps.waitForVoid(SESSION, v, { timeoutMs: 50 })],
  ['waitForRefund.timeoutMs', 'timeoutMs', (v) => ps.waitForRefund(SESSION, REFUND, { timeoutMs: v, pollIntervalMs: A_YEAR_MS })],
  ['coinbasePayments.capture.paymentId', 'paymentId', (v) => client.coinbasePayments.capture(v, { amount: '1' })],
  ['coinbasePayments.capture.request', anyOf('EscrowCaptureRequest', ESCROW_KEYS), (v) => client.coinbasePayments.capture(PAYMENT, v), REFUSALS,
    optionsFor(ESCROW_KEYS)],
  ...ESCROW_KEYS.map((key) => [`coinbasePayments.capture.${key}`, key, (v) => escrowCapture({ [key]: v })]),
  ['coinbasePayments.getPayment.paymentId', 'paymentId', (v) => client.coinbasePayments.getPayment(v)],
  ['stateset.capture.paymentId', 'paymentId', (v) => client.stateset.capture(v)],
  ['stateset.capture.request', anyOf('StateSetCaptureRequest', STATESET_KEYS), (v) => client.stateset.capture(PAYMENT, v), REFUSALS,
    optionsFor(STATESET_KEYS)],
  ...STATESET_KEYS.map((key) => [`stateset.capture.${key}`, key, (v) => client.stateset.capture(PAYMENT, { [key]: v })]),
  ['stateset.getPayment.paymentId', 'paymentId', (v) => client.stateset.getPayment(v)],
  // The client: options whose value is used on a call are also tried on one.
  ['Client.credentials', anyOf('credentials|CredentialOptions', CREDENTIAL_KEYS), (v) => newClient(v)(), CONFIGURATION_REFUSALS,
    optionsFor(CREDENTIAL_KEYS)],
  ['Client.options', anyOf('ClientOptions', OPTION_KEYS), (v) => new capturekit.Client({ bearerToken: 't' }, v), CONFIGURATION_REFUSALS,
    optionsFor(OPTION_KEYS)],
  ...['timeoutMs', 'connectTimeoutMs', 'userAgent'].map((key) => [`Client.${key}`, key, (v) => buildAndCall({ [key]: v }), CONFIGURATION_REFUSALS]),
  ...['baseUrl', 'maxRetries', 'coinbasePaymentsBaseUrl', 'statesetBaseUrl'].map((key) => [`Client.${key}`, key, (v) => makeClient(undefined, { [key]: v }), CONFIGURATION_REFUSALS]),
  ...['bearerToken', 'keyFile', 'tokenProvider'].map((key) => [`Client.${key}`, key, (v) => newClient({ [key]: v })(), CONFIGURATION_REFUSALS]),
  ['Client.statesetApiKey', 'statesetApiKey', (v) => newClient({ bearerToken: 't', statesetApiKey: v })(), CONFIGURATION_REFUSALS],
  // Leaving out one half of an API key (null, undefined) is refused naming the pair.
  ['Client.apiKeyId', 'apiKeyId|API key', (v) => newClient({ apiKeyId: v, apiKeySecret: KEY.privateKey })(), CONFIGURATION_REFUSALS],
  ['Client.apiKeySecret', 'apiKeySecret|API key', (v) => newClient({ apiKeyId: KEY.id, apiKeySecret: v })(), CONFIGURATION_REFUSALS],
  // Signing JWTs.
  ['JwtSigner.key', anyOf('ApiKeyOptions|api key', API_KEY_KEYS), (v) => new capturekit.JwtSigner(v), CONFIGURATION_REFUSALS,
    optionsFor(API_KEY_KEYS)],
  ['JwtSigner.apiKeyId', 'apiKeyId', (v) => new capturekit.JwtSigner({ ...JWT_KEY, apiKeyId: v }), CONFIGURATION_REFUSALS],
  ['JwtSigner.apiKeySecret', 'apiKeySecret', (v) => new capturekit.JwtSigner({ ...JWT_KEY, apiKeySecret: v }), CONFIGURATION_REFUSALS],
  ['JwtSigner.keyFile', 'keyFile', (v) => new capturekit.JwtSigner({ keyFile: v }), CONFIGURATION_REFUSALS],
  ['JwtSigner.sign.request', anyOf('JwtRequest', JWT_REQUEST_KEYS), (v) => signer.sign(v), REFUSALS, optionsFor(JWT_REQUEST_KEYS)],
  ...JWT_REQUEST_KEYS.map((key) => [`JwtSigner.sign.${key}`, key, (v) => signer.sign({ ...JWT_REQUEST, [key]: v })]),
  ['generateJwt.options', anyOf('generateJwt|api key', [...API_KEY_KEYS, ...JWT_REQUEST_KEYS]), (v) => capturekit.generateJwt(v),
    CONFIGURATION_REFUSALS, optionsFor([...API_KEY_KEYS, ...JWT_REQUEST_KEYS])],
  ...[...Object.keys(JWT_KEY), ...JWT_REQUEST_KEYS].map((key) => [`generateJwt.${key}`, key,
    (v) => capturekit.generateJwt({ ...JWT_KEY, ...JWT_REQUEST, [key]: v }), CONFIGURATION_REFUSALS]),
  ['deriveIdempotencyKey.parts', 'parts', (v) => capturekit.deriveIdempotencyKey('order-1234', v)],
]

for (const [label, argument, call, refusals = REFUSALS, values = valuesFor(argument)] of SLOTS) {
  // Guards against: crashes, aborts and hangs in a conversion; errors of another class (a
  // plain Error, a thrown string) or napi's own messages; errors that do not say which
  // argument was wrong.
  test(`any value in ${label} is accepted or refused naming the argument`, () =>
    check(values, async (value) => {
      await outcome(() => call(value), argument, refusals)
    }))
}

// --- no misread ----------------------------------------------------------------------------------

/** Whether `value` is a whole number from `low` to `high`: a safe integer number, or a bigint. */
function wholeIn(value, low, high) {
  if (typeof value === 'bigint') return value >= BigInt(low) && value <= BigInt(high)
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= Number(low) && value <= Number(high)
}

const WHOLE_NUMBERS = [
  ['pageSize', 1, 100, (v) => ps.listCapturesPage(SESSION, { pageSize: v })],
  ['feeBps', 0, 10_000, (v) => escrowCapture({ feeBps: v })],
  ['amountCents', 1, U64_MAX, (v) => client.stateset.capture(PAYMENT, { amountCents: v })],
  ['maxRetries', 0, 10, (v) => makeClient(undefined, { maxRetries: v }), CONFIGURATION_REFUSALS],
  ['chainId', 1, U64_MAX, (v) => escrowCapture({ distributeRewards: [{ campaignAddress: ADDRESS, tokenAddress: ADDRESS, chainId: v }] })],
]

for (const [argument, low, high, call, refusals = REFUSALS] of WHOLE_NUMBERS) {
  // Guards against numbers that wrap (2**32 + 100 read as 100), are truncated (1.5 read as 1)
  // or saturate: each would be accepted outside its range, or refused inside it.
  test(`${argument} is accepted exactly when it is a whole number from ${low} to ${high}`, () =>
    check(fc.oneof(wholeNumbers(low, high), numbers, bigints), async (value) => {
      assert.equal(await accepted(() => call(value), argument, refusals), wholeIn(value, low, high), String(value))
    }))
}

const DURATIONS = [
  ['timeoutMs', 1, A_YEAR_MS, (v) => ps.waitForCapture(SESSION, CAPTURE, { timeoutMs: v, pollIntervalMs: A_YEAR_MS })],
  ['pollIntervalMs', 1, A_YEAR_MS, (v) => ps.waitForCapture(SESSION, CAPTURE, { timeoutMs: 50, pollIntervalMs: v })],
  ['maxPollIntervalMs', 1, A_YEAR_MS, (v) => ps.waitForCapture(SESSION, CAPTURE, { timeoutMs: 50, maxPollIntervalMs: v })],
  ['timeoutMs', 1, MAX_SAFE, (v) => makeClient(undefined, { timeoutMs: v })],
  ['connectTimeoutMs', 1, MAX_SAFE, (v) => makeClient(undefined, { connectTimeoutMs: v })],
]

for (const [argument, low, high, call] of DURATIONS) {
  // Guards against durations that wrap (`timeoutMs: 2**32 + 1000` read as 1 s), go negative
  // (-1 read as "no timeout") or are truncated: a duration is a whole number of milliseconds.
  test(`${argument} is accepted exactly when it is a whole number of milliseconds from ${low} to ${high}`, () =>
    check(fc.oneof(milliseconds, fc.integer({ min: -3, max: 3 }), fc.constant(high), fc.constant(high + 1)), async (value) => {
      const within = typeof value === 'number' && Number.isSafeInteger(value) && value >= low && value <= high
      assert.equal(await accepted(() => call(value), argument, CONFIGURATION_REFUSALS), within, String(value))
    }))
}

const NUMBER_ARGUMENTS = [
  ...WHOLE_NUMBERS.map(([argument, , , call]) => [argument, call]),
  ...DURATIONS.map(([argument, , , call]) => [argument, call]),
  ['amount', (v) => ps.capture(SESSION, { amount: v })],
  ['amount', (v) => escrowCapture({ amount: v })],
  ['amount', (v) => refund({ amount: v })],
]

test('a boolean is never a number', async () => {
  // Guards against `true` read as 1 (a 1 bps fee, one cent, a 1 ms timeout).
  for (const [argument, call] of NUMBER_ARGUMENTS) {
    for (const flag of [true, false, new Boolean(true)]) {
      const error = await outcome(() => call(flag), argument, CONFIGURATION_REFUSALS)
      assert.ok(error instanceof TypeError, `${argument}: ${flag} was not refused as a boolean: ${describe(error)}`)
    }
  }
})

/**
 * Whether a decimal written with these digits can be held without rounding: at most 28 digits
 * after the point, and its digits (a 96-bit integer) below 2**96.
 */
function heldExactly(whole, fraction) {
  return (fraction ?? '').length <= 28 && BigInt(whole + (fraction ?? '')) < 2n ** 96n
}

for (const [label, call] of [['paymentSessions', (v) => ps.capture(SESSION, { amount: v })], ['coinbasePayments', (v) => escrowCapture({ amount: v })],
  ['paymentSessions.refund', (v) => refund({ amount: v })]]) {
  // Guards against amounts that are rounded on the way in (`"0." + "9" * 30` captured as 1):
  // an amount is accepted only if it is the exact number written, and a positive amount that
  // can be held exactly is never refused. A zero is refused, and the refusal quotes the number
  // as it was read: the text itself, scale included (only leading zeros of the whole part go).
  test(`${label}: an amount is accepted exactly when it is held exactly`, () =>
    check(fc.tuple(digits(), fc.option(digits(), { nil: null })), async ([whole, fraction]) => {
      const text = fraction === null ? whole : `${whole}.${fraction}`
      const positive = BigInt(whole + (fraction ?? '')) > 0n
      const exact = heldExactly(whole, fraction)
      const error = await outcome(() => call(text), 'amount')
      assert.equal(error === null, positive && exact, `${JSON.stringify(text)}: ${describe(error)}`)
      if (exact && !positive) {
        const asRead = (whole.replace(/^0+/, '') || '0') + (fraction === null ? '' : `.${fraction}`)
        assert.ok(error.message.endsWith(`must be greater than zero, got ${asRead}`), `${JSON.stringify(text)}: ${describe(error)}`)
      }
      if (fraction === null) {
        // The same number as a bigint.
        assert.equal(await accepted(() => call(BigInt(whole)), 'amount'), positive && exact, whole)
      }
    }))
}

/** Whether `text` is well-formed UTF-16 (no lone surrogate) and so can be sent as it is. */
const wellFormed = (text) => text.isWellFormed()
/** Characters (code points), as the core counts them. */
const chars = (text) => [...text].length
const visibleAscii = (low, high) => (text) => text.length >= low && text.length <= high && /^[!-~]*$/.test(text)
const matches = (pattern) => (text) => pattern.test(text)

/** [argument, its rule, a call of it, texts aimed at the rule]. */
const TEXT_RULES = [
  ['paymentSessionId', matches(/^paymentSession_[a-f0-9-]{36}$/), (v) => ps.getSession(v), near(SESSION)],
  ['captureId', matches(/^capture_[a-f0-9-]{36}$/), (v) => ps.getCapture(SESSION, v), near(CAPTURE)],
  ['paymentId', matches(/^[A-Za-z0-9_-]{1,128}$/), (v) => client.stateset.getPayment(v), near(PAYMENT)],
  ['idempotencyKey', visibleAscii(1, 128), (v) => ps.capture(SESSION, { idempotencyKey: v }), near(IDEMPOTENCY_KEY)],
  ['pageToken', visibleAscii(1, 4096), (v) => ps.listCapturesPage(SESSION, { pageToken: v }), near('eyJsYXN0')],
  ['feeReceiver', matches(/^0x[0-9a-fA-F]{40}$/), (v) => escrowCapture({ feeReceiver: v }), near(ADDRESS)],
  ['externalReferenceId', (t) => wellFormed(t) && chars(t) <= 256, (v) => ps.capture(SESSION, { externalReferenceId: v }), near('x'.repeat(256))],
  ['statementDescriptor', (t) => wellFormed(t) && chars(t) >= 1 && chars(t) <= 22 && !/\p{Cc}/u.test(t),
    (v) => client.stateset.capture(PAYMENT, { statementDescriptor: v }), near('x'.repeat(22))],
]

for (const [argument, rule, call, aimed] of TEXT_RULES) {
  // Guards against text that is changed on the way in (a lone surrogate replaced by U+FFFD,
  // cut at a NUL, trimmed): a changed text would be judged, and sent, as another one.
  test(`${argument} is accepted exactly when it keeps its rule`, () =>
    check(fc.oneof(texts, aimed), async (text) => {
      assert.equal(await accepted(() => call(text), argument), rule(text), JSON.stringify(text))
    }))
}

test('metadata is accepted exactly within its limits', () =>
  // Guards against metadata read partly (pairs dropped, keys or values cut or replaced): at
  // most 10 pairs, keys 1 to 40 characters, values at most 500, all well-formed text.
  check(fc.dictionary(fc.oneof(fc.string({ maxLength: 42 }), loneSurrogate), fc.oneof(fc.string({ maxLength: 12 }), loneSurrogate), { maxKeys: 12 }), async (metadata) => {
    const pairs = Object.entries(metadata)
    const within = pairs.length <= 10 && pairs.every(([k, v]) => chars(k) >= 1 && chars(k) <= 40 && chars(v) <= 500 && wellFormed(k) && wellFormed(v))
    assert.equal(await accepted(() => ps.capture(SESSION, { metadata }), 'metadata'), within, JSON.stringify(metadata))
  }))

test('different parts never derive the same idempotency key', () =>
  // Guards against parts changed on the way in (a lone surrogate replaced by U+FFFD): two
  // orders whose references differ would share a key, and the second capture would be
  // answered with the first one.
  check(fc.tuple(fc.array(fc.oneof(texts, loneSurrogate), { minLength: 1, maxLength: 3 }), fc.array(fc.oneof(texts, loneSurrogate), { minLength: 1, maxLength: 3 })), async ([a, b]) => {
    fc.pre(JSON.stringify(a) !== JSON.stringify(b))
    const derive = (parts) => {
      try {
        return capturekit.deriveIdempotencyKey(...parts)
      } catch (error) {
        assert.ok(REFUSALS.some((Cls) => error instanceof Cls) && names(error, 'parts'), describe(error))
        return null
      }
    }
    const [first, second] = [derive(a), derive(b)]
    assert.ok(first === null || first !== second, `${JSON.stringify(a)} and ${JSON.stringify(b)} both derive ${first}`)
  }))

// --- option keys ---------------------------------------------------------------------------------

/** [call, the keys it takes, a call of an options object]. */
const OPTION_OBJECTS = [
  ['paymentSessions.capture', CAPTURE_KEYS, (o) => ps.capture(SESSION, o)],
  ['paymentSessions.listCapturesPage', PAGE_KEYS, (o) => ps.listCapturesPage(SESSION, o)],
  ['paymentSessions.listCaptures', PAGE_KEYS, (o) => ps.listCaptures(SESSION, o).next()],
  ['paymentSessions.waitForCapture', WAIT_KEYS, (o) => ps.waitForCapture(SESSION, CAPTURE, o)],
  ['paymentSessions.void', VOID_KEYS, (o) => ps.void(SESSION, o)],
  ['paymentSessions.refund', REFUND_KEYS, (o) => ps.refund(SESSION, o)],
  ['refund source', SOURCE_KEYS, (o) => ps.refund(SESSION, { source: o })],
  ['paymentSessions.cancel', CANCEL_KEYS, (o) => ps.cancel(SESSION, o)],
  ['paymentSessions.listSessionsPage', PAGE_KEYS, (o) => ps.listSessionsPage(o)],
  ['paymentSessions.listRefunds', PAGE_KEYS, (o) => ps.listRefunds(SESSION, o).next()],
  ['paymentSessions.waitForVoid', WAIT_KEYS, (o) => ps.waitForVoid(SESSION, VOID, o)],
  ['coinbasePayments.capture', ESCROW_KEYS, (o) => client.coinbasePayments.capture(PAYMENT, o)],
  ['distributeRewards[0]', ['campaignAddress', 'tokenAddress', 'chainId'], (o) => escrowCapture({ distributeRewards: [o] })],
  ['stateset.capture', STATESET_KEYS, (o) => client.stateset.capture(PAYMENT, o)],
  ['Client credentials', CREDENTIAL_KEYS, (o) => new capturekit.Client(o, { baseUrl: `${CLOSED}/platform` })],
  ['Client options', OPTION_KEYS, (o) => new capturekit.Client({ bearerToken: 't' }, o)],
  ['JwtSigner', API_KEY_KEYS, (o) => new capturekit.JwtSigner(o)],
  ['JwtSigner.sign', JWT_REQUEST_KEYS, (o) => signer.sign(o)],
  ['generateJwt', [...API_KEY_KEYS, ...JWT_REQUEST_KEYS], (o) => capturekit.generateJwt(o)],
]

const optionKeys = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }), near('amount'),
  fc.constantFrom('amout', 'base_url', 'fee_bps', 'Amount', 'amount ', '__proto__', 'constructor', 'toString', '0', 'timeout', 'key'))

for (const [label, known, call] of OPTION_OBJECTS) {
  // Guards against an option dropped unread (`{ amout: '1.00' }` capturing the whole balance,
  // `baseUrl` among the credentials sending to production): any key the call does not take
  // is a TypeError that quotes it, before any I/O.
  test(`${label}: a key it does not take is refused, naming it`, () =>
    check(fc.tuple(optionKeys, fc.oneof(fc.constant('1'), anything)), async ([key, value]) => {
      fc.pre(!known.includes(key))
      const { error } = await run(() => call(Object.fromEntries([[key, value]])))
      assert.ok(error instanceof TypeError && /unexpected option/.test(error.message), `${JSON.stringify(key)}: ${describe(error)}`)
      // Keys Rust would escape are only checked for the refusal, not for their spelling.
      if (/^[ -~]*$/.test(key) && !/["\\]/.test(key)) assert.ok(error.message.includes(`"${key}"`), describe(error))
    }))
}

test('a hidden key (a symbol, or not enumerable) the call does not take is refused, not ignored', async () => {
  // Guards against an option the core cannot see being dropped: a capture whose options
  // object holds only a key it skips captures everything capturable.
  const hidden = [
    { [Symbol('amount')]: '1.00' },
    Object.defineProperty({}, 'amout', { value: '1.00', enumerable: false }),
  ]
  const ignored = []
  for (const options of hidden) {
    const { error } = await run(() => ps.capture(SESSION, options))
    if (!(error instanceof TypeError)) ignored.push(`${String(Reflect.ownKeys(options)[0])}: ${describe(error)}`)
  }
  assert.deepEqual(ignored, [], 'hidden keys were ignored')
})

// --- the caller's own objects ------------------------------------------------------------------

/** `error`, marked as thrown (a hook the library never calls throws nothing). */
const fire = (error) => Object.assign(error, { fired: true })

/** [argument, a call of the value, how to make a hostile value that throws `error`]. */
const HOSTILE = [
  ['amount', (v) => ps.capture(SESSION, v), (error) => ({ get amount() { throw fire(error) } })],
  ['CaptureRequest', (v) => ps.capture(SESSION, v), (error) => new Proxy({}, { ownKeys() { throw fire(error) } })],
  ['CaptureRequest', (v) => ps.capture(SESSION, v), (error) => new Proxy({}, { getPrototypeOf() { throw fire(error) } })],
  ['metadata', (v) => ps.capture(SESSION, { metadata: v }), (error) => ({ get k() { throw fire(error) } })],
  ['metadata', (v) => ps.capture(SESSION, { metadata: v }), (error) => new Proxy({}, { ownKeys() { throw fire(error) } })],
  ['distributeRewards', (v) => escrowCapture({ distributeRewards: v }), (error) => [{ get campaignAddress() { throw fire(error) } }]],
  ['distributeRewards', (v) => escrowCapture({ distributeRewards: v }), (error) => new Proxy([], { get() { throw fire(error) } })],
  ['tokenProvider', (v) => new capturekit.Client(v), (error) => ({ get tokenProvider() { throw fire(error) } })],
  ['keyFile', (v) => new capturekit.JwtSigner(v), (error) => ({ get keyFile() { throw fire(error) } })],
]

test("an error thrown by the caller's own object is never turned into another", async () => {
  // Guards against the caller's exception swallowed into another one: it propagates as it is,
  // or becomes a TypeError that names the argument.
  const turned = []
  for (const [argument, call, make] of HOSTILE) {
    const thrown = new Boom("the caller's")
    const { error } = await run(() => call(make(thrown)))
    if (!thrown.fired || error === thrown || (error instanceof TypeError && names(error, argument))) continue
    turned.push(`${argument} (${make.toString().replace(/\s+/g, ' ')}): Boom became ${describe(error)}`)
  }
  assert.deepEqual(turned, [], "the caller's own errors were turned into others")
})

// --- token providers ---------------------------------------------------------------------------

test('whatever a token provider returns is a token or an authentication error naming the provider', () =>
  // Guards against a provider's answer misread or crashing the call: a valid token is used
  // (the call reaches the closed port); anything else is an AuthenticationError that names
  // the token provider, with nothing sent.
  check(fc.oneof(anything, near('token')), async (token) => {
    const withProvider = makeClient({ tokenProvider: () => token })
    const { error } = await run(() => withProvider.paymentSessions.getSession(SESSION))
    if (error === undefined || (error instanceof capturekit.CaptureKitError && REACHED_THE_NETWORK.has(error.code))) return
    assert.ok(error instanceof capturekit.AuthenticationError, `${inspect(token)}: ${describe(error)}`)
    assert.ok(names(error, 'tokenProvider'), `the error does not name the token provider: ${describe(error)}`)
  }, NUM_RUNS / 2))
