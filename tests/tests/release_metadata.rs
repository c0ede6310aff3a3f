//! Every package a release publishes carries the workspace's one version, and the floors the
//! READMEs state are the ones the package files declare.

use std::path::{Path, PathBuf};

/// The version of every crate, and so of every package (`[workspace.package] version`).
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the repository").to_path_buf()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn json(path: &str) -> serde_json::Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The `package.json` of every folder under `dir`.
fn manifests_under(dir: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(repo().join(dir)).unwrap_or_else(|error| panic!("{dir}: {error}")) {
        let folder = entry.expect("folder entry").path();
        paths.push(format!("{dir}/{}/package.json", folder.file_name().unwrap().to_string_lossy()));
    }
    paths.sort();
    paths
}

/// The npm package files: the client's root package and one per platform under `node/npm/`,
/// and the emulator's under `emulator/npm/`.
fn npm_manifests() -> Vec<String> {
    let mut paths = vec!["node/package.json".to_string()];
    paths.extend(manifests_under("node/npm"));
    paths.extend(manifests_under("emulator/npm"));
    paths
}

#[test]
fn the_packages_that_name_each_other_name_this_version() {
    let client = json("node/package.json");
    assert_eq!(client["peerDependencies"]["capturekit-emulator"], VERSION, "node/package.json peerDependencies");
    let emulator = json("emulator/npm/capturekit-emulator/package.json");
    let platforms = emulator["optionalDependencies"].as_object().expect("emulator optionalDependencies");
    let mut emulator_platforms = Vec::new();
    for (name, version) in platforms {
        assert_eq!(version, VERSION, "emulator/npm/capturekit-emulator/package.json: {name}");
        let platform = name.strip_prefix("capturekit-emulator-").expect("capturekit-emulator-<platform>");
        let manifest = json(&format!("emulator/npm/{platform}/package.json"));
        assert_eq!(&manifest["name"], name, "emulator/npm/{platform}/package.json: name");
        emulator_platforms.push(platform.to_string());
    }
    // The emulator ships for every platform the client does.
    emulator_platforms.sort();
    assert_eq!(emulator_platforms, client_platforms(), "the emulator's platform packages are the client's platforms");
    let pyproject = read("python/pyproject.toml");
    let testing = format!("testing = [\"capturekit-emulator=={VERSION}\"]");
    assert!(pyproject.contains(&testing), "python/pyproject.toml must declare {testing}");
    let emulator_pyproject = read("emulator/pyproject.toml");
    assert!(
        emulator_pyproject.contains("dynamic = [\"version\"]"),
        "emulator/pyproject.toml must take its version from Cargo"
    );
}

#[test]
fn every_package_has_the_workspace_version() {
    for path in npm_manifests() {
        assert_eq!(json(&path)["version"], VERSION, "{path}");
    }
    let lock = json("node/package-lock.json");
    assert_eq!(lock["version"], VERSION, "node/package-lock.json");
    assert_eq!(lock["packages"][""]["version"], VERSION, "node/package-lock.json (root package)");

    let macros = format!("capturekit-macros = {{ path = \"macros\", version = \"{VERSION}\" }}");
    assert!(read("core/Cargo.toml").contains(&macros), "core/Cargo.toml must require {macros}");

    for (pom, artifact) in [
        ("bindings/kotlin/pom.xml", "capturekit-sdk"),
        ("bindings/kotlin/emulator/pom.xml", "capturekit-emulator"),
        ("bindings/kotlin/testing/pom.xml", "capturekit-testing"),
    ] {
        let coordinates = format!("<artifactId>{artifact}</artifactId>\n  <version>{VERSION}</version>");
        assert!(read(pom).contains(&coordinates), "{pom} must declare {coordinates}");
    }

    // maturin takes the Python package's version from its crate, which takes the workspace's.
    let pyproject = read("python/pyproject.toml");
    assert!(pyproject.contains("dynamic = [\"version\"]"), "python/pyproject.toml must take its version from Cargo");
    assert!(read("python/Cargo.toml").contains("version.workspace = true"), "python/Cargo.toml");

    assert!(read("CHANGELOG.md").contains(&format!("## [{VERSION}]")), "CHANGELOG.md has no section for {VERSION}");
}

