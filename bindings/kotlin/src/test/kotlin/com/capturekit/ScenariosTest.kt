package com.capturekit

import com.capturekit.model.CancelRequest
import com.capturekit.model.ClientOptions
import com.capturekit.model.RefundSource
import com.capturekit.model.RewardInput
import com.capturekit.model.StateSetCaptureRequest
import com.capturekit.model.VoidRequest
import com.capturekit.model.WaitOptions
import java.io.File
import java.math.BigDecimal
import java.time.Duration
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import kotlin.test.assertTrue
import kotlin.test.fail

/** Runs the shared scenarios (every JSON file in tests/scenarios, format in their README) through the Kotlin client. */
class ScenariosTest {
    private val files = Repo.scenarios.listFiles { f -> f.name.endsWith(".json") }!!.sortedBy { it.name }

    @Test
    fun `the shared scenarios are found`() {
        assertTrue(files.size >= 18, "found ${files.size} scenario files in ${Repo.scenarios}")
    }

    @TestFactory
    fun scenarios() = files.map { file -> DynamicTest.dynamicTest(file.nameWithoutExtension) { run(file) } }

    private val control = mapOf(
        "create_session" to ("POST" to "payment-sessions"),
        "next_outcome" to ("POST" to "captures/next-outcome"),
        "settle" to ("POST" to "settle"),
        "advance_clock" to ("POST" to "clock/advance"),
        "config" to ("PUT" to "config"),
        "fault" to ("POST" to "faults"),
        "clear_faults" to ("DELETE" to "faults"),
        "stats" to ("GET" to "stats"),
        "create_escrow_payment" to ("POST" to "escrow-payments"),
        "create_stateset_payment" to ("POST" to "stateset-payments"),
    )

    private fun run(file: File) = runBlocking {
        val scenario = Json.parseToJsonElement(file.readText()).jsonObject
        val settle = scenario["emulator"]?.jsonObject?.get("settleDelayMs")?.takeIf { it != JsonNull }?.jsonPrimitive?.long
        Emulator(settle).use { emulator ->
            makeClient(emulator, scenario["client"]?.jsonObject ?: JsonObject(emptyMap())).use { client ->
                val saved = mutableMapOf<String, JsonElement>()
                scenario.getValue("steps").jsonArray.forEachIndexed { index, stepElement ->
                    val step = stepElement.jsonObject
                    val op = step.getValue("op").jsonPrimitive.content
                    val args = resolve(step["with"] ?: JsonObject(emptyMap()), saved).jsonObject
                    var result: JsonElement? = null
                    var error: JsonElement? = null
                    try {
                        result = if (op.startsWith("control.")) {
                            val (method, route) = control.getValue(op.removePrefix("control."))
                            emulator.control(method, route, args)
                        } else {
                            call(client, op, args)
                        }
                    } catch (e: CaptureKitException) {
                        error = Wire.error(e)
                    }
                    val where = "${file.name} step $index ($op)"
                    if (step.containsKey("expectError")) {
                        if (error == null) fail("$where: expected an error, got $result")
                        check(where, error, step.getValue("expectError").jsonObject, saved)
                    } else {
                        if (error != null) fail("$where: unexpected error $error")
                        step["expect"]?.let { check(where, result!!, it.jsonObject, saved) }
                    }
                    val name = step["save"]?.jsonPrimitive?.content
                    if (name != null && result != null) saved[name] = result
                }
            }
        }
    }

    private fun makeClient(emulator: Emulator, options: JsonObject): Client {
        val clientOptions = ClientOptions(
            baseUrl = emulator.baseUrl,
            coinbasePaymentsBaseUrl = emulator.url,
            statesetBaseUrl = emulator.url,
            maxRetries = (options["maxRetries"]?.jsonPrimitive?.int ?: 2).toUInt(),
            timeout = options["timeoutMs"]?.jsonPrimitive?.long?.let { Duration.ofMillis(it) },
        )
        val stateset = options["statesetApiKey"]?.jsonPrimitive?.content ?: Repo.STATESET_API_KEY
        return when (val auth = options["auth"]?.jsonPrimitive?.content ?: "ed25519") {
            "ed25519" -> Client.withKeyFile(Repo.ed25519Key, clientOptions, stateset)
            "es256" -> Client.withKeyFile(Repo.es256Key, clientOptions, stateset)
            "unknown_key" -> Client.withKeyFile(Repo.unknownKey, clientOptions, stateset)
            "bearer" -> Client.withBearerToken(Repo.BEARER_TOKEN, clientOptions, stateset)
            else -> fail("unknown auth $auth")
        }
    }

