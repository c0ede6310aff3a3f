// CaptureKitTesting: the capturekit emulator in your own XCTest suite. `startCaptureKitEmulator()`
// starts a fresh emulator on a free loopback port with a new development key, stopped when
// the test ends; it hands back clients pointed at it and drives it through its control API
// (bodies are the control API's JSON, as in the README's "Control API").
import CaptureKit
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// Options of `CaptureKitEmulator.start`: the emulator executable's own.
public struct EmulatorOptions {
    /// The executable (default: `$CAPTUREKIT_EMULATOR_BIN`, else `capturekit-emulator` on `PATH`).
    public var executable: String?
    /// Milliseconds a new capture, void or refund stays pending (default: the emulator's).
    public var settleDelayMs: Int?
    /// Settle only on `settle()`.
    public var manualSettle: Bool
    /// Enforce CDP's rate limits.
    public var rateLimits: Bool
    /// Seed for fault rules with a probability below 1.
    public var seed: UInt64?

    public init(executable: String? = nil, settleDelayMs: Int? = nil, manualSettle: Bool = false, rateLimits: Bool = false,
                seed: UInt64? = nil) {
        self.executable = executable
        self.settleDelayMs = settleDelayMs
        self.manualSettle = manualSettle
        self.rateLimits = rateLimits
        self.seed = seed
    }
}

/// One API request the emulator received, from its journal (`GET /_emulator/requests`).
public struct EmulatorRequest: Equatable {
    public let at: String
    public let method: String
    public let path: String
    public let idempotencyKey: String?
    /// The status answered (a dropped answer's too); nil when the client left first.
    public let status: Int?
    /// The `type` of the fault rule that hit the request, or nil.
    public let fault: String?
}

/// Why an emulator could not start, or a control call the emulator refused.
public enum EmulatorError: Error, CustomStringConvertible {
    case notFound(String)
    case didNotStart(String)
    case controlRefused(method: String, route: String, status: Int, body: String)

    public var description: String {
        switch self {
        case .notFound(let why), .didNotStart(let why): return why
        case .controlRefused(let method, let route, let status, let body): return "\(method) /_emulator/\(route): \(status): \(body)"
        }
    }
}

/// A running capturekit emulator, its URLs and credentials, and its control API.
public final class CaptureKitEmulator {
    private let process: Process
    // The emulator's stdin: should this process die before stopping it, the pipe closes and
    // the emulator (started with --stop-on-stdin-close) stops too.
    private let stdin: Pipe
    private let workdir: URL
    private var stopped = false
    /// The root URL: Coinbase Payments, StateSet and the control API (`/_emulator/`).
    public let url: String
    /// A CDP key file (Ed25519) whose JWTs the emulator accepts.
    public let keyFile: String
    /// A StateSet API key the emulator accepts.
    public let statesetApiKey: String
    /// The CDP base URL (`url + "/platform"`).
    public var baseUrl: String { url + "/platform" }

    private init(process: Process, stdin: Pipe, workdir: URL, url: String, keyFile: String, statesetApiKey: String) {
        self.process = process
        self.stdin = stdin
        self.workdir = workdir
        self.url = url
        self.keyFile = keyFile
        self.statesetApiKey = statesetApiKey
    }

    deinit { stop() }