/// napi-rs's name for the platform of a Rust target: `x86_64-unknown-linux-gnu` is
/// `linux-x64-gnu`, `aarch64-apple-darwin` is `darwin-arm64`, `x86_64-pc-windows-msvc` is
/// `win32-x64-msvc`.
fn napi_platform(triple: &str) -> String {
    let parts: Vec<&str> = triple.split('-').collect();
    let arch = match parts[0] {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "i686" => "ia32",
        other => panic!("napi.targets: no napi name known here for the architecture of {triple} ({other})"),
    };
    match parts[1..] {
        [_, "linux", abi] => format!("linux-{arch}-{abi}"),
        [_, "darwin"] => format!("darwin-{arch}"),
        [_, "windows", abi] => format!("win32-{arch}-{abi}"),
        _ => panic!("napi.targets: no napi name known here for {triple}"),
    }
}

/// The client's platforms, sorted: napi's names of the targets in `node/package.json`.
fn client_platforms() -> Vec<String> {
    let root = json("node/package.json");
    let mut platforms: Vec<String> = root["napi"]["targets"]
        .as_array()
        .expect("napi.targets")
        .iter()
        .map(|t| napi_platform(t.as_str().expect("a target triple")))
        .collect();
    platforms.sort();
    platforms
}

#[test]
fn every_napi_target_has_its_platform_package() {
    let root = json("node/package.json");
    let name = root["name"].as_str().expect("name");
    let binary = root["napi"]["binaryName"].as_str().expect("napi.binaryName");
    let expected = client_platforms();
    let mut folders: Vec<String> = manifests_under("node/npm")
        .into_iter()
        .map(|path| path.trim_start_matches("node/npm/").trim_end_matches("/package.json").to_string())
        .collect();
    folders.sort();
    assert_eq!(folders, expected, "one node/npm/<platform> folder per napi target, named as napi names it");
    for platform in folders {
        let path = format!("node/npm/{platform}/package.json");
        let manifest = json(&path);
        assert_eq!(manifest["name"], format!("{name}-{platform}"), "{path}: name");
        let addon = format!("{binary}.{platform}.node");
        assert_eq!(manifest["main"], addon, "{path}: main");
        assert_eq!(manifest["files"], serde_json::json!([addon]), "{path}: files");
        for field in ["os", "cpu"] {
            assert!(manifest[field].is_array(), "{path}: {field} tells npm which machines it fits");
        }
        if platform.ends_with("-gnu") {
            assert_eq!(manifest["libc"], serde_json::json!(["glibc"]), "{path}: libc");
        }
        assert_eq!(manifest["engines"], root["engines"], "{path}: engines");
    }
}

#[test]
fn the_readmes_state_the_floors_the_packages_declare() {
    let node_floor = json("node/package.json")["engines"]["node"].as_str().expect("engines.node").to_string();
    let node_major = node_floor.trim_start_matches(">=");
    assert!(
        read("node/README.md").contains(&format!("Node {node_major} or newer")),
        "node/README.md: Node floor {node_floor}"
    );

    let pyproject = read("python/pyproject.toml");
    let python_floor = pyproject
        .lines()
        .find_map(|line| line.strip_prefix("requires-python = \">="))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("python/pyproject.toml: requires-python");
    assert!(
        read("python/README.md").contains(&format!("Python {python_floor} or newer")),
        "python/README.md: Python floor"
    );
    assert!(read("README.md").contains(&format!("Python {python_floor}+")), "README.md: Python floor");

    let rust_floor = read("Cargo.toml")
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("Cargo.toml: rust-version")
        .to_string();
    assert!(read("README.md").contains(&format!("Rust {rust_floor}+")), "README.md: Rust floor {rust_floor}");
}
