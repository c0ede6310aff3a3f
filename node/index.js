'use strict'
// capturekit for Node: a Promise API over the Rust core (native.js loads the addon).
// This file converts arguments, results and errors; every rule is the core's.

const native = require('./native.js')

const ERROR_PREFIX = 'capturekit:'

/** Base class of every capturekit error; `code` is the core's stable kind. */
class CaptureKitError extends Error {
  constructor(message, fields = {}) {
    super(message)
    this.name = new.target.name
    this.code = fields.code ?? 'unknown'
    this.status = fields.status ?? null
    this.errorType = fields.errorType ?? null
    this.correlationId = fields.correlationId ?? null
    this.errorLink = fields.errorLink ?? null
    this.idempotencyKey = fields.idempotencyKey ?? null
  }
}

const classes = {}
function kind(name, code, extend = CaptureKitError) {
  const cls = { [name]: class extends extend {} }[name]
  classes[code] = cls
  return cls
}

const InvalidRequestError = kind('InvalidRequestError', 'invalid_request')
const AuthenticationError = kind('AuthenticationError', 'authentication')
const PermissionDeniedError = kind('PermissionDeniedError', 'permission_denied')
const NotFoundError = kind('NotFoundError', 'not_found')
const IdempotencyError = kind('IdempotencyError', 'idempotency_conflict')
const RateLimitError = kind('RateLimitError', 'rate_limited')
const CaptureExpiredError = kind('CaptureExpiredError', 'capture_expired')
const NoCapturableBalanceError = kind('NoCapturableBalanceError', 'no_capturable_balance')
const APIError = kind('APIError', 'api')
const ServerError = kind('ServerError', 'server', APIError)
const OutcomeUnknownError = kind('OutcomeUnknownError', 'outcome_unknown')
const NetworkError = kind('NetworkError', 'network')
const TimeoutError = kind('TimeoutError', 'timeout')
const DecodeError = kind('DecodeError', 'decode')
const ConfigurationError = kind('ConfigurationError', 'configuration')

/** Turns a rejection of the addon into the matching CaptureKitError subclass. */
function convertError(error) {
  if (!(error instanceof Error) || !error.message.startsWith(ERROR_PREFIX)) return error
  const fields = JSON.parse(error.message.slice(ERROR_PREFIX.length))
  const Cls = classes[fields.code] ?? CaptureKitError
  let message = `${fields.code}: ${fields.message}`
  if (fields.status != null) message += ` (HTTP ${fields.status}${fields.errorType ? `, ${fields.errorType}` : ''})`
  if (fields.idempotencyKey) message += ` [idempotency key ${fields.idempotencyKey}]`
  const converted = new Cls(message, fields)
  if (Cls === RateLimitError) converted.retryAfter = fields.retryAfter ?? null
  if (Cls === TimeoutError) converted.lastCapture = fields.lastCapture ? toCapture(fields.lastCapture) : null
  return converted
}

async function call(promise) {
  try {
    return await promise
  } catch (error) {
    throw convertError(error)
  }
}

function sync(fn) {
  try {
    return fn()
  } catch (error) {
    throw convertError(error)
  }
}

const date = (value) => (value == null ? null : new Date(value))

function toCapture(c) {
  return {
    ...c,
    amount: c.amount ?? null,
    error: c.error ? { ...c.error, occurredAt: date(c.error.occurredAt) } : null,
    externalReferenceId: c.externalReferenceId ?? null,
    idempotencyKey: c.idempotencyKey ?? null,
    createdAt: date(c.createdAt),
    updatedAt: date(c.updatedAt),
  }
}

function toSession(s) {
  const e = s.expiries ?? {}
  return {
    ...s,
    expiries: {
      authorizationExpiresAt: date(e.authorizationExpiresAt),
      captureExpiresAt: date(e.captureExpiresAt),
      refundExpiresAt: date(e.refundExpiresAt),
    },
    captures: (s.captures ?? []).map(toCapture),
    createdAt: date(s.createdAt),
    updatedAt: date(s.updatedAt),
  }
}

