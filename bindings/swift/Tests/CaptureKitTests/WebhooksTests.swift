import CaptureKit
import Foundation
import XCTest

/// Webhooks in Swift: the shared vectors, and a signed test payload.
final class WebhooksTests: XCTestCase {
    func testEachWebhookVectorVerifiesAsExpected() throws {
        let url = Repo.root.appendingPathComponent("tests/vectors/webhooks.json")
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let cases = document["cases"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        for vector in cases {
            let name = vector["name"] as! String
            // A dictionary, as most servers give them: a repeated header's values joined by ", ".
            var headers: [String: String] = [:]
            for pair in vector["headers"] as! [[String]] {
                let name = pair[0].lowercased()
                headers[name] = headers[name].map { "\($0), \(pair[1])" } ?? pair[1]
            }
            let options = WebhookOptions(
                maxAge: (vector["maxAgeSeconds"] as? Int).map { TimeInterval($0) },
                now: UInt64(vector["now"] as! Int))
            let body = Data((vector["body"] as! String).utf8)
            let secret = vector["secret"] as! String
            let expect = vector["expect"] as! [String: Any]
            if let code = expect["error"] as? String {
                XCTAssertThrowsError(try verifyWebhook(body: body, headers: headers, secret: secret, options: options), name) {
                    XCTAssertEqual(($0 as? CaptureKitError)?.details().code, code, name)
                }
            } else {
                let event = try verifyWebhook(body: body, headers: headers, secret: secret, options: options)
                XCTAssertEqual(event.eventId, expect["eventId"] as? String, name)
                XCTAssertEqual(event.eventType.wireValue(), expect["eventType"] as? String, name)
                if let session = expect["captureSessionId"] as? String {
                    XCTAssertEqual(event.data.capture?.paymentSessionId, session, name)
                }
            }
        }
    }

    func testASignedTestPayloadVerifiesAndDecodes() throws {
        let body = Data(#"{"eventId":"e-1","eventType":"acceptance.payment_session.canceled","data":{}}"#.utf8)
        let headers = ["Content-Type": "application/json", "X-Hook0-Signature": try signWebhook(body: body, secret: "secret-1")]
        XCTAssertEqual(try verifyWebhook(body: body, headers: headers, secret: "secret-1").eventType, .canceled)
        XCTAssertThrowsError(try verifyWebhook(body: body, headers: headers, secret: "secret-2"))
        let signed = try signWebhook(body: body, secret: "secret-1", headers: ["x-id": "7", "content-type": "application/json"])
        let withId = ["X-Id": "7", "Content-Type": "application/json", "X-Hook0-Signature": signed]
        XCTAssertEqual(try verifyWebhook(body: body, headers: withId, secret: "secret-1").eventId, "e-1")
    }
}
