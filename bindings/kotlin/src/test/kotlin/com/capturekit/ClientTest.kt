package com.capturekit

import com.capturekit.model.CaptureStatus
import com.capturekit.model.ClientOptions
import com.capturekit.model.Network
import com.capturekit.model.PaymentSessionStatus
import com.capturekit.model.TokenRequest
import com.capturekit.model.WaitOptions
import java.math.BigDecimal
import java.time.Duration
import java.time.Instant
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** Kotlin idioms: records, sealed statuses, the token provider, coroutines and cancellation. */
class ClientTest {
    private val emulator = Emulator(settleDelayMs = 100)

    @AfterEach
    fun stop() = emulator.close()

    private fun options() = ClientOptions(baseUrl = emulator.baseUrl)

    private fun stat(name: String) = (emulator.control("GET", "stats") as JsonObject).getValue(name).jsonPrimitive.int

    @Test
    fun `a capture settles and reads back as Kotlin types`() = runBlocking {
        val session = emulator.authorizedSession("10")
        Client.withKeyFile(Repo.es256Key, options()).use { client ->
            val sessions = client.paymentSessions()
            val capture = sessions.capture(session, CaptureRequest(amount = "2.50", metadata = mapOf("order" to "o-1")))
            assertIs<CaptureStatus.Pending>(capture.status)
            assertEquals("pending", capture.status.wireValue())
            assertEquals(BigDecimal("2.50"), BigDecimal(capture.amount))
            assertEquals(mapOf("order" to "o-1"), capture.metadata)
            assertTrue(capture.createdAt!! <= Instant.now())
            val settled = sessions.waitForCapture(session, capture.captureId, WaitOptions(Duration.ofSeconds(10)))
            assertIs<CaptureStatus.Succeeded>(settled.status)
            assertIs<Network.Base>(settled.onchainTransactions.single().network)
            val read = sessions.getSession(session)
            assertIs<PaymentSessionStatus.CaptureSucceeded>(read.status)
            assertEquals(0, BigDecimal("7.5").compareTo(BigDecimal(read.balances.capturable)))
            assertEquals(listOf(capture.captureId), sessions.listAllCaptures(session).map { it.captureId })
            assertEquals(capture.idempotencyKey, capture.idempotencyKey!!.also { assertEquals(36, it.length) })
        }
    }

    @Test
    fun `a closed client refuses calls before any request`() = runBlocking {
        val session = emulator.authorizedSession("1")
        val client = Client.withKeyFile(Repo.ed25519Key, ClientOptions(baseUrl = emulator.baseUrl))
        val sessions = client.paymentSessions()
        sessions.getSession(session)
        client.shutdown()
        val before = stat("requests")
        val closed = assertFailsWith<CaptureKitException.Configuration> { sessions.getSession(session) }
        assertTrue(closed.details.message.contains("closed"), closed.details.message)
        assertEquals(before, stat("requests"), "nothing was sent")
    }

    @Test
    fun `the idempotency helpers match the shared vector`() {
        val vector = Repo.root.resolve("tests/vectors/derived_idempotency_key.txt").readText().trim()
        assertEquals(vector, deriveIdempotencyKey(listOf("order-1234", "capture-1")))
        assertFailsWith<CaptureKitException.InvalidRequest> { deriveIdempotencyKey(emptyList()) }
        assertEquals(36, newIdempotencyKey().length)
    }

    @Test
    fun `the token provider is asked before every attempt, with the request's uri`() = runBlocking {
        val session = emulator.authorizedSession("10")
        val asked = ConcurrentLinkedQueue<TokenRequest>()
        val provider = object : TokenProvider {
            override suspend fun token(request: TokenRequest): String {
                asked.add(request)
                delay(1) // a provider may suspend, e.g. to call the app's back end
                return Repo.BEARER_TOKEN
            }
        }
        Client.withTokenProvider(provider, options()).use { client ->
            emulator.fault("""{"type": "status", "status": 503, "count": 1}""")
            client.paymentSessions().getSession(session)
        }
        assertEquals(2, asked.size, "one token per attempt, the retry included")
        val request = asked.first()
        assertEquals("GET", request.method)
        assertTrue(request.uri.startsWith("GET 127.0.0.1:") && request.uri.endsWith("/platform/v2/payment-sessions/$session"), request.uri)
        assertEquals(request.uri, "GET ${request.hostAndPath}")
    }

