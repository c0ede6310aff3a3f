// The demo in Kotlin: against a running emulator, authorize a session, make two partial
// captures, wait for them to settle, and print the captures and the session's balances.
// CAPTUREKIT_EMULATOR_URL and CDP_KEY_FILE must be set; `make demo` does both and runs it
// with `mvn exec:java` (a JVM server may sign with a key file; an app uses a token provider).
package com.capturekit.examples

import com.capturekit.CaptureRequest
import com.capturekit.Client
import com.capturekit.RefundRequest
import com.capturekit.model.ClientOptions
import com.capturekit.model.RefundSource
import com.capturekit.model.VoidRequest
import com.capturekit.model.WaitOptions
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import kotlinx.coroutines.runBlocking

fun main() = runBlocking {
    val emulator = System.getenv("CAPTUREKIT_EMULATOR_URL") ?: error("CAPTUREKIT_EMULATOR_URL is not set")
    // The emulator's control API plays the payer: it authorizes 25.00 USDC.
    val authorize = HttpRequest.newBuilder(URI("$emulator/_emulator/payment-sessions"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("""{"amount": "25.00", "asset": "usdc"}"""))
        .build()
    val answer = HttpClient.newHttpClient().send(authorize, HttpResponse.BodyHandlers.ofString()).body()
    val sessionId = Regex("\"paymentSessionId\"\\s*:\\s*\"([^\"]+)\"").find(answer)!!.groupValues[1]
    println("[kotlin] authorized $sessionId for 25.00 USDC")

    Client.withKeyFile(System.getenv("CDP_KEY_FILE"), ClientOptions(baseUrl = "$emulator/platform")).use { client ->
        val sessions = client.paymentSessions()
        val first = sessions.capture(sessionId, CaptureRequest(amount = "10.00", metadata = mapOf("order_id" to "order-1001")))
        val second = sessions.capture(sessionId, CaptureRequest(amount = "5.50"))
        for (c in listOf(first, second)) {
            println("[kotlin] capture ${c.captureId} of ${c.amount} is ${c.status.wireValue()} (idempotency key ${c.idempotencyKey})")
        }
        for (c in listOf(first, second)) {
            val settled = sessions.waitForCapture(sessionId, c.captureId, WaitOptions(Duration.ofSeconds(30)))
            val tx = settled.onchainTransactions.firstOrNull()?.transactionHash ?: "-"
            println("[kotlin] capture ${settled.captureId} settled: ${settled.status.wireValue()} (tx $tx)")
        }
        val void = sessions.waitForVoid(sessionId, sessions.void(sessionId, VoidRequest()).voidId, WaitOptions(Duration.ofSeconds(30)))
        println("[kotlin] void ${void.voidId} released the other ${void.amount}: ${void.status.wireValue()}")
        val source = RefundSource(accountId = "account_af2937b0-9846-4fe7-bfe9-ccc22d935114", asset = "usdc")
        val refund = sessions.refund(sessionId, RefundRequest(source, amount = "2.50", reason = "one item returned"))
        val refunded = sessions.waitForRefund(sessionId, refund.refundId, WaitOptions(Duration.ofSeconds(30)))
        println("[kotlin] refund ${refunded.refundId} of ${refunded.amount}: ${refunded.status.wireValue()}")
        val b = sessions.getSession(sessionId).balances
        println("[kotlin] capturable ${b.capturable} captured ${b.captured} refundable ${b.refundable} refunded ${b.refunded}")
    }
}