    private suspend fun call(client: Client, op: String, args: JsonObject): JsonElement {
        fun text(name: String) = args[name]?.takeIf { it != JsonNull }?.jsonPrimitive?.contentOrNull
        val sessions = client.paymentSessions()
        val session = text("paymentSessionId") ?: ""
        return when (op) {
            "capture" -> Wire.of(
                sessions.capture(
                    session,
                    CaptureRequest(
                        amount = text("amount"),
                        finalCapture = args["finalCapture"]?.jsonPrimitive?.booleanOrNull ?: false,
                        metadata = args["metadata"]?.jsonObject?.mapValues { it.value.jsonPrimitive.content } ?: emptyMap(),
                        externalReferenceId = text("externalReferenceId"),
                        idempotencyKey = text("idempotencyKey"),
                    ),
                ),
            )
            "get_capture" -> Wire.of(sessions.getCapture(session, text("captureId")!!))
            "list_captures" -> Wire.of(
                sessions.listCaptures(session, args["pageSize"]?.jsonPrimitive?.int?.toUInt(), text("pageToken")),
            )
            "list_all_captures" -> JsonObject(
                mapOf("captures" to Wire.of(sessions.listAllCaptures(session, args["pageSize"]?.jsonPrimitive?.int?.toUInt()))),
            )
            "get_session" -> Wire.of(sessions.getSession(session))
            "wait_for_capture" -> Wire.of(
                sessions.waitForCapture(
                    session,
                    text("captureId")!!,
                    WaitOptions(Duration.ofMillis(args.getValue("timeoutMs").jsonPrimitive.long), Duration.ofMillis(50)),
                ),
            )
            "void" -> Wire.of(sessions.void(session, VoidRequest(metadata(args), text("idempotencyKey"))))
            "refund" -> {
                val source = args["source"]?.jsonObject ?: JsonObject(emptyMap())
                fun sourceText(name: String) = source[name]?.jsonPrimitive?.contentOrNull
                Wire.of(
                    sessions.refund(
                        session,
                        RefundRequest(
                            source = RefundSource(sourceText("accountId"), sourceText("asset"), sourceText("address")),
                            amount = text("amount"),
                            reason = text("reason"),
                            metadata = metadata(args),
                            idempotencyKey = text("idempotencyKey"),
                        ),
                    ),
                )
            }
            "cancel" -> Wire.of(sessions.cancel(session, CancelRequest(text("cancellationReason"), text("idempotencyKey"))))
            "get_void" -> Wire.of(sessions.getVoid(session, text("voidId")!!))
            "get_refund" -> Wire.of(sessions.getRefund(session, text("refundId")!!))
            "list_voids" -> Wire.of(sessions.listVoids(session, pageSize(args), text("pageToken")))
            "list_refunds" -> Wire.of(sessions.listRefunds(session, pageSize(args), text("pageToken")))
            "list_sessions" -> Wire.of(sessions.listSessions(pageSize(args), text("pageToken")))
            "list_all_voids" -> JsonObject(mapOf("voids" to Wire.of(sessions.listAllVoids(session, pageSize(args)))))
            "list_all_refunds" -> JsonObject(mapOf("refunds" to Wire.of(sessions.listAllRefunds(session, pageSize(args)))))
            "list_all_sessions" -> JsonObject(mapOf("paymentSessions" to Wire.of(sessions.listAllSessions(pageSize(args)))))
            "wait_for_void" -> Wire.of(sessions.waitForVoid(session, text("voidId")!!, waitOptions(args)))
            "wait_for_refund" -> Wire.of(sessions.waitForRefund(session, text("refundId")!!, waitOptions(args)))
            "derive_idempotency_key" -> JsonObject(
                mapOf("key" to JsonPrimitive(deriveIdempotencyKey(args.getValue("parts").jsonArray.map { it.jsonPrimitive.content }))),
            )
            "escrow_capture" -> Wire.of(
                client.coinbasePayments().capture(
                    text("paymentId")!!,
                    EscrowCaptureRequest(
                        amount = text("amount") ?: "",
                        feeBps = (args["feeBps"]?.jsonPrimitive?.long ?: 0L).toUInt(),
                        feeReceiver = text("feeReceiver"),
                        distributeRewards = args["distributeRewards"]?.jsonArray?.map {
                            val reward = it.jsonObject
                            RewardInput(
                                reward.getValue("campaignAddress").jsonPrimitive.content,
                                reward.getValue("tokenAddress").jsonPrimitive.content,
                                reward.getValue("chainId").jsonPrimitive.long.toULong(),
                            )
                        } ?: emptyList(),
                        metadata = args["metadata"]?.jsonObject?.mapValues { it.value.jsonPrimitive.content } ?: emptyMap(),
                        idempotencyKey = text("idempotencyKey"),
                    ),
                ),
            )
            "get_escrow_payment" -> Wire.of(client.coinbasePayments().getPayment(text("paymentId")!!))
            "stateset_capture" -> Wire.of(
                client.stateset().capture(
                    text("paymentId")!!,
                    StateSetCaptureRequest(
                        amountCents = args["amountCents"]?.jsonPrimitive?.long?.toULong(),
                        statementDescriptor = text("statementDescriptor"),
                        metadata = args["metadata"]?.jsonObject?.mapValues { it.value.jsonPrimitive.content } ?: emptyMap(),
                    ),
                ),
            )
            "get_stateset_payment" -> Wire.of(client.stateset().getPayment(text("paymentId")!!))
            else -> fail("unknown op $op")
        }
    }