    @Test
    fun `a provider that throws fails the call with an Authentication error, and nothing is sent`() = runBlocking {
        val session = emulator.authorizedSession("10")
        val declared = object : TokenProvider {
            override suspend fun token(request: TokenRequest): String = throw TokenProviderException.Failed("back end said no")
        }
        val undeclared = object : TokenProvider {
            override suspend fun token(request: TokenRequest): String = throw IllegalStateException("provider bug")
        }
        val before = stat("requests")
        for ((provider, reason) in listOf(declared to "back end said no", undeclared to "provider bug")) {
            Client.withTokenProvider(provider, options()).use { client ->
                val error = assertFailsWith<CaptureKitException.Authentication> {
                    client.paymentSessions().capture(session, CaptureRequest(amount = "1", idempotencyKey = "kt-provider"))
                }
                assertTrue(reason in error.details.message, error.details.message)
                assertEquals("kt-provider", error.details.idempotencyKey)
            }
        }
        assertEquals(before, stat("requests"), "no request without a token")
    }

    @Test
    fun `many captures run at once from coroutines, and the money adds up`() = runBlocking {
        val session = emulator.authorizedSession("100")
        Client.withKeyFile(Repo.ed25519Key, options()).use { client ->
            val sessions = client.paymentSessions()
            emulator.fault("""{"type": "delay", "delayMs": 300, "count": 64, "method": "POST"}""")
            val started = System.nanoTime()
            val captures = (1..64).map { i ->
                async { sessions.capture(session, CaptureRequest(amount = "1.25", idempotencyKey = deriveIdempotencyKey(listOf("kt", "$i")))) }
            }.awaitAll()
            val elapsed = Duration.ofNanos(System.nanoTime() - started)
            assertEquals(64, captures.map { it.captureId }.toSet().size)
            // Each capture is held 300 ms by the emulator: one at a time would take 19 s.
            assertTrue(elapsed < Duration.ofSeconds(15), "captures did not overlap: $elapsed")
            val balances = sessions.getSession(session).balances
            assertEquals(0, BigDecimal("20").compareTo(BigDecimal(balances.capturable)))
            assertEquals(0uL, client.callsInFlight())
        }
    }

    @Test
    fun `cancelling a coroutine mid-call drops the call without a crash or a leak`() = runBlocking {
        val session = emulator.authorizedSession("100")
        Client.withKeyFile(Repo.ed25519Key, options()).use { client ->
            val sessions = client.paymentSessions()
            emulator.fault("""{"type": "delay", "delayMs": 2000, "count": 1000}""")
            repeat(5) { round ->
                val jobs = (1..20).map { launch { sessions.getSession(session) } }
                // Wait until every call is inside Rust, then cancel them all.
                while (client.callsInFlight() < 20uL) delay(5)
                jobs.forEach { it.cancel() }
                jobs.forEach { it.join() }
                assertTrue(jobs.all { it.isCancelled }, "round $round")
                assertEquals(0uL, client.callsInFlight(), "every cancelled call was dropped in Rust")
            }
            assertFailsWith<TimeoutCancellationException> {
                withTimeout(100) { sessions.capture(session, CaptureRequest(amount = "1", idempotencyKey = "kt-cancelled")) }
            }
            assertEquals(0uL, client.callsInFlight())
            emulator.control("DELETE", "faults")
            // The client still works, and a retry with the same key never captures twice.
            val first = sessions.capture(session, CaptureRequest(amount = "1", idempotencyKey = "kt-cancelled"))
            val again = sessions.capture(session, CaptureRequest(amount = "1", idempotencyKey = "kt-cancelled"))
            assertEquals(first.captureId, again.captureId)
            assertEquals(1, sessions.listAllCaptures(session).size)
        }
    }

