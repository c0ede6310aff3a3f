package com.capturekit

import com.capturekit.model.Capture
import com.capturekit.model.CapturePage
import com.capturekit.model.EscrowCapture
import com.capturekit.model.EscrowPaymentDetails
import com.capturekit.model.OperationStep
import com.capturekit.model.PaymentSession
import com.capturekit.model.RewardInput
import com.capturekit.model.StateSetPayment
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

    private fun num(value: ULong?): JsonElement = if (value == null) JsonNull else JsonPrimitive(value.toLong())
    private fun num(value: UInt?): JsonElement = if (value == null) JsonNull else JsonPrimitive(value.toLong())
    private fun strings(values: Map<String, String>) = map(values)

    private fun reward(r: RewardInput) = JsonObject(
        mapOf("campaignAddress" to text(r.campaignAddress), "tokenAddress" to text(r.tokenAddress), "chainId" to num(r.chainId)),
    )

    private fun step(s: OperationStep) = JsonObject(
        mapOf(
            "id" to text(s.id), "type" to text(s.stepType.wireValue()), "status" to text(s.status.wireValue()),
            "transactions" to JsonArray(
                s.transactions.map { JsonObject(mapOf("transactionHash" to text(it.transactionHash), "blockNumber" to text(it.blockNumber))) },
            ),
        ),
    )

    fun escrowCapture(c: EscrowCapture): JsonElement = JsonObject(
        mapOf(
            "operationId" to text(c.operationId),
            "idempotencyKey" to text(c.idempotencyKey),
            "rewardOperations" to JsonArray(
                c.rewardOperations.map { op ->
                    JsonObject(
                        mapOf(
                            "id" to text(op.id), "action" to text(op.action.wireValue()), "status" to text(op.status.wireValue()),
                            "reward" to (op.reward?.let { JsonObject(mapOf("chainId" to num(it.chainId), "campaignAddress" to text(it.campaignAddress))) } ?: JsonNull),
                            "operationSteps" to JsonArray(op.operationSteps.map(::step)),
                        ),
                    )
                },
            ),
            "invalidRewardInputs" to JsonArray(
                c.invalidRewardInputs.map { JsonObject(mapOf("rewardInput" to reward(it.rewardInput), "invalidReason" to text(it.invalidReason))) },
            ),
        ),
    )

    fun escrowPayment(d: EscrowPaymentDetails): JsonElement {
        val p = d.payment
        return JsonObject(
            mapOf(
                "payment" to JsonObject(
                    mapOf(
                        "id" to text(p.id), "maxAmount" to text(p.maxAmount), "networkId" to num(p.networkId),
                        "minFeeBps" to num(p.minFeeBps), "maxFeeBps" to num(p.maxFeeBps), "feeReceiver" to text(p.feeReceiver),
                        "authorizationExpiry" to time(p.authorizationExpiry), "authorizedAmount" to text(p.authorizedAmount),
                        "capturedAmount" to text(p.capturedAmount), "voidedAmount" to text(p.voidedAmount),
                    ),
                ),
                "paymentOperations" to JsonArray(
                    d.paymentOperations.map { op ->
                        JsonObject(
                            mapOf(
                                "id" to text(op.id), "type" to text(op.operationType.wireValue()), "status" to text(op.status.wireValue()),
                                "amount" to text(op.amount), "feeBps" to num(op.feeBps), "feeReceiver" to text(op.feeReceiver),
                                "feeAmount" to text(op.feeAmount), "transactionHash" to text(op.transactionHash),
                                "metadata" to strings(op.metadata), "operationSteps" to JsonArray(op.operationSteps.map(::step)),
                            ),
                        )
                    },
                ),
            ),
        )
    }

    fun statesetPayment(p: StateSetPayment): JsonElement = JsonObject(
        mapOf(
            "id" to text(p.id), "object" to text(p.`object`), "amount" to num(p.amount),
            "amount_capturable" to num(p.amountCapturable), "amount_captured" to num(p.amountCaptured),
            "currency" to text(p.currency), "status" to text(p.status.wireValue()), "captured" to JsonPrimitive(p.captured),
            "captured_at" to time(p.capturedAt), "created_at" to time(p.createdAt),
            "payment_method" to (
                p.paymentMethod?.let { m ->
                    JsonObject(
                        mapOf(
                            "type" to text(m.methodType),
                            "card" to (m.card?.let { JsonObject(mapOf("last4" to text(it.last4), "brand" to text(it.brand))) } ?: JsonNull),
                        ),
                    )
                } ?: JsonNull
                ),
            "capture_details" to (
                p.captureDetails?.let { d ->
                    JsonObject(
                        mapOf(
                            "captured_amount" to num(d.capturedAmount), "capture_time" to time(d.captureTime),
                            "processor_capture_id" to text(d.processorCaptureId),
                        ),
                    )
                } ?: JsonNull
                ),
            "metadata" to strings(p.metadata),
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
