package com.capturekit

import com.capturekit.model.CaptureStatus
import com.capturekit.model.ClientOptions
import com.capturekit.model.WaitOptions
import java.io.File
import java.nio.file.Files
import java.time.Duration
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** Each core error kind arrives as its own `CaptureKitException` subclass, with its details. */
class ErrorsTest {
    private val emulator = Emulator()
    private val unusedSession = "paymentSession_00000000-0000-4000-8000-000000000000"

    @AfterEach
    fun stop() = emulator.close()

    private fun options(vararg changes: (ClientOptions) -> ClientOptions) =
        changes.fold(ClientOptions(baseUrl = emulator.baseUrl, maxRetries = 0u)) { o, change -> change(o) }

    private fun client(options: ClientOptions = options()) = Client.withKeyFile(Repo.ed25519Key, options)

    /** Runs `call` with `fault` injected (if any) and returns the error it raised. */
    private inline fun <reified E : CaptureKitException> raises(fault: String? = null, crossinline call: suspend () -> Any): E {
        fault?.let(emulator::fault)
        try {
            return assertFailsWith<E> { runBlocking { call() } }
        } finally {
            emulator.control("DELETE", "faults")
        }
    }

    @Test
    fun `a panic inside the core is an Internal error and the JVM lives on`() {
        val panic = assertFailsWith<CaptureKitException.Internal> { runBlocking { internalPanicForTests() } }
        assertEquals("internal", panic.details.code)
        assertTrue(panic.details.message.contains("a panic forced by a test"), panic.details.message)
        assertEquals(deriveIdempotencyKey(listOf("a")), deriveIdempotencyKey(listOf("a")))
    }

    @Test
    fun `every kind arrives as its own class with its fields`() {
        val session = emulator.authorizedSession("1")
        val sessions = client().paymentSessions()

        val notFound = raises<CaptureKitException.NotFound> { sessions.getSession(unusedSession) }
        assertEquals(404u.toUShort(), notFound.details.httpStatus)
        assertEquals("not_found", notFound.details.code)
        assertNotNull(notFound.details.correlationId)
        assertFalse(notFound.details.retryable)
        // The core's description, the same in every language.
        assertEquals(
            "not_found: ${notFound.details.message} (HTTP 404, not_found, correlation id ${notFound.details.correlationId})",
            notFound.toString(),
        )

        val tooMuch = raises<CaptureKitException.InvalidRequest> { sessions.capture(session, CaptureRequest(amount = "5")) }
        assertEquals("invalid_request", tooMuch.details.errorType)
        assertNotNull(tooMuch.details.idempotencyKey, "a refused capture still names its key")

        raises<CaptureKitException.PermissionDenied>("""{"type": "status", "status": 403}""") { sessions.getSession(session) }
        raises<CaptureKitException.IdempotencyConflict>("""{"type": "status", "status": 422, "errorType": "idempotency_error"}""") {
            sessions.getSession(session)
        }
        val api = raises<CaptureKitException.Api>("""{"type": "status", "status": 409, "errorType": "payment_session_already_authorized"}""") {
            sessions.getSession(session)
        }
        assertEquals("payment_session_already_authorized", api.details.errorType)

        val limited = raises<CaptureKitException.RateLimited>("""{"type": "status", "status": 429, "retryAfter": 7}""") {
            sessions.getSession(session)
        }
        assertEquals(Duration.ofSeconds(7), limited.details.retryAfter)
        assertTrue(limited.details.retryable)

        val server = raises<CaptureKitException.Server>("""{"type": "status", "status": 502}""") { sessions.getSession(session) }
        assertEquals("bad_gateway", server.details.errorType)

        val unknown = raises<CaptureKitException.OutcomeUnknown>("""{"type": "status", "status": 500}""") {
            sessions.capture(session, CaptureRequest(amount = "1", idempotencyKey = "kt-unknown"))
        }
        assertEquals("kt-unknown", unknown.details.idempotencyKey)
        assertTrue(unknown.details.retryable)

        raises<CaptureKitException.Decode>("""{"type": "malformed"}""") { sessions.getSession(session) }

        val slow = client(options({ it.copy(timeout = Duration.ofMillis(200)) })).paymentSessions()
        raises<CaptureKitException.Timeout>("""{"type": "delay", "delayMs": 1500}""") { slow.getSession(session) }

        val stranger = Client.withKeyFile(Repo.unknownKey, options()).paymentSessions()
        val refused = raises<CaptureKitException.Authentication> { stranger.getSession(session) }
        assertEquals(401u.toUShort(), refused.details.httpStatus)

        runBlocking { sessions.capture(session, CaptureRequest(finalCapture = true)) }
        raises<CaptureKitException.NoCapturableBalance> { sessions.capture(session, CaptureRequest(amount = "1")) }

        val late = emulator.authorizedSession("1")
        emulator.control("POST", "clock/advance", kotlinx.serialization.json.Json.parseToJsonElement("""{"seconds": 691200}"""))
        raises<CaptureKitException.CaptureExpired> { sessions.capture(late, CaptureRequest(amount = "1")) }

        val closed = Emulator().also { it.close() }
        val offline = client(options({ it.copy(baseUrl = closed.baseUrl) })).paymentSessions()
        raises<CaptureKitException.Network> { offline.getSession(session) }
    }

