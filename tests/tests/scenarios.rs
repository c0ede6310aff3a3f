//! Runs every shared scenario in `tests/scenarios/` against a fresh emulator.

use capturekit_tests::{scenario, tests_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shared_scenario_passes() {
    run_folder("scenarios", 18).await;
}

async fn run_folder(folder: &str, at_least: usize) {
    let mut files: Vec<_> = std::fs::read_dir(tests_dir().join(folder))
        .expect("scenarios folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= at_least, "expected the scenarios of {folder}, found {}", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        match scenario::run_file(file).await {
            Ok(()) => eprintln!("scenario {name}: ok"),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "failed scenarios:\n{}", failures.join("\n"));
}
