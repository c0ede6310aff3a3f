// README:begin
import CaptureKit
import Foundation

/// Asks the app's own back end for a short-lived token: an app never holds an API key secret.
final class BackendTokens: TokenProvider, @unchecked Sendable {
    private let fetch: @Sendable (TokenRequest) async throws -> String
    init(fetch: @escaping @Sendable (TokenRequest) async throws -> String) { self.fetch = fetch }
    func token(request: TokenRequest) async throws -> String { try await fetch(request) }
}

func captureOrder(client: Client, sessionId: String, orderId: String) async throws -> CaptureStatus {
    let sessions = client.paymentSessions()
    // The same order always gets the same key, so a retry can never capture twice.
    let request = CaptureRequest(amount: "10.00", idempotencyKey: try deriveIdempotencyKey(parts: [orderId, "capture-1"]))
    let capture: Capture
    do {
        capture = try await sessions.capture(paymentSessionId: sessionId, request: request)
    } catch CaptureKitError.OutcomeUnknown {
        capture = try await sessions.capture(paymentSessionId: sessionId, request: request) // the same key replays it
    }
    let settled = try await sessions.waitForCapture(
        paymentSessionId: sessionId, captureId: capture.captureId, options: WaitOptions(timeout: 60))
    return settled.status // .succeeded, .failed (see settled.error), …
}

func appClient(baseUrl: String, fetchToken: @escaping @Sendable (TokenRequest) async throws -> String) throws -> Client {
    try Client.withTokenProvider(provider: BackendTokens(fetch: fetchToken), options: ClientOptions(baseUrl: baseUrl))
}
// README:end