    private fun metadata(args: JsonObject) =
        args["metadata"]?.jsonObject?.mapValues { it.value.jsonPrimitive.content } ?: emptyMap()

    private fun pageSize(args: JsonObject) = args["pageSize"]?.jsonPrimitive?.int?.toUInt()

    private fun waitOptions(args: JsonObject) =
        WaitOptions(Duration.ofMillis(args.getValue("timeoutMs").jsonPrimitive.long), Duration.ofMillis(50))

    private fun resolve(value: JsonElement, saved: Map<String, JsonElement>): JsonElement = when {
        value is JsonPrimitive && value.isString && value.content.startsWith("$$") -> JsonPrimitive(value.content.substring(1))
        value is JsonPrimitive && value.isString && value.content.startsWith("$") -> {
            val reference = value.content.substring(1)
            val name = reference.substringBefore(".")
            val path = if ('.' in reference) reference.substringAfter(".") else ""
            lookup(saved[name] ?: fail("$value is not saved"), path) ?: fail("$value is not set")
        }
        value is JsonArray -> JsonArray(value.map { resolve(it, saved) })
        value is JsonObject -> JsonObject(value.mapValues { resolve(it.value, saved) })
        else -> value
    }

    private fun lookup(root: JsonElement, path: String): JsonElement? {
        var node: JsonElement? = root
        for (part in if (path.isEmpty()) emptyList() else path.split(".")) {
            node = when (node) {
                is JsonArray -> part.toIntOrNull()?.let { node.getOrNull(it) }
                is JsonObject -> node[part]
                else -> null
            }
        }
        return node?.takeIf { it != JsonNull }
    }

    private val matchers = setOf("present", "decimal", "len", "contains", "names", "notEqual")

    private fun check(where: String, actual: JsonElement, expect: JsonObject, saved: Map<String, JsonElement>) {
        for ((path, rawMatcher) in expect) {
            val matcher = resolve(rawMatcher, saved)
            val found = lookup(actual, path)
            val ok = if (matcher is JsonObject && matcher.size == 1 && matcher.keys.first() in matchers) {
                val (name, arg) = matcher.entries.first()
                when (name) {
                    "present" -> (found != null) == arg.jsonPrimitive.booleanOrNull
                    "decimal" -> found is JsonPrimitive && found.isString &&
                        BigDecimal(found.content).compareTo(BigDecimal(arg.jsonPrimitive.content)) == 0
                    "len" -> when (found) {
                        is JsonArray -> found.size == arg.jsonPrimitive.int
                        is JsonPrimitive -> found.isString && found.content.length == arg.jsonPrimitive.int
                        else -> false
                    }
                    "contains" -> found is JsonPrimitive && found.isString && arg.jsonPrimitive.content in found.content
                    "names" -> found is JsonPrimitive && found.isString && arg.jsonPrimitive.content.let { name ->
                        name in found.content || Regex("_([a-z0-9])").replace(name) { it.groupValues[1].uppercase() } in found.content
                    }
                    else -> found != arg
                }
            } else {
                found != null && sameJson(found, matcher)
            }
            assertTrue(ok, "$where: $path: expected $matcher, got $found")
        }
    }

    /** JSON equality where numbers compare by value (1 equals 1.0). */
    private fun sameJson(a: JsonElement, b: JsonElement): Boolean = when {
        a is JsonPrimitive && b is JsonPrimitive && !a.isString && !b.isString ->
            a.content == b.content || (a.content.toBigDecimalOrNull()?.compareTo(b.content.toBigDecimalOrNull() ?: return false) == 0)
        else -> a == b
    }
}
