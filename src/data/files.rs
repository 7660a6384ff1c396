//! Output files: each written whole or not at all, and a run's outputs all or none.
//!
//! The rule, for every command: what a run writes is staged in memory ([`write_atomically`] inside a
//! run that [`begin`] opened) and committed when the run has succeeded ([`commit`]): every file first
//! goes to a temporary file beside its target, and only when all of them are written are they renamed
//! over their targets. A failed run commits nothing. An interrupt (SIGINT, SIGTERM; [`on_interrupt`])
//! removes the temporary files and ends the process with 130 or 143; one that comes while the renames
//! run waits for the last of them. A target that is a symbolic link is written through to the file it
//! names (atomically beside that file); one that is a FIFO or a character device (`/dev/null`) is
//! written to directly, never replaced, and `/dev/stdout`, `/dev/stderr` and `/dev/fd/N` through hud's
//! own open descriptor; a folder, a block device or a socket is refused.

use anyhow::{anyhow, bail, ensure, Context, Result};
use std::fs::Permissions;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tempfile::NamedTempFile;

/// The most hud reads of any input file: a target, a data set, a trace or fixture, a sweep part (a
/// 10,000 x 10,000 target of 0/1 is 200 MB, a trace of a million epochs about 40 MB).
pub const MAX_READ_BYTES: u64 = 256 << 20;

/// What a run has staged (`None`: no run is open, writes go straight to disk), and the temporary
/// files alive now, which an interrupt removes. One lock for both: an interrupt waits for a commit.
struct State {
    staged: Option<Vec<(PathBuf, Vec<u8>)>>,
    /// Output folders to create at the commit, before the files in them.
    folders: Vec<PathBuf>,
    temporary: Vec<PathBuf>,
}

static STATE: Mutex<State> = Mutex::new(State { staged: None, folders: Vec::new(), temporary: Vec::new() });

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Opens a run: from now on [`write_atomically`] stages its files until [`commit`].
pub fn begin() {
    state().staged = Some(Vec::new());
}

/// Writes every file the run staged (see the module's rule) and closes the run.
pub fn commit() -> Result<()> {
    let (staged, folders) = {
        let mut state = state();
        (state.staged.take().unwrap_or_default(), std::mem::take(&mut state.folders))
    };
    let mut created = Vec::new();
    let result = folders
        .iter()
        .try_for_each(|folder| create_folder(folder, &mut created))
        .and_then(|()| write_all(staged));
    if result.is_err() {
        // Folders this commit made, deepest first, so that a failed run leaves none behind.
        for folder in created.iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
    }
    result
}

/// Forgets what the run staged (it failed): nothing is written.
pub fn discard() {
    let mut state = state();
    state.staged = None;
    state.folders.clear();
}

/// Whether `folder` is, or is inside, an output folder the run's commit will make.
fn in_staged_folder(folder: &Path) -> bool {
    let state = state();
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    state.folders.iter().any(|staged| absolute(folder).starts_with(absolute(staged)))
}

/// Creates `folder` and any missing folders above it, noting each one made.
fn create_folder(folder: &Path, created: &mut Vec<PathBuf>) -> Result<()> {
    let missing: Vec<&Path> =
        folder.ancestors().take_while(|a| !a.as_os_str().is_empty() && !a.exists()).collect();
    for dir in missing.into_iter().rev() {
        std::fs::create_dir(dir)
            .map_err(|e| anyhow!("cannot make the folder {}: {}", dir.display(), io_message(&e)))?;
        created.push(dir.to_path_buf());
    }
    Ok(())
}

/// An output folder (`--out-dir`), made when missing, as `mkdir -p` would, at the run's commit: now
/// only checked, so that a failed run leaves no empty folder.
pub fn output_folder(option: &str, folder: &Path) -> Result<()> {
    if folder.is_dir() {
        return Ok(());
    }
    ensure!(!folder.exists(), "{option} {} is not a folder", folder.display());
    let above = folder.ancestors().skip(1).find(|a| a.as_os_str().is_empty() || a.exists());
    match above {
        Some(a) if a.as_os_str().is_empty() || a.is_dir() => {}
        _ => bail!("{option} {}: cannot make it, a file is in the way", folder.display()),
    }
    let mut state = state();
    match state.staged.is_some() {
        true => state.folders.push(folder.to_path_buf()),
        false => {
            drop(state);
            create_folder(folder, &mut Vec::new())?;
        }
    }
    Ok(())
}

