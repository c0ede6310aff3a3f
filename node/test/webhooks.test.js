'use strict'
// Webhooks in Node: the shared vectors, and the Node idioms of verifying and signing.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const capturekit = require('..')
const { REPO } = require('./emulator.js')

const { cases } = JSON.parse(fs.readFileSync(path.join(REPO, 'tests', 'vectors', 'webhooks.json'), 'utf8'))

test('the webhook vectors are found', () => assert.ok(cases.length >= 20))

for (const vector of cases) {
  test(`webhook vector: ${vector.name}`, () => {
    // As node:http gives them: names in lower case, a repeated header as an array.
    const headers = {}
    for (const [name, value] of vector.headers) {
      const key = name.toLowerCase()
      headers[key] = key in headers ? [].concat(headers[key], value) : value
    }
    const options = { now: vector.now, ...(vector.maxAgeSeconds ? { maxAgeMs: vector.maxAgeSeconds * 1000 } : {}) }
    const body = Buffer.from(vector.body, 'utf8')
    if (vector.expect.error) {
      assert.throws(() => capturekit.verifyWebhook(body, headers, vector.secret, options), (error) => {
        assert.equal(error.code, vector.expect.error, String(error))
        if (vector.expect.error.startsWith('webhook_')) assert.ok(error instanceof capturekit.WebhookVerificationError)
        return true
      })
      return
    }
    const event = capturekit.verifyWebhook(body, headers, vector.secret, options)
    assert.equal(event.eventId, vector.expect.eventId)
    assert.equal(event.eventType, vector.expect.eventType)
    if (vector.expect.captureSessionId) assert.equal(event.data.capture.paymentSessionId, vector.expect.captureSessionId)
  })
}

test('a signed test payload verifies, as a Buffer or a Uint8Array, with array-valued headers', () => {
  const body = Buffer.from(JSON.stringify({ eventId: 'e-1', eventType: 'acceptance.payment_session.created', data: {} }))
  const signature = capturekit.signWebhook(body, 'secret-1')
  const headers = { 'content-type': 'application/json', 'x-hook0-signature': signature, 'set-cookie': ['a', 'b'], absent: undefined }
  assert.equal(capturekit.verifyWebhook(body, headers, 'secret-1').eventType, 'acceptance.payment_session.created')
  assert.equal(capturekit.verifyWebhook(new Uint8Array(body), headers, 'secret-1').eventId, 'e-1')
  const old = capturekit.signWebhook(body, 'secret-1', { headers: { 'x-id': '1' }, timestamp: Math.floor(Date.now() / 1000) - 600 })
  assert.throws(() => capturekit.verifyWebhook(body, { 'x-id': '1', 'x-hook0-signature': old }, 'secret-1'), capturekit.WebhookTooOldError)
  assert.ok(capturekit.verifyWebhook(body, { 'x-id': '1', 'x-hook0-signature': old }, 'secret-1', { maxAgeMs: 700_000 }))
})

test('a string body and unknown options are refused, naming them', () => {
  assert.throws(() => capturekit.verifyWebhook('{}', {}, 's'), (e) => e instanceof TypeError && /body/.test(e.message) && /Buffer/.test(e.message))
  assert.throws(() => capturekit.verifyWebhook(Buffer.from('{}'), {}, 's', { maxAge: 5 }), (e) => e instanceof TypeError && /maxAge/.test(e.message))
  assert.throws(() => capturekit.verifyWebhook(Buffer.from('{}'), 'x', 's'), (e) => e instanceof TypeError && /headers/.test(e.message))
  assert.throws(() => capturekit.verifyWebhook(Buffer.from('{}'), {}, 's'), capturekit.WebhookMalformedError)
})

const fc = require('fast-check')

test('any delivery ends in an event or a verification error', () => {
  // Guards against a crash, an abort or a stray exception on hostile deliveries.
  const signature = fc.oneof(fc.string({ maxLength: 60 }), fc.stringMatching(/^(t|h|v0|v1|x)=[ -~]{0,70}(,(t|h|v0|v1|x)=[ -~]{0,70}){0,3}$/))
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), signature, fc.string({ maxLength: 20 }), (body, sig, type) => {
    try {
      capturekit.verifyWebhook(body, { 'content-type': type, 'x-hook0-signature': sig }, 'secret', { now: 1767225600 })
    } catch (error) {
      const known = error instanceof capturekit.WebhookVerificationError || error instanceof capturekit.DecodeError ||
        (error instanceof capturekit.InvalidRequestError && /headers/.test(error.message))
      assert.ok(known, String(error))
    }
  }), { numRuns: 300 })
})

test('headers of the wrong shape are a TypeError naming them', () => {
  fc.assert(fc.property(fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.array(fc.integer(), { maxLength: 3 }), fc.constant(new Map())), (value) => {
    assert.throws(() => capturekit.verifyWebhook(Buffer.from('{}'), value, 'secret'), (e) => e instanceof TypeError && /headers/.test(e.message))
  }), { numRuns: 100 })
})
