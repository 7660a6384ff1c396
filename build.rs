//! Three jobs before compiling hud:
//!
//! 1. Let the binaries find libtorch at run time without LD_LIBRARY_PATH, and keep CUDA linked.
//!    torch-sys's own rpath does not reach the crates that depend on it, so the libtorch folder it
//!    found (passed on as DEP_TCH_LIBTORCH_LIB through its `links = "tch"`) goes into our rpath. The
//!    linker's default --as-needed drops libtorch_cuda.so, which no symbol of ours references, and CUDA
//!    then looks unavailable at run time (tch-rs issues #907, #980): link it again without that.
//! 2. Compile `src/engine/ops.cpp`, the few ATen calls tch binds without all their arguments, against the
//!    same libtorch headers.
//! 3. Build every fixture (`fixtures/**/*.json`) into the binary, for `hud verify` and the parity check
//!    of `hud encoder`.
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn main() {
    let lib = std::env::var("DEP_TCH_LIBTORCH_LIB")
        .expect("torch-sys did not say where libtorch is; run scripts/setup.sh first");
    compile_ops(Path::new(&lib));
    compile_portable_sqrt();
    link_libtorch(&lib);
    embed_fixtures();
}

fn compile_ops(lib: &Path) {
    println!("cargo:rerun-if-changed=src/engine/ops.cpp");
    cc::Build::new()
        .cpp(true)
        .file("src/engine/ops.cpp")
        .include(lib.join("../include"))
        .flag("-std=c++17")
        .define("_GLIBCXX_USE_CXX11_ABI", "1")
        .warnings(false)
        .compile("hud_ops");
}

/// `src/engine/portable_sqrt.c` as a shared library, which hud embeds and preloads in the portable
/// kernels (see that file).
fn compile_portable_sqrt() {
    println!("cargo:rerun-if-changed=src/engine/portable_sqrt.c");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("libhud_portable_sqrt.so");
    let compiler = cc::Build::new().get_compiler();
    let status = std::process::Command::new(compiler.path())
        .args(["-O2", "-fPIC", "-shared", "-fno-math-errno", "-o"])
        .arg(&out)
        .arg("src/engine/portable_sqrt.c")
        .arg("-lm")
        .status()
        .expect("cannot run the C compiler");
    assert!(status.success(), "cannot build src/engine/portable_sqrt.c");
}

fn link_libtorch(lib: &str) {
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
    if Path::new(lib).join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-ltorch_cuda");
    }
    println!("cargo:rustc-link-arg=-ltorch");
    println!("cargo:rustc-link-arg=-Wl,--as-needed");
}

fn json_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "json") {
            found.push(path);
        }
    }
}

fn embed_fixtures() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let fixtures = root.join("fixtures");
    println!("cargo:rerun-if-changed={}", fixtures.display());
    let mut files = Vec::new();
    json_files(&fixtures, &mut files);
    files.sort();
    let mut code = String::from("pub static FIXTURES: &[(&str, &str)] = &[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        writeln!(code, "    ({name:?}, include_str!({:?})),", file.display().to_string()).unwrap();
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("fixtures.rs");
    std::fs::write(out, code).unwrap();
}
