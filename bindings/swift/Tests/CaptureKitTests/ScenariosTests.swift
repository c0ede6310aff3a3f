import CaptureKit
import Foundation
import XCTest

/// Runs the shared scenarios (every JSON file in tests/scenarios, format in their README)
/// through the Swift client, as the Kotlin, Python, Node and Rust runners do.
final class ScenariosTests: XCTestCase {
    private let control: [String: (String, String)] = [
        "create_session": ("POST", "payment-sessions"),
        "next_outcome": ("POST", "captures/next-outcome"),
        "settle": ("POST", "settle"),
        "advance_clock": ("POST", "clock/advance"),
        "config": ("PUT", "config"),
        "fault": ("POST", "faults"),
        "clear_faults": ("DELETE", "faults"),
        "stats": ("GET", "stats"),
        "create_escrow_payment": ("POST", "escrow-payments"),
        "create_stateset_payment": ("POST", "stateset-payments"),
    ]

    func testTheSharedScenarios() async throws {
        let files = try FileManager.default.contentsOfDirectory(at: Repo.scenarios, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        XCTAssertGreaterThanOrEqual(files.count, 18)
        for file in files {
            try await run(file)
        }
    }

    private func run(_ file: URL) async throws {
        let scenario = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        let settle = (scenario["emulator"] as? [String: Any])?["settleDelayMs"] as? Int
        let emulator = try Emulator(settleDelayMs: settle)
        defer { emulator.stop() }
        let client = try makeClient(emulator, scenario["client"] as? [String: Any] ?? [:])
        var saved: [String: Any] = [:]
        for (index, step) in (scenario["steps"] as! [[String: Any]]).enumerated() {
            let op = step["op"] as! String
            let args = resolve(step["with"] ?? [String: Any](), saved) as! [String: Any]
            var result: Any?
            var error: Any?
            do {
                if op.hasPrefix("control.") {
                    let (method, route) = control[String(op.dropFirst("control.".count))]!
                    result = try await emulator.control(method, route, args)
                } else {
                    result = try await call(client, op, args)
                }
            } catch let raised as CaptureKitError {
                error = Wire.error(raised)
            }
            let place = "\(file.lastPathComponent) step \(index) (\(op))"
            if let expected = step["expectError"] as? [String: Any] {
                guard let error else { return XCTFail("\(place): expected an error, got \(String(describing: result))") }
                check(place, error, expected, saved)
            } else {
                if let error { return XCTFail("\(place): unexpected error \(error)") }
                if let expected = step["expect"] as? [String: Any] { check(place, result!, expected, saved) }
            }
            if let name = step["save"] as? String, let result { saved[name] = result }
        }
    }

    private func makeClient(_ emulator: Emulator, _ options: [String: Any]) throws -> Client {
        let clientOptions = ClientOptions(
            baseUrl: emulator.baseUrl,
            timeout: (options["timeoutMs"] as? Double).map { $0 / 1000 },
            maxRetries: UInt32(options["maxRetries"] as? Int ?? 2),
            coinbasePaymentsBaseUrl: emulator.url,
            statesetBaseUrl: emulator.url
        )
        let stateset = options["statesetApiKey"] as? String ?? Repo.statesetApiKey
        switch options["auth"] as? String ?? "ed25519" {
        case "es256": return try Client.withKeyFile(path: Repo.es256Key, options: clientOptions, statesetApiKey: stateset)
        case "unknown_key": return try Client.withKeyFile(path: Repo.unknownKey, options: clientOptions, statesetApiKey: stateset)
        case "bearer": return try Client.withBearerToken(token: Repo.bearerToken, options: clientOptions, statesetApiKey: stateset)
        default: return try Client.withKeyFile(path: Repo.ed25519Key, options: clientOptions, statesetApiKey: stateset)
        }
    }

    private func call(_ client: Client, _ op: String, _ args: [String: Any]) async throws -> Any {
        let sessions = client.paymentSessions()
        let session = args["paymentSessionId"] as? String ?? ""
        let pageSize = (args["pageSize"] as? Int).map { UInt32($0) }
        switch op {
        case "capture":
            let request = CaptureRequest(
                amount: args["amount"] as? String,
                finalCapture: args["finalCapture"] as? Bool ?? false,
                metadata: args["metadata"] as? [String: String] ?? [:],
                externalReferenceId: args["externalReferenceId"] as? String,
                idempotencyKey: args["idempotencyKey"] as? String
            )
            return Wire.of(try await sessions.capture(paymentSessionId: session, request: request))
        case "get_capture":
            return Wire.of(try await sessions.getCapture(paymentSessionId: session, captureId: args["captureId"] as! String))
        case "list_captures":
            return Wire.of(try await sessions.listCaptures(
                paymentSessionId: session, pageSize: pageSize, pageToken: args["pageToken"] as? String))
        case "list_all_captures":
            let captures = try await sessions.listAllCaptures(paymentSessionId: session, pageSize: pageSize)
            return ["captures": captures.map(Wire.of)]
        case "get_session":
            return Wire.of(try await sessions.getSession(paymentSessionId: session))
        case "wait_for_capture":
            let options = WaitOptions(timeout: Double(args["timeoutMs"] as! Int) / 1000, pollInterval: 0.05)
            return Wire.of(try await sessions.waitForCapture(
                paymentSessionId: session, captureId: args["captureId"] as! String, options: options))
        case "void":
            let request = VoidRequest(
                metadata: args["metadata"] as? [String: String] ?? [:], idempotencyKey: args["idempotencyKey"] as? String)
            return Wire.of(try await sessions.void(paymentSessionId: session, request: request))
        case "refund":
            let source = args["source"] as? [String: Any] ?? [:]
            let request = RefundRequest(
                source: RefundSource(
                    accountId: source["accountId"] as? String, asset: source["asset"] as? String,
                    address: source["address"] as? String),
                amount: args["amount"] as? String,
                reason: args["reason"] as? String,
                metadata: args["metadata"] as? [String: String] ?? [:],
                idempotencyKey: args["idempotencyKey"] as? String
            )
            return Wire.of(try await sessions.refund(paymentSessionId: session, request: request))
        case "cancel":
            let request = CancelRequest(
                cancellationReason: args["cancellationReason"] as? String, idempotencyKey: args["idempotencyKey"] as? String)
            return Wire.of(try await sessions.cancel(paymentSessionId: session, request: request))
        case "get_void":
            return Wire.of(try await sessions.getVoid(paymentSessionId: session, voidId: args["voidId"] as! String))
        case "get_refund":
            return Wire.of(try await sessions.getRefund(paymentSessionId: session, refundId: args["refundId"] as! String))
        case "list_voids":
            return Wire.of(try await sessions.listVoids(
                paymentSessionId: session, pageSize: pageSize, pageToken: args["pageToken"] as? String))
        case "list_refunds":
            return Wire.of(try await sessions.listRefunds(
                paymentSessionId: session, pageSize: pageSize, pageToken: args["pageToken"] as? String))
        case "list_sessions":
            return Wire.of(try await sessions.listSessions(pageSize: pageSize, pageToken: args["pageToken"] as? String))
        case "list_all_voids":
            return ["voids": try await sessions.listAllVoids(paymentSessionId: session, pageSize: pageSize).map(Wire.of)]
        case "list_all_refunds":
            return ["refunds": try await sessions.listAllRefunds(paymentSessionId: session, pageSize: pageSize).map(Wire.of)]
        case "list_all_sessions":
            return ["paymentSessions": try await sessions.listAllSessions(pageSize: pageSize).map(Wire.of)]
        case "wait_for_void":
            let options = WaitOptions(timeout: Double(args["timeoutMs"] as! Int) / 1000, pollInterval: 0.05)
            return Wire.of(try await sessions.waitForVoid(
                paymentSessionId: session, voidId: args["voidId"] as! String, options: options))
        case "wait_for_refund":
            let options = WaitOptions(timeout: Double(args["timeoutMs"] as! Int) / 1000, pollInterval: 0.05)
            return Wire.of(try await sessions.waitForRefund(
                paymentSessionId: session, refundId: args["refundId"] as! String, options: options))
        case "derive_idempotency_key":
            return ["key": try deriveIdempotencyKey(parts: args["parts"] as! [String])]
        case "escrow_capture":
            let rewards = (args["distributeRewards"] as? [[String: Any]] ?? []).map {
                RewardInput(campaignAddress: $0["campaignAddress"] as! String, tokenAddress: $0["tokenAddress"] as! String,
                            chainId: UInt64($0["chainId"] as! Int))
            }
            let request = EscrowCaptureRequest(
                amount: args["amount"] as? String ?? "",
                feeBps: UInt32(args["feeBps"] as? Int ?? 0),
                feeReceiver: args["feeReceiver"] as? String,
                distributeRewards: rewards,
                metadata: args["metadata"] as? [String: String] ?? [:],
                idempotencyKey: args["idempotencyKey"] as? String
            )
            return Wire.of(try await client.coinbasePayments().capture(paymentId: args["paymentId"] as! String, request: request))
        case "get_escrow_payment":
            return Wire.of(try await client.coinbasePayments().getPayment(paymentId: args["paymentId"] as! String))
        case "stateset_capture":
            let request = StateSetCaptureRequest(
                amountCents: (args["amountCents"] as? Int).map { UInt64($0) },
                statementDescriptor: args["statementDescriptor"] as? String,
                metadata: args["metadata"] as? [String: String] ?? [:]
            )
            return Wire.of(try await client.stateset().capture(paymentId: args["paymentId"] as! String, request: request))
        case "get_stateset_payment":
            return Wire.of(try await client.stateset().getPayment(paymentId: args["paymentId"] as! String))
        default:
            XCTFail("unknown op \(op)")
            return NSNull()
        }
    }

    private func resolve(_ value: Any, _ saved: [String: Any]) -> Any {
        if let text = value as? String, text.hasPrefix("$$") { return String(text.dropFirst()) }
        if let text = value as? String, text.hasPrefix("$") {
            let reference = text.dropFirst()
            let name = String(reference.split(separator: ".", maxSplits: 1).first ?? "")
            let path = reference.contains(".") ? String(reference.split(separator: ".", maxSplits: 1)[1]) : ""
            return lookup(saved[name] as Any, path) ?? NSNull()
        }
        if let list = value as? [Any] { return list.map { resolve($0, saved) } }
        if let object = value as? [String: Any] { return object.mapValues { resolve($0, saved) } }
        return value
    }

    private func lookup(_ root: Any, _ path: String) -> Any? {
        var node: Any? = root
        for part in path.isEmpty ? [] : path.split(separator: ".").map(String.init) {
            if let list = node as? [Any] {
                node = Int(part).flatMap { $0 < list.count ? list[$0] : nil }
            } else if let object = node as? [String: Any] {
                node = object[part]
            } else {
                return nil
            }
        }
        return node is NSNull ? nil : node
    }

    private func check(_ place: String, _ actual: Any, _ expected: [String: Any], _ saved: [String: Any]) {
        let matchers: Set<String> = ["present", "decimal", "len", "contains", "names", "notEqual"]
        for (path, raw) in expected {
            let matcher = resolve(raw, saved)
            let found = lookup(actual, path)
            var ok: Bool
            if let m = matcher as? [String: Any], m.count == 1, let (name, arg) = m.first, matchers.contains(name) {
                switch name {
                case "present": ok = (found != nil) == (arg as? Bool)
                case "decimal":
                    ok = (found as? String).flatMap { Decimal(string: $0) } == Decimal(string: arg as! String)
                case "len": ok = ((found as? [Any])?.count ?? (found as? String)?.count) == (arg as? Int)
                case "contains": ok = (found as? String)?.contains(arg as! String) ?? false
                case "names":
                    let name = arg as! String
                    let parts = name.split(separator: "_").map(String.init)
                    let camel = parts.first! + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
                    ok = (found as? String).map { $0.contains(name) || $0.contains(camel) } ?? false
                default: ok = !same(found, arg)
                }
            } else {
                ok = found != nil && same(found, matcher)
            }
            XCTAssertTrue(ok, "\(place): \(path): expected \(matcher), got \(String(describing: found))")
        }
    }

    /// Equal as JSON values. Both sides are written as JSON text with sorted keys and compared:
    /// Foundation's `NSDictionary.isEqual` on Linux does not equate a Swift `Bool` with the
    /// `NSNumber` that `JSONSerialization` reads, and JSON text has no such distinction.
    private func same(_ a: Any?, _ b: Any?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return Self.jsonText(a) == Self.jsonText(b)
    }

    private static func jsonText(_ value: Any) -> String? {
        guard JSONSerialization.isValidJSONObject([value]) else { return nil }
        let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .fragmentsAllowed])
        return data.map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Results in the shared scenarios' shape: the core's field names in camelCase, which are the
/// Swift property names. Read from the records themselves (`Mirror`), field by field, so that
/// a field the core adds is compared without an edit here; a map's keys are data and stay.
enum Wire {
    private static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func of(_ value: Any) -> Any {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            return mirror.children.first.map { of($0.value) } ?? NSNull()
        }
        switch value {
        case let text as String: return text
        case let flag as Bool: return flag
        case let number as any BinaryInteger: return Int(number)
        // A duration (the only floating-point field): milliseconds, as in the scenarios.
        case let seconds as Double: return Int((seconds * 1000).rounded())
        case let date as Date: return iso(date)
        case let map as [String: String]: return map
        case let list as [Any]: return list.map(of)
        default: break
        }
        // An open enum: its wire value (the core's Display).
        if mirror.displayStyle == .enum, let described = value as? CustomStringConvertible {
            return described.description
        }
        var object: [String: Any] = [:]
        for child in mirror.children {
            if let label = child.label { object[label] = of(child.value) }
        }
        return object
    }

    static func error(_ e: CaptureKitError) -> Any { of(e.details()) }
}
