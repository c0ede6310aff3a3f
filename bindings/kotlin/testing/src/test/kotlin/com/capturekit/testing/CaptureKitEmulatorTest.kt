package com.capturekit.testing

import com.capturekit.CaptureKitException
import com.capturekit.CaptureRequest
import com.capturekit.EscrowCaptureRequest
import com.capturekit.model.StateSetCaptureRequest
import com.capturekit.model.CaptureStatus
import com.capturekit.model.ClientOptions
import com.capturekit.model.WaitOptions
import java.io.File
import java.time.Duration
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.extension.ExtendWith

/** The extension and CaptureKitEmulator as a user's JUnit suite uses them, with the emulator of the capturekit-emulator jar. */
@ExtendWith(CaptureKitEmulatorExtension::class)
class CaptureKitEmulatorTest {
    @Test
    fun `the executable comes from the capturekit-emulator jar`() {
        assertTrue(File(CaptureKitEmulator.findExecutable()).canExecute())
        assertTrue(CaptureKitEmulator.findExecutable().contains("capturekit-emulator-bin-"))
    }

    @Test
    fun `an emulator hands back a client for all three providers`(emulator: CaptureKitEmulator) = runBlocking {
        assertTrue(emulator.url.startsWith("http://127.0.0.1:"))
        assertEquals("${emulator.url}/platform", emulator.baseUrl)
        val client = emulator.client()
        val sessionId = emulator.createSession("25.00")
        val capture = client.paymentSessions().capture(sessionId, CaptureRequest(amount = "10.00"))
        assertEquals(1, emulator.settle(mapOf("captureId" to capture.captureId)))
        assertEquals(CaptureStatus.Succeeded, client.paymentSessions().getCapture(sessionId, capture.captureId).status)
        val escrowId = emulator.createEscrowPayment("40.00")
        client.coinbasePayments().capture(escrowId, EscrowCaptureRequest(amount = "15.00"))
        assertEquals("15.00", client.coinbasePayments().getPayment(escrowId).payment.capturedAmount)
        val statesetId = emulator.createStatesetPayment(15_000)
        assertEquals(12_000L, client.stateset().capture(statesetId, StateSetCaptureRequest(amountCents = 12_000u)).amountCaptured.toLong())
    }

    @Test
    fun `a dropped answer retried with the same key captures once`(emulator: CaptureKitEmulator) = runBlocking {
        val sessionId = emulator.createSession("25.00")
        val sessions = emulator.client(ClientOptions(maxRetries = 0u)).paymentSessions()
        emulator.addFault("drop", mapOf("method" to "POST", "path" to "/captures"))
        val request = CaptureRequest(amount = "10.00", idempotencyKey = "order-7-capture")
        val unknown = assertFailsWith<CaptureKitException.OutcomeUnknown> { sessions.capture(sessionId, request) }
        sessions.capture(sessionId, request.copy(idempotencyKey = unknown.details.idempotencyKey))
        val posts = emulator.requests().filter { it.method == "POST" }.map { Triple(it.idempotencyKey, it.status, it.fault) }
        assertEquals(listOf(Triple("order-7-capture", 200, "drop"), Triple("order-7-capture", 200, null)), posts)
        emulator.settle()
        val balances = sessions.getSession(sessionId).balances
        assertEquals(listOf("10", "15"), listOf(balances.captured, balances.capturable))
    }

    @Test
    fun `the control helpers drive the emulator`(emulator: CaptureKitEmulator) = runBlocking {
        val client = emulator.client()
        assertEquals(JsonNull, emulator.configure(mapOf("settleDelayMs" to null))["settleDelayMs"])
        val unpaid = emulator.createSession("3", mapOf("authorized" to false))
        assertEquals("authorization_succeeded", emulator.authorizeSession(unpaid)["status"]!!.jsonPrimitive.content)
        assertEquals(1, emulator.nextOutcome("failed"))
        val capture = client.paymentSessions().capture(unpaid, CaptureRequest(amount = "1"))
        assertEquals(1, emulator.settle(mapOf("paymentSessionId" to unpaid)))
        assertEquals(CaptureStatus.Failed, client.paymentSessions().getCapture(unpaid, capture.captureId).status)
        assertTrue(emulator.advanceClock(60).endsWith("Z"))
        emulator.addFault("status", mapOf("status" to 503, "count" to 0))
        emulator.clearFaults()
        emulator.addWebhookFault("duplicate")
        emulator.clearWebhookFaults()
        assertEquals(0, emulator.webhookDeliveries(mapOf("eventType" to "payment_session.captured")).size)
        assertEquals("1", emulator.stats()["captures"]!!.jsonPrimitive.content)
        emulator.reset()
        assertEquals("0", emulator.stats()["sessions"]!!.jsonPrimitive.content)
        assertEquals(emptyList(), emulator.requests())
    }

    @Test
    fun `a refused control call names the field`(emulator: CaptureKitEmulator) {
        val refused = assertFailsWith<EmulatorControlException> { emulator.nextOutcome("failed", mapOf("count" to 0)) }
        assertEquals(400, refused.status)
        assertTrue("count" in refused.message!!, refused.message)
    }

    @Test
    @CaptureKitEmulatorOptions(manualSettle = true)
    fun `the options annotation reaches the emulator`(emulator: CaptureKitEmulator) = runBlocking {
        val sessions = emulator.client().paymentSessions()
        val sessionId = emulator.createSession("2")
        val capture = sessions.capture(sessionId, CaptureRequest(amount = "1"))
        assertFailsWith<CaptureKitException.Timeout> {
            sessions.waitForCapture(sessionId, capture.captureId, WaitOptions(Duration.ofMillis(300)))
        }
        assertEquals(1, emulator.settle())
    }

    @Test
    fun `a seed makes probabilistic faults fall the same way`() {
        fun statuses(seed: Long): List<Int?> = CaptureKitEmulator.start(EmulatorOptions(seed = seed)).use { emulator ->
            emulator.addFault("status", mapOf("status" to 503, "probability" to 0.5, "count" to 0))
            val sessions = emulator.client(ClientOptions(maxRetries = 0u)).paymentSessions()
            val sessionId = emulator.createSession("1")
            repeat(16) { runCatching { runBlocking { sessions.getSession(sessionId) } } }
            emulator.requests().map { it.status }
        }
        val first = statuses(7)
        assertEquals(first, statuses(7))
        assertTrue(503 in first && 200 in first, "$first")
    }

    @Test
    fun `close stops the emulator and removes its key file`() {
        val emulator = CaptureKitEmulator.start()
        assertTrue(File(emulator.keyFile).isFile)
        emulator.close()
        emulator.close()
        assertFalse(File(emulator.keyFile).exists())
        assertFailsWith<java.io.IOException> { emulator.stats() }
    }

    @Test
    fun `a missing executable or one that cannot start is a clear error`() {
        val missing = assertFailsWith<IllegalArgumentException> { CaptureKitEmulator.findExecutable("/nowhere/capturekit-emulator") }
        assertTrue("not an executable file" in missing.message!!)
        val script = File.createTempFile("broken-emulator", ".sh").apply {
            writeText("#!/bin/sh\necho 'capturekit-emulator: cannot listen: address in use' >&2\nexit 2\n")
            setExecutable(true)
            deleteOnExit()
        }
        val broken = assertFailsWith<IllegalStateException> { CaptureKitEmulator.start(EmulatorOptions(executable = script.path)) }
        assertTrue("exit status 2" in broken.message!! && "address in use" in broken.message!!, broken.message)
    }
}
