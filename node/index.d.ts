// The client surface of the capturekit npm package. Every type it names (results, options,
// enums) and every error class is generated from the Rust core into types.d.ts and
// errors.d.ts; this file only says which calls take and return them.
import type {
  ApiKeyOptions,
  CancelRequest,
  Capture,
  CapturePage,
  CaptureRequest,
  ClientOptions,
  CredentialOptions,
  EscrowCapture,
  EscrowCaptureRequest,
  EscrowPaymentDetails,
  JwtRequest,
  PageOptions,
  PaymentSession,
  PaymentSessionPage,
  Refund,
  RefundPage,
  RefundRequest,
  StateSetCaptureRequest,
  StateSetPayment,
  Void,
  VoidPage,
  VoidRequest,
  WaitOptions,
  WebhookEvent,
  WebhookOptions,
  WebhookSignOptions,
} from './types'

export * from './types'
export * from './errors'

/** CDP Payment Sessions calls; every method returns a Promise, or an async iterable for a `list…` without `Page`. */
export declare class PaymentSessions {
  /** Creates a capture; it comes back `pending`, with the idempotency key it was sent with. */
  capture(paymentSessionId: string, request?: CaptureRequest): Promise<Capture>
  /** Voids the session (releases all that is capturable); it comes back `pending`, with its idempotency key. */
  void(paymentSessionId: string, request?: VoidRequest): Promise<Void>
  /** Refunds captured funds from `source` (all that is refundable without `amount`); it comes back `pending`. */
  refund(paymentSessionId: string, request: RefundRequest): Promise<Refund>
  /** Cancels a session that was never authorized; resolves with the session, `canceled`. */
  cancel(paymentSessionId: string, request?: CancelRequest): Promise<PaymentSession>
  /** Fetches one capture. */
  getCapture(paymentSessionId: string, captureId: string): Promise<Capture>
  /** Fetches one void. */
  getVoid(paymentSessionId: string, voidId: string): Promise<Void>
  /** Fetches one refund. */
  getRefund(paymentSessionId: string, refundId: string): Promise<Refund>
  /** Fetches a session with its balances, expiries and captures. */
  getSession(paymentSessionId: string): Promise<PaymentSession>
  /** One page of captures; pass `nextPageToken` back as `pageToken` to go on. */
  listCapturesPage(paymentSessionId: string, page?: PageOptions): Promise<CapturePage>
  /** One page of voids. */
  listVoidsPage(paymentSessionId: string, page?: PageOptions): Promise<VoidPage>
  /** One page of refunds. */
  listRefundsPage(paymentSessionId: string, page?: PageOptions): Promise<RefundPage>
  /** One page of the payment sessions the credentials can see. */
  listSessionsPage(page?: PageOptions): Promise<PaymentSessionPage>
  /** Every capture of the session (`for await`), fetching pages as iteration reaches them. */
  listCaptures(paymentSessionId: string, page?: PageOptions): AsyncGenerator<Capture, void, void>
  /** Every void of the session (`for await`). */
  listVoids(paymentSessionId: string, page?: PageOptions): AsyncGenerator<Void, void, void>
  /** Every refund of the session (`for await`). */
  listRefunds(paymentSessionId: string, page?: PageOptions): AsyncGenerator<Refund, void, void>
  /** Every payment session (`for await`). */
  listSessions(page?: PageOptions): AsyncGenerator<PaymentSession, void, void>
  /** Polls until the capture is `succeeded` or `failed`; a failed capture resolves with its `error`. */
  waitForCapture(paymentSessionId: string, captureId: string, options?: WaitOptions): Promise<Capture>
  /** Polls until the void settles; a timeout's `lastVoid` is the last state seen. */
  waitForVoid(paymentSessionId: string, voidId: string, options?: WaitOptions): Promise<Void>
  /** Polls until the refund settles; a timeout's `lastRefund` is the last state seen. */
  waitForRefund(paymentSessionId: string, refundId: string, options?: WaitOptions): Promise<Refund>
}

/** Coinbase Payments (escrow) calls; every method returns a Promise. */
export declare class CoinbasePayments {
  /** Captures escrowed funds; the same idempotency key goes on every attempt and on the result. */
  capture(paymentId: string, request: EscrowCaptureRequest): Promise<EscrowCapture>
  /** Fetches a payment and its operations. */
  getPayment(paymentId: string): Promise<EscrowPaymentDetails>
}

/** StateSet calls; every method returns a Promise. Amounts are whole cents. */
export declare class StateSet {
  /** Captures a payment created with `capture: false` (the full authorization without `amountCents`). */
  capture(paymentId: string, request?: StateSetCaptureRequest): Promise<StateSetPayment>
  /** Fetches a payment. */
  getPayment(paymentId: string): Promise<StateSetPayment>
}

/** A capturekit client; an unknown key in either object is a `TypeError`. */
export declare class Client {
  constructor(credentials?: CredentialOptions, options?: ClientOptions)
  readonly paymentSessions: PaymentSessions
  readonly coinbasePayments: CoinbasePayments
  readonly stateset: StateSet
  readonly baseUrl: string
  /** Lets the token provider go; later calls reject with a ConfigurationError before any I/O. */
  close(): void
  /** `await using client = new Client(...)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>
}

/** Signs CDP JWTs with one API key; the key is wiped from memory when the signer is collected. */
export declare class JwtSigner {
  constructor(key: ApiKeyOptions)
  sign(request: JwtRequest): string
  readonly keyId: string
}

export declare function deriveIdempotencyKey(...parts: string[]): string
export declare function newIdempotencyKey(): string
/** A CDP JWT for one request, keeping nothing once it returns. */
export declare function generateJwt(options: ApiKeyOptions & JwtRequest): string
/** Verifies a webhook delivery (the raw body, before any parsing) and returns its event; throws a `WebhookVerificationError` subclass otherwise. */
export declare function verifyWebhook(
  body: Uint8Array,
  headers: Record<string, string | string[] | undefined>,
  secret: string,
  options?: WebhookOptions,
): WebhookEvent
/** The `X-Hook0-Signature` CDP would send for `body` signed with `secret`: for tests of a webhook handler. */
export declare function signWebhook(body: Uint8Array, secret: string, options?: WebhookSignOptions): string
