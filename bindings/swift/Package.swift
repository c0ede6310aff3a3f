// swift-tools-version:5.9
// capturekit for Swift: the generated sources (Sources/CaptureKit) over the Rust library
// libcapturekit_ffi, found through the linker path given on the command line; see the
// README's "Swift" section for the exact commands (macOS and Linux), and for iOS (xcframework).
import PackageDescription

let package = Package(
    name: "CaptureKit",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "CaptureKit", targets: ["CaptureKit"]),
        // The emulator in your own XCTest suite (macOS and Linux: it starts a process).
        .library(name: "CaptureKitTesting", targets: ["CaptureKitTesting"]),
    ],
    targets: [
        .systemLibrary(name: "CaptureKitFFI", path: "Sources/CaptureKitFFI"),
        .target(name: "CaptureKit", dependencies: ["CaptureKitFFI"], path: "Sources/CaptureKit"),
        .target(name: "CaptureKitTesting", dependencies: ["CaptureKit"], path: "Sources/CaptureKitTesting"),
        .testTarget(name: "CaptureKitTests", dependencies: ["CaptureKit"], path: "Tests/CaptureKitTests"),
        .testTarget(name: "CaptureKitTestingTests", dependencies: ["CaptureKit", "CaptureKitTesting"],
                    path: "Tests/CaptureKitTestingTests"),
    ],
    swiftLanguageVersions: [.v5]
)