    @Test
    fun `Coinbase Payments and StateSet calls return Kotlin types`() = runBlocking {
        val escrowId = (emulator.control("POST", "escrow-payments", kotlinx.serialization.json.Json.parseToJsonElement("""{"amount": "10"}""")) as JsonObject)
            .getValue("id").jsonPrimitive.content
        val statesetId = (emulator.control("POST", "stateset-payments", kotlinx.serialization.json.Json.parseToJsonElement("""{"amount": 5000}""")) as JsonObject)
            .getValue("id").jsonPrimitive.content
        val options = options().copy(coinbasePaymentsBaseUrl = emulator.url, statesetBaseUrl = emulator.url)
        Client.withKeyFile(Repo.ed25519Key, options, Repo.STATESET_API_KEY).use { client ->
            val receiver = "0x1111111111111111111111111111111111111111"
            val capture = client.coinbasePayments().capture(escrowId, EscrowCaptureRequest(amount = "2.50", feeBps = 100u, feeReceiver = receiver))
            assertEquals(36, capture.idempotencyKey!!.length)
            val details = client.coinbasePayments().getPayment(escrowId)
            assertEquals(0, BigDecimal("2.5").compareTo(BigDecimal(details.payment.capturedAmount)))
            assertTrue(details.payment.authorizationExpiry!! > Instant.now())
            val operation = details.paymentOperations.last()
            assertIs<com.capturekit.model.PaymentOperationType.Capture>(operation.operationType)
            assertEquals(0, BigDecimal("0.025").compareTo(BigDecimal(operation.feeAmount)))
            val bad = assertFailsWith<CaptureKitException.InvalidRequest> {
                client.coinbasePayments().capture(escrowId, EscrowCaptureRequest(amount = "1", feeBps = 10001u))
            }
            assertTrue(bad.details.message.startsWith("fee_bps: "), bad.details.message)
        }
        Client.withStatesetApiKey(Repo.STATESET_API_KEY, options).use { client ->
            val paid = client.stateset().capture(statesetId, com.capturekit.model.StateSetCaptureRequest(amountCents = 4000uL))
            assertIs<com.capturekit.model.StateSetPaymentStatus.Succeeded>(paid.status)
            assertEquals(4000uL, paid.amountCaptured)
            assertTrue(paid.capturedAt!! <= Instant.now())
            val again = assertFailsWith<CaptureKitException.NoCapturableBalance> {
                client.stateset().capture(statesetId, com.capturekit.model.StateSetCaptureRequest())
            }
            assertEquals("already_captured", again.details.errorType)
        }
    }

    @Test
    fun `a kept JwtSigner mints tokens the API accepts`() = runBlocking<Unit> {
        val session = emulator.authorizedSession("10")
        val signer = JwtSigner.withKeyFile(Repo.es256Key)
        val client = Client.withTokenProvider(
            object : TokenProvider {
                override suspend fun token(request: TokenRequest): String {
                    val slash = request.hostAndPath.indexOf('/')
                    return signer.sign(
                        com.capturekit.model.JwtRequest(
                            request.method, request.hostAndPath.substring(0, slash), request.hostAndPath.substring(slash),
                        ),
                    )
                }
            },
            ClientOptions(baseUrl = emulator.baseUrl),
        )
        assertEquals("1", client.paymentSessions().capture(session, CaptureRequest(amount = "1")).amount)
        assertFailsWith<CaptureKitException.InvalidRequest> {
            signer.sign(com.capturekit.model.JwtRequest("get", "h", "/p"))
        }
    }
}
