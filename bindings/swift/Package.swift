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
    ],
    targets: [
        .systemLibrary(name: "CaptureKitFFI", path: "Sources/CaptureKitFFI"),
        .target(name: "CaptureKit", dependencies: ["CaptureKitFFI"], path: "Sources/CaptureKit"),
        .testTarget(name: "CaptureKitTests", dependencies: ["CaptureKit"], path: "Tests/CaptureKitTests"),
    ],
    swiftLanguageVersions: [.v5]
)
