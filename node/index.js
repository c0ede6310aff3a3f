'use strict'
// capturekit for Node: a Promise API over the Rust core (load-native.js loads the addon). Every
// type, conversion, default and rule is the core's, and so is every error kind (errors.js is
// generated from them). This file only turns a native call's outcome into its value or its
// error, and an iterator of pages into async iteration.

const native = require('./load-native.js')
const errors = require('./errors.js')

const NATIVE = Symbol('native')
const errorClasses = new Map(Object.values(errors).map((cls) => [cls.code, cls]))

/** The value of a native outcome, or its error as the class of its kind. */
function unwrap(outcome) {
  if (outcome.error !== undefined) {
    const Cls = errorClasses.get(outcome.error.code) ?? errors.CaptureKitError
    throw new Cls(outcome.description, outcome.error)
  }
  return outcome.value
}

/**
 * A class whose methods are the native group's, each resolving with its value (or rejecting
 * with its error); a `list…` method whose name does not end in `Page` gives an async
 * iterable instead (the native call returns an iterator of items).
 */
function callGroup(NativeGroup) {
  const Group = class {
    constructor(nativeGroup) {
      this[NATIVE] = nativeGroup
    }
  }
  Object.defineProperty(Group, 'name', { value: NativeGroup.name })
  for (const name of Object.getOwnPropertyNames(NativeGroup.prototype)) {
    if (name === 'constructor') continue
    Group.prototype[name] = /^list.*(?<!Page)$/.test(name)
      ? async function* (...args) {
          const iterator = unwrap(await this[NATIVE][name](...args))
          for (;;) {
            const next = unwrap(await iterator.next())
            if (next === null) return
            yield next
          }
        }
      : async function (...args) {
          return unwrap(await this[NATIVE][name](...args))
        }
  }
  return Group
}

const PaymentSessions = callGroup(native.PaymentSessions)
const CoinbasePayments = callGroup(native.CoinbasePayments)
const StateSet = callGroup(native.StateSet)

/**
 * A capturekit client: `new Client(credentials, options)`, with the keys of the core's
 * `CredentialOptions` and `ClientOptions` (types.d.ts). With no credentials,
 * `CDP_API_KEY_ID` / `CDP_API_KEY_SECRET` (and `STATESET_API_KEY`) from the environment.
 */
class Client {
  #native
  constructor(credentials, options) {
    // The addon awaits what the provider returns; a provider that returns a string works too.
    const provider = credentials?.tokenProvider
    const promised = typeof provider === 'function' ? async (request) => provider(request) : undefined
    this.#native = unwrap(native.NativeClient.create(credentials, options, promised))
    this.paymentSessions = new PaymentSessions(this.#native.paymentSessions)
    this.coinbasePayments = new CoinbasePayments(this.#native.coinbasePayments)
    this.stateset = new StateSet(this.#native.stateset)
  }

  /** The base URL requests go to. */
  get baseUrl() {
    return this.#native.baseUrl
  }

  /**
   * Closes the client: its token provider is let go, and every later call rejects with a
   * `ConfigurationError` before any I/O. A request under way finishes with its retries.
   */
  close() {
    this.#native.close()
  }
}

// `await using client = new Client(...)` closes it at the end of the block (where the
// runtime has Symbol.asyncDispose: Node 18.18 and later).
if (typeof Symbol.asyncDispose === 'symbol') {
  Object.defineProperty(Client.prototype, Symbol.asyncDispose, {
    value: async function asyncDispose() {
      this.close()
    },
    writable: true,
    configurable: true,
  })
}

/** Signs CDP JWTs with one API key (`{ apiKeyId, apiKeySecret }` or `{ keyFile }`). */
class JwtSigner {
  #native
  constructor(key) {
    this.#native = unwrap(native.JwtSigner.create(key))
  }

  /** A JWT for `{ requestMethod, requestHost, requestPath }`. */
  sign(request) {
    return unwrap(this.#native.sign(request))
  }

  /** The key's id. */
  get keyId() {
    return this.#native.keyId
  }
}

/** A UUID-v4-shaped key from your own identifiers: the same in every run and language. */
function deriveIdempotencyKey(...parts) {
  return unwrap(native.deriveIdempotencyKey(parts))
}

/** A CDP JWT for one request, keeping nothing: the keys of a `JwtSigner` and of `sign`. */
function generateJwt(options) {
  return unwrap(native.generateJwt(options))
}

/**
 * Verifies a webhook delivery and returns its event: `body` the raw request body (a Buffer,
 * before any parsing), `headers` the request's headers (`req.headers`), `secret` the
 * subscription's signing secret, `options` `{ maxAgeMs }` (default 5 minutes). Throws a
 * `WebhookVerificationError` subclass when the delivery must not be trusted. Deliveries are
 * retried: handle each `eventId` once.
 */
function verifyWebhook(body, headers, secret, options) {
  return unwrap(native.verifyWebhook(body, headers, secret, options))
}

/**
 * The `X-Hook0-Signature` CDP would send for `body` (a Buffer) signed with `secret`, for tests
 * of a webhook handler; `options` `{ headers, timestamp }` (signed headers, default
 * `content-type: application/json`; unix seconds, default now).
 */
function signWebhook(body, secret, options) {
  return unwrap(native.signWebhook(body, secret, options))
}

const newIdempotencyKey = native.newIdempotencyKey

module.exports = {
  Client,
  PaymentSessions,
  CoinbasePayments,
  StateSet,
  JwtSigner,
  deriveIdempotencyKey,
  generateJwt,
  newIdempotencyKey,
  verifyWebhook,
  signWebhook,
  ...require('./errors.js'),
}

// Test hook, not API (hidden from enumeration and from the types): a call that panics inside
// the core, to show a panic arrives as an InternalError.
Object.defineProperty(module.exports, '_panicForTests', {
  value: async () => unwrap(await native.panicForTests()),
  enumerable: false,
})
