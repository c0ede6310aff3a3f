package com.capturekit.readme

// README:begin
import com.capturekit.CaptureRequest
import com.capturekit.Client
import com.capturekit.RefundRequest
import com.capturekit.deriveIdempotencyKey
import com.capturekit.model.CancelRequest
import com.capturekit.model.RefundSource
import com.capturekit.model.VoidRequest
import com.capturekit.model.WaitOptions
import java.time.Duration

suspend fun shipPartOfOrder(client: Client, sessionId: String, orderId: String) {
    val sessions = client.paymentSessions()
    val wait = WaitOptions(Duration.ofSeconds(60))
    val key = { step: String -> deriveIdempotencyKey(listOf(orderId, step)) }
    val capture = sessions.capture(sessionId, CaptureRequest(amount = "20.00", idempotencyKey = key("capture")))
    sessions.waitForCapture(sessionId, capture.captureId, wait)
    // Release the rest of the authorization, then give back one returned item.
    val void = sessions.void(sessionId, VoidRequest(idempotencyKey = key("void")))
    sessions.waitForVoid(sessionId, void.voidId, wait)
    val source = RefundSource(accountId = "account_af2937b0-9846-4fe7-bfe9-ccc22d935114", asset = "usdc")
    val refund = sessions.refund(sessionId, RefundRequest(source, amount = "5.00", idempotencyKey = key("refund-1")))
    sessions.waitForRefund(sessionId, refund.refundId, wait)
}

suspend fun dropUnpaidSession(client: Client, sessionId: String) =
    client.paymentSessions().cancel(sessionId, CancelRequest(cancellationReason = "Customer requested cancellation."))

suspend fun everySession(client: Client) = client.paymentSessions().listAllSessions(pageSize = 50u)
// README:end
