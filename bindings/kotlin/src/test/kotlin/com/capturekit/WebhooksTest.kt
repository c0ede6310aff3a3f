package com.capturekit

import com.capturekit.model.WebhookEventType
import com.capturekit.model.WebhookOptions
import java.io.File
import java.time.Duration
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** Webhooks in Kotlin: the shared vectors, and a signed test payload. */
class WebhooksTest {
    private val cases = Json.parseToJsonElement(File(Repo.root, "tests/vectors/webhooks.json").readText())
        .jsonObject.getValue("cases").jsonArray.map { it.jsonObject }

    @TestFactory
    fun `each webhook vector verifies as expected`() = cases.also { assertTrue(it.size >= 20) }.map { case ->
        DynamicTest.dynamicTest(case.getValue("name").jsonPrimitive.content) {
            // A map, as most servers give them: a repeated header's values joined by ", ".
            val headers = case.getValue("headers").jsonArray
                .groupBy({ it.jsonArray[0].jsonPrimitive.content.lowercase() }, { it.jsonArray[1].jsonPrimitive.content })
                .mapValues { it.value.joinToString(", ") }
            val options = WebhookOptions(
                maxAge = case["maxAgeSeconds"]?.jsonPrimitive?.long?.let(Duration::ofSeconds),
                now = case.getValue("now").jsonPrimitive.long.toULong(),
            )
            val body = case.getValue("body").jsonPrimitive.content.toByteArray()
            val secret = case.getValue("secret").jsonPrimitive.content
            val expect = case.getValue("expect").jsonObject
            val error = expect["error"]?.jsonPrimitive?.content
            if (error != null) {
                val thrown = assertFailsWith<CaptureKitException> { verifyWebhook(body, headers, secret, options) }
                assertEquals(error, thrown.details().code, thrown.toString())
            } else {
                val event = verifyWebhook(body, headers, secret, options)
                assertEquals(expect.getValue("eventId").jsonPrimitive.content, event.eventId)
                assertEquals(expect.getValue("eventType").jsonPrimitive.content, event.eventType.wireValue())
                expect["captureSessionId"]?.let { assertEquals(it.jsonPrimitive.content, event.data.capture?.paymentSessionId) }
            }
        }
    }

    @Test
    fun `a signed test payload verifies and decodes`() {
        val body = """{"eventId":"e-1","eventType":"acceptance.payment_session.canceled","data":{}}""".toByteArray()
        val headers = mapOf("Content-Type" to "application/json", "X-Hook0-Signature" to signWebhook(body, "secret-1"))
        assertIs<WebhookEventType.Canceled>(verifyWebhook(body, headers, "secret-1").eventType)
        assertFailsWith<CaptureKitException.WebhookSignatureMismatch> { verifyWebhook(body, headers, "secret-2") }
        val signed = signWebhook(body, "secret-1", headers = mapOf("x-id" to "7", "content-type" to "application/json"))
        val event = verifyWebhook(body, mapOf("X-Id" to "7", "Content-Type" to "application/json", "X-Hook0-Signature" to signed), "secret-1")
        assertEquals("e-1", event.eventId)
        assertFailsWith<CaptureKitException.WebhookHeaderMissing> {
            verifyWebhook(body, mapOf("Content-Type" to "application/json", "X-Hook0-Signature" to signed), "secret-1")
        }
    }
}
