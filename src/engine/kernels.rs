//! Which CPU kernels libtorch computes with, and the portable choice that makes its numbers the same
//! on every x86-64 CPU.
//!
//! PyTorch's CPU float32 results depend on the kernels a machine runs: ATen dispatches its loops to the
//! widest vector unit it finds (`ATEN_CPU_CAPABILITY` narrows it), MKL picks its sgemm code by CPU
//! vendor and vector width (`MKL_CBWR` fixes it), and some kernels split their work between threads.
//! So a run is reproducible bit for bit only in the same kernels. The portable choice, [`PORTABLE_ENV`]
//! plus [`portable_env`]'s preloaded square root, is ATen's scalar kernels, MKL's COMPATIBLE branch
//! (SSE2 code, the branch MKL documents as giving the same results on Intel and Intel-compatible
//! CPUs), one thread, and the correctly rounded square root in place of MKL's vector sqrt
//! (`src/engine/portable_sqrt.c`): MKL's COMPATIBLE sqrt gives other bits on an Intel Xeon than on an
//! AMD EPYC, while every other function measured (tanh, exp, log, sigmoid, products) gives the same.
//! Every saved fixture is made in it.
//!
//! The choice must be in place before libtorch first dispatches and before its OpenMP runtime reads
//! its environment (when the library loads), so `--portable` re-executes hud with it
//! ([`reexec_portable`]).

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::ffi::{c_char, CStr, OsString};

extern "C" {
    fn hud_portable_sqrt_loaded() -> i32;
    fn hud_cpu_capability() -> *mut c_char;
    fn hud_torch_version() -> *const c_char;
    fn hud_mkl_cbwr_branch() -> i32;
    fn hud_free_error(message: *mut c_char);
}

/// The environment of the portable kernels, as the generators' `--portable` sets it too.
pub const PORTABLE_ENV: [(&str, &str); 6] = [
    ("ATEN_CPU_CAPABILITY", "default"),
    ("MKL_CBWR", "COMPATIBLE"),
    ("OMP_NUM_THREADS", "1"),
    ("MKL_NUM_THREADS", "1"),
    ("MKL_DYNAMIC", "FALSE"),
    ("OMP_DYNAMIC", "FALSE"),
];

/// Set in a process that hud re-executed with [`PORTABLE_ENV`], so that a second re-execution is an
/// error instead of a loop.
const REEXEC_MARK: &str = "HUD_PORTABLE_REEXEC";

/// The portable square root (`src/engine/portable_sqrt.c`, built by build.rs).
const PORTABLE_SQRT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libhud_portable_sqrt.so"));

/// Names the portable square root's library for the generators' `--portable` (`hud_kernels.py`).
pub const PORTABLE_SQRT_VAR: &str = "HUD_PORTABLE_SQRT";

/// The variables [`portable_env`] sets beyond [`PORTABLE_ENV`]: unset them (with those) for a process
/// in other kernels.
pub const PORTABLE_PRELOAD_VARS: [&str; 2] = ["LD_PRELOAD", PORTABLE_SQRT_VAR];

