'use strict'
// End to end: the README's Node receiver (examples/webhook_receiver.js) subscribes to the
// emulator, a capture settles, and each delivery is verified and handled once, under
// duplicate and out-of-order delivery faults; the README shows the receiver word for word.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const capturekit = require('..')
const { Orders, webhookReceiver } = require('../examples/webhook_receiver.js')
const { startEmulator, BEARER_TOKEN, REPO } = require('./emulator.js')

const PENDING = 'acceptance.payment_session.capture_pending'
const SUCCEEDED = 'acceptance.payment_session.capture_succeeded'

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${server.address().port}/webhooks/cdp`
}

test('the receiver handles each event once and marks the order paid', async () => {
  const emulator = await startEmulator({ settleDelayMs: 50 })
  const orders = new Orders()
  const handled = []
  const handle = orders.handle.bind(orders)
  orders.handle = (event) => {
    handled.push(event)
    handle(event)
  }
  // The port first, then the subscription that names it, then the handler with its secret.
  let server = webhookReceiver('placeholder', orders)
  const url = await listen(server)
  const response = await fetch(`${emulator.baseUrl}/v2/data/webhooks/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${BEARER_TOKEN}` },
    body: JSON.stringify({ eventTypes: [PENDING, SUCCEEDED], isEnabled: true, target: { url } }),
  })
  assert.equal(response.status, 201)
  const { secret } = await response.json()
  const port = server.address().port
  await new Promise((resolve) => server.close(resolve))
  server = webhookReceiver(secret, orders)
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
  try {
    await emulator.control('POST', 'webhooks/faults', { type: 'duplicate', count: 0 })
    await emulator.control('POST', 'webhooks/faults', { type: 'out_of_order' })
    const session = await emulator.authorizedSession('12')
    const client = new capturekit.Client({ bearerToken: BEARER_TOKEN }, { baseUrl: emulator.baseUrl })
    await client.paymentSessions.capture(session, { amount: '12' })
    const deadline = Date.now() + 10_000
    for (;;) {
      const { deliveries } = await emulator.control('GET', 'webhooks/deliveries')
      if (deliveries.filter((d) => d.outcome === 'delivered').length >= 4 && orders.status.get(session) === 'paid') break
      assert.ok(Date.now() < deadline, JSON.stringify(deliveries))
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.equal(orders.status.get(session), 'paid')
    assert.equal(orders.seen.size, 2, 'each of the two events handled once, though each came twice')
    assert.equal(handled.length, 4)
    assert.equal(handled[0].eventType, SUCCEEDED, `out of order: ${handled.map((e) => e.eventType)}`)
    const succeeded = handled.find((e) => e.eventType === SUCCEEDED)
    assert.equal(succeeded.data.capture.status, 'succeeded')
    assert.equal(succeeded.data.capture.paymentSessionId, session)
    assert.equal(succeeded.data.paymentSession.balances.captured, '12')
  } finally {
    server.close()
    emulator.stop()
  }
})

test('a delivery that does not verify is refused', async () => {
  const orders = new Orders()
  const server = webhookReceiver('the-secret', orders)
  const url = await listen(server)
  try {
    const body = Buffer.from(JSON.stringify({ eventId: 'e', eventType: 'acceptance.payment_session.created', data: {} }))
    for (const [secret, expected] of [['another-secret', 400], ['the-secret', 200]]) {
      const signature = capturekit.signWebhook(body, secret)
      const answer = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hook0-signature': signature } })
      assert.equal(answer.status, expected)
    }
    assert.deepEqual([...orders.seen], ['e'])
  } finally {
    server.close()
  }
})

test('the README shows the receiver', () => {
  const source = fs.readFileSync(path.join(__dirname, '..', 'examples', 'webhook_receiver.js'), 'utf8')
  const region = source.split('// README:begin\n')[1].split('// README:end')[0]
  assert.ok(fs.readFileSync(path.join(REPO, 'README.md'), 'utf8').includes('```js\n' + region + '```'))
})
