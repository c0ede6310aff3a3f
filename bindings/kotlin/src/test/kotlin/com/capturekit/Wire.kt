package com.capturekit

import java.lang.reflect.Modifier
import java.time.Duration
import java.time.Instant
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

/**
 * Results in the shared scenarios' shape: the core's field names in camelCase, which are the
 * Kotlin property names. Read from the records themselves, field by field, so that a field
 * the core adds is compared without an edit here; a map's keys are data and stay as they are.
 */
object Wire {
    fun of(value: Any?): JsonElement = when (value) {
        null -> JsonNull
        is String -> JsonPrimitive(value)
        is Boolean -> JsonPrimitive(value)
        is UByte -> JsonPrimitive(value.toLong())
        is UShort -> JsonPrimitive(value.toLong())
        is UInt -> JsonPrimitive(value.toLong())
        is ULong -> JsonPrimitive(value.toLong())
        is Number -> JsonPrimitive(value)
        is Instant -> JsonPrimitive(value.toString())
        is Duration -> JsonPrimitive(value.toMillis())
        is Map<*, *> -> JsonObject(value.entries.associate { (key, item) -> key.toString() to of(item) })
        is List<*> -> JsonArray(value.map(::of))
        else -> openEnum(value) ?: record(value)
    }

    /** An open enum (a uniffi enum with `wireValue()`): its wire string. */
    private fun openEnum(value: Any): JsonElement? = value.javaClass.methods
        .firstOrNull { it.name == "wireValue" && it.parameterCount == 0 }
        ?.let { JsonPrimitive(it.invoke(value) as String) }

    /** A record: each of its properties, in declaration order. */
    private fun record(value: Any): JsonElement = JsonObject(
        value.javaClass.declaredFields
            .filter { !Modifier.isStatic(it.modifiers) }
            .associate { field ->
                field.isAccessible = true
                field.name to of(field.get(value))
            },
    )

    /** An error in the scenarios' shape: every field of its details. */
    fun error(e: CaptureKitException): JsonElement = of(e.details())
}
