// Types of capturekit-sdk/testing (testing.js): the capturekit emulator in your own tests.
import type { Client, ClientOptions } from './index'

/** Options of `startEmulator`: the emulator executable's own. */
export interface EmulatorOptions {
  /** The executable (default: `$CAPTUREKIT_EMULATOR_BIN`, else the capturekit-emulator package's). */
  executable?: string
  /** Milliseconds a new capture, void or refund stays pending (default: the emulator's). */
  settleDelayMs?: number
  /** Settle only on `settle()`. */
  manualSettle?: boolean
  /** Enforce CDP's rate limits. */
  rateLimits?: boolean
  /** Seed for fault rules with a probability below 1. */
  seed?: number
}

/** One entry of the request journal. */
export interface JournalEntry {
  at: string
  method: string
  path: string
  idempotencyKey: string | null
  /** The status answered (a dropped answer's too); `null` when the client left first. */
  status: number | null
  /** The `type` of the fault rule that hit the request, or `null`. */
  fault: string | null
}

/** A JSON body of the control API (see the README's "Control API"). */
export type ControlBody = Record<string, unknown>

/** A control call the emulator refused. */
export declare class EmulatorControlError extends Error {
  readonly status: number
  readonly body: unknown
}

/** A running emulator, its URLs and credentials, and its control API. */
export declare class Emulator {
  /** The root URL: Coinbase Payments, StateSet and the control API (`/_emulator/`). */
  readonly url: string
  /** The CDP base URL (`url + '/platform'`). */
  readonly baseUrl: string
  /** A CDP key file (Ed25519) whose JWTs the emulator accepts. */
  readonly keyFile: string
  /** A StateSet API key the emulator accepts. */
  readonly statesetApiKey: string
  /** A `Client` for all three providers at this emulator. */
  client(options?: ClientOptions): Client
  control(method: 'GET' | 'POST' | 'PUT' | 'DELETE', route: string, body?: ControlBody): Promise<any>
  /** A CDP payment session (authorized unless `authorized: false`); resolves with its id. */
  createSession(fields?: ControlBody): Promise<string>
  authorizeSession(sessionId: string): Promise<any>
  /** A Coinbase Payments escrow payment; resolves with its id. */
  createEscrowPayment(fields?: ControlBody): Promise<string>
  /** A StateSet payment (`amount` in cents); resolves with its id. */
  createStatesetPayment(fields?: ControlBody): Promise<string>
  nextOutcome(fields: ControlBody & { outcome: 'succeeded' | 'failed' }): Promise<{ queued: number }>
  /** Resolves with how many were settled. */
  settle(fields?: ControlBody): Promise<number>
  /** Resolves with the emulator's new time (RFC 3339). */
  advanceClock(seconds: number): Promise<string>
  configure(fields: { settleDelayMs?: number | null; rateLimits?: boolean }): Promise<{ settleDelayMs: number | null; rateLimits: boolean }>
  addFault(rule: ControlBody & { type: 'status' | 'delay' | 'malformed' | 'drop' }): Promise<void>
  clearFaults(): Promise<void>
  stats(): Promise<Record<string, number>>
  requests(): Promise<JournalEntry[]>
  webhookDeliveries(query?: { eventType?: string; subscriptionId?: string }): Promise<any[]>
  addWebhookFault(rule: ControlBody & { type: 'duplicate' | 'out_of_order' | 'delay' | 'corrupt_signature' }): Promise<void>
  clearWebhookFaults(): Promise<void>
  reset(): Promise<void>
  /** Stops the emulator and removes its key file. */
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** Starts a fresh emulator on a free loopback port. */
export declare function startEmulator(options?: EmulatorOptions): Promise<Emulator>
/** The emulator executable `startEmulator` would run. */
export declare function findEmulatorExecutable(executable?: string): string
