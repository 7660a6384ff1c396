//! Output files: written whole or not at all.

use anyhow::{anyhow, Context, Result};
use std::fs::Permissions;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use tempfile::NamedTempFile;

fn temp_file_beside(path: &Path) -> Result<NamedTempFile> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".hud-")
        .permissions(Permissions::from_mode(0o644))
        .tempfile_in(dir)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Fails early, with the reason, when `path` cannot be written: its folder is missing or read-only,
/// or it names a folder. Leaves nothing behind.
pub fn check_writable(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(anyhow!("cannot write {}: it is a folder", path.display()));
    }
    temp_file_beside(path).map(drop)
}

/// Fails when two of a run's outputs name the same file (`x.png` and `./x.png` included), which
/// would leave only the last one written.
pub fn check_distinct(paths: &[&Path]) -> Result<()> {
    let mut seen: Vec<std::path::PathBuf> = Vec::new();
    for path in paths {
        let absolute =
            std::path::absolute(path).with_context(|| format!("cannot write {}", path.display()))?;
        let normal: std::path::PathBuf =
            absolute.components().filter(|c| *c != std::path::Component::CurDir).collect();
        if seen.contains(&normal) {
            return Err(anyhow!("two outputs are both {}", path.display()));
        }
        seen.push(normal);
    }
    Ok(())
}

/// The most hud reads of any input file: a target, a data set, a trace or fixture, a sweep part (a
/// 10,000 x 10,000 target of 0/1 is 200 MB, a trace of a million epochs about 40 MB).
pub const MAX_READ_BYTES: u64 = 256 << 20;

/// Reads a text file of at most `limit` bytes, so that an endless file (`/dev/zero`, a FIFO that never
/// closes its end) is an error rather than unbounded memory. `what` names the file in errors
/// (`target file `, or nothing).
pub fn read_text_capped(path: &Path, limit: u64, what: &str) -> Result<String> {
    use std::io::Read;
    let name = format!("{what}{}", path.display());
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {name}"))?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).with_context(|| format!("cannot read {name}"))?;
    if bytes.len() as u64 > limit {
        return Err(anyhow!("cannot read {name}: it is longer than {} MB", limit >> 20));
    }
    String::from_utf8(bytes).map_err(|_| anyhow!("cannot read {name}: it is not UTF-8 text"))
}

/// Writes `contents` to a temporary file beside `path`, then renames it over `path`, so that a reader
/// never sees a half-written file and a failure leaves none behind.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    let mut file = temp_file_beside(path)?;
    file.write_all(contents).with_context(|| format!("cannot write {}", path.display()))?;
    file.persist(path).map_err(|e| anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_and_reports_unwritable_paths() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_atomically(&path, b"hello").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let missing = dir.path().join("no/such/folder/out.txt");
        let err = write_atomically(&missing, b"x").unwrap_err();
        assert!(format!("{err:#}").contains("cannot write"), "{err:#}");
        assert!(check_writable(&missing).is_err());
        assert!(check_writable(dir.path()).unwrap_err().to_string().contains("is a folder"));
        assert!(check_writable(&path).is_ok());
    }

    #[test]
    fn reads_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, "0123456789").unwrap();
        assert_eq!(read_text_capped(&path, 10, "").unwrap(), "0123456789");
        let err = read_text_capped(&path, 9, "").unwrap_err().to_string();
        assert!(err.contains("is longer than"), "{err}");
        let endless = read_text_capped(Path::new("/dev/zero"), 1 << 20, "").unwrap_err().to_string();
        assert!(endless.contains("cannot read /dev/zero: it is longer than 1 MB"), "{endless}");
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(read_text_capped(&path, 10, "").unwrap_err().to_string().contains("not UTF-8"));
    }

    #[test]
    fn outputs_must_name_different_files() {
        let (a, b, c) = (Path::new("x.png"), Path::new("./x.png"), Path::new("y.png"));
        assert!(check_distinct(&[a, c]).is_ok());
        assert!(check_distinct(&[a, c, b]).unwrap_err().to_string().contains("two outputs are both ./x.png"));
    }
}
