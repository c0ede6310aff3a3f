package com.capturekit.testing

import java.io.File
import kotlin.test.Test
import kotlin.test.assertTrue

/** The README's JUnit example is CheckoutTest.kt, word for word (it runs beside this test). */
class ReadmeTest {
    @Test
    fun `the README shows the tested JUnit example`() {
        val example = File("src/test/kotlin/CheckoutTest.kt").readText().trimEnd()
        val readme = File("../../../README.md").readText()
        val blocks = Regex("```kotlin\\n(.*?)\\n```", RegexOption.DOT_MATCHES_ALL).findAll(readme).map { it.groupValues[1] }
        assertTrue(example in blocks.toList(), "README.md has no ```kotlin block equal to CheckoutTest.kt")
    }
}