/// The portable square root's library on disk, written once per build into hud's cache folder
/// (`$XDG_CACHE_HOME/hud`, `~/.cache/hud`, or the temporary folder).
pub fn portable_sqrt_library() -> Result<std::path::PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let folder = base.join("hud");
    let hash = PORTABLE_SQRT
        .iter()
        .fold(0xcbf29ce484222325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
    let path = folder.join(format!("portable-sqrt-{hash:016x}.so"));
    if std::fs::read(&path).is_ok_and(|bytes| bytes == PORTABLE_SQRT) {
        return Ok(path);
    }
    std::fs::create_dir_all(&folder).with_context(|| format!("cannot make {}", folder.display()))?;
    let mut file = tempfile::NamedTempFile::new_in(&folder)?;
    std::io::Write::write_all(&mut file, PORTABLE_SQRT)?;
    file.persist(&path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// The whole environment of the portable kernels: [`PORTABLE_ENV`], and the portable square root
/// preloaded (`LD_PRELOAD`, and [`PORTABLE_SQRT_VAR`] for the generators).
pub fn portable_env() -> Result<Vec<(&'static str, String)>> {
    let library = portable_sqrt_library()?.to_string_lossy().into_owned();
    let mut env: Vec<(&'static str, String)> =
        PORTABLE_ENV.iter().map(|&(k, v)| (k, v.to_string())).collect();
    env.push(("LD_PRELOAD", library.clone()));
    env.push((PORTABLE_SQRT_VAR, library));
    Ok(env)
}

/// Whether the portable square root took the place of MKL's in this process.
pub fn portable_sqrt_loaded() -> bool {
    // SAFETY: a lookup of a symbol by name.
    unsafe { hud_portable_sqrt_loaded() == 1 }
}

/// The kernels a run computed with, as a trace records them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Kernels {
    /// libtorch's version, e.g. `2.11.0`.
    pub torch: String,
    /// ATen's CPU capability: `DEFAULT` (scalar kernels), `AVX2`, `AVX512`, ...
    pub aten: String,
    /// MKL's reproducibility branch in force: `COMPATIBLE`, `AUTO`, `OFF` (MKL's own choice), ...
    pub mkl_cbwr: String,
    /// Intra-op threads.
    pub threads: i64,
    /// `MKL_ENABLE_INSTRUCTIONS` where it was set: it moves MKL's code path in native kernels (not
    /// in the portable ones, measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mkl_instructions: Option<String>,
    /// The CPU's model name (what "native kernels" depend on).
    pub cpu: String,
    /// The square root ATen's `sqrt` computes: `IEEE` (the portable one, preloaded) or `MKL` (MKL's
    /// vector sqrt, whose bits depend on the CPU's vendor; traces made before it was recorded).
    #[serde(default = "mkl_sqrt")]
    pub sqrt: String,
}

fn mkl_sqrt() -> String {
    "MKL".into()
}

/// `AMD`, `Intel`, or the model name: MKL's COMPATIBLE branch depends on the vendor.
fn vendor(cpu: &str) -> &str {
    ["AMD", "Intel"].into_iter().find(|v| cpu.contains(v)).unwrap_or(cpu)
}

fn owned_c_string(raw: *mut c_char) -> String {
    // SAFETY: ops.cpp returns a strdup'ed NUL-terminated string, freed here after copying.
    let text = unsafe { CStr::from_ptr(raw) }.to_string_lossy().into_owned();
    unsafe { hud_free_error(raw) };
    text
}

/// MKL's name for a CBWR branch number (`mkl_service.h`).
pub fn mkl_branch_name(branch: i32) -> String {
    if branch < 0 {
        return "none".to_string();
    }
    let name = match branch & !0x10000 {
        0 | 1 => "OFF",
        2 => "AUTO",
        3 => "COMPATIBLE",
        4 => "SSE2",
        6 => "SSSE3",
        7 => "SSE4_1",
        8 => "SSE4_2",
        9 => "AVX",
        10 => "AVX2",
        12 => "AVX512",
        other => return format!("branch {other}"),
    };
    name.to_string()
}

/// The version of the libtorch this hud runs, e.g. `2.11.0`.
pub fn torch_version() -> String {
    // SAFETY: a static NUL-terminated string.
    unsafe { CStr::from_ptr(hud_torch_version()) }.to_string_lossy().into_owned()
}

/// The CPU's model name from /proc/cpuinfo (or the architecture where there is none).
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

impl Kernels {
    /// The kernels this process computes with. (Asking fixes ATen's capability, as a first dispatch
    /// would.)
    pub fn here() -> Kernels {
        // SAFETY: plain queries of libtorch's state; the version is a static string.
        let aten = owned_c_string(unsafe { hud_cpu_capability() });
        let torch = torch_version();
        // MKL reads MKL_CBWR at its first call; a small product makes sure that has happened.
        let _ = tch::Tensor::ones([2, 2], (tch::Kind::Float, tch::Device::Cpu))
            .mm(&tch::Tensor::ones([2, 2], (tch::Kind::Float, tch::Device::Cpu)));
        let mkl_cbwr = mkl_branch_name(unsafe { hud_mkl_cbwr_branch() });
        Kernels {
            torch,
            aten,
            mkl_cbwr,
            threads: i64::from(tch::get_num_threads()),
            mkl_instructions: std::env::var("MKL_ENABLE_INSTRUCTIONS").ok(),
            cpu: cpu_model(),
            sqrt: if portable_sqrt_loaded() { "IEEE" } else { "MKL" }.into(),
        }
    }

    /// ATen's scalar kernels, MKL COMPATIBLE, one thread, the portable square root: the same numbers
    /// on every x86-64 CPU.
    pub fn is_portable(&self) -> bool {
        self.is_compatible() && self.sqrt == "IEEE"
    }

    /// ATen's scalar kernels, MKL COMPATIBLE, one thread (with either square root).
    fn is_compatible(&self) -> bool {
        self.aten == "DEFAULT" && self.mkl_cbwr == "COMPATIBLE" && self.threads == 1
    }

    /// Whether runs in these kernels and in `other` give the same numbers, so that comparing them bit
    /// for bit is meaningful: both portable (on any CPU); both MKL COMPATIBLE with MKL's square root on
    /// CPUs of one vendor (measured: AMD Zen 4 against Zen 4); or the very same kernels, threads and
    /// CPU model. The same libtorch version always.
    pub fn same_numbers_as(&self, other: &Kernels) -> bool {
        let compatible_by_vendor = self.is_compatible()
            && other.is_compatible()
            && self.sqrt == other.sqrt
            && vendor(&self.cpu) == vendor(&other.cpu);
        self.torch == other.torch
            && (self.is_portable() && other.is_portable()
                || compatible_by_vendor
                || self.aten == other.aten
                    && self.mkl_cbwr == other.mkl_cbwr
                    && self.threads == other.threads
                    && self.mkl_instructions == other.mkl_instructions
                    && self.cpu == other.cpu
                    && self.sqrt == other.sqrt)
    }

    /// `portable kernels (ATen DEFAULT, MKL COMPATIBLE, 1 thread, torch 2.11.0)` or `native kernels of
    /// AMD EPYC (ATen AVX512, MKL by CPU, 2 threads, torch 2.11.0)`.
    pub fn describe(&self) -> String {
        let threads =
            if self.threads == 1 { "1 thread".to_string() } else { format!("{} threads", self.threads) };
        // MKL's CNR off: it picks its code path by CPU vendor and vector width.
        let mut mkl =
            if self.mkl_cbwr == "OFF" { "MKL by CPU".to_string() } else { format!("MKL {}", self.mkl_cbwr) };
        if let Some(instructions) = &self.mkl_instructions {
            mkl += &format!(" up to {instructions}");
        }
        let detail = format!("ATen {}, {mkl}, {threads}, torch {}", self.aten, self.torch);
        if self.is_portable() {
            format!("portable kernels ({detail}, IEEE sqrt)")
        } else if self.is_compatible() && self.sqrt == "MKL" {
            format!(
                "MKL COMPATIBLE kernels of {} ({detail}, MKL's sqrt: the same only on {} CPUs)",
                self.cpu,
                vendor(&self.cpu)
            )
        } else {
            format!("native kernels of {} ({detail})", self.cpu)
        }
    }

    /// The environment that puts a process of this hud in these kernels, where it can be: the portable
    /// ones on any CPU, native ones only on their own CPU model, either only with this hud's libtorch.
    /// Otherwise why not.
    pub fn environment(&self) -> Result<Vec<(&'static str, String)>, String> {
        let torch = torch_version();
        if self.torch != torch {
            return Err(format!("this hud runs libtorch {torch}"));
        }
        if self.is_portable() {
            return portable_env().map_err(|e| format!("cannot set up the portable square root: {e:#}"));
        }
        let cpu = cpu_model();
        if self.is_compatible() && self.sqrt == "MKL" {
            if vendor(&self.cpu) != vendor(&cpu) {
                return Err(format!(
                    "it was made with MKL's square root on {}, whose bits differ on this machine's {cpu}",
                    self.cpu
                ));
            }
            return Ok(PORTABLE_ENV.iter().map(|&(k, v)| (k, v.to_string())).collect());
        }
        if self.cpu != cpu {
            return Err(format!("this machine's CPU is {cpu}"));
        }
        let threads = self.threads.to_string();
        let mut env = vec![
            ("ATEN_CPU_CAPABILITY", self.aten.to_lowercase()),
            ("OMP_NUM_THREADS", threads.clone()),
            ("MKL_NUM_THREADS", threads),
        ];
        if !matches!(self.mkl_cbwr.as_str(), "OFF" | "none") {
            env.push(("MKL_CBWR", self.mkl_cbwr.clone()));
        }
        if let Some(instructions) = &self.mkl_instructions {
            env.push(("MKL_ENABLE_INSTRUCTIONS", instructions.clone()));
        }
        Ok(env)
    }
}

/// Whether this process was started with the portable kernels' environment, the portable square root
/// preloaded.
pub fn portable_env_in_force() -> bool {
    PORTABLE_ENV.iter().all(|(key, value)| std::env::var(key).is_ok_and(|v| v == *value))
        && portable_sqrt_loaded()
}

/// Runs this same command again with the portable kernels' environment, unless it already has it.
/// Returns only when it has it (or with an error); call it before anything touches libtorch.
pub fn reexec_portable() -> Result<()> {
    if portable_env_in_force() {
        return Ok(());
    }
    if std::env::var_os(REEXEC_MARK).is_some() {
        bail!("--portable: the portable kernels' environment did not survive re-executing hud");
    }
    let exe = std::env::current_exe().context("--portable: cannot find hud's own executable")?;
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mut command = std::process::Command::new(&exe);
    command.args(&args).env(REEXEC_MARK, "1");
    command.envs(portable_env()?);
    use std::os::unix::process::CommandExt;
    let error = command.exec();
    Err(error).with_context(|| format!("--portable: cannot re-execute {}", exe.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kernels(aten: &str, mkl: &str, threads: i64, cpu: &str) -> Kernels {
        Kernels {
            torch: "2.11.0".into(),
            aten: aten.into(),
            mkl_cbwr: mkl.into(),
            threads,
            mkl_instructions: None,
            cpu: cpu.into(),
            sqrt: if aten == "DEFAULT" { "IEEE" } else { "MKL" }.into(),
        }
    }

    #[test]
    fn portable_kernels_compare_across_cpus_and_native_ones_only_on_their_own() {
        let amd = kernels("DEFAULT", "COMPATIBLE", 1, "AMD EPYC");
        let intel = kernels("DEFAULT", "COMPATIBLE", 1, "Intel Xeon");
        assert!(amd.same_numbers_as(&intel));
        let native_amd = kernels("AVX512", "OFF", 2, "AMD EPYC");
        let native_intel = kernels("AVX512", "OFF", 2, "Intel Xeon");
        assert!(!native_amd.same_numbers_as(&native_intel));
        assert!(!native_amd.same_numbers_as(&amd));
        assert!(native_amd.same_numbers_as(&native_amd.clone()));
        assert!(!native_amd.same_numbers_as(&kernels("AVX512", "OFF", 1, "AMD EPYC")));
        let avx2_mkl = Kernels { mkl_instructions: Some("AVX2".into()), ..native_amd.clone() };
        assert!(!native_amd.same_numbers_as(&avx2_mkl));
        let portable_avx2_mkl = Kernels { mkl_instructions: Some("AVX2".into()), ..amd.clone() };
        assert!(amd.same_numbers_as(&portable_avx2_mkl));
        let mut other_torch = amd.clone();
        other_torch.torch = "2.10.0".into();
        assert!(!amd.same_numbers_as(&other_torch));
        assert!(amd.describe().starts_with("portable kernels (ATen DEFAULT, MKL COMPATIBLE, 1 thread"));
        // With MKL's square root, COMPATIBLE kernels agree only within a vendor.
        let mkl_sqrt = |k: &Kernels| Kernels { sqrt: "MKL".into(), ..k.clone() };
        assert!(!mkl_sqrt(&amd).same_numbers_as(&mkl_sqrt(&intel)));
        assert!(mkl_sqrt(&amd).same_numbers_as(&Kernels { cpu: "AMD EPYC 9R14".into(), ..mkl_sqrt(&amd) }));
        assert!(!mkl_sqrt(&amd).same_numbers_as(&amd));
        assert!(mkl_sqrt(&amd).describe().contains("MKL's sqrt: the same only on AMD CPUs"));
        assert!(native_intel.describe().starts_with("native kernels of Intel Xeon (ATen AVX512"));
    }

    #[test]
    fn mkl_branches_are_named_as_mkl_service_h_names_them() {
        assert_eq!(mkl_branch_name(3), "COMPATIBLE");
        assert_eq!(mkl_branch_name(3 | 0x10000), "COMPATIBLE");
        assert_eq!(mkl_branch_name(1), "OFF");
        assert_eq!(mkl_branch_name(2), "AUTO");
        assert_eq!(mkl_branch_name(99), "branch 99");
        assert_eq!(mkl_branch_name(-1), "none");
    }
}
