package com.capturekit.readme

import com.capturekit.Emulator
import com.capturekit.Repo
import com.capturekit.Client
import com.capturekit.model.CaptureStatus
import com.capturekit.model.ClientOptions
import com.capturekit.model.PaymentSessionStatus
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.File
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * The README's Kotlin and Swift examples are the marked regions of ReadmeExample.kt,
 * AfterCaptureExample.kt and their Swift twins, word for word; the Kotlin ones run here
 * against the emulator.
 */
class ReadmeTest {
    private val readme = File(Repo.root, "README.md").readText()

    private fun region(path: String): String {
        val lines = File(Repo.root, path).readLines()
        return lines.subList(lines.indexOfFirst { "README:begin" in it } + 1, lines.indexOfFirst { "README:end" in it })
            .joinToString("\n")
    }

    private fun blocks(language: String) = Regex("```$language\\n(.*?)\\n```", RegexOption.DOT_MATCHES_ALL)
        .findAll(readme).map { it.groupValues[1] }.toList()

    @Test
    fun `the README shows the tested examples`() {
        for (example in listOf("ReadmeExample.kt", "AfterCaptureExample.kt")) {
            assertTrue(region("bindings/kotlin/src/test/kotlin/com/capturekit/readme/$example") in blocks("kotlin"), example)
        }
        for (example in listOf("ReadmeExample.swift", "AfterCaptureExample.swift")) {
            assertTrue(region("bindings/swift/Tests/CaptureKitTests/$example") in blocks("swift"), example)
        }
    }

    @Test
    fun `the Kotlin example voids, refunds, cancels and lists`() = runBlocking {
        Emulator(settleDelayMs = 50).use { emulator ->
            val shipped = emulator.authorizedSession("30")
            val unpaid = emulator.control("POST", "payment-sessions", Json.parseToJsonElement("""{"amount": "8", "authorized": false}"""))
                .jsonObject.getValue("paymentSessionId").jsonPrimitive.content
            val client = Client.withBearerToken(Repo.BEARER_TOKEN, ClientOptions(baseUrl = emulator.baseUrl))
            shipPartOfOrder(client, shipped, "order-1004")
            val balances = client.paymentSessions().getSession(shipped).balances
            assertEquals(listOf("0", "20", "15", "5"), listOf(balances.capturable, balances.captured, balances.refundable, balances.refunded))
            assertIs<PaymentSessionStatus.Canceled>(dropUnpaidSession(client, unpaid).status)
            assertEquals(setOf(shipped, unpaid), everySession(client).map { it.paymentSessionId }.toSet())
        }
    }

    @Test
    fun `the Kotlin example captures and settles`() = runBlocking {
        Emulator(settleDelayMs = 50).use { emulator ->
            val session = emulator.authorizedSession("25")
            val client = appClient(emulator.baseUrl) { Repo.BEARER_TOKEN }
            assertIs<CaptureStatus.Succeeded>(captureOrder(client, session, "order-1001"))
            assertIs<CaptureStatus.Succeeded>(captureOrder(client, session, "order-1001"))
            assertEquals(1, client.paymentSessions().listAllCaptures(session).size, "the same order captured once")
        }
    }
}