    @Test
    fun `bad input names the field and the rule before any request`() {
        val session = emulator.authorizedSession("1")
        val sessions = client().paymentSessions()
        for (amount in listOf("-1", "1e2", "0", " 1", "abc", "1.2.3", "NaN")) {
            val error = raises<CaptureKitException.InvalidRequest> {
                sessions.capture(session, CaptureRequest(amount = amount, idempotencyKey = "kt-bad-amount"))
            }
            assertTrue(error.details.message.startsWith("amount: "), error.details.message)
            assertNull(error.details.httpStatus)
            assertEquals("kt-bad-amount", error.details.idempotencyKey)
        }
        val badId = raises<CaptureKitException.InvalidRequest> { sessions.getSession("paymentSession_../../x") }
        assertTrue("payment_session_id" in badId.details.message)
        val badPage = raises<CaptureKitException.InvalidRequest> { sessions.listCaptures(session, pageSize = 0u) }
        assertTrue("page_size" in badPage.details.message)
        assertEquals("0", emulator.control("GET", "stats").let { (it as kotlinx.serialization.json.JsonObject)["captures"].toString() })
    }

    @Test
    fun `configuration errors come from the constructors`() {
        val secret = "tok en-with-space"
        val token = assertFailsWith<CaptureKitException.Configuration> { Client.withBearerToken(secret, options()) }
        assertFalse(secret in token.details.message, "a refused token is never echoed")
        val url = assertFailsWith<CaptureKitException.Configuration> {
            Client.withBearerToken("t", ClientOptions(baseUrl = "http://example.com/platform"))
        }
        assertTrue(url.details.message.startsWith("base_url: "), url.details.message)
        val retries = assertFailsWith<CaptureKitException.Configuration> { Client.withBearerToken("t", options({ it.copy(maxRetries = 11u) })) }
        assertTrue(retries.details.message.startsWith("max_retries"))
        val badKey = Files.createTempFile("bad-key", ".json").toFile().apply { writeText("""{"id": "k", "privateKey": "not-a-key"}""") }
        val key = assertFailsWith<CaptureKitException.Configuration> { Client.withKeyFile(badKey.path, options()) }
        assertFalse("not-a-key" in key.details.message)
        assertFalse("not-a-key" in key.toString())
        File(badKey.path).delete()
    }

    @Test
    fun `a wait that times out carries the last capture, and the exception is one sealed hierarchy`() {
        val session = emulator.authorizedSession("1")
        val sessions = client().paymentSessions()
        val capture = runBlocking { sessions.capture(session, CaptureRequest(amount = "0.5")) }
        val timeout = raises<CaptureKitException.Timeout> {
            sessions.waitForCapture(session, capture.captureId, WaitOptions(Duration.ofMillis(300), Duration.ofMillis(50)))
        }
        val last = assertNotNull(timeout.details.lastCapture)
        assertEquals(capture.captureId, last.captureId)
        assertIs<CaptureStatus.Pending>(last.status)
        // `details()` works on the base class, whatever the kind: one catch serves every error.
        val error: CaptureKitException = timeout
        assertEquals("timeout", error.details().code)
        assertTrue(error.message!!.contains("timeout"), error.message)
    }
}
