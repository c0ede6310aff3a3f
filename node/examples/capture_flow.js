// The demo in Node: against a running emulator, authorize a session, make two partial
// captures, wait for them to settle, and print the captures and the session's balances.
// CAPTUREKIT_EMULATOR_URL and CDP_KEY_FILE must be set; `make demo` does both.
const { Client } = require('..')

async function main() {
  const emulator = process.env.CAPTUREKIT_EMULATOR_URL
  // The emulator's control API plays the payer: it authorizes 25.00 USDC.
  const response = await fetch(`${emulator}/_emulator/payment-sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ amount: '25.00', asset: 'usdc' }),
  })
  const { paymentSessionId: sessionId } = await response.json()
  console.log(`[node] authorized ${sessionId} for 25.00 USDC`)

  const client = new Client({ keyFile: process.env.CDP_KEY_FILE }, { baseUrl: `${emulator}/platform` })
  const sessions = client.paymentSessions
  const first = await sessions.capture(sessionId, { amount: '10.00', metadata: { order_id: 'order-1001' } })
  const second = await sessions.capture(sessionId, { amount: '5.50', finalCapture: false })
  for (const c of [first, second]) {
    console.log(`[node] capture ${c.captureId} of ${c.amount} is ${c.status} (idempotency key ${c.idempotencyKey})`)
  }
  for (const c of [first, second]) {
    const settled = await sessions.waitForCapture(sessionId, c.captureId, { timeoutMs: 30000 })
    console.log(`[node] capture ${settled.captureId} settled: ${settled.status} (tx ${settled.onchainTransactions[0]?.transactionHash ?? '-'})`)
  }
  const voided = await sessions.waitForVoid(sessionId, (await sessions.void(sessionId)).voidId, { timeoutMs: 30000 })
  console.log(`[node] void ${voided.voidId} released the other ${voided.amount}: ${voided.status}`)
  const refund = await sessions.refund(sessionId, {
    amount: '2.50', reason: 'one item returned', source: { accountId: 'account_af2937b0-9846-4fe7-bfe9-ccc22d935114', asset: 'usdc' },
  })
  const refunded = await sessions.waitForRefund(sessionId, refund.refundId, { timeoutMs: 30000 })
  console.log(`[node] refund ${refunded.refundId} of ${refunded.amount}: ${refunded.status}`)
  const b = (await sessions.getSession(sessionId)).balances
  console.log(`[node] capturable ${b.capturable} captured ${b.captured} refundable ${b.refundable} refunded ${b.refunded}`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
