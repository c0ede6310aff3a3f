import CaptureKit
import Foundation
import XCTest

/// Swift idioms, mirroring the Kotlin tests: the error enum, the token provider, async
/// concurrency and task cancellation.
final class CaptureKitTests: XCTestCase {
    private var emulator: Emulator!

    override func setUp() async throws {
        emulator = try Emulator(settleDelayMs: 100)
    }

    override func tearDown() async throws {
        emulator.stop()
    }

    private func options(maxRetries: UInt32 = 2, timeout: TimeInterval? = nil) -> ClientOptions {
        ClientOptions(baseUrl: emulator.baseUrl, timeout: timeout, maxRetries: maxRetries)
    }

    /// Runs `call` and returns the `CaptureKitError` it threw.
    private func raises(_ call: () async throws -> Void) async -> CaptureKitError? {
        do {
            try await call()
        } catch let error as CaptureKitError {
            return error
        } catch {
            XCTFail("not a CaptureKitError: \(error)")
        }
        return nil
    }

    func testACaptureSettlesAndReadsBackAsSwiftTypes() async throws {
        let session = try await emulator.authorizedSession("10")
        let sessions = try Client.withKeyFile(path: Repo.es256Key, options: options()).paymentSessions()
        let capture = try await sessions.capture(
            paymentSessionId: session, request: CaptureRequest(amount: "2.50", metadata: ["order": "o-1"]))
        XCTAssertEqual(capture.status, .pending)
        XCTAssertEqual(capture.amount, "2.50")
        XCTAssertEqual(capture.idempotencyKey?.count, 36)
        XCTAssertLessThanOrEqual(capture.createdAt!, Date())
        let settled = try await sessions.waitForCapture(
            paymentSessionId: session, captureId: capture.captureId, options: WaitOptions(timeout: 10))
        XCTAssertEqual(settled.status, .succeeded)
        XCTAssertEqual(settled.onchainTransactions.first?.network, .base)
        let read = try await sessions.getSession(paymentSessionId: session)
        XCTAssertEqual(read.status, .captureSucceeded)
        XCTAssertEqual(Decimal(string: read.balances.capturable), Decimal(string: "7.5"))
    }