/// Handles SIGINT and SIGTERM from now on: temporary files removed, then the process ends with 130 or
/// 143 as if the signal had ended it (a commit in progress finishes first).
pub fn on_interrupt() -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals =
        signal_hook::iterator::Signals::new([SIGINT, SIGTERM]).context("cannot handle interrupts")?;
    std::thread::Builder::new()
        .name("interrupts".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let state = state();
                for path in &state.temporary {
                    let _ = std::fs::remove_file(path);
                }
                // _exit: no exit handlers, which would tear libtorch down under the thread still training.
                // SAFETY: ends the process at once; nothing after it runs.
                unsafe { libc::_exit(128 + signal) };
            }
        })
        .context("cannot handle interrupts")?;
    Ok(())
}

/// Where an output named `path` is written.
#[derive(Debug, PartialEq)]
enum Target {
    /// A regular file (or none yet) at this path: replaced atomically.
    File(PathBuf),
    /// A FIFO or a character device: written to directly.
    Stream(PathBuf),
    /// One of this process's open files (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`): written
    /// through the open descriptor, so that `>> log` appends and a pipe gets it.
    Descriptor(i32),
}

/// The descriptor a path names directly, as the kernel's aliases do.
fn descriptor(path: &Path) -> Option<i32> {
    match path.to_str()? {
        "/dev/stdout" => Some(1),
        "/dev/stderr" => Some(2),
        "/dev/stdin" => Some(0),
        other => {
            other.strip_prefix("/dev/fd/").or_else(|| other.strip_prefix("/proc/self/fd/"))?.parse().ok()
        }
    }
}

/// `path`, or the file a symbolic link (or a chain of them) at `path` names.
fn through_links(path: &Path) -> Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link =
                    std::fs::read_link(&path).with_context(|| format!("cannot write {}", path.display()))?;
                path = match path.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(path),
        }
    }
    bail!("cannot write {}: too many levels of symbolic links", path.display())
}

fn target(path: &Path) -> Result<Target> {
    if let Some(fd) = descriptor(path) {
        return Ok(Target::Descriptor(fd));
    }
    let resolved = through_links(path)?;
    // A link into /proc (another process's descriptor, say) is written through the kernel's path.
    if resolved.starts_with("/proc") {
        return Ok(Target::Stream(path.to_path_buf()));
    }
    match std::fs::metadata(&resolved) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Target::File(resolved)),
        Err(e) => Err(anyhow!("cannot write {}: {}", path.display(), io_message(&e))),
        Ok(meta) if meta.is_file() => Ok(Target::File(resolved)),
        Ok(meta) if meta.is_dir() => bail!("cannot write {}: it is a folder", path.display()),
        Ok(meta) if meta.file_type().is_fifo() || meta.file_type().is_char_device() => {
            Ok(Target::Stream(resolved))
        }
        Ok(_) => {
            bail!("cannot write {}: it is neither a file, a FIFO nor a character device", path.display())
        }
    }
}

/// An I/O error's own words, without the temporary file's name that tempfile adds to them.
fn io_message(error: &std::io::Error) -> String {
    if let Some(code) = error.raw_os_error() {
        return std::io::Error::from_raw_os_error(code).to_string();
    }
    // tempfile wraps the system's error in one of its own: "<the system's words> at path <temp file>".
    let text = error.to_string();
    text.split(" at path ").next().unwrap_or(&text).to_string()
}

/// A new temporary file beside `file`, registered for removal on interrupt.
fn temporary_beside(file: &Path, named: &Path) -> Result<NamedTempFile> {
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // Created and registered under the lock, so that an interrupt cannot come in between.
    let mut state = state();
    let temporary = tempfile::Builder::new()
        .prefix(".hud-")
        .permissions(Permissions::from_mode(0o644))
        .tempfile_in(dir)
        .map_err(|e| anyhow!("cannot write {}: {}", named.display(), io_message(&e)))?;
    state.temporary.push(temporary.path().to_path_buf());
    Ok(temporary)
}

fn forget_temporary(path: &Path) {
    state().temporary.retain(|p| p != path);
}