    /// The emulator executable: `executable`, else `$CAPTUREKIT_EMULATOR_BIN`, else `capturekit-emulator` on `PATH`.
    public static func findExecutable(_ executable: String? = nil) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let named = executable ?? environment["CAPTUREKIT_EMULATOR_BIN"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard FileManager.default.isExecutableFile(atPath: named) else {
                throw EmulatorError.notFound("capturekit emulator: \(named) is not an executable file")
            }
            return named
        }
        for folder in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(folder)/capturekit-emulator"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw EmulatorError.notFound("capturekit emulator: no capturekit-emulator executable found; install it "
            + "(`pip install capturekit-emulator` or `npm install capturekit-emulator`) or set CAPTUREKIT_EMULATOR_BIN to its path")
    }

    /// Starts a fresh emulator on a free loopback port with a new development key and StateSet key.
    public static func start(_ options: EmulatorOptions = EmulatorOptions()) throws -> CaptureKitEmulator {
        let program = try findExecutable(options.executable)
        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("capturekit-emulator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)
        let keyFile = workdir.appendingPathComponent("dev-key.json").path
        let statesetApiKey = "test-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        var arguments = ["--port", "0", "--host", "127.0.0.1", "--dev-key", keyFile, "--stateset-api-key", statesetApiKey,
                         "--stop-on-stdin-close"]
        if let delay = options.settleDelayMs { arguments += ["--settle-delay-ms", String(delay)] }
        if options.manualSettle { arguments.append("--manual-settle") }
        if options.rateLimits { arguments.append("--rate-limits") }
        if let seed = options.seed { arguments += ["--seed", String(seed)] }
        let log = workdir.appendingPathComponent("stderr.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let stdin = Pipe()
        let output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: log)
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: workdir)
            throw EmulatorError.didNotStart("capturekit emulator did not start: \(error)")
        }
        let prefix = "CAPTUREKIT_EMULATOR_URL="
        let first = readLine(output.fileHandleForReading)
        guard first.hasPrefix(prefix) else {
            process.terminate()
            process.waitUntilExit()
            let why = (try? String(contentsOf: log, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            try? FileManager.default.removeItem(at: workdir)
            throw EmulatorError.didNotStart(
                "capturekit emulator did not start (exit status \(process.terminationStatus)): \(why.isEmpty ? first : why)")
        }
        return CaptureKitEmulator(process: process, stdin: stdin, workdir: workdir, url: String(first.dropFirst(prefix.count)),
                                  keyFile: keyFile, statesetApiKey: statesetApiKey)
    }

    /// The first line the emulator prints (empty if it exits first).
    private static func readLine(_ handle: FileHandle) -> String {
        var line = Data()
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    /// A `Client` for all three providers at this emulator; `options` add to its URLs.
    public func client(_ options: ClientOptions = ClientOptions()) throws -> Client {
        var pointed = options
        pointed.baseUrl = options.baseUrl ?? baseUrl
        pointed.coinbasePaymentsBaseUrl = options.coinbasePaymentsBaseUrl ?? url
        pointed.statesetBaseUrl = options.statesetBaseUrl ?? url
        return try Client.withKeyFile(path: keyFile, options: pointed, statesetApiKey: statesetApiKey)
    }

    /// Calls `/_emulator/<route>` with a JSON body and returns its JSON; a refusal throws `EmulatorError.controlRefused`.
    @discardableResult
    public func control(_ method: String, _ route: String, _ body: [String: Any] = [:]) async throws -> Any {
        var request = URLRequest(url: URL(string: "\(url)/_emulator/\(route)")!)
        request.httpMethod = method
        request.timeoutInterval = 30
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        if method != "GET" { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw EmulatorError.controlRefused(method: method, route: route, status: status, body: String(decoding: data, as: UTF8.self))
        }
        return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    private func object(_ method: String, _ route: String, _ body: [String: Any] = [:]) async throws -> [String: Any] {
        try await control(method, route, body) as? [String: Any] ?? [:]
    }

    /// A CDP payment session, authorized for `amount` (`["authorized": false]` makes a `created` one); returns its id.
    public func createSession(amount: String = "100.00", _ fields: [String: Any] = [:]) async throws -> String {
        try await object("POST", "payment-sessions", fields.merging(["amount": amount]) { $1 })["paymentSessionId"] as? String ?? ""
    }

    /// Authorizes a `created` session; returns the session.
    @discardableResult
    public func authorizeSession(_ sessionId: String) async throws -> [String: Any] {
        let escaped = sessionId.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_"))) ?? sessionId
        return try await object("POST", "payment-sessions/\(escaped)/authorize")
    }

    /// A Coinbase Payments payment authorized into escrow; returns its id.
    public func createEscrowPayment(amount: String = "100.00", _ fields: [String: Any] = [:]) async throws -> String {
        try await object("POST", "escrow-payments", fields.merging(["amount": amount]) { $1 })["id"] as? String ?? ""
    }

    /// A StateSet payment of `amountCents` authorized for later capture; returns its id.
    public func createStatesetPayment(amountCents: Int = 10_000, _ fields: [String: Any] = [:]) async throws -> String {
        try await object("POST", "stateset-payments", fields.merging(["amount": amountCents]) { $1 })["id"] as? String ?? ""
    }

    /// How the next captures (or `["action": "void"]` / `"refund"`) settle: `"succeeded"` or `"failed"`; returns how many were queued.
    @discardableResult
    public func nextOutcome(_ outcome: String, _ fields: [String: Any] = [:]) async throws -> Int {
        try await object("POST", "next-outcome", fields.merging(["outcome": outcome]) { $1 })["queued"] as? Int ?? 0
    }

    /// Settles pending captures, voids and refunds now (all, or `paymentSessionId`, `captureId`, …); returns how many.
    @discardableResult
    public func settle(_ fields: [String: Any] = [:]) async throws -> Int {
        try await object("POST", "settle", fields)["settled"] as? Int ?? 0
    }

    /// Moves the emulator's clock forward; returns its new time (RFC 3339).
    @discardableResult
    public func advanceClock(seconds: Int) async throws -> String {
        try await object("POST", "clock/advance", ["seconds": seconds])["now"] as? String ?? ""
    }

    /// Changes `settleDelayMs` (`NSNull()`: only on `settle()`) or `rateLimits`; returns the whole configuration.
    @discardableResult
    public func configure(_ fields: [String: Any]) async throws -> [String: Any] {
        try await object("PUT", "config", fields)
    }

    /// Adds a fault rule: `type` `"status"`, `"delay"`, `"malformed"` or `"drop"` (commit then drop), with `count`, `probability`, `method`, `path`, …
    public func addFault(_ type: String, _ fields: [String: Any] = [:]) async throws {
        try await control("POST", "faults", fields.merging(["type": type]) { $1 })
    }

    /// Removes every fault rule.
    public func clearFaults() async throws {
        try await control("DELETE", "faults")
    }

    /// Request and object counts.
    public func stats() async throws -> [String: Any] {
        try await object("GET", "stats")
    }

    /// The request journal, oldest first.
    public func requests() async throws -> [EmulatorRequest] {
        let entries = try await object("GET", "requests")["requests"] as? [[String: Any]] ?? []
        return entries.map { entry in
            EmulatorRequest(at: entry["at"] as? String ?? "", method: entry["method"] as? String ?? "", path: entry["path"] as? String ?? "",
                            idempotencyKey: entry["idempotencyKey"] as? String, status: entry["status"] as? Int, fault: entry["fault"] as? String)
        }
    }

    /// The webhook deliveries made (`eventType`, `subscriptionId` filter them).
    public func webhookDeliveries(_ query: [String: String] = [:]) async throws -> [[String: Any]] {
        var components = URLComponents()
        components.queryItems = query.isEmpty ? nil : query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        return try await object("GET", "webhooks/deliveries" + (components.string ?? ""))["deliveries"] as? [[String: Any]] ?? []
    }

    /// Adds a webhook delivery fault: `"duplicate"`, `"out_of_order"`, `"delay"` or `"corrupt_signature"`.
    public func addWebhookFault(_ type: String, _ fields: [String: Any] = [:]) async throws {
        try await control("POST", "webhooks/faults", fields.merging(["type": type]) { $1 })
    }

    /// Removes every webhook delivery fault.
    public func clearWebhookFaults() async throws {
        try await control("DELETE", "webhooks/faults")
    }

    /// Empties every session, payment, key, fault, counter and the journal; keeps the configuration.
    public func reset() async throws {
        try await control("POST", "reset")
    }

    /// Stops the emulator and removes its key file; again, does nothing.
    public func stop() {
        if stopped { return }
        stopped = true
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? stdin.fileHandleForWriting.close()
        try? FileManager.default.removeItem(at: workdir)
    }
}

extension XCTestCase {
    /// A fresh emulator for this test, stopped when the test ends.
    public func startCaptureKitEmulator(_ options: EmulatorOptions = EmulatorOptions()) throws -> CaptureKitEmulator {
        let emulator = try CaptureKitEmulator.start(options)
        addTeardownBlock { emulator.stop() }
        return emulator
    }
}
