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

/** The StateSet API key (default `STATESET_API_KEY`); goes with any CDP credential, or alone. */
export interface StateSetKey {
  statesetApiKey?: string
}

export type Credentials = StateSetKey &
  (
    | { apiKeyId: string; apiKeySecret: string }
    | { keyFile: string }
    | { bearerToken: string }
    | { tokenProvider: (request: TokenRequest) => Promise<string> | string }
    | Record<string, never>
  )

export interface ClientOptions {
  /** Default https://api.cdp.coinbase.com/platform; http:// only on loopback. */
  baseUrl?: string
  /** Per attempt (default 30000). */
  timeoutMs?: number
  connectTimeoutMs?: number
  /** Attempts after the first (default 2). */
  maxRetries?: number
  userAgent?: string
  /** Default https://payments.coinbase.com. */
  coinbasePaymentsBaseUrl?: string
  /** Default https://api.stateset.com. */
  statesetBaseUrl?: string
}

export type RewardOperationStatus =
  | 'REWARD_OPERATION_STATUS_PENDING' | 'REWARD_OPERATION_STATUS_SUCCEEDED' | 'REWARD_OPERATION_STATUS_FAILED'
  | (string & {})
export type OperationStepStatus =
  | 'OPERATION_STEP_STATUS_PENDING' | 'OPERATION_STEP_STATUS_SUCCEEDED' | 'OPERATION_STEP_STATUS_FAILED' | (string & {})
export type PaymentOperationStatus =
  | 'PAYMENT_OPERATION_STATUS_PENDING' | 'PAYMENT_OPERATION_STATUS_SUCCEEDED' | 'PAYMENT_OPERATION_STATUS_FAILED'
  | (string & {})

export interface RewardInput {
  campaignAddress: string
  tokenAddress: string
  chainId: number
}

export interface EscrowCaptureOptions {
  /** A decimal string in the payment's token, e.g. "10.50". */
  amount: DecimalString
  /** 0 to 10000, within the payment's minFeeBps..maxFeeBps (default 0). */
  feeBps?: number
  /** 0x + 40 hex digits; omitted means no fee receiver (only with a fee of 0). */
  feeReceiver?: string
  distributeRewards?: RewardInput[]
  metadata?: Record<string, string>
  idempotencyKey?: string
}

export interface OperationTransaction {
  entity: string | null
  transactionHash: string | null
  blockNumber: string | null
  createdAt: Date | null
  updatedAt: Date | null
  revertReason: string | null
  operationStepId: string | null
}

export interface OperationStep {
  entity: string | null
  id: string
  type: string
  operationId: string | null
  operationType: string | null
  status: OperationStepStatus
  createdAt: Date | null
  updatedAt: Date | null
  params: Record<string, string>
  error: string | null
  errorCode: string | null
  transactions: OperationTransaction[]
}

export interface Reward {
  id: string
  campaignAddress: string
  paymentInfoHash: string
  recipientAddress: string
  tokenAddress: string
  chainId: number
  createdAt: Date | null
  updatedAt: Date | null
}

export interface RewardOperation {
  id: string
  action: string
  status: RewardOperationStatus
  createdAt: Date | null
  updatedAt: Date | null
  reward: Reward | null
  amount: DecimalString | null
  transactionHash: string | null
  error: string | null
  errorCode: string | null
  revertReason: string | null
  blockNumber: string | null
  metadata: Record<string, string>
  operationSteps: OperationStep[]
}

export interface EscrowCapture {
  operationId: string
  rewardOperations: RewardOperation[]
  invalidRewardInputs: { rewardInput: RewardInput; invalidReason: string }[]
  idempotencyKey: string
}

export interface EscrowPayment {
  id: string
  maxAmount: DecimalString | null
  token: string | null
  networkId: number | null
  payer: string | null
  receiver: string | null
  operator: string | null
  minFeeBps: number | null
  maxFeeBps: number | null
  feeReceiver: string | null
  authorizationExpiry: Date | null
  preApprovalExpiry: Date | null
  refundExpiry: Date | null
  authorizedAmount: DecimalString | null
  capturedAmount: DecimalString | null
  voidedAmount: DecimalString | null
  refundedAmount: DecimalString | null
  chargedAmount: DecimalString | null
  createdAt: Date | null
  updatedAt: Date | null
}

export interface PaymentOperation {
  id: string
  type: string
  status: PaymentOperationStatus
  amount: DecimalString | null
  feeBps: number | null
  feeReceiver: string | null
  feeAmount: DecimalString | null
  transactionHash: string | null
  metadata: Record<string, string>
  operationSteps: OperationStep[]
  createdAt: Date | null
  updatedAt: Date | null
}

export declare class CoinbasePayments {
  capture(paymentId: string, options: EscrowCaptureOptions): Promise<EscrowCapture>
  getPayment(paymentId: string): Promise<{ payment: EscrowPayment; paymentOperations: PaymentOperation[] }>
}

export type StateSetPaymentStatus = 'pending' | 'processing' | 'succeeded' | 'failed' | 'cancelled' | (string & {})

/** A StateSet payment; amounts are whole cents. Field names are the API's (snake_case). */
export interface StateSetPayment {
  id: string
  object: string | null
  amount: number
  amount_capturable: number
  amount_captured: number
  currency: string | null
  status: StateSetPaymentStatus
  captured: boolean
  captured_at: Date | null
  created_at: Date | null
  payment_method: { type: string | null; card: { last4: string | null; brand: string | null } | null } | null
  capture_details: { captured_amount: number | null; capture_time: Date | null; processor_capture_id: string | null } | null
  metadata: Record<string, string>
}

export declare class StateSet {
  /** `amount` in whole cents; omitted captures the full authorization. */
  capture(
    paymentId: string,
    options?: { amount?: number | bigint; statementDescriptor?: string; metadata?: Record<string, string> },
  ): Promise<StateSetPayment>
  getPayment(paymentId: string): Promise<StateSetPayment>
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
  readonly coinbasePayments: CoinbasePayments
  readonly stateset: StateSet
  readonly baseUrl: string
}

export declare function deriveIdempotencyKey(...parts: string[]): string
export declare function newIdempotencyKey(): string
/** A CDP JWT for one request, signed with this API key (for tokens you hand to someone else). */
export declare function generateJwt(options: {
  apiKeyId: string
  apiKeySecret: string
  requestMethod: string
  requestHost: string
  requestPath: string
}): string

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
