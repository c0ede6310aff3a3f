package com.capturekit

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.TimeUnit
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

/** Where the repository, the fixtures and the scenarios are (set by the pom). */
object Repo {
    val root = File(System.getProperty("capturekit.repo") ?: "../..").canonicalFile
    val fixtures = File(root, "tests/fixtures")
    val scenarios = File(root, "tests/scenarios")
    val ed25519Key = File(fixtures, "ed25519-key.json").path
    val es256Key = File(fixtures, "es256-key.json").path
    /** A valid key that no test emulator is given. */
    val unknownKey = File(fixtures, "unknown-key.json").path
    const val BEARER_TOKEN = "test-bearer-token"
    const val STATESET_API_KEY = "test-stateset-key"
}

/**
 * A `capturekit-emulator` process on a free loopback port that accepts both fixture keys
 * and the test bearer token; [close] stops it.
 */
class Emulator(settleDelayMs: Long? = null) : AutoCloseable {
    private val process: Process
    val url: String
    val baseUrl: String get() = "$url/platform"
    // The emulator speaks HTTP/1.1; the JDK client would otherwise try an h2c upgrade first.
    private val http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()

    init {
        val binary = System.getProperty("capturekit.emulator") ?: error("capturekit.emulator is not set")
        val args = mutableListOf(
            binary, "--port", "0", "--key-file", Repo.ed25519Key, "--key-file", Repo.es256Key,
            "--bearer-token", Repo.BEARER_TOKEN, "--stateset-api-key", Repo.STATESET_API_KEY,
        )
        args += if (settleDelayMs == null) listOf("--manual-settle") else listOf("--settle-delay-ms", "$settleDelayMs")
        process = ProcessBuilder(args).redirectError(ProcessBuilder.Redirect.DISCARD).start()
        val firstLine = process.inputStream.bufferedReader().readLine() ?: error("the emulator printed nothing")
        check(firstLine.startsWith("CAPTUREKIT_EMULATOR_URL=")) { firstLine }
        url = firstLine.substringAfter("=")
    }

    /** Calls the control API (`/_emulator/<route>`) and returns its JSON answer. */
    fun control(method: String, route: String, body: JsonElement = JsonObject(emptyMap())): JsonElement {
        val publisher = if (method == "GET") HttpRequest.BodyPublishers.noBody()
        else HttpRequest.BodyPublishers.ofString(body.toString())
        val request = HttpRequest.newBuilder(URI("$url/_emulator/$route"))
            .header("content-type", "application/json")
            .method(method, publisher)
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() in 200..299) { "control $route: ${response.body()}" }
        return Json.parseToJsonElement(response.body())
    }

    /** Creates an authorized session of `amount` USDC and returns its id. */
    fun authorizedSession(amount: String = "10"): String =
        control("POST", "payment-sessions", Json.parseToJsonElement("""{"amount": "$amount"}"""))
            .jsonObject.getValue("paymentSessionId").jsonPrimitive.content

    /** Adds a fault (see the README's control API). */
    fun fault(json: String) {
        control("POST", "faults", Json.parseToJsonElement(json))
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
    }
}
