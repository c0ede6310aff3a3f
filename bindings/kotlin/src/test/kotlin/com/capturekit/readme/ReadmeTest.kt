package com.capturekit.readme

import com.capturekit.Emulator
import com.capturekit.Repo
import com.capturekit.model.CaptureStatus
import java.io.File
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * The README's Kotlin and Swift examples are the marked regions of ReadmeExample.kt and
 * ReadmeExample.swift, word for word; the Kotlin one runs here against the emulator.
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
        assertTrue(region("bindings/kotlin/src/test/kotlin/com/capturekit/readme/ReadmeExample.kt") in blocks("kotlin"))
        assertTrue(region("bindings/swift/Tests/CaptureKitTests/ReadmeExample.swift") in blocks("swift"))
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
