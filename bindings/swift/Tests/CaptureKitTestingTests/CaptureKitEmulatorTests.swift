import CaptureKit
import CaptureKitTesting
import Foundation
import XCTest

/// CaptureKitTesting as a user's XCTest suite uses it (the emulator from $CAPTUREKIT_EMULATOR_BIN).
final class CaptureKitEmulatorTests: XCTestCase {
    func testAnEmulatorHandsBackAClientForAllThreeProviders() async throws {
        let emulator = try startCaptureKitEmulator()
        XCTAssertTrue(emulator.url.hasPrefix("http://127.0.0.1:"))
        XCTAssertEqual(emulator.baseUrl, emulator.url + "/platform")
        let client = try emulator.client()
        let sessionId = try await emulator.createSession(amount: "25.00")
        let capture = try await client.paymentSessions().capture(paymentSessionId: sessionId, request: CaptureRequest(amount: "10.00"))
        let settled = try await emulator.settle(["captureId": capture.captureId])
        XCTAssertEqual(settled, 1)
        let read = try await client.paymentSessions().getCapture(paymentSessionId: sessionId, captureId: capture.captureId)
        XCTAssertEqual(read.status, .succeeded)
        let escrowId = try await emulator.createEscrowPayment(amount: "40.00")
        _ = try await client.coinbasePayments().capture(paymentId: escrowId, request: EscrowCaptureRequest(amount: "15.00"))
        let escrow = try await client.coinbasePayments().getPayment(paymentId: escrowId)
        XCTAssertEqual(escrow.payment.capturedAmount, "15.00")
        let statesetId = try await emulator.createStatesetPayment(amountCents: 15_000)
        let paid = try await client.stateset().capture(paymentId: statesetId, request: StateSetCaptureRequest(amountCents: 12_000))
        XCTAssertEqual(paid.amountCaptured, 12_000)
    }

    func testADroppedAnswerRetriedWithTheSameKeyCapturesOnce() async throws {
        let emulator = try startCaptureKitEmulator()
        let sessionId = try await emulator.createSession(amount: "25.00")
        let sessions = try emulator.client(ClientOptions(maxRetries: 0)).paymentSessions()
        try await emulator.addFault("drop", ["method": "POST", "path": "/captures"])
        let request = CaptureRequest(amount: "10.00", idempotencyKey: "order-7-capture")
        var key: String?
        do {
            _ = try await sessions.capture(paymentSessionId: sessionId, request: request)
            XCTFail("the answer was dropped")
        } catch CaptureKitError.OutcomeUnknown(let details) {
            key = details.idempotencyKey
        }
        _ = try await sessions.capture(paymentSessionId: sessionId, request: CaptureRequest(amount: "10.00", idempotencyKey: key))
        let posts = try await emulator.requests().filter { $0.method == "POST" }
        XCTAssertEqual(posts.map { $0.idempotencyKey }, ["order-7-capture", "order-7-capture"])
        XCTAssertEqual(posts.map { $0.fault }, ["drop", nil])
        XCTAssertEqual(posts.map { $0.status }, [200, 200])
        try await emulator.settle()
        let balances = try await sessions.getSession(paymentSessionId: sessionId).balances
        XCTAssertEqual([balances.captured, balances.capturable], ["10", "15"])
    }

    func testTheControlHelpersDriveTheEmulator() async throws {
        let emulator = try startCaptureKitEmulator()
        let client = try emulator.client()
        let configuration = try await emulator.configure(["settleDelayMs": NSNull()])
        XCTAssertTrue(configuration["settleDelayMs"] is NSNull)
        let unpaid = try await emulator.createSession(amount: "3", ["authorized": false])
        let authorized = try await emulator.authorizeSession(unpaid)
        XCTAssertEqual(authorized["status"] as? String, "authorization_succeeded")
        let queued = try await emulator.nextOutcome("failed")
        XCTAssertEqual(queued, 1)
        let capture = try await client.paymentSessions().capture(paymentSessionId: unpaid, request: CaptureRequest(amount: "1"))
        let settled = try await emulator.settle(["paymentSessionId": unpaid])
        XCTAssertEqual(settled, 1)
        let failed = try await client.paymentSessions().getCapture(paymentSessionId: unpaid, captureId: capture.captureId)
        XCTAssertEqual(failed.status, .failed)
        let now = try await emulator.advanceClock(seconds: 60)
        XCTAssertTrue(now.hasSuffix("Z"))
        try await emulator.addFault("status", ["status": 503, "count": 0])
        try await emulator.clearFaults()
        try await emulator.addWebhookFault("duplicate")
        try await emulator.clearWebhookFaults()
        let deliveries = try await emulator.webhookDeliveries(["eventType": "payment_session.captured"])
        XCTAssertEqual(deliveries.count, 0)
        let stats = try await emulator.stats()
        XCTAssertEqual(stats["captures"] as? Int, 1)
        try await emulator.reset()
        let empty = try await emulator.stats()
        XCTAssertEqual(empty["sessions"] as? Int, 0)
        let journal = try await emulator.requests()
        XCTAssertEqual(journal, [])
    }

