'use strict'
// Objects made in another realm (a `vm` context, as Jest runs every test file in one) are
// plain objects too: options, requests and metadata from there are read like local ones,
// and a Map or a class instance from there is refused like a local one.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const vm = require('node:vm')
const fc = require('fast-check')
const capturekit = require('..')
const { startEmulator, KEYS } = require('./emulator.js')

/** `source` evaluated in a fresh realm. */
const foreign = (source) => vm.runInNewContext(`(${source})`)

test('options, a request and metadata from another realm capture', async (t) => {
  const emulator = await startEmulator({ settleDelayMs: 20 })
  t.after(() => emulator.stop())
  const sessionId = await emulator.authorizedSession('10')
  const client = new capturekit.Client(foreign(`{ keyFile: ${JSON.stringify(KEYS.ed25519)} }`),
    foreign(`{ baseUrl: ${JSON.stringify(emulator.baseUrl)}, maxRetries: 1 }`))
  const capture = await client.paymentSessions.capture(sessionId,
    foreign(`{ amount: '2.00', metadata: { order: 'o-1', nested: 'x' } }`))
  assert.equal(capture.amount, '2.00')
  assert.deepEqual(capture.metadata, { order: 'o-1', nested: 'x' })
})

test('a Map, a Date or a class instance from another realm is refused, naming the field', () => {
  for (const source of ['new Map()', 'new Date(0)', 'new (class Options {})()', '[]']) {
    assert.throws(() => new capturekit.Client(foreign(source)),
      { name: 'TypeError', message: /CredentialOptions: must be a plain object/ }, source)
  }
})

test('any plain object from another realm reads as the same object from this one', () => {
  const keys = fc.constantFrom('baseUrl', 'userAgent', 'maxRetries', 'timeoutMs', 'unknownOption')
  const values = fc.oneof(fc.string(), fc.integer({ min: -5, max: 50 }), fc.constant(null), fc.boolean())
  fc.assert(fc.property(fc.dictionary(keys, values, { maxKeys: 4 }), (options) => {
    const outcome = (value) => {
      try {
        new capturekit.Client({ bearerToken: 't' }, value).close()
        return 'ok'
      } catch (error) {
        return `${error.name}: ${error.message}`
      }
    }
    assert.equal(outcome(foreign(JSON.stringify(options))), outcome(options))
  }), { numRuns: 200 })
})