function requireString(name, value) {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, not ${describe(value)}`)
}

function optional(name, value, type) {
  if (value != null && typeof value !== type) throw new TypeError(`${name} must be a ${type}, not ${describe(value)}`)
}

function describe(value) {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
}

function amountText(amount) {
  if (amount == null) return undefined
  if (typeof amount === 'string') return amount
  if (typeof amount === 'bigint') return amount.toString()
  if (typeof amount === 'number') {
    throw new TypeError(`amount must be a decimal string such as "10.50", not a number: money is never a float`)
  }
  throw new TypeError(`amount must be a decimal string such as "10.50", not ${describe(amount)}`)
}

function metadataObject(metadata) {
  if (metadata == null) return undefined
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new TypeError(`metadata must be an object of string values, not ${describe(metadata)}`)
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new TypeError(`metadata.${key} must be a string, not ${describe(value)}`)
  }
  return metadata
}

/** CDP Payment Sessions calls; every method returns a Promise. */
class PaymentSessions {
  #native
  constructor(nativeClient) {
    this.#native = nativeClient
  }

  /** Captures `amount` (all that is capturable when omitted) of an authorized session. */
  async capture(paymentSessionId, options = {}) {
    requireString('paymentSessionId', paymentSessionId)
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object')
    optional('finalCapture', options.finalCapture, 'boolean')
    optional('externalReferenceId', options.externalReferenceId, 'string')
    optional('idempotencyKey', options.idempotencyKey, 'string')
    const request = {
      amount: amountText(options.amount),
      finalCapture: options.finalCapture ?? false,
      metadata: metadataObject(options.metadata),
      externalReferenceId: options.externalReferenceId ?? undefined,
      idempotencyKey: options.idempotencyKey ?? undefined,
    }
    return toCapture(await call(this.#native.capture(paymentSessionId, request)))
  }

  /** Fetches one capture. */
  async getCapture(paymentSessionId, captureId) {
    requireString('paymentSessionId', paymentSessionId)
    requireString('captureId', captureId)
    return toCapture(await call(this.#native.getCapture(paymentSessionId, captureId)))
  }

  /** One page of captures; pass `nextPageToken` back as `pageToken` to go on. */
  async listCapturesPage(paymentSessionId, { pageSize, pageToken } = {}) {
    requireString('paymentSessionId', paymentSessionId)
    optional('pageSize', pageSize, 'number')
    optional('pageToken', pageToken, 'string')
    const page = await call(this.#native.listCaptures(paymentSessionId, pageSize, pageToken))
    return { captures: page.captures.map(toCapture), nextPageToken: page.nextPageToken ?? null }
  }

  /** Every capture of the session (`for await`), fetching pages as iteration reaches them. */
  async *listCaptures(paymentSessionId, { pageSize } = {}) {
    requireString('paymentSessionId', paymentSessionId)
    optional('pageSize', pageSize, 'number')
    const iterator = sync(() => this.#native.iterCaptures(paymentSessionId, pageSize))
    for (;;) {
      const next = await call(iterator.next())
      if (next === null) return
      yield toCapture(next)
    }
  }

  /** Fetches a session with its balances, expiries and captures. */
  async getSession(paymentSessionId) {
    requireString('paymentSessionId', paymentSessionId)
    return toSession(await call(this.#native.getSession(paymentSessionId)))
  }

  /** Polls until the capture is `succeeded` or `failed`; a failed capture resolves with its `error`. */
  async waitForCapture(paymentSessionId, captureId, { timeoutMs = 60000, pollIntervalMs } = {}) {
    requireString('paymentSessionId', paymentSessionId)
    requireString('captureId', captureId)
    optional('timeoutMs', timeoutMs, 'number')
    optional('pollIntervalMs', pollIntervalMs, 'number')
    return toCapture(await call(this.#native.waitForCapture(paymentSessionId, captureId, timeoutMs, pollIntervalMs)))
  }
}

/** Turns every timestamp field (`…At`, `…_at`, `…_time`, `…Expiry`) of a result into a `Date`. */
function withDates(value, key = '') {
  if (Array.isArray(value)) return value.map((item) => withDates(item))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withDates(v, k)]))
  }
  if (typeof value === 'string' && /(At|_at|_time|Expiry)$/.test(key)) return new Date(value)
  return value
}

function wholeNumber(name, value) {
  if (value == null) return undefined
  if (typeof value === 'bigint') value = Number(value)
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`${name} must be a whole number (an integer, not ${describe(value)} ${value})`)
  }
  return value
}

/** Coinbase Payments (escrow) calls; every method returns a Promise. */
class CoinbasePayments {
  #native
  constructor(nativeClient) {
    this.#native = nativeClient
  }

  /**
   * Captures `amount` (a decimal string) of an escrowed payment, with `feeBps` paid to
   * `feeReceiver`; the same `idempotencyKey` (yours or a random one) goes on every attempt.
   */
  async capture(paymentId, options = {}) {
    requireString('paymentId', paymentId)
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object')
    optional('feeReceiver', options.feeReceiver, 'string')
    optional('idempotencyKey', options.idempotencyKey, 'string')
    const rewards = options.distributeRewards ?? []
    if (!Array.isArray(rewards)) throw new TypeError(`distributeRewards must be an array, not ${describe(rewards)}`)
    const request = {
      amount: amountText(options.amount) ?? '',
      feeBps: wholeNumber('feeBps', options.feeBps),
      feeReceiver: options.feeReceiver ?? undefined,
      distributeRewards: rewards.map((reward, i) => {
        requireString(`distributeRewards[${i}].campaignAddress`, reward?.campaignAddress)
        requireString(`distributeRewards[${i}].tokenAddress`, reward?.tokenAddress)
        return { ...reward, chainId: wholeNumber(`distributeRewards[${i}].chainId`, reward.chainId) ?? 0 }
      }),
      metadata: metadataObject(options.metadata),
      idempotencyKey: options.idempotencyKey ?? undefined,
    }
    return withDates(await call(this.#native.escrowCapture(paymentId, request)))
  }

  /** Fetches `{ payment, paymentOperations }`. */
  async getPayment(paymentId) {
    requireString('paymentId', paymentId)
    return withDates(await call(this.#native.getEscrowPayment(paymentId)))
  }
}

/** StateSet calls; every method returns a Promise. Amounts are whole cents. */
class StateSet {
  #native
  constructor(nativeClient) {
    this.#native = nativeClient
  }

  /** Captures `amount` cents (the full authorization when omitted) of a payment created with `capture: false`. */
  async capture(paymentId, options = {}) {
    requireString('paymentId', paymentId)
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object')
    optional('statementDescriptor', options.statementDescriptor, 'string')
    const request = {
      amount: wholeNumber('amount', options.amount),
      statementDescriptor: options.statementDescriptor ?? undefined,
      metadata: metadataObject(options.metadata),
    }
    return withDates(await call(this.#native.statesetCapture(paymentId, request)))
  }

  /** Fetches a payment. */
  async getPayment(paymentId) {
    requireString('paymentId', paymentId)
    return withDates(await call(this.#native.getStatesetPayment(paymentId)))
  }
}

/**
 * A capturekit client.
 * `new Client({ apiKeyId, apiKeySecret } | { keyFile } | { bearerToken } | { tokenProvider } | {}, options)`;
 * with no credentials, `CDP_API_KEY_ID` / `CDP_API_KEY_SECRET` from the environment. Add
 * `statesetApiKey` (or set `STATESET_API_KEY`) for StateSet.
 */
class Client {
  #native
  constructor(credentials = {}, options = {}) {
    if (credentials === null || typeof credentials !== 'object') throw new TypeError('credentials must be an object')
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object')
    const { apiKeyId, apiKeySecret, keyFile, bearerToken, tokenProvider, statesetApiKey } = credentials
    if (tokenProvider != null && typeof tokenProvider !== 'function') throw new TypeError('tokenProvider must be a function')
    for (const [name, value] of Object.entries({ apiKeyId, apiKeySecret, keyFile, bearerToken, statesetApiKey })) {
      optional(name, value, 'string')
    }
    optional('coinbasePaymentsBaseUrl', options.coinbasePaymentsBaseUrl, 'string')
    optional('statesetBaseUrl', options.statesetBaseUrl, 'string')
    for (const name of ['timeoutMs', 'connectTimeoutMs', 'maxRetries']) optional(name, options[name], 'number')
    optional('baseUrl', options.baseUrl, 'string')
    optional('userAgent', options.userAgent, 'string')
    // The addon awaits what the provider returns; a sync provider works too.
    const provider = tokenProvider ? async (request) => tokenProvider(request) : undefined
    this.#native = sync(
      () =>
        new native.NativeClient(
          {
            apiKeyId, apiKeySecret, keyFile, bearerToken,
            baseUrl: options.baseUrl, timeoutMs: options.timeoutMs, connectTimeoutMs: options.connectTimeoutMs,
            maxRetries: options.maxRetries, userAgent: options.userAgent, statesetApiKey,
            coinbasePaymentsBaseUrl: options.coinbasePaymentsBaseUrl, statesetBaseUrl: options.statesetBaseUrl,
          },
          provider,
        ),
    )
    this.paymentSessions = new PaymentSessions(this.#native)
    this.coinbasePayments = new CoinbasePayments(this.#native)
    this.stateset = new StateSet(this.#native)
  }

  /** The base URL requests go to. */
  get baseUrl() {
    return this.#native.baseUrl
  }
}

/** A UUID-v4-shaped key from your own identifiers: the same in every run and language. */
function deriveIdempotencyKey(...parts) {
  for (const part of parts) requireString('parts', part)
  return sync(() => native.deriveIdempotencyKey(parts))
}

/**
 * A CDP JWT (two minutes, fresh nonce) for one request, e.g. for a back end that mints
 * tokens for an app's tokenProvider. The client signs its own requests.
 */
function generateJwt({ apiKeyId, apiKeySecret, requestMethod, requestHost, requestPath } = {}) {
  const fields = { apiKeyId, apiKeySecret, requestMethod, requestHost, requestPath }
  for (const [name, value] of Object.entries(fields)) requireString(name, value)
  return sync(() => native.generateJwt(apiKeyId, apiKeySecret, requestMethod, requestHost, requestPath))
}

module.exports = {
  Client,
  PaymentSessions,
  CoinbasePayments,
  StateSet,
  deriveIdempotencyKey,
  generateJwt,
  newIdempotencyKey: native.newIdempotencyKey,
  CaptureKitError,
  InvalidRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  IdempotencyError,
  RateLimitError,
  CaptureExpiredError,
  NoCapturableBalanceError,
  APIError,
  ServerError,
  OutcomeUnknownError,
  NetworkError,
  TimeoutError,
  DecodeError,
  ConfigurationError,
}
