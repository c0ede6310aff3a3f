package com.capturekit.testing

import org.junit.jupiter.api.extension.AfterEachCallback
import org.junit.jupiter.api.extension.ExtensionContext
import org.junit.jupiter.api.extension.ParameterContext
import org.junit.jupiter.api.extension.ParameterResolver
import org.junit.platform.commons.support.AnnotationSupport

/**
 * The options of the emulators [CaptureKitEmulatorExtension] starts for a test class or
 * method (the method's win): the executable's own, as in [EmulatorOptions].
 */
@Target(AnnotationTarget.CLASS, AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
annotation class CaptureKitEmulatorOptions(
    /** Milliseconds a new capture, void or refund stays pending; negative: the emulator's default. */
    val settleDelayMs: Long = -1,
    /** Settle only on [CaptureKitEmulator.settle]. */
    val manualSettle: Boolean = false,
    /** Enforce CDP's rate limits. */
    val rateLimits: Boolean = false,
    /** Seed for probabilistic fault rules; negative: none. */
    val seed: Long = -1,
)

/**
 * A JUnit 5 extension that gives each test that asks for a [CaptureKitEmulator] parameter
 * a fresh emulator, stopped when the test ends:
 *
 * ```kotlin
 * @ExtendWith(CaptureKitEmulatorExtension::class)
 * class CheckoutTest {
 *     @Test
 *     fun capturesOnce(emulator: CaptureKitEmulator) { … }
 * }
 * ```
 */
class CaptureKitEmulatorExtension : ParameterResolver, AfterEachCallback {
    override fun supportsParameter(parameter: ParameterContext, extension: ExtensionContext): Boolean =
        parameter.parameter.type == CaptureKitEmulator::class.java

    override fun resolveParameter(parameter: ParameterContext, extension: ExtensionContext): Any {
        val emulator = CaptureKitEmulator.start(options(extension))
        started(extension).add(emulator)
        return emulator
    }

    /** Stops the test's emulators (closed here rather than by the store, the same in every JUnit 5). */
    override fun afterEach(extension: ExtensionContext) {
        val emulators = started(extension)
        val failures = emulators.mapNotNull { runCatching { it.close() }.exceptionOrNull() }
        emulators.clear()
        failures.firstOrNull()?.let { first -> failures.drop(1).forEach(first::addSuppressed); throw first }
    }

    @Suppress("UNCHECKED_CAST")
    private fun started(extension: ExtensionContext): MutableList<CaptureKitEmulator> =
        extension.getStore(NAMESPACE).getOrComputeIfAbsent("emulators", { mutableListOf<CaptureKitEmulator>() }, MutableList::class.java)
            as MutableList<CaptureKitEmulator>

    private fun options(extension: ExtensionContext): EmulatorOptions {
        val annotation = extension.testMethod.flatMap { AnnotationSupport.findAnnotation(it, CaptureKitEmulatorOptions::class.java) }
            .or { extension.testClass.flatMap { AnnotationSupport.findAnnotation(it, CaptureKitEmulatorOptions::class.java) } }
            .orElse(null) ?: return EmulatorOptions()
        return EmulatorOptions(
            settleDelayMs = annotation.settleDelayMs.takeIf { it >= 0 },
            manualSettle = annotation.manualSettle,
            rateLimits = annotation.rateLimits,
            seed = annotation.seed.takeIf { it >= 0 },
        )
    }

    private companion object {
        val NAMESPACE: ExtensionContext.Namespace = ExtensionContext.Namespace.create(CaptureKitEmulatorExtension::class.java)
    }
}
