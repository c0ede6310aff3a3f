// ESM entry: the same module as `require('capturekit')`.
import capturekit from './index.js'

export const {
  Client, PaymentSessions, CoinbasePayments, StateSet, deriveIdempotencyKey, generateJwt, newIdempotencyKey,
  CaptureKitError, InvalidRequestError, AuthenticationError, PermissionDeniedError, NotFoundError,
  IdempotencyError, RateLimitError, CaptureExpiredError, NoCapturableBalanceError, APIError, ServerError,
  OutcomeUnknownError, NetworkError, TimeoutError, DecodeError, ConfigurationError,
} = capturekit
export default capturekit
