'use strict'
// capturekit-sdk/testing: test your code against the capturekit emulator. `startEmulator()`
// starts a fresh `capturekit-emulator` process on a free loopback port with a development key,
// hands back clients pointed at it (CDP, Coinbase Payments, StateSet), drives it through its
// control API (bodies are the control API's JSON, as in the README's "Control API" table),
// and `stop()` stops it. Usable from node:test, Jest and Vitest alike.

const { spawn } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Client } = require('./index.js')

const ENV_EXECUTABLE = 'CAPTUREKIT_EMULATOR_BIN'
const URL_PREFIX = 'CAPTUREKIT_EMULATOR_URL='
const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 5_000

/** A control call the emulator refused: `status` and the answer's `body`. */
class EmulatorControlError extends Error {
  constructor(method, route, status, body) {
    super(`${method} /_emulator/${route}: ${status}: ${body?.errorMessage ?? JSON.stringify(body)}`)
    this.name = 'EmulatorControlError'
    this.status = status
    this.body = body
  }
}

/**
 * The emulator executable: `executable`, else `$CAPTUREKIT_EMULATOR_BIN`, else the one the
 * `capturekit-emulator` npm package provides.
 */
function findEmulatorExecutable(executable) {
  // An empty variable counts as unset, as in the Kotlin and Swift fixtures.
  const named = executable ?? (process.env[ENV_EXECUTABLE] || undefined)
  if (named != null) {
    try {
      fs.accessSync(named, fs.constants.X_OK)
      if (fs.statSync(named).isFile()) return named
    } catch {}
    throw new Error(`capturekit emulator: ${named} is not an executable file`)
  }
  let emulatorPackage
  try {
    emulatorPackage = require('capturekit-emulator')
  } catch (error) {
    if (error?.code !== 'MODULE_NOT_FOUND') throw error
    throw new Error('capturekit emulator: no capturekit-emulator executable found; install it with ' +
      `\`npm install --save-dev capturekit-emulator\`, or set ${ENV_EXECUTABLE} to its path`)
  }
  return emulatorPackage.executablePath()
}

/** A running emulator, its URLs and credentials, and its control API. */
class Emulator {
  #child
  #exited
  #workdir

  constructor(child, exited, url, workdir, keyFile, statesetApiKey) {
    this.#child = child
    this.#exited = exited
    this.#workdir = workdir
    /** The root URL: Coinbase Payments, StateSet and the control API (`/_emulator/`). */
    this.url = url
    /** The CDP base URL (`url + '/platform'`). */
    this.baseUrl = `${url}/platform`
    /** A CDP key file (Ed25519) whose JWTs the emulator accepts. */
    this.keyFile = keyFile
    /** A StateSet API key the emulator accepts. */
    this.statesetApiKey = statesetApiKey
  }

  /** A `Client` for all three providers at this emulator; `options` add to (or replace) its options. */
  client(options = {}) {
    return new Client({ keyFile: this.keyFile, statesetApiKey: this.statesetApiKey },
      { baseUrl: this.baseUrl, coinbasePaymentsBaseUrl: this.url, statesetBaseUrl: this.url, ...options })
  }

