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
        XCTAssertGreaterThanOrEqual(files.count, 14)
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
            return Wire.capture(try await sessions.capture(paymentSessionId: session, request: request))
        case "get_capture":
            return Wire.capture(try await sessions.getCapture(paymentSessionId: session, captureId: args["captureId"] as! String))
        case "list_captures":
            return Wire.page(try await sessions.listCaptures(
                paymentSessionId: session, pageSize: pageSize, pageToken: args["pageToken"] as? String))
        case "list_all_captures":
            let captures = try await sessions.listAllCaptures(paymentSessionId: session, pageSize: pageSize)
            return ["captures": captures.map(Wire.capture)]
        case "get_session":
            return Wire.session(try await sessions.getSession(paymentSessionId: session))
        case "wait_for_capture":
            let options = WaitOptions(timeout: Double(args["timeoutMs"] as! Int) / 1000, pollInterval: 0.05)
            return Wire.capture(try await sessions.waitForCapture(
                paymentSessionId: session, captureId: args["captureId"] as! String, options: options))
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
            return Wire.escrowCapture(try await client.coinbasePayments().capture(paymentId: args["paymentId"] as! String, request: request))
        case "get_escrow_payment":
            return Wire.escrowPayment(try await client.coinbasePayments().getPayment(paymentId: args["paymentId"] as! String))
        case "stateset_capture":
            let request = StateSetCaptureRequest(
                amountCents: (args["amount"] as? Int).map { UInt64($0) },
                statementDescriptor: args["statementDescriptor"] as? String,
                metadata: args["metadata"] as? [String: String] ?? [:]
            )
            return Wire.statesetPayment(try await client.stateset().capture(paymentId: args["paymentId"] as! String, request: request))
        case "get_stateset_payment":
            return Wire.statesetPayment(try await client.stateset().getPayment(paymentId: args["paymentId"] as! String))
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
        let matchers: Set<String> = ["present", "decimal", "len", "contains", "notEqual"]
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
                default: ok = !same(found, arg)
                }
            } else {
                ok = found != nil && same(found, matcher)
            }
            XCTAssertTrue(ok, "\(place): \(path): expected \(matcher), got \(String(describing: found))")
        }
    }

    private func same(_ a: Any?, _ b: Any?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return NSDictionary(dictionary: ["v": a]).isEqual(to: ["v": b])
    }
}

/// Results in the API's JSON shape, as the scenario files check them.
enum Wire {
    private static let iso = ISO8601DateFormatter()
    private static func time(_ date: Date?) -> Any { date.map { iso.string(from: $0) } ?? NSNull() }
    private static func value(_ text: String?) -> Any { text ?? NSNull() }

    static func capture(_ c: Capture) -> Any {
        [
            "captureId": c.captureId, "paymentSessionId": c.paymentSessionId, "status": c.status.wireValue(),
            "amount": value(c.amount), "finalCapture": c.finalCapture,
            "error": c.error.map { ["code": $0.code, "message": $0.message, "occurredAt": time($0.occurredAt)] } ?? NSNull(),
            "metadata": c.metadata, "externalReferenceId": value(c.externalReferenceId),
            "onchainTransactions": c.onchainTransactions.map { ["transactionHash": $0.transactionHash, "network": $0.network.wireValue()] },
            "createdAt": time(c.createdAt), "updatedAt": time(c.updatedAt), "idempotencyKey": value(c.idempotencyKey),
        ] as [String: Any]
    }

    static func page(_ p: CapturePage) -> Any {
        ["captures": p.captures.map(capture), "nextPageToken": value(p.nextPageToken)] as [String: Any]
    }

    static func session(_ s: PaymentSession) -> Any {
        [
            "paymentSessionId": s.paymentSessionId, "status": s.status.wireValue(), "amount": value(s.amount),
            "asset": value(s.asset),
            "balances": ["capturable": s.balances.capturable, "captured": s.balances.captured,
                         "refundable": s.balances.refundable, "refunded": s.balances.refunded],
            "expiries": ["authorizationExpiresAt": time(s.expiries.authorizationExpiresAt),
                         "captureExpiresAt": time(s.expiries.captureExpiresAt),
                         "refundExpiresAt": time(s.expiries.refundExpiresAt)],
            "captures": s.captures.map(capture), "metadata": s.metadata,
            "externalReferenceId": value(s.externalReferenceId),
        ] as [String: Any]
    }

