package com.capturekit.testing

import com.capturekit.Client
import com.capturekit.model.ClientOptions
import java.io.File
import java.net.URI
import java.net.URLEncoder
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.security.SecureRandom
import java.time.Duration
import java.util.HexFormat
import java.util.concurrent.TimeUnit
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.intOrNull
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

/** Options of [CaptureKitEmulator.start]: the emulator executable's own. */
data class EmulatorOptions(
    /** The executable (default: `$CAPTUREKIT_EMULATOR_BIN`, else the capturekit-emulator jar's). */
    val executable: String? = null,
    /** Milliseconds a new capture, void or refund stays pending (default: the emulator's). */
    val settleDelayMs: Long? = null,
    /** Settle only on [CaptureKitEmulator.settle]. */
    val manualSettle: Boolean = false,
    /** Enforce CDP's rate limits. */
    val rateLimits: Boolean = false,
    /** Seed for fault rules with a probability below 1, so that they hit the same requests on every run. */
    val seed: Long? = null,
)

/** One API request the emulator received, from its journal (`GET /_emulator/requests`). */
data class EmulatorRequest(
    val at: String,
    val method: String,
    val path: String,
    val idempotencyKey: String?,
    /** The status answered (a dropped answer's too); null when the client left first. */
    val status: Int?,
    /** The `type` of the fault rule that hit the request, or null. */
    val fault: String?,
)

/** A control call the emulator refused: [status] and the answer's [body]. */
class EmulatorControlException(val method: String, val route: String, val status: Int, val body: String) :
    RuntimeException("$method /_emulator/$route: $status: $body")

/**
 * A running capturekit emulator on a free loopback port, with a new development key: its
 * URLs and credentials, clients pointed at it, and its control API (bodies are the control
 * API's JSON, given as maps; see the README's "Control API"). [close] stops it.
 */
