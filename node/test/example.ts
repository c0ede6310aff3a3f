// A TypeScript user of capturekit; `tsc --noEmit` checks it against index.d.ts.
import {
  Client, CaptureKitError, OutcomeUnknownError, RateLimitError, deriveIdempotencyKey,
  type Capture, type CaptureStatus, type PaymentSession,
} from 'capturekit-sdk'

export async function captureTwice(sessionId: string): Promise<PaymentSession> {
  const client = new Client({ keyFile: 'cdp_api_key.json' }, { baseUrl: 'http://127.0.0.1:8402/platform', timeoutMs: 10_000 })
  const key = deriveIdempotencyKey('order-1234', 'capture-1')
  let capture: Capture
  try {
    capture = await client.paymentSessions.capture(sessionId, { amount: '10.00', idempotencyKey: key, metadata: { order: '1234' } })
  } catch (error) {
    if (error instanceof OutcomeUnknownError) {
      capture = await client.paymentSessions.capture(sessionId, { amount: '10.00', idempotencyKey: error.idempotencyKey ?? key })
    } else if (error instanceof RateLimitError) {
      throw new Error(`retry after ${error.retryAfterMs ?? 1000} ms`)
    } else if (error instanceof CaptureKitError) {
      throw new Error(`${error.code} ${error.httpStatus ?? ''} ${error.correlationId ?? ''} ${error.retryable}`)
    } else {
      throw error
    }
  }
  const status: CaptureStatus = capture.status
  const settled = await client.paymentSessions.waitForCapture(sessionId, capture.captureId, { timeoutMs: 30_000 })
  const when: Date | null = settled.updatedAt
  console.log(status, settled.amount?.padStart(10), when?.toISOString())
  for await (const each of client.paymentSessions.listCaptures(sessionId, { pageSize: 50 })) {
    console.log(each.captureId, each.onchainTransactions.map((t) => t.transactionHash))
  }
  const tokenClient = new Client({ tokenProvider: async (request) => `token-for ${request.uri}` })
  void tokenClient
  // @ts-expect-error amounts are strings, never numbers
  await client.paymentSessions.capture(sessionId, { amount: 10.5 })
  // @ts-expect-error an option the core does not know
  await client.paymentSessions.capture(sessionId, { amout: '1.00' })
  return client.paymentSessions.getSession(sessionId)
}

// A TypeScript user's test helper over capturekit-sdk/testing.
import { startEmulator, EmulatorControlError, type Emulator, type JournalEntry } from 'capturekit-sdk/testing'

export async function capturedOnce(): Promise<JournalEntry[]> {
  const emulator: Emulator = await startEmulator({ manualSettle: true, seed: 7 })
  try {
    const sessionId: string = await emulator.createSession({ amount: '25.00' })
    await emulator.addFault({ type: 'drop', method: 'POST', path: '/captures' })
    await emulator.client({ maxRetries: 0 }).paymentSessions.capture(sessionId, { amount: '10.00' }).catch(() => undefined)
    const settled: number = await emulator.settle({ paymentSessionId: sessionId })
    if (settled !== 1) throw new Error(`settled ${settled}`)
    return (await emulator.requests()).filter((entry) => entry.fault === 'drop')
  } catch (error) {
    if (error instanceof EmulatorControlError) throw new Error(`control refused (${error.status})`)
    throw error
  } finally {
    await emulator.stop()
  }
}
