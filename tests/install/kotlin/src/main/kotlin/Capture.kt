// A user's first capture with the installed jar, against the emulator that
// scripts/with-emulator.sh started (CAPTUREKIT_EMULATOR_URL, CDP_KEY_FILE).
package example

import com.capturekit.CaptureKitException
import com.capturekit.CaptureRequest
import com.capturekit.Client
import com.capturekit.model.CaptureStatus
import com.capturekit.model.ClientOptions
import com.capturekit.model.WaitOptions
import java.math.BigDecimal
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import kotlinx.coroutines.runBlocking

fun main() = runBlocking {
    check(System.getProperty("jna.library.path") == null) { "jna.library.path is set" }
    val emulator = System.getenv("CAPTUREKIT_EMULATOR_URL") ?: error("CAPTUREKIT_EMULATOR_URL is not set")
    val authorize = HttpRequest.newBuilder(URI("$emulator/_emulator/payment-sessions"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("""{"amount": "25.00"}"""))
        .build()
    val answer = HttpClient.newHttpClient().send(authorize, HttpResponse.BodyHandlers.ofString()).body()
    val sessionId = Regex("\"paymentSessionId\"\\s*:\\s*\"([^\"]+)\"").find(answer)!!.groupValues[1]

    Client.withKeyFile(System.getenv("CDP_KEY_FILE"), ClientOptions(baseUrl = "$emulator/platform")).use { client ->
        val sessions = client.paymentSessions()
        val capture = sessions.capture(sessionId, CaptureRequest(amount = "10.00", metadata = mapOf("order_id" to "1001")))
        val settled = sessions.waitForCapture(sessionId, capture.captureId, WaitOptions(Duration.ofSeconds(30)))
        check(settled.status is CaptureStatus.Succeeded) { "status ${settled.status}" }
        check(settled.metadata == mapOf("order_id" to "1001")) { "metadata ${settled.metadata}" }
        val refused = runCatching { sessions.capture(sessionId, CaptureRequest(amount = "100.00")) }.exceptionOrNull()
        check(refused is CaptureKitException) { "an over-capture was not refused: $refused" }
        val balances = sessions.getSession(sessionId).balances
        check(BigDecimal(balances.captured).compareTo(BigDecimal("10")) == 0 && BigDecimal(balances.capturable).compareTo(BigDecimal("15")) == 0) { "balances $balances" }
        println("[install: kotlin] capture ${settled.captureId} ${settled.status.wireValue()}")
    }
}
