package com.capturekit.readme

// README:begin
import com.capturekit.CaptureKitException
import com.capturekit.CaptureRequest
import com.capturekit.Client
import com.capturekit.TokenProvider
import com.capturekit.deriveIdempotencyKey
import com.capturekit.model.CaptureStatus
import com.capturekit.model.ClientOptions
import com.capturekit.model.TokenRequest
import com.capturekit.model.WaitOptions
import java.time.Duration

/** Asks the app's own back end for a short-lived token: an app never holds an API key secret. */
class BackendTokens(private val fetch: suspend (TokenRequest) -> String) : TokenProvider {
    override suspend fun token(request: TokenRequest): String = fetch(request)
}

suspend fun captureOrder(client: Client, sessionId: String, orderId: String): CaptureStatus {
    val sessions = client.paymentSessions()
    // The same order always gets the same key, so a retry can never capture twice.
    val request = CaptureRequest(amount = "10.00", idempotencyKey = deriveIdempotencyKey(listOf(orderId, "capture-1")))
    val capture = try {
        sessions.capture(sessionId, request)
    } catch (unknown: CaptureKitException.OutcomeUnknown) {
        sessions.capture(sessionId, request) // the capture may exist: the same key replays it
    }
    val settled = sessions.waitForCapture(sessionId, capture.captureId, WaitOptions(Duration.ofSeconds(60)))
    return settled.status // CaptureStatus.Succeeded, CaptureStatus.Failed (see settled.error), …
}

fun appClient(baseUrl: String, fetchToken: suspend (TokenRequest) -> String): Client =
    Client.withTokenProvider(BackendTokens(fetchToken), ClientOptions(baseUrl = baseUrl))
// README:end
