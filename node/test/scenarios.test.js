'use strict'
// Runs the shared scenarios (tests/scenarios/*.json; format in its README) through Node.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { isDeepStrictEqual } = require('node:util')
const capturekit = require('..')
const { startEmulator, KEYS, BEARER_TOKEN, STATESET_API_KEY, REPO } = require('./emulator.js')

const SCENARIOS = path.join(REPO, 'tests', 'scenarios')
const CONTROL = {
  create_session: ['POST', 'payment-sessions'],
  next_outcome: ['POST', 'captures/next-outcome'],
  settle: ['POST', 'settle'],
  advance_clock: ['POST', 'clock/advance'],
  config: ['PUT', 'config'],
  fault: ['POST', 'faults'],
  clear_faults: ['DELETE', 'faults'],
  stats: ['GET', 'stats'],
  create_escrow_payment: ['POST', 'escrow-payments'],
  create_stateset_payment: ['POST', 'stateset-payments'],
}

/** Results in the scenarios' shape (the core's names, as Node has them): Dates as ISO strings. */
function toWire(value) {
  return JSON.parse(JSON.stringify(value))
}

/** An error in the scenarios' shape: every field the core reported. */
function errorToWire(error) {
  assert.ok(error instanceof capturekit.CaptureKitError, `not a CaptureKitError: ${error?.stack ?? error}`)
  return toWire(error.details)
}

function makeClient(emulator, options) {
  const credentials = {
    ed25519: { keyFile: KEYS.ed25519 },
    es256: { keyFile: KEYS.es256 },
    bearer: { bearerToken: BEARER_TOKEN },
    unknown_key: { keyFile: KEYS.unknown },
  }[options.auth ?? 'ed25519']
  return new capturekit.Client({ ...credentials, statesetApiKey: options.statesetApiKey ?? STATESET_API_KEY }, {
    baseUrl: emulator.baseUrl,
    coinbasePaymentsBaseUrl: emulator.url,
    statesetBaseUrl: emulator.url,
    maxRetries: options.maxRetries ?? 2,
    timeoutMs: options.timeoutMs,
  })
}

function lookup(root, route) {
  if (!route) return root
  let node = root
  for (const part of route.split('.')) {
    if (node == null || typeof node !== 'object') return undefined
    node = node[part]
  }
  return node
}

function resolve(value, saved) {
  if (typeof value === 'string' && value.startsWith('$$')) return value.slice(1)
  if (typeof value === 'string' && value.startsWith('$')) {
    const [name, ...rest] = value.slice(1).split('.')
    const found = lookup(saved[name], rest.join('.'))
    assert.notEqual(found, undefined, `${value} is not set`)
    return found
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, saved))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, saved)]))
  return value
}

const decimal = (text) => {
  const [i, f = ''] = text.split('.')
  const frac = f.replace(/0+$/, '')
  return `${BigInt(i)}${frac ? `.${frac}` : ''}`
}

function check(actual, expect, saved) {
  for (const [route, raw] of Object.entries(expect)) {
    const matcher = resolve(raw, saved)
    const found = lookup(actual, route) ?? null
    const keys = matcher && typeof matcher === 'object' && !Array.isArray(matcher) ? Object.keys(matcher) : []
    let ok
    if (keys.length === 1 && ['present', 'decimal', 'len', 'contains', 'names', 'notEqual'].includes(keys[0])) {
      const arg = matcher[keys[0]]
      ok = {
        present: () => (found !== null) === arg,
        decimal: () => typeof found === 'string' && decimal(found) === decimal(arg),
        len: () => (Array.isArray(found) || typeof found === 'string') && [...found].length === arg,
        contains: () => typeof found === 'string' && found.includes(arg),
        names: () => typeof found === 'string' && (found.includes(arg) || found.includes(arg.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()))),
        notEqual: () => JSON.stringify(found) !== JSON.stringify(arg),
      }[keys[0]]()
    } else {
      ok = found !== null && isDeepStrictEqual(found, matcher)
    }
    assert.ok(ok, `${route}: expected ${JSON.stringify(matcher)}, got ${JSON.stringify(found)}`)
  }
}

/** The scenario's arguments but the positional ones: the call's options object, as it is. */
function options(args, ...positional) {
  return Object.fromEntries(Object.entries(args).filter(([name]) => !positional.includes(name)))
}

