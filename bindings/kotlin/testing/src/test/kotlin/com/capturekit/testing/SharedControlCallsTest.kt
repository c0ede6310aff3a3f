package com.capturekit.testing

import java.io.File
import java.lang.reflect.Modifier
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

/** tests/vectors/emulator_fixture.json lists the control calls every language's fixture wraps. */
class SharedControlCallsTest {
    @Test
    fun `the helpers are the shared control calls`() {
        val vector = Json.parseToJsonElement(File("../../../tests/vectors/emulator_fixture.json").readText())
        val expected = vector.jsonObject.getValue("helpers").jsonArray
            .map { it.jsonObject.getValue("name").jsonPrimitive.content.replace(Regex("_([a-z])")) { m -> m.groupValues[1].uppercase() } }
            .toSortedSet()
        val infrastructure = setOf("client", "control", "close", "getUrl", "getBaseUrl", "getKeyFile", "getStatesetApiKey", "toString")
        val helpers = CaptureKitEmulator::class.java.declaredMethods
            .filter { Modifier.isPublic(it.modifiers) && !Modifier.isStatic(it.modifiers) && !it.isSynthetic && '$' !in it.name }
            .map { it.name }
            .filter { it !in infrastructure }
            .toSortedSet()
        assertEquals(expected, helpers)
    }
}