    private static func step(_ s: OperationStep) -> Any {
        [
            "id": s.id, "type": s.stepType.wireValue(), "status": s.status.wireValue(),
            "transactions": s.transactions.map { ["transactionHash": value($0.transactionHash), "blockNumber": value($0.blockNumber)] },
        ] as [String: Any]
    }

    static func escrowCapture(_ c: EscrowCapture) -> Any {
        [
            "operationId": c.operationId, "idempotencyKey": value(c.idempotencyKey),
            "rewardOperations": c.rewardOperations.map { op in
                [
                    "id": op.id, "action": op.action.wireValue(), "status": op.status.wireValue(),
                    "reward": op.reward.map { ["chainId": Int($0.chainId), "campaignAddress": $0.campaignAddress] } as Any? ?? NSNull(),
                    "operationSteps": op.operationSteps.map(step),
                ] as [String: Any]
            },
            "invalidRewardInputs": c.invalidRewardInputs.map {
                [
                    "rewardInput": ["campaignAddress": $0.rewardInput.campaignAddress, "tokenAddress": $0.rewardInput.tokenAddress,
                                    "chainId": Int($0.rewardInput.chainId)],
                    "invalidReason": $0.invalidReason,
                ] as [String: Any]
            },
        ] as [String: Any]
    }

    static func escrowPayment(_ d: EscrowPaymentDetails) -> Any {
        let p = d.payment
        return [
            "payment": [
                "id": p.id, "maxAmount": value(p.maxAmount), "networkId": p.networkId.map { Int($0) } as Any? ?? NSNull(),
                "minFeeBps": p.minFeeBps.map { Int($0) } as Any? ?? NSNull(), "maxFeeBps": p.maxFeeBps.map { Int($0) } as Any? ?? NSNull(),
                "feeReceiver": value(p.feeReceiver), "authorizationExpiry": time(p.authorizationExpiry),
                "authorizedAmount": value(p.authorizedAmount), "capturedAmount": value(p.capturedAmount),
                "voidedAmount": value(p.voidedAmount),
            ] as [String: Any],
            "paymentOperations": d.paymentOperations.map { op in
                [
                    "id": op.id, "type": op.operationType.wireValue(), "status": op.status.wireValue(), "amount": value(op.amount),
                    "feeBps": op.feeBps.map { Int($0) } as Any? ?? NSNull(), "feeReceiver": value(op.feeReceiver),
                    "feeAmount": value(op.feeAmount), "transactionHash": value(op.transactionHash), "metadata": op.metadata,
                    "operationSteps": op.operationSteps.map(step),
                ] as [String: Any]
            },
        ] as [String: Any]
    }

    static func statesetPayment(_ p: StateSetPayment) -> Any {
        [
            "id": p.id, "object": value(p.object), "amount": Int(p.amount), "amount_capturable": Int(p.amountCapturable),
            "amount_captured": Int(p.amountCaptured), "currency": value(p.currency), "status": p.status.wireValue(),
            "captured": p.captured, "captured_at": time(p.capturedAt), "created_at": time(p.createdAt),
            "payment_method": p.paymentMethod.map { m in
                ["type": value(m.methodType),
                 "card": m.card.map { ["last4": value($0.last4), "brand": value($0.brand)] } as Any? ?? NSNull()] as [String: Any]
            } as Any? ?? NSNull(),
            "capture_details": p.captureDetails.map { d in
                ["captured_amount": d.capturedAmount.map { Int($0) } as Any? ?? NSNull(), "capture_time": time(d.captureTime),
                 "processor_capture_id": value(d.processorCaptureId)] as [String: Any]
            } as Any? ?? NSNull(),
            "metadata": p.metadata,
        ] as [String: Any]
    }

    static func error(_ e: CaptureKitError) -> Any {
        let d = e.details()
        return [
            "code": d.code, "httpStatus": d.httpStatus.map { Int($0) } as Any? ?? NSNull(), "errorType": value(d.errorType),
            "message": d.message, "correlationId": value(d.correlationId), "idempotencyKey": value(d.idempotencyKey),
            "lastCapture": d.lastCapture.map(capture) ?? NSNull(),
        ] as [String: Any]
    }
}