/// SIGPIPE ignored while it lives (a write to a closed pipe then fails with EPIPE), its default
/// restored after.
struct SigpipeIgnored;

impl SigpipeIgnored {
    fn new() -> Self {
        // SAFETY: changing a signal's disposition; the commit writes from one thread.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
        SigpipeIgnored
    }
}

impl Drop for SigpipeIgnored {
    fn drop(&mut self) {
        // SAFETY: as above; hud runs with SIGPIPE's default (src/main.rs).
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
}

/// Fails early, with the reason, when `path` cannot be written: its folder is missing or read-only,
/// it names a folder or a device that is not a character device. Leaves nothing behind.
pub fn check_writable(path: &Path) -> Result<()> {
    match target(path)? {
        // In an output folder that the commit will make: that folder was checked.
        Target::File(file)
            if file
                .parent()
                .is_some_and(|p| !p.as_os_str().is_empty() && !p.exists() && in_staged_folder(p)) =>
        {
            Ok(())
        }
        Target::File(file) => {
            let temporary = temporary_beside(&file, path)?;
            forget_temporary(temporary.path());
            Ok(())
        }
        // A FIFO is opened only when written: opening it now would wait for its reader.
        Target::Stream(_) | Target::Descriptor(_) => Ok(()),
    }
}

/// Fails when two of a run's outputs name the same file (`x.png`, `./x.png` and a link to it
/// included), which would leave only the last one written.
pub fn check_distinct(paths: &[&Path]) -> Result<()> {
    let mut seen: Vec<PathBuf> = Vec::new();
    for path in paths {
        let normal = identity(path)?;
        if seen.contains(&normal) {
            return Err(anyhow!("two outputs are both {}", path.display()));
        }
        seen.push(normal);
    }
    Ok(())
}

/// The file an output path names, as one spelling: the real path of its longest existing part (links
/// and `..` resolved by the file system, so `sub/../a.png`, a link to `.` and `link/..` are what they
/// are), then the rest, which does not exist yet, with `.` and `..` worked out.
fn identity(path: &Path) -> Result<PathBuf> {
    let resolved = through_links(path)?;
    let absolute =
        std::path::absolute(&resolved).with_context(|| format!("cannot write {}", path.display()))?;
    let components: Vec<std::path::Component> = absolute.components().collect();
    for existing in (1..=components.len()).rev() {
        let prefix: PathBuf = components[..existing].iter().collect();
        if let Ok(mut real) = std::fs::canonicalize(&prefix) {
            for component in &components[existing..] {
                match component {
                    std::path::Component::CurDir => {}
                    std::path::Component::ParentDir => {
                        real.pop();
                    }
                    other => real.push(other),
                }
            }
            return Ok(real);
        }
    }
    Ok(absolute)
}

/// Whether two paths name one existing file (through links, `./`, hard links).
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Writes `contents` to `path` whole or not at all; inside a run, at the run's [`commit`].
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    {
        let mut state = state();
        if let Some(staged) = &mut state.staged {
            staged.retain(|(p, _)| p != path);
            staged.push((path.to_path_buf(), contents.to_vec()));
            return Ok(());
        }
    }
    write_all(vec![(path.to_path_buf(), contents.to_vec())])
}