    func testARefusedControlCallNamesTheField() async throws {
        let emulator = try startCaptureKitEmulator()
        do {
            try await emulator.nextOutcome("failed", ["count": 0])
            XCTFail("count 0 was accepted")
        } catch EmulatorError.controlRefused(_, _, let status, let body) {
            XCTAssertEqual(status, 400)
            XCTAssertTrue(body.contains("count"), body)
        }
    }

    func testOptionsReachTheEmulator() async throws {
        let emulator = try startCaptureKitEmulator(EmulatorOptions(manualSettle: true))
        let sessions = try emulator.client().paymentSessions()
        let sessionId = try await emulator.createSession(amount: "2")
        _ = try await sessions.capture(paymentSessionId: sessionId, request: CaptureRequest(amount: "1"))
        let pending = try await sessions.getSession(paymentSessionId: sessionId).balances
        XCTAssertEqual(pending.captured, "0")
        let settled = try await emulator.settle()
        XCTAssertEqual(settled, 1)

        func statuses(_ seed: UInt64) async throws -> [Int?] {
            let seeded = try startCaptureKitEmulator(EmulatorOptions(seed: seed))
            try await seeded.addFault("status", ["status": 503, "probability": 0.5, "count": 0])
            let client = try seeded.client(ClientOptions(maxRetries: 0)).paymentSessions()
            let id = try await seeded.createSession(amount: "1")
            for _ in 0..<16 { _ = try? await client.getSession(paymentSessionId: id) }
            let journal = try await seeded.requests()
            seeded.stop()
            return journal.map { $0.status }
        }
        let first = try await statuses(7)
        let again = try await statuses(7)
        XCTAssertEqual(first, again)
        XCTAssertTrue(first.contains(503) && first.contains(200), "\(first)")
    }

    func testStopEndsTheEmulatorAndRemovesItsKeyFile() async throws {
        let emulator = try CaptureKitEmulator.start()
        XCTAssertTrue(FileManager.default.fileExists(atPath: emulator.keyFile))
        emulator.stop()
        emulator.stop()
        XCTAssertFalse(FileManager.default.fileExists(atPath: emulator.keyFile))
        do {
            _ = try await emulator.stats()
            XCTFail("a stopped emulator answered")
        } catch {}
    }

    func testAMissingExecutableOrOneThatCannotStartIsAClearError() throws {
        XCTAssertThrowsError(try CaptureKitEmulator.findExecutable("/nowhere/capturekit-emulator")) { error in
            XCTAssertTrue("\(error)".contains("not an executable file"), "\(error)")
        }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("broken-emulator-\(UUID().uuidString)")
        try "#!/bin/sh\necho 'capturekit-emulator: cannot listen: address in use' >&2\nexit 2\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        defer { try? FileManager.default.removeItem(at: script) }
        XCTAssertThrowsError(try CaptureKitEmulator.start(EmulatorOptions(executable: script.path))) { error in
            XCTAssertTrue("\(error)".contains("exit status 2") && "\(error)".contains("address in use"), "\(error)")
        }
    }
}

/// tests/vectors/emulator_fixture.json lists the control calls every language's fixture wraps;
/// CaptureKitEmulator's public methods (read from its source: Swift lists no methods at run time) are those.
final class SharedControlCallsTests: XCTestCase {
    func testTheHelpersAreTheSharedControlCalls() throws {
        let swift = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let repo = swift.deletingLastPathComponent().deletingLastPathComponent()
        let vector = try JSONSerialization.jsonObject(with: Data(contentsOf: repo.appendingPathComponent("tests/vectors/emulator_fixture.json")))
        let names = ((vector as? [String: Any])?["helpers"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        let expected = Set(names.map { name -> String in
            let words = name.split(separator: "_")
            return String(words[0]) + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        })
        let source = try String(contentsOf: swift.appendingPathComponent("Sources/CaptureKitTesting/CaptureKitEmulator.swift"), encoding: .utf8)
        let declared = source.components(separatedBy: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("public func ") else { return nil }
            return String(trimmed.dropFirst("public func ".count).prefix { $0.isLetter || $0.isNumber })
        }
        let infrastructure: Set<String> = ["client", "control", "stop", "startCaptureKitEmulator"]
        XCTAssertEqual(Set(declared).subtracting(infrastructure), expected)
    }
}