class CaptureKitEmulator private constructor(
    private val process: Process,
    private val workdir: File,
    /** The root URL: Coinbase Payments, StateSet and the control API (`/_emulator/`). */
    val url: String,
    /** A CDP key file (Ed25519) whose JWTs the emulator accepts. */
    val keyFile: String,
    /** A StateSet API key the emulator accepts. */
    val statesetApiKey: String,
) : AutoCloseable {
    /** The CDP base URL (`url + "/platform"`). */
    val baseUrl: String get() = "$url/platform"

    // The emulator speaks HTTP/1.1; the JDK client would otherwise try an h2c upgrade first.
    private val http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()

    /** A [Client] for all three providers at this emulator; [options] add to its URLs. */
    fun client(options: ClientOptions = ClientOptions()): Client =
        Client.withKeyFile(
            keyFile,
            options.copy(
                baseUrl = options.baseUrl ?: baseUrl,
                coinbasePaymentsBaseUrl = options.coinbasePaymentsBaseUrl ?: url,
                statesetBaseUrl = options.statesetBaseUrl ?: url,
            ),
            statesetApiKey,
        )

    /** Calls `/_emulator/[route]` with a JSON body and returns its JSON; a refusal throws [EmulatorControlException]. */
    fun control(method: String, route: String, body: Map<String, Any?> = emptyMap()): JsonElement {
        val publisher = if (method == "GET") HttpRequest.BodyPublishers.noBody()
        else HttpRequest.BodyPublishers.ofString(toJson(body).toString())
        val request = HttpRequest.newBuilder(URI("$url/_emulator/$route"))
            .header("content-type", "application/json")
            .timeout(CONTROL_TIMEOUT)
            .method(method, publisher)
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        if (response.statusCode() !in 200..299) throw EmulatorControlException(method, route, response.statusCode(), response.body())
        return Json.parseToJsonElement(response.body())
    }

    /** A CDP payment session, authorized for [amount] (`"authorized" to false` makes a `created` one); returns its id. */
    fun createSession(amount: String = "100.00", fields: Map<String, Any?> = emptyMap()): String =
        control("POST", "payment-sessions", mapOf("amount" to amount) + fields).string("paymentSessionId")

    /** Authorizes a `created` session; returns the session. */
    fun authorizeSession(sessionId: String): JsonObject =
        control("POST", "payment-sessions/${URLEncoder.encode(sessionId, StandardCharsets.UTF_8)}/authorize").jsonObject

    /** A Coinbase Payments payment authorized into escrow; returns its id. */
    fun createEscrowPayment(amount: String = "100.00", fields: Map<String, Any?> = emptyMap()): String =
        control("POST", "escrow-payments", mapOf("amount" to amount) + fields).string("id")

    /** A StateSet payment of [amountCents] authorized for later capture; returns its id. */
    fun createStatesetPayment(amountCents: Long = 10_000, fields: Map<String, Any?> = emptyMap()): String =
        control("POST", "stateset-payments", mapOf("amount" to amountCents) + fields).string("id")

    /** How the next captures (or `"action" to "void"` / `"refund"`) settle: `"succeeded"` or `"failed"`; returns how many were queued. */
    fun nextOutcome(outcome: String, fields: Map<String, Any?> = emptyMap()): Int =
        control("POST", "next-outcome", mapOf("outcome" to outcome) + fields).int("queued")

    /** Settles pending captures, voids and refunds now (all, or `"paymentSessionId"`, `"captureId"`, …); returns how many. */
    fun settle(fields: Map<String, Any?> = emptyMap()): Int = control("POST", "settle", fields).int("settled")

    /** Moves the emulator's clock forward; returns its new time (RFC 3339). */
    fun advanceClock(seconds: Long): String = control("POST", "clock/advance", mapOf("seconds" to seconds)).string("now")

    /** Changes `settleDelayMs` (null: only on [settle]) or `rateLimits`; returns the whole configuration. */
    fun configure(fields: Map<String, Any?>): JsonObject = control("PUT", "config", fields).jsonObject

    /** Adds a fault rule: [type] `"status"`, `"delay"`, `"malformed"` or `"drop"` (commit then drop), with `count`, `probability`, `method`, `path`, … */
    fun addFault(type: String, fields: Map<String, Any?> = emptyMap()) {
        control("POST", "faults", mapOf("type" to type) + fields)
    }

    /** Removes every fault rule. */
    fun clearFaults() {
        control("DELETE", "faults")
    }

    /** Request and object counts. */
    fun stats(): JsonObject = control("GET", "stats").jsonObject

    /** The request journal, oldest first. */
    fun requests(): List<EmulatorRequest> =
        control("GET", "requests").jsonObject.getValue("requests").jsonArray.map { entry ->
            val fields = entry.jsonObject
            EmulatorRequest(
                at = fields.getValue("at").jsonPrimitive.content,
                method = fields.getValue("method").jsonPrimitive.content,
                path = fields.getValue("path").jsonPrimitive.content,
                idempotencyKey = fields["idempotencyKey"].stringOrNull(),
                status = (fields["status"] as? JsonPrimitive)?.intOrNull,
                fault = fields["fault"].stringOrNull(),
            )
        }

    /** The webhook deliveries made ([query]: `eventType`, `subscriptionId`). */
    fun webhookDeliveries(query: Map<String, String> = emptyMap()): JsonArray {
        val search = query.entries.joinToString("&") { (name, value) ->
            "${URLEncoder.encode(name, StandardCharsets.UTF_8)}=${URLEncoder.encode(value, StandardCharsets.UTF_8)}"
        }
        return control("GET", "webhooks/deliveries" + if (search.isEmpty()) "" else "?$search").jsonObject.getValue("deliveries").jsonArray
    }

    /** Adds a webhook delivery fault: `"duplicate"`, `"out_of_order"`, `"delay"` or `"corrupt_signature"`. */
    fun addWebhookFault(type: String, fields: Map<String, Any?> = emptyMap()) {
        control("POST", "webhooks/faults", mapOf("type" to type) + fields)
    }

    /** Removes every webhook delivery fault. */
    fun clearWebhookFaults() {
        control("DELETE", "webhooks/faults")
    }

    /** Empties every session, payment, key, fault, counter and the journal; keeps the configuration. */
    fun reset() {
        control("POST", "reset")
    }

    private val closed = java.util.concurrent.atomic.AtomicBoolean(false)

    /** Stops the emulator (SIGTERM, then SIGKILL after 5 s) and removes its key file; again, does nothing. */
    override fun close() {
        if (!closed.compareAndSet(false, true)) return
        process.destroy()
        if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
        runCatching { process.outputStream.close() }
        workdir.deleteRecursively()
    }

    override fun toString(): String = "CaptureKitEmulator($url)"

    companion object {
        private const val ENV_EXECUTABLE = "CAPTUREKIT_EMULATOR_BIN"
        private const val URL_PREFIX = "CAPTUREKIT_EMULATOR_URL="
        private const val START_TIMEOUT_SECONDS = 30L
        private const val STOP_TIMEOUT_SECONDS = 5L
        private val CONTROL_TIMEOUT: Duration = Duration.ofSeconds(30)

        /** Starts a fresh emulator on a free loopback port with a new development key and StateSet key. */
        @JvmStatic
        @JvmOverloads
        fun start(options: EmulatorOptions = EmulatorOptions()): CaptureKitEmulator {
            val program = findExecutable(options.executable)
            val workdir = Files.createTempDirectory("capturekit-emulator-").toFile()
            val keyFile = File(workdir, "dev-key.json").path
            val statesetApiKey = "test-" + HexFormat.of().formatHex(ByteArray(16).also { SecureRandom().nextBytes(it) })
            // Its stdin is a pipe from this JVM: should the JVM die before stopping it, the pipe
            // closes and the emulator stops too.
            val args = mutableListOf(
                program, "--port", "0", "--host", "127.0.0.1", "--dev-key", keyFile,
                "--stateset-api-key", statesetApiKey, "--stop-on-stdin-close",
            )
            options.settleDelayMs?.let { args += listOf("--settle-delay-ms", "$it") }
            if (options.manualSettle) args += "--manual-settle"
            if (options.rateLimits) args += "--rate-limits"
            options.seed?.let { args += listOf("--seed", "$it") }
            val log = File(workdir, "stderr.log")
            val process = ProcessBuilder(args).redirectError(log).start()
            try {
                return CaptureKitEmulator(process, workdir, readUrl(process, log), keyFile, statesetApiKey)
            } catch (failure: Throwable) {
                process.destroyForcibly().waitFor()
                workdir.deleteRecursively()
                throw failure
            }
        }

        /**
         * The emulator executable: [executable], else `$CAPTUREKIT_EMULATOR_BIN`, else the one
         * the capturekit-emulator jar carries for this platform (extracted once per JVM).
         */
        @JvmStatic
        @JvmOverloads
        fun findExecutable(executable: String? = null): String {
            val named = executable ?: System.getenv(ENV_EXECUTABLE)?.takeIf { it.isNotEmpty() }
            if (named != null) {
                val file = File(named)
                require(file.isFile && file.canExecute()) { "capturekit emulator: $named is not an executable file" }
                return file.path
            }
            return extracted
        }

        private val extracted: String by lazy { extractFromClasspath() }

        private fun platform(): String {
            val os = System.getProperty("os.name").lowercase()
            val arch = when (val name = System.getProperty("os.arch")) {
                "amd64", "x86_64" -> "x86-64"
                "aarch64", "arm64" -> "aarch64"
                else -> name
            }
            return when {
                os.startsWith("linux") -> "linux-$arch"
                os.startsWith("mac") -> "darwin-$arch"
                os.startsWith("windows") -> "win32-$arch"
                else -> "$os-$arch"
            }
        }

        private fun extractFromClasspath(): String {
            val platform = platform()
            val name = if (platform.startsWith("win32")) "capturekit-emulator.exe" else "capturekit-emulator"
            val resource = "com/capturekit/emulator/$platform/$name"
            val stream = CaptureKitEmulator::class.java.classLoader.getResourceAsStream(resource)
                ?: throw IllegalStateException(
                    "capturekit emulator: no executable for this platform ($platform) on the classpath: add the test " +
                        "dependency com.capturekit:capturekit-emulator (it publishes linux-x86-64), or set $ENV_EXECUTABLE to its path",
                )
            val target: Path = Files.createTempDirectory("capturekit-emulator-bin-").resolve(name)
            stream.use { Files.copy(it, target, StandardCopyOption.REPLACE_EXISTING) }
            target.toFile().setExecutable(true, true)
            target.toFile().deleteOnExit()
            target.parent.toFile().deleteOnExit()
            return target.toString()
        }

        /** The URL from the emulator's first line, read within the start timeout. */
        private fun readUrl(process: Process, log: File): String {
            var first: String? = null
            val reader = Thread { first = process.inputStream.bufferedReader().readLine() }.apply {
                isDaemon = true
                start()
            }
            reader.join(TimeUnit.SECONDS.toMillis(START_TIMEOUT_SECONDS))
            val line = first?.trim().orEmpty()
            if (!line.startsWith(URL_PREFIX)) {
                process.destroyForcibly().waitFor()
                val why = log.readText().trim().ifEmpty { line.ifEmpty { "no URL within $START_TIMEOUT_SECONDS s" } }
                throw IllegalStateException("capturekit emulator did not start (exit status ${process.exitValue()}): $why")
            }
            return line.removePrefix(URL_PREFIX)
        }

        private fun JsonElement.string(name: String): String = jsonObject.getValue(name).jsonPrimitive.content

        private fun JsonElement.int(name: String): Int = jsonObject.getValue(name).jsonPrimitive.content.toInt()

        private fun JsonElement?.stringOrNull(): String? = (this as? JsonPrimitive)?.takeIf { it !is JsonNull }?.content

        /** A control body as JSON: maps, lists, strings, numbers, booleans and null. */
        private fun toJson(value: Any?): JsonElement = when (value) {
            null -> JsonNull
            is JsonElement -> value
            is String -> JsonPrimitive(value)
            is Number -> JsonPrimitive(value)
            is Boolean -> JsonPrimitive(value)
            is Map<*, *> -> JsonObject(value.entries.associate { (name, each) -> name.toString() to toJson(each) })
            is Iterable<*> -> JsonArray(value.map { toJson(it) })
            else -> throw IllegalArgumentException("control body: ${value::class.simpleName} is not JSON (use maps, lists, strings, numbers, booleans, null)")
        }
    }
}
