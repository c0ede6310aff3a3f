'use strict'
// A webhook receiver with node:http: it verifies each delivery, de-duplicates by event id
// (deliveries are retried), and marks an order paid when its capture succeeds. Run it with
// CDP_WEBHOOK_SECRET set; node/test/webhook_receiver.test.js runs it against the emulator.
// README:begin
const http = require('node:http')
const { verifyWebhook, WebhookVerificationError } = require('capturekit-sdk')

/** Order states by payment session id, and the event ids already handled. */
class Orders {
  status = new Map()
  seen = new Set()

  handle(event) {
    if (this.seen.has(event.eventId)) return // a retried delivery: already handled
    this.seen.add(event.eventId)
    const session = event.data.paymentSession
    if (!session) return
    if (event.eventType === 'acceptance.payment_session.capture_succeeded') {
      this.status.set(session.paymentSessionId, 'paid')
    } else if (event.eventType === 'acceptance.payment_session.capture_pending' && !this.status.has(session.paymentSessionId)) {
      this.status.set(session.paymentSessionId, 'capturing') // deliveries may come out of order
    }
  }
}

const MAX_BODY_BYTES = 1024 * 1024 // a CDP event is a few kilobytes

function webhookReceiver(secret, orders) {
  return http.createServer((req, res) => {
    const chunks = []
    let size = 0
    req.on('data', (chunk) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) res.writeHead(413).end(() => req.destroy())
      else chunks.push(chunk)
    })
    req.on('end', () => {
      if (res.writableEnded) return
      let event
      try {
        event = verifyWebhook(Buffer.concat(chunks), req.headers, secret)
      } catch (error) {
        // Not from CDP (or too old): refuse it. Verified but not understood: CDP retries it.
        return res.writeHead(error instanceof WebhookVerificationError ? 400 : 500).end()
      }
      orders.handle(event)
      res.writeHead(200).end()
    })
  })
}
// README:end

module.exports = { Orders, webhookReceiver }

if (require.main === module) webhookReceiver(process.env.CDP_WEBHOOK_SECRET, new Orders()).listen(8080, '127.0.0.1')
