import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where the repository, the fixtures and the scenarios are: this file is
/// bindings/swift/Tests/CaptureKitTests/Emulator.swift.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("tests/fixtures")
    static let scenarios = root.appendingPathComponent("tests/scenarios")
    static let ed25519Key = fixtures.appendingPathComponent("ed25519-key.json").path
    static let es256Key = fixtures.appendingPathComponent("es256-key.json").path
    /// A valid key that no test emulator is given.
    static let unknownKey = fixtures.appendingPathComponent("unknown-key.json").path
    static let bearerToken = "test-bearer-token"
    static let statesetApiKey = "test-stateset-key"
    /// The emulator binary: $CAPTUREKIT_EMULATOR, or the workspace's debug build.
    static let emulatorBinary = ProcessInfo.processInfo.environment["CAPTUREKIT_EMULATOR"]
        ?? root.appendingPathComponent("target/debug/capturekit-emulator").path
}

/// A `capturekit-emulator` process on a free loopback port that accepts both fixture keys
/// and the test bearer token; `stop()` ends it.
final class Emulator {
    private let process = Process()
    let url: String
    var baseUrl: String { url + "/platform" }

    init(settleDelayMs: Int? = nil) throws {
        process.executableURL = URL(fileURLWithPath: Repo.emulatorBinary)
        var arguments = ["--port", "0", "--key-file", Repo.ed25519Key, "--key-file", Repo.es256Key,
                         "--bearer-token", Repo.bearerToken, "--stateset-api-key", Repo.statesetApiKey]
        arguments += settleDelayMs.map { ["--settle-delay-ms", String($0)] } ?? ["--manual-settle"]
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let first = String(decoding: line, as: UTF8.self)
        guard first.hasPrefix("CAPTUREKIT_EMULATOR_URL=") else {
            throw NSError(domain: "Emulator", code: 1, userInfo: [NSLocalizedDescriptionKey: first])
        }
        url = String(first.dropFirst("CAPTUREKIT_EMULATOR_URL=".count))
    }

    /// Calls the control API (`/_emulator/<route>`) and returns its JSON answer.
    @discardableResult
    func control(_ method: String, _ route: String, _ body: Any = [String: Any]()) async throws -> Any {
        var request = URLRequest(url: URL(string: "\(url)/_emulator/\(route)")!)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        if method != "GET" { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw NSError(domain: "Emulator", code: status, userInfo: [NSLocalizedDescriptionKey: String(decoding: data, as: UTF8.self)])
        }
        return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    /// Creates an authorized session of `amount` USDC and returns its id.
    func authorizedSession(_ amount: String = "10") async throws -> String {
        let answer = try await control("POST", "payment-sessions", ["amount": amount]) as! [String: Any]
        return answer["paymentSessionId"] as! String
    }

    /// A number from the control API's statistics.
    func stat(_ name: String) async throws -> Int {
        (try await control("GET", "stats") as! [String: Any])[name] as! Int
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