  /** Calls `/_emulator/{route}` with a JSON body and resolves with its JSON; a refusal rejects with `EmulatorControlError`. */
  async control(method, route, body) {
    const response = await fetch(`${this.url}/_emulator/${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
    })
    const text = await response.text()
    let value
    try {
      value = JSON.parse(text)
    } catch {
      value = text
    }
    if (!response.ok) throw new EmulatorControlError(method, route, response.status, value)
    return value
  }

  /** A CDP payment session, authorized for `amount` (`authorized: false` makes a `created` one); resolves with its id. */
  async createSession(fields = {}) {
    return (await this.control('POST', 'payment-sessions', { amount: '100.00', ...fields })).paymentSessionId
  }

  /** Authorizes a `created` session; resolves with the session. */
  authorizeSession(sessionId) {
    return this.control('POST', `payment-sessions/${encodeURIComponent(sessionId)}/authorize`)
  }

  /** A Coinbase Payments payment authorized into escrow; resolves with its id. */
  async createEscrowPayment(fields = {}) {
    return (await this.control('POST', 'escrow-payments', { amount: '100.00', ...fields })).id
  }

  /** A StateSet payment (`amount` in cents) authorized for later capture; resolves with its id. */
  async createStatesetPayment(fields = {}) {
    return (await this.control('POST', 'stateset-payments', { amount: 10000, ...fields })).id
  }

  /** How the next captures (or `action: 'void'` / `'refund'`) settle: `outcome` `'succeeded'` or `'failed'`. */
  nextOutcome(fields) {
    return this.control('POST', 'next-outcome', fields)
  }

  /** Settles pending captures, voids and refunds now (all, or `paymentSessionId`, `captureId`, …); resolves with how many. */
  async settle(fields = {}) {
    return (await this.control('POST', 'settle', fields)).settled
  }

  /** Moves the emulator's clock forward; resolves with its new time (RFC 3339). */
  async advanceClock(seconds) {
    return (await this.control('POST', 'clock/advance', { seconds })).now
  }

  /** Changes `settleDelayMs` (`null`: only on `settle()`) or `rateLimits`; resolves with the whole configuration. */
  configure(fields) {
    return this.control('PUT', 'config', fields)
  }

  /** Adds a fault rule: `type` `'status'`, `'delay'`, `'malformed'` or `'drop'` (commit then drop), with `count`, `probability`, `method`, `path`, … */
  async addFault(rule) {
    await this.control('POST', 'faults', rule)
  }

  /** Removes every fault rule. */
  async clearFaults() {
    await this.control('DELETE', 'faults')
  }

  /** Request and object counts. */
  stats() {
    return this.control('GET', 'stats')
  }

  /** The request journal, oldest first: `method`, `path`, `idempotencyKey`, `status` and `fault` of each API request. */
  async requests() {
    return (await this.control('GET', 'requests')).requests
  }

  /** The webhook deliveries made (`eventType`, `subscriptionId` filter them). */
  async webhookDeliveries(query = {}) {
    const search = new URLSearchParams(query).toString()
    return (await this.control('GET', `webhooks/deliveries${search ? `?${search}` : ''}`)).deliveries
  }

  /** Adds a webhook delivery fault: `'duplicate'`, `'out_of_order'`, `'delay'` or `'corrupt_signature'`. */
  async addWebhookFault(rule) {
    await this.control('POST', 'webhooks/faults', rule)
  }

  /** Removes every webhook delivery fault. */
  async clearWebhookFaults() {
    await this.control('DELETE', 'webhooks/faults')
  }

  /** Empties every session, payment, key, fault, counter and the journal; keeps the configuration. */
  async reset() {
    await this.control('POST', 'reset')
  }

  /** Stops the emulator (SIGTERM, then SIGKILL after 5 s) and removes its key file. */
  async stop() {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGTERM')
      const killer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await this.#exited
      clearTimeout(killer)
    }
    fs.rmSync(this.#workdir, { recursive: true, force: true })
  }

  async [Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose')]() {
    await this.stop()
  }
}

/**
 * Starts a fresh emulator on a free loopback port with a new development key and StateSet
 * key. Options are the executable's: `settleDelayMs` (its default when absent),
 * `manualSettle`, `rateLimits`, `seed`; and `executable` names it.
 */
async function startEmulator(options = {}) {
  const known = new Set(['executable', 'settleDelayMs', 'manualSettle', 'rateLimits', 'seed'])
  for (const name of Object.keys(options)) {
    if (!known.has(name)) throw new TypeError(`startEmulator: unknown option ${name} (known: ${[...known].join(', ')})`)
  }
  const program = findEmulatorExecutable(options.executable)
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'capturekit-emulator-'))
  const keyFile = path.join(workdir, 'dev-key.json')
  const statesetApiKey = `test-${crypto.randomBytes(16).toString('hex')}`
  // Its stdin is a pipe from this process: should this process die before stopping it, the
  // pipe closes and the emulator stops too.
  const args = ['--port', '0', '--host', '127.0.0.1', '--dev-key', keyFile, '--stateset-api-key', statesetApiKey,
    '--stop-on-stdin-close']
  if (options.settleDelayMs != null) args.push('--settle-delay-ms', String(options.settleDelayMs))
  if (options.manualSettle) args.push('--manual-settle')
  if (options.rateLimits) args.push('--rate-limits')
  if (options.seed != null) args.push('--seed', String(options.seed))
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  const exited = new Promise((resolve) => child.once('close', resolve))
  try {
    const url = await readUrl(child)
    // Neither pipe may keep the test process alive, nor fill up.
    child.stdout.resume()
    child.stderr.resume()
    child.unref()
    for (const pipe of [child.stdin, child.stdout, child.stderr]) pipe.unref?.()
    return new Emulator(child, exited, url, workdir, keyFile, statesetApiKey)
  } catch (error) {
    child.kill('SIGKILL')
    await exited
    fs.rmSync(workdir, { recursive: true, force: true })
    throw error
  }
}

/** The URL from the emulator's first line, read within the start timeout. */
function readUrl(child) {
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => fail(`no URL within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS)
    function fail(why) {
      clearTimeout(timer)
      reject(new Error(`capturekit emulator did not start: ${err.trim() || why}`))
    }
    child.stderr.on('data', (chunk) => { err += chunk })
    child.stdout.on('data', function onData(chunk) {
      out += chunk
      const newline = out.indexOf('\n')
      if (newline < 0) return
      clearTimeout(timer)
      child.stdout.off('data', onData)
      const first = out.slice(0, newline).trim()
      if (first.startsWith(URL_PREFIX)) resolve(first.slice(URL_PREFIX.length))
      else fail(`unexpected first line ${JSON.stringify(first)}`)
    })
    child.once('error', (error) => fail(error.message))
    child.once('exit', (code, signal) => setImmediate(() => fail(`exit status ${code ?? signal}`)))
  })
}

module.exports = { startEmulator, findEmulatorExecutable, Emulator, EmulatorControlError }
