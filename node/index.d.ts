// Types of the capturekit npm package (hand-written; checked by `tsc --noEmit` in the tests).

/** A status string; unknown future values are admitted as plain strings. */
export type CaptureStatus = 'pending' | 'succeeded' | 'failed' | (string & {})
export type PaymentSessionStatus =
  | 'created' | 'canceled'
  | 'authorization_pending' | 'authorization_succeeded' | 'authorization_failed'
  | 'capture_pending' | 'capture_succeeded' | 'capture_failed'
  | 'void_pending' | 'void_succeeded' | 'void_failed'
  | 'refund_pending' | 'refund_succeeded' | 'refund_failed'
  | (string & {})
export type Network =
  | 'arbitrum' | 'arbitrum-sepolia' | 'base' | 'base-sepolia' | 'ethereum' | 'ethereum-sepolia'
  | 'optimism' | 'optimism-sepolia' | 'polygon' | 'polygon-amoy' | (string & {})

/** A decimal amount as a string, e.g. "10.50". Never a JS number. */
export type DecimalString = string

export interface PaymentError {
  code: string
  message: string
  occurredAt: Date | null
}

export interface OnchainTransaction {
  transactionHash: string
  network: Network
}

export interface Capture {
  captureId: string
  paymentSessionId: string
  status: CaptureStatus
  amount: DecimalString | null
  finalCapture: boolean
  error: PaymentError | null
  metadata: Record<string, string>
  externalReferenceId: string | null
  onchainTransactions: OnchainTransaction[]
  createdAt: Date | null
  updatedAt: Date | null
  /** The idempotency key it was created with (on what `capture()` resolves to). */
  idempotencyKey: string | null
}

export interface CapturePage {
  captures: Capture[]
  nextPageToken: string | null
}

export interface PaymentSessionBalances {
  capturable: DecimalString
  captured: DecimalString
  refundable: DecimalString
  refunded: DecimalString
}

export interface PaymentExpiries {
  authorizationExpiresAt: Date | null
  captureExpiresAt: Date | null
  refundExpiresAt: Date | null
}

export interface PaymentSession {
  paymentSessionId: string
  status: PaymentSessionStatus
  amount: DecimalString | null
  asset: string | null
  balances: PaymentSessionBalances
  expiries: PaymentExpiries
  captures: Capture[]
  metadata: Record<string, string>
  externalReferenceId?: string | null
  autoCapture: boolean
  createdAt: Date | null
  updatedAt: Date | null
}

export interface CaptureOptions {
  /** All that is capturable when omitted. A decimal string (or bigint of whole units). */
  amount?: DecimalString | bigint
  /** Release what is left once this capture settles (default false). */
  finalCapture?: boolean
  /** Up to 10 pairs; keys 1 to 40 characters, values at most 500. */
  metadata?: Record<string, string>
  externalReferenceId?: string
  /** A random UUID v4 when omitted; pass your own to retry safely across restarts. */
  idempotencyKey?: string
}

/** What a token provider is asked for: a token for this one request. */
export interface TokenRequest {
  method: string
  hostAndPath: string
  /** "<METHOD> <host><path>", the JWT `uris` claim a back end should sign. */
  uri: string
}

export type Credentials =
  | { apiKeyId: string; apiKeySecret: string }
  | { keyFile: string }
  | { bearerToken: string }
  | { tokenProvider: (request: TokenRequest) => Promise<string> | string }
  | Record<string, never>

export interface ClientOptions {
  /** Default https://api.cdp.coinbase.com/platform; http:// only on loopback. */
  baseUrl?: string
  /** Per attempt (default 30000). */
  timeoutMs?: number
  connectTimeoutMs?: number
  /** Attempts after the first (default 2). */
  maxRetries?: number
  userAgent?: string
}

export declare class PaymentSessions {
  capture(paymentSessionId: string, options?: CaptureOptions): Promise<Capture>
  getCapture(paymentSessionId: string, captureId: string): Promise<Capture>
  listCapturesPage(paymentSessionId: string, options?: { pageSize?: number; pageToken?: string }): Promise<CapturePage>
  listCaptures(paymentSessionId: string, options?: { pageSize?: number }): AsyncGenerator<Capture, void, void>
  getSession(paymentSessionId: string): Promise<PaymentSession>
  waitForCapture(
    paymentSessionId: string,
    captureId: string,
    options?: { timeoutMs?: number; pollIntervalMs?: number },
  ): Promise<Capture>
}

export declare class Client {
  constructor(credentials?: Credentials, options?: ClientOptions)
  readonly paymentSessions: PaymentSessions
  readonly baseUrl: string
}

export declare function deriveIdempotencyKey(...parts: string[]): string
export declare function newIdempotencyKey(): string

export declare class CaptureKitError extends Error {
  /** The core's stable kind, e.g. "outcome_unknown". */
  readonly code: string
  /** The HTTP status, when there was an answer. */
  readonly status: number | null
  /** The API's errorType, e.g. "capture_expired". */
  readonly errorType: string | null
  readonly correlationId: string | null
  readonly errorLink: string | null
  /** The idempotency key of the capture that failed: retry with this one. */
  readonly idempotencyKey: string | null
}
export declare class InvalidRequestError extends CaptureKitError {}
export declare class AuthenticationError extends CaptureKitError {}
export declare class PermissionDeniedError extends CaptureKitError {}
export declare class NotFoundError extends CaptureKitError {}
export declare class IdempotencyError extends CaptureKitError {}
export declare class RateLimitError extends CaptureKitError {
  /** Seconds the API asked to wait. */
  readonly retryAfter: number | null
}
export declare class CaptureExpiredError extends CaptureKitError {}
export declare class NoCapturableBalanceError extends CaptureKitError {}
export declare class APIError extends CaptureKitError {}
export declare class ServerError extends APIError {}
/** The capture may or may not exist: retry with `idempotencyKey`, never a new key. */
export declare class OutcomeUnknownError extends CaptureKitError {}
export declare class NetworkError extends CaptureKitError {}
export declare class TimeoutError extends CaptureKitError {
  /** From waitForCapture: the last state of the capture seen. */
  readonly lastCapture: Capture | null
}
export declare class DecodeError extends CaptureKitError {}
export declare class ConfigurationError extends CaptureKitError {}
