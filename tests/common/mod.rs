//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The Python with PyTorch 2.11.0 that scripts/setup.sh installed (it writes HUD_PYTHON into
/// .cargo/config.toml, which `cargo test` passes on).
pub fn python() -> PathBuf {
    let python = std::env::var_os("HUD_PYTHON").expect(
        "HUD_PYTHON is not set: run scripts/setup.sh (or scripts/test), which installs the PyTorch reference",
    );
    PathBuf::from(python)
}

/// A file of the repository.
pub fn repo_file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// `hud` as built for these tests.
pub fn hud() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("hud").unwrap()
}

/// Names of the files in `dir`, sorted.
pub fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
