// CheckoutTest.kt
import com.capturekit.CaptureKitException
import com.capturekit.CaptureRequest
import com.capturekit.model.ClientOptions
import com.capturekit.testing.CaptureKitEmulator
import com.capturekit.testing.CaptureKitEmulatorExtension
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.extension.ExtendWith

@ExtendWith(CaptureKitEmulatorExtension::class)
class CheckoutTest {
    @Test
    fun `a lost answer is retried with the same key`(emulator: CaptureKitEmulator) = runBlocking {
        val sessionId = emulator.createSession(amount = "25.00")
        // Here our own code retries, not the client.
        val sessions = emulator.client(ClientOptions(maxRetries = 0u)).paymentSessions()
        // Commit then drop: the emulator captures, then closes the connection unanswered.
        emulator.addFault("drop", mapOf("method" to "POST", "path" to "/captures"))

        val request = CaptureRequest(amount = "10.00", idempotencyKey = "order-1001-capture")
        val unknown = assertFailsWith<CaptureKitException.OutcomeUnknown> { sessions.capture(sessionId, request) }
        // The capture may exist: retry with the SAME key, and the API replays the first answer.
        val capture = sessions.capture(sessionId, request.copy(idempotencyKey = unknown.details.idempotencyKey))

        val posts = emulator.requests().filter { it.method == "POST" }.map { it.idempotencyKey to it.fault }
        assertEquals(listOf("order-1001-capture" to "drop", "order-1001-capture" to null), posts)
        emulator.settle()
        val balances = sessions.getSession(sessionId).balances
        assertEquals("10" to "15", balances.captured to balances.capturable) // captured once
        assertEquals(listOf(capture.captureId), sessions.listCaptures(sessionId).captures.map { it.captureId })
    }
}
