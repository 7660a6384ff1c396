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
    fn outputs_must_name_different_files() {
        let (a, b, c) = (Path::new("x.png"), Path::new("./x.png"), Path::new("y.png"));
        assert!(check_distinct(&[a, c]).is_ok());
        assert!(check_distinct(&[a, c, b]).unwrap_err().to_string().contains("two outputs are both ./x.png"));
    }
}
