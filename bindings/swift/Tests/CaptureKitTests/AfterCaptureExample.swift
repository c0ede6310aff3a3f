// README:begin
import CaptureKit
import Foundation

func shipPartOfOrder(client: Client, sessionId: String, orderId: String) async throws {
    let sessions = client.paymentSessions()
    let wait = WaitOptions(timeout: 60)
    let key = { (step: String) throws -> String in try deriveIdempotencyKey(parts: [orderId, step]) }
    let capture = try await sessions.capture(
        paymentSessionId: sessionId, request: CaptureRequest(amount: "20.00", idempotencyKey: try key("capture")))
    _ = try await sessions.waitForCapture(paymentSessionId: sessionId, captureId: capture.captureId, options: wait)
    // Release the rest of the authorization, then give back one returned item.
    let void = try await sessions.void(paymentSessionId: sessionId, request: VoidRequest(idempotencyKey: try key("void")))
    _ = try await sessions.waitForVoid(paymentSessionId: sessionId, voidId: void.voidId, options: wait)
    let source = RefundSource(accountId: "account_af2937b0-9846-4fe7-bfe9-ccc22d935114", asset: "usdc")
    let refund = try await sessions.refund(
        paymentSessionId: sessionId,
        request: RefundRequest(source: source, amount: "5.00", idempotencyKey: try key("refund-1")))
    _ = try await sessions.waitForRefund(paymentSessionId: sessionId, refundId: refund.refundId, options: wait)
}

func dropUnpaidSession(client: Client, sessionId: String) async throws -> PaymentSession {
    try await client.paymentSessions().cancel(
        paymentSessionId: sessionId, request: CancelRequest(cancellationReason: "Customer requested cancellation."))
}

func everySession(client: Client) async throws -> [PaymentSession] {
    try await client.paymentSessions().listAllSessions(pageSize: 50)
}
// README:end
