//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Once;

/// Before the test harness starts, runs this test binary again in the portable kernels' whole
/// environment (`hud::engine::kernels::portable_env`: the variables, and the portable square root
/// preloaded, which only a process's start can do), unless `HUD_TEST_KERNELS=native` asks for the
/// kernels the tests were started in (.ci/run's second pass). The hud and Python processes the tests
/// start inherit it.
#[ctor::ctor(unsafe)]
fn enter_portable_kernels() {
    use hud::engine::kernels;
    if std::env::var("HUD_TEST_KERNELS").as_deref() == Ok("native") || kernels::portable_env_in_force() {
        return;
    }
    if std::env::var_os("HUD_TEST_PORTABLE_REEXEC").is_some() {
        eprintln!("the tests could not enter the portable kernels' environment");
        std::process::exit(2);
    }
    let env = kernels::portable_env().expect("cannot set up the portable kernels for the tests");
    let exe = std::env::current_exe().expect("cannot find the test binary");
    use std::os::unix::process::CommandExt;
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .envs(env)
        .env("HUD_TEST_PORTABLE_REEXEC", "1")
        .exec();
    panic!("cannot run the tests again in the portable kernels: {error}");
}

/// Whether the tests run in the portable kernels (the default: see `enter_portable_kernels`), whose
/// numbers are the same on every x86-64 CPU: every test that asserts a stopping epoch, a fixture or
/// bitwise equality calls it first, and under `HUD_TEST_KERNELS=native` such a test compares like
/// with like instead.
pub fn portable() -> bool {
    static ENTER: Once = Once::new();
    if std::env::var("HUD_TEST_KERNELS").as_deref() != Ok("native") {
        ENTER.call_once(|| assert!(hud::engine::kernels::portable_env_in_force()));
        // The thread count is per thread of the test harness.
        tch::set_num_threads(1);
        let kernels = hud::engine::kernels::Kernels::here();
        assert!(
            kernels.is_portable(),
            "the tests could not enter the portable kernels: {}",
            kernels.describe()
        );
    }
    hud::engine::kernels::portable_env_in_force()
}

/// The Python with PyTorch 2.11.0 that scripts/setup.sh installed (it writes HUD_PYTHON into
/// .cargo/config.toml, which `cargo test` passes on).
pub fn python() -> PathBuf {
    portable();
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
    portable();
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

/// Runs `hud ARGS` in `dir`, expects it to fail with `message` in its one line of stderr, an
/// `error: ...` line, and checks that it left the folder as it found it.
pub fn refuses_in(dir: &std::path::Path, args: &[&str], message: &str) {
    let before = files_in(dir);
    let output = hud().args(args).current_dir(dir).assert().failure().get_output().clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("error: ") && stderr.contains(message), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert_eq!(files_in(dir), before, "{args:?} left a file behind");
}

/// `hud encoder ARGS --seed 1` (and `--epochs 20` unless given) refused, in `dir`.
pub fn encoder_refuses_in(dir: &std::path::Path, args: &[&str], message: &str) {
    let mut all = vec!["encoder"];
    all.extend_from_slice(args);
    all.extend(["--seed", "1"]);
    if !args.contains(&"--epochs") {
        all.extend(["--epochs", "20"]);
    }
    refuses_in(dir, &all, message);
}