    func testTheIdempotencyHelpersMatchTheSharedVector() throws {
        let vector = try String(contentsOf: Repo.root.appendingPathComponent("tests/vectors/derived_idempotency_key.txt"))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try deriveIdempotencyKey(parts: ["order-1234", "capture-1"]), vector)
        XCTAssertThrowsError(try deriveIdempotencyKey(parts: []))
        XCTAssertEqual(newIdempotencyKey().count, 36)
    }

    func testEachErrorKindIsItsOwnCaseWithItsDetails() async throws {
        let session = try await emulator.authorizedSession("1")
        let sessions = try Client.withKeyFile(path: Repo.ed25519Key, options: options(maxRetries: 0)).paymentSessions()

        let missing = await raises { _ = try await sessions.getSession(paymentSessionId: "paymentSession_00000000-0000-4000-8000-000000000000") }
        guard case .NotFound(let notFound)? = missing else { return XCTFail("\(String(describing: missing))") }
        XCTAssertEqual(notFound.httpStatus, 404)
        XCTAssertNotNil(notFound.correlationId)
        // The core's description, the same in every language.
        XCTAssertEqual(
            missing!.description,
            "not_found: \(notFound.message) (HTTP 404, not_found, correlation id \(notFound.correlationId!))")

        let bad = await raises { _ = try await sessions.capture(paymentSessionId: session, request: CaptureRequest(amount: "1e2", idempotencyKey: "sw-bad")) }
        guard case .InvalidRequest(let invalid)? = bad else { return XCTFail("\(String(describing: bad))") }
        XCTAssertTrue(invalid.message.hasPrefix("amount: "))
        XCTAssertNil(invalid.httpStatus)
        XCTAssertEqual(invalid.idempotencyKey, "sw-bad")

        try await emulator.control("POST", "faults", ["type": "status", "status": 429, "retryAfter": 7])
        let limited = await raises { _ = try await sessions.getSession(paymentSessionId: session) }
        guard case .RateLimited(let rate)? = limited else { return XCTFail("\(String(describing: limited))") }
        XCTAssertEqual(rate.retryAfter, 7)
        XCTAssertTrue(rate.retryable)
        try await emulator.control("DELETE", "faults")

        try await emulator.control("POST", "faults", ["type": "status", "status": 500])
        let unknown = await raises {
            _ = try await sessions.capture(paymentSessionId: session, request: CaptureRequest(amount: "1", idempotencyKey: "sw-unknown"))
        }
        guard case .OutcomeUnknown(let outcome)? = unknown else { return XCTFail("\(String(describing: unknown))") }
        XCTAssertEqual(outcome.idempotencyKey, "sw-unknown")
        try await emulator.control("DELETE", "faults")

        let stranger = try Client.withKeyFile(path: Repo.unknownKey, options: options()).paymentSessions()
        let refused = await raises { _ = try await stranger.getSession(paymentSessionId: session) }
        guard case .Authentication? = refused else { return XCTFail("\(String(describing: refused))") }

        let capture = try await sessions.capture(paymentSessionId: session, request: CaptureRequest(amount: "0.5"))
        let waited = await raises {
            _ = try await sessions.waitForCapture(paymentSessionId: session, captureId: capture.captureId,
                                                  options: WaitOptions(timeout: 0.05, pollInterval: 0.01))
        }
        XCTAssertEqual(waited?.details().code, "timeout")

        XCTAssertThrowsError(try Client.withBearerToken(token: "has space", options: options())) { error in
            guard case CaptureKitError.Configuration(let details) = error else { return XCTFail("\(error)") }
            XCTAssertFalse(details.message.contains("has space"))
        }
    }

    private final class RecordingProvider: TokenProvider, @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [TokenRequest] = []
        var requests: [TokenRequest] { lock.withLock { seen } }

        func token(request: TokenRequest) async throws -> String {
            lock.withLock { seen.append(request) }
            return Repo.bearerToken
        }
    }

    private final class FailingProvider: TokenProvider, @unchecked Sendable {
        func token(request: TokenRequest) async throws -> String {
            throw TokenProviderError.Failed(reason: "back end said no")
        }
    }

    private struct AppError: Error {}

    private final class BrokenProvider: TokenProvider, @unchecked Sendable {
        func token(request: TokenRequest) async throws -> String { throw AppError() }
    }

    func testAKeptJwtSignerMintsTokensTheApiAccepts() async throws {
        let session = try await emulator.authorizedSession("10")
        let signer = try JwtSigner.withKeyFile(path: Repo.es256Key)
        let provider = SigningProvider(signer: signer)
        let client = try Client.withTokenProvider(provider: provider, options: options())
        let capture = try await client.paymentSessions().capture(paymentSessionId: session, request: CaptureRequest(amount: "1"))
        XCTAssertEqual(capture.amount, "1")
        XCTAssertThrowsError(try signer.sign(request: JwtRequest(requestMethod: "get", requestHost: "h", requestPath: "/p"))) { error in
            guard case CaptureKitError.InvalidRequest = error else { return XCTFail("\(error)") }
        }
    }

    /// A back end's token minting, in process: a kept signer signs each request's token.
    private final class SigningProvider: TokenProvider, @unchecked Sendable {
        private let signer: JwtSigner
        init(signer: JwtSigner) { self.signer = signer }

        func token(request: TokenRequest) async throws -> String {
            let slash = request.hostAndPath.firstIndex(of: "/")!
            return try signer.sign(request: JwtRequest(
                requestMethod: request.method,
                requestHost: String(request.hostAndPath[..<slash]),
                requestPath: String(request.hostAndPath[slash...])))
        }
    }

    func testAPanicInsideTheCoreIsAnInternalErrorAndTheAppLivesOn() async throws {
        let error = await raises { try await internalPanicForTests() }
        guard case .Internal(let details)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(details.code, "internal")
        XCTAssertTrue(details.message.contains("a panic forced by a test"), details.message)
        XCTAssertEqual(try deriveIdempotencyKey(parts: ["a"]), try deriveIdempotencyKey(parts: ["a"]))
    }

    func testAClosedClientRefusesCallsBeforeAnyRequest() async throws {
        let session = try await emulator.authorizedSession("10")
        let client = try Client.withKeyFile(path: Repo.ed25519Key, options: options())
        let sessions = client.paymentSessions()
        _ = try await sessions.getSession(paymentSessionId: session)
        client.shutdown()
        let before = try await emulator.stat("requests")
        let error = await raises { _ = try await sessions.getSession(paymentSessionId: session) }
        guard case .Configuration(let details)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertTrue(details.message.contains("closed"), details.message)
        let after = try await emulator.stat("requests")
        XCTAssertEqual(before, after)
    }

    func testTheTokenProviderIsAskedBeforeEveryAttempt() async throws {
        let session = try await emulator.authorizedSession("10")
        let provider = RecordingProvider()
        let client = try Client.withTokenProvider(provider: provider, options: options())
        try await emulator.control("POST", "faults", ["type": "status", "status": 503, "count": 1])
        _ = try await client.paymentSessions().getSession(paymentSessionId: session)
        XCTAssertEqual(provider.requests.count, 2, "one token per attempt, the retry included")
        XCTAssertEqual(provider.requests.first?.method, "GET")
        XCTAssertTrue(provider.requests.first!.uri.hasSuffix("/platform/v2/payment-sessions/\(session)"))
    }

    func testAProviderThatThrowsFailsTheCallAndSendsNothing() async throws {
        let session = try await emulator.authorizedSession("10")
        let before = try await emulator.stat("requests")
        for provider in [FailingProvider() as TokenProvider, BrokenProvider()] {
            let client = try Client.withTokenProvider(provider: provider, options: options())
            let error = await raises { _ = try await client.paymentSessions().getSession(paymentSessionId: session) }
            guard case .Authentication? = error else { return XCTFail("\(String(describing: error))") }
        }
        let after = try await emulator.stat("requests")
        XCTAssertEqual(before, after)
    }

    func testManyCapturesRunAtOnceAndTheMoneyAddsUp() async throws {
        let session = try await emulator.authorizedSession("100")
        let client = try Client.withKeyFile(path: Repo.ed25519Key, options: options())
        let sessions = client.paymentSessions()
        try await emulator.control("POST", "faults", ["type": "delay", "delayMs": 300, "count": 64, "method": "POST"])
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 1...64 {
                group.addTask {
                    let key = try deriveIdempotencyKey(parts: ["swift", String(i)])
                    return try await sessions.capture(paymentSessionId: session,
                                                      request: CaptureRequest(amount: "1.25", idempotencyKey: key)).captureId
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        XCTAssertEqual(ids.count, 64)
        let balances = try await sessions.getSession(paymentSessionId: session).balances
        XCTAssertEqual(Decimal(string: balances.capturable), Decimal(string: "20"))
        XCTAssertEqual(client.callsInFlight(), 0)
    }

    func testCancellingATaskMidCallDropsTheCall() async throws {
        let session = try await emulator.authorizedSession("10")
        let client = try Client.withKeyFile(path: Repo.ed25519Key, options: options())
        let sessions = client.paymentSessions()
        try await emulator.control("POST", "faults", ["type": "delay", "delayMs": 2000, "count": 100])
        let tasks = (0..<20).map { _ in Task { try await sessions.getSession(paymentSessionId: session) } }
        while client.callsInFlight() < 20 { try await Task.sleep(nanoseconds: 5_000_000) }
        tasks.forEach { $0.cancel() }
        for task in tasks { _ = await task.result }
        XCTAssertEqual(client.callsInFlight(), 0, "every cancelled call was dropped in Rust")
        try await emulator.control("DELETE", "faults")
        _ = try await sessions.getSession(paymentSessionId: session)
    }
}

final class ReadmeExampleTests: XCTestCase {
    func testTheReadmeExampleCapturesAndSettles() async throws {
        let emulator = try Emulator(settleDelayMs: 50)
        defer { emulator.stop() }
        let session = try await emulator.authorizedSession("25")
        let client = try appClient(baseUrl: emulator.baseUrl) { _ in Repo.bearerToken }
        let first = try await captureOrder(client: client, sessionId: session, orderId: "order-1001")
        XCTAssertEqual(first, .succeeded)
        let again = try await captureOrder(client: client, sessionId: session, orderId: "order-1001")
        XCTAssertEqual(again, .succeeded)
        let captures = try await client.paymentSessions().listAllCaptures(paymentSessionId: session, pageSize: nil)
        XCTAssertEqual(captures.count, 1, "the same order captured once")
    }

    func testTheAfterCaptureExampleVoidsRefundsCancelsAndLists() async throws {
        let emulator = try Emulator(settleDelayMs: 50)
        defer { emulator.stop() }
        let shipped = try await emulator.authorizedSession("30")
        let created = try await emulator.control("POST", "payment-sessions", ["amount": "8", "authorized": false])
        let unpaid = (created as! [String: Any])["paymentSessionId"] as! String
        let client = try Client.withBearerToken(token: Repo.bearerToken, options: ClientOptions(baseUrl: emulator.baseUrl))
        try await shipPartOfOrder(client: client, sessionId: shipped, orderId: "order-1004")
        let balances = try await client.paymentSessions().getSession(paymentSessionId: shipped).balances
        XCTAssertEqual([balances.capturable, balances.captured, balances.refundable, balances.refunded].map { "\($0)" },
                       ["0", "20", "15", "5"])
        let canceled = try await dropUnpaidSession(client: client, sessionId: unpaid)
        XCTAssertEqual(canceled.status, .canceled)
        let listed = try await everySession(client: client)
        XCTAssertEqual(Set(listed.map(\.paymentSessionId)), [shipped, unpaid])
    }
}