/// Writes the files: each regular one to a temporary file beside its target, then the streams, then,
/// when nothing has failed, renames every temporary file over its target, interrupts held off.
fn write_all(files: Vec<(PathBuf, Vec<u8>)>) -> Result<()> {
    let mut pending = Vec::new();
    let mut streams = Vec::new();
    let result = (|| -> Result<()> {
        for (path, contents) in &files {
            match target(path)? {
                Target::File(file) => {
                    let mut temporary = temporary_beside(&file, path)?;
                    temporary
                        .write_all(contents)
                        .and_then(|()| temporary.as_file().sync_data())
                        .map_err(|e| anyhow!("cannot write {}: {}", path.display(), io_message(&e)))?;
                    pending.push((path.clone(), file, temporary));
                }
                stream => streams.push((path, stream, contents)),
            }
        }
        // A reader that goes away is an error here, not the end of hud: the temporary files must go.
        let _sigpipe = SigpipeIgnored::new();
        for (path, stream, contents) in &streams {
            let written = match stream {
                Target::Stream(stream) => std::fs::OpenOptions::new()
                    .write(true)
                    .open(stream)
                    .and_then(|mut f| f.write_all(contents)),
                Target::Descriptor(1) => {
                    std::io::stdout().write_all(contents).and_then(|()| std::io::stdout().flush())
                }
                Target::Descriptor(2) => std::io::stderr().write_all(contents),
                Target::Descriptor(fd) => {
                    use std::os::fd::FromRawFd;
                    // SAFETY: the descriptor is only borrowed: ManuallyDrop never closes it.
                    let mut file = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(*fd) });
                    file.write_all(contents)
                }
                Target::File(_) => unreachable!("files go through temporary files above"),
            };
            written.map_err(|e| anyhow!("cannot write {}: {}", path.display(), io_message(&e)))?;
        }
        Ok(())
    })();
    let mut state = state();
    if let Err(e) = result {
        for (_, _, temporary) in &pending {
            state.temporary.retain(|p| p != temporary.path());
        }
        return Err(e);
    }
    // The lock is held from here to the last rename: an interrupt waits, so that every file is
    // renamed or none.
    for (path, file, temporary) in pending {
        let temporary_path = temporary.path().to_path_buf();
        let renamed = temporary.persist(&file);
        state.temporary.retain(|p| *p != temporary_path);
        renamed.map_err(|e| anyhow!("cannot write {}: {}", path.display(), io_message(&e.error)))?;
    }
    Ok(())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_whole_files_and_reports_unwritable_paths_by_their_own_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_atomically(&path, b"hello").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello");
        assert_eq!(entries(dir.path()), ["out.txt"]);

        let missing = dir.path().join("no/such/folder/out.txt");
        let err = format!("{:#}", write_atomically(&missing, b"x").unwrap_err());
        assert!(err.contains(&format!("cannot write {}", missing.display())), "{err}");
        assert!(!err.contains(".hud-"), "the temporary file's name leaked: {err}");
        assert!(check_writable(&missing).is_err());
        assert!(check_writable(dir.path()).unwrap_err().to_string().contains("is a folder"));
        assert!(check_writable(&path).is_ok());
        assert_eq!(entries(dir.path()), ["out.txt"]);
    }

    #[test]
    fn a_symlink_is_written_through_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.txt");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink("real.txt", &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        // A dangling link: the file it names is made.
        let dangling = dir.path().join("dangling.txt");
        std::os::unix::fs::symlink("made.txt", &dangling).unwrap();
        write_atomically(&dangling, b"made").unwrap();
        assert_eq!(std::fs::read(dir.path().join("made.txt")).unwrap(), b"made");
        assert!(check_distinct(&[&link, &target]).unwrap_err().to_string().contains("two outputs are both"));
    }

    #[test]
    fn devices_and_fifos_are_written_to_never_replaced() {
        write_atomically(Path::new("/dev/null"), b"nothing").unwrap();
        let full = format!("{:#}", write_atomically(Path::new("/dev/full"), b"x").unwrap_err());
        assert!(full.contains("cannot write /dev/full: No space left on device"), "{full}");
        for device in ["/dev/null", "/dev/full"] {
            assert!(std::fs::metadata(device).unwrap().file_type().is_char_device(), "{device} was replaced");
        }
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a plain mkfifo(3) on a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        check_writable(&fifo).unwrap();
        write_atomically(&fifo, b"through the fifo").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the fifo");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }

    #[test]
    fn a_set_of_files_is_written_whole_or_not_at_all() {
        // (A run's staging, `begin` to `commit`, is global: tests/hardening.rs checks it through hud.)
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        std::fs::write(&a, "before").unwrap();
        write_all(vec![(a.clone(), b"after".to_vec()), (b.clone(), b"new".to_vec())]).unwrap();
        assert_eq!(
            (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap()),
            (b"after".to_vec(), b"new".to_vec())
        );
        // One output that cannot be written: none is, and no temporary file is left.
        let files = vec![(a.clone(), b"third".to_vec()), (PathBuf::from("/dev/full"), b"x".to_vec())];
        assert!(write_all(files).is_err());
        assert_eq!(std::fs::read(&a).unwrap(), b"after");
        assert_eq!(entries(dir.path()), ["a.txt", "b.txt"]);
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
