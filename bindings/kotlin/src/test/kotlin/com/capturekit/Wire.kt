package com.capturekit

import com.capturekit.model.Capture
import com.capturekit.model.CapturePage
import com.capturekit.model.PaymentSession
import java.time.Instant
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

/** Results in the API's JSON shape, as the shared scenario files check them. */
object Wire {
    private fun text(value: String?): JsonElement = if (value == null) JsonNull else JsonPrimitive(value)
    private fun time(value: Instant?): JsonElement = text(value?.toString())
    private fun map(values: Map<String, String>) = JsonObject(values.mapValues { JsonPrimitive(it.value) })

    fun capture(c: Capture): JsonElement = JsonObject(
        mapOf(
            "captureId" to text(c.captureId),
            "paymentSessionId" to text(c.paymentSessionId),
            "status" to text(c.status.wireValue()),
            "amount" to text(c.amount),
            "finalCapture" to JsonPrimitive(c.finalCapture),
            "error" to (
                c.error?.let {
                    JsonObject(mapOf("code" to text(it.code), "message" to text(it.message), "occurredAt" to time(it.occurredAt)))
                } ?: JsonNull
                ),
            "metadata" to map(c.metadata),
            "externalReferenceId" to text(c.externalReferenceId),
            "onchainTransactions" to JsonArray(
                c.onchainTransactions.map {
                    JsonObject(mapOf("transactionHash" to text(it.transactionHash), "network" to text(it.network.wireValue())))
                },
            ),
            "createdAt" to time(c.createdAt),
            "updatedAt" to time(c.updatedAt),
            "idempotencyKey" to text(c.idempotencyKey),
        ),
    )

    fun page(p: CapturePage): JsonElement =
        JsonObject(mapOf("captures" to JsonArray(p.captures.map(::capture)), "nextPageToken" to text(p.nextPageToken)))

    fun captures(list: List<Capture>): JsonElement = JsonObject(mapOf("captures" to JsonArray(list.map(::capture))))

    fun session(s: PaymentSession): JsonElement = JsonObject(
        mapOf(
            "paymentSessionId" to text(s.paymentSessionId),
            "status" to text(s.status.wireValue()),
            "amount" to text(s.amount),
            "asset" to text(s.asset),
            "balances" to JsonObject(
                mapOf(
                    "capturable" to text(s.balances.capturable),
                    "captured" to text(s.balances.captured),
                    "refundable" to text(s.balances.refundable),
                    "refunded" to text(s.balances.refunded),
                ),
            ),
            "expiries" to JsonObject(
                mapOf(
                    "authorizationExpiresAt" to time(s.expiries.authorizationExpiresAt),
                    "captureExpiresAt" to time(s.expiries.captureExpiresAt),
                    "refundExpiresAt" to time(s.expiries.refundExpiresAt),
                ),
            ),
            "captures" to JsonArray(s.captures.map(::capture)),
            "metadata" to map(s.metadata),
            "externalReferenceId" to text(s.externalReferenceId),
        ),
    )

    fun error(e: CaptureKitException): JsonElement {
        val d = e.details()
        return JsonObject(
            mapOf(
                "code" to text(d.code),
                "httpStatus" to (d.httpStatus?.let { JsonPrimitive(it.toInt()) } ?: JsonNull),
                "errorType" to text(d.errorType),
                "message" to text(d.message),
                "correlationId" to text(d.correlationId),
                "idempotencyKey" to text(d.idempotencyKey),
                "lastCapture" to (d.lastCapture?.let(::capture) ?: JsonNull),
            ),
        )
    }
}