async function collect(items) {
  const all = []
  for await (const item of items) all.push(item)
  return all
}

async function call(client, op, args) {
  const ps = client.paymentSessions
  const id = args.paymentSessionId
  switch (op) {
    case 'capture': return ps.capture(id, options(args, 'paymentSessionId'))
    case 'get_capture': return ps.getCapture(id, args.captureId)
    case 'list_captures': return ps.listCapturesPage(id, options(args, 'paymentSessionId'))
    case 'list_all_captures': {
      const captures = []
      for await (const capture of ps.listCaptures(id, options(args, 'paymentSessionId'))) captures.push(capture)
      return { captures }
    }
    case 'get_session': return ps.getSession(id)
    case 'wait_for_capture': return ps.waitForCapture(id, args.captureId, { timeoutMs: args.timeoutMs, pollIntervalMs: 50 })
    case 'void': return ps.void(id, options(args, 'paymentSessionId'))
    case 'refund': return ps.refund(id, options(args, 'paymentSessionId'))
    case 'cancel': return ps.cancel(id, options(args, 'paymentSessionId'))
    case 'get_void': return ps.getVoid(id, args.voidId)
    case 'get_refund': return ps.getRefund(id, args.refundId)
    case 'list_voids': return ps.listVoidsPage(id, options(args, 'paymentSessionId'))
    case 'list_refunds': return ps.listRefundsPage(id, options(args, 'paymentSessionId'))
    case 'list_sessions': return ps.listSessionsPage(options(args))
    case 'list_all_voids': return { voids: await collect(ps.listVoids(id, options(args, 'paymentSessionId'))) }
    case 'list_all_refunds': return { refunds: await collect(ps.listRefunds(id, options(args, 'paymentSessionId'))) }
    case 'list_all_sessions': return { paymentSessions: await collect(ps.listSessions(options(args))) }
    case 'wait_for_void': return ps.waitForVoid(id, args.voidId, { timeoutMs: args.timeoutMs, pollIntervalMs: 50 })
    case 'wait_for_refund': return ps.waitForRefund(id, args.refundId, { timeoutMs: args.timeoutMs, pollIntervalMs: 50 })
    case 'derive_idempotency_key': return { key: capturekit.deriveIdempotencyKey(...args.parts) }
    case 'escrow_capture': return client.coinbasePayments.capture(args.paymentId, options(args, 'paymentId'))
    case 'get_escrow_payment': return client.coinbasePayments.getPayment(args.paymentId)
    case 'stateset_capture': return client.stateset.capture(args.paymentId, options(args, 'paymentId'))
    case 'get_stateset_payment': return client.stateset.getPayment(args.paymentId)
    default: throw new Error(`unknown op ${op}`)
  }
}

const files = fs.readdirSync(SCENARIOS).filter((f) => f.endsWith('.json')).sort()

test('the shared scenarios are found', () => assert.ok(files.length >= 18))

for (const file of files) {
  test(`scenario ${file}`, async () => {
    const scenario = JSON.parse(fs.readFileSync(path.join(SCENARIOS, file), 'utf8'))
    const emulator = await startEmulator({ settleDelayMs: scenario.emulator?.settleDelayMs ?? null })
    try {
      const client = makeClient(emulator, scenario.client ?? {})
      const saved = {}
      for (const [index, step] of scenario.steps.entries()) {
        const args = resolve(step.with ?? {}, saved)
        let result = null
        let error = null
        if (step.op.startsWith('control.')) {
          const [method, route] = CONTROL[step.op.slice('control.'.length)]
          result = await emulator.control(method, route, args)
        } else {
          try {
            result = toWire(await call(client, step.op, args))
          } catch (raised) {
            error = errorToWire(raised)
          }
        }
        const where = `step ${index} (${step.op})`
        if (step.expectError) {
          assert.ok(error, `${where}: expected an error, got ${JSON.stringify(result)}`)
          check(error, step.expectError, saved)
        } else {
          assert.equal(error, null, `${where}: unexpected error ${JSON.stringify(error)}`)
          if (step.expect) check(result, step.expect, saved)
        }
        if (step.save && result) saved[step.save] = result
      }
    } finally {
      emulator.stop()
    }
  })
}
