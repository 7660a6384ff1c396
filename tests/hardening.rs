//! What hud promises about its outputs, against hostile paths, interrupts and failing streams: a
//! special file is written to or refused, never replaced; a symbolic link is written through; a run's
//! outputs are written all or none; an interrupt leaves nothing; a closed pipe ends hud quietly.

mod common;

use common::{files_in, hud};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};

fn hud_process() -> Command {
    common::portable();
    Command::new(assert_cmd::cargo::cargo_bin("hud"))
}

fn mkfifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a plain mkfifo(3) on a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
}

#[test]
fn a_device_is_written_to_never_replaced_and_a_failed_write_writes_nothing() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let output = hud()
        .args(["encoder", "--seed", "1", "--epochs", "50", "--print-every", "0", "--trace", "/dev/full"])
        .current_dir(&dir)
        .assert()
        .failure()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("error: nothing was written: cannot write /dev/full: No space left on device"),
        "{stderr}"
    );
    assert!(std::fs::metadata("/dev/full").unwrap().file_type().is_char_device());
    // The picture, which could be written, was not: a run's outputs are all or none.
    assert!(files_in(dir.path()).is_empty(), "{:?}", files_in(dir.path()));

    // A FIFO is written to, and stays a FIFO.
    let fifo = dir.path().join("trace.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    hud()
        .args(["encoder", "--seed", "1", "--epochs", "50", "--print-every", "0", "--out", "e.png", "--trace"])
        .arg(&fifo)
        .current_dir(&dir)
        .assert()
        .success();
    let trace: serde_json::Value = serde_json::from_str(&reader.join().unwrap()).unwrap();
    assert_eq!(trace["epochs"], 50);
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(files_in(dir.path()), ["e.png", "trace.fifo"]);
}

#[test]
fn a_symbolic_link_is_written_through() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("real.json"), "old").unwrap();
    std::os::unix::fs::symlink("real.json", dir.path().join("link.json")).unwrap();
    hud()
        .args(["xor", "--seed", "0", "--epochs", "20", "--trace", "link.json"])
        .current_dir(&dir)
        .assert()
        .success();
    assert!(std::fs::symlink_metadata(dir.path().join("link.json")).unwrap().file_type().is_symlink());
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("real.json")).unwrap()).unwrap();
    assert_eq!(trace["script"], "xor");
    assert_eq!(files_in(dir.path()), ["link.json", "real.json"]);
}

#[test]
fn an_interrupted_run_exits_130_or_143_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.json"), "before").unwrap();
    for (signal, status) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let child = hud_process()
            .args(["encoder", "--seed", "0", "--epochs", "100000000", "--stop", "0", "--print-every", "0"])
            .args(["--trace", "t.json", "--animate", "b.gif", "--plot"])
            .current_dir(&dir)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Well into training: past several --plot snapshots and animation frames.
        std::thread::sleep(std::time::Duration::from_millis(1500));
        // SAFETY: a signal to our own child.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(status), "{}", String::from_utf8_lossy(&output.stderr));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(!stderr.contains("error"), "{stderr}");
        assert_eq!(files_in(dir.path()), ["t.json"], "signal {signal}");
        assert_eq!(std::fs::read_to_string(dir.path().join("t.json")).unwrap(), "before");
    }
}

#[test]
fn plot_snapshots_are_outputs_no_other_output_may_name() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["encoder", "--plot", "--trace", "encoder_ep00050.png"][..],
        &["encoder", "--plot", "--trajectory", "encoder_ep00100.png"],
        &["encoder", "--plot", "--out", "x.png", "--trace", "./x_ep00150.png"],
    ] {
        let mut all = args.to_vec();
        all.extend(["--seed", "1", "--epochs", "200"]);
        common::refuses_in(dir.path(), &all, "two outputs are both");
    }
    // Above --epochs, no snapshot is written, so the name is free.
    hud()
        .args(["encoder", "--plot", "--trace", "encoder_ep00300.png", "--seed", "1", "--epochs", "200"])
        .current_dir(&dir)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "wrote 4 --plot snapshots (encoder_ep00050.png ... encoder_ep00200.png)",
        ));
}

#[test]
fn a_closed_pipe_ends_hud_quietly_and_a_full_stream_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = hud_process()
        .args(["encoder", "--seed", "0", "--print-every", "1"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.as_mut().unwrap()), &mut first)
        .unwrap();
    assert_eq!(first, "ep  1: loss =  0.6931\n");
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.signal(), Some(libc::SIGPIPE), "{:?}", output.status);
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));

    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let output = hud_process()
        .args(["xor", "--seed", "0"])
        .current_dir(&dir)
        .stdout(full())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(hud::STREAM_FAILED));
    assert!(String::from_utf8_lossy(&output.stderr)
        .starts_with("error: cannot write to standard output: No space left on device"));
    for args in [&["spirals", "--epochs", "201", "--no-plots"][..], &["encoder", "--dim", "0"]] {
        let output = hud_process().args(args).current_dir(&dir).stderr(full()).output().unwrap();
        assert_eq!(output.status.code(), Some(hud::STREAM_FAILED), "{args:?}");
    }
    for args in [&["--help"][..], &["--version"], &["encoder", "--help"]] {
        let output = hud_process().args(args).current_dir(&dir).stdout(full()).output().unwrap();
        assert_eq!(output.status.code(), Some(hud::STREAM_FAILED), "{args:?}");
    }
    // A bare `hud` prints its help to standard error.
    let output = hud_process().current_dir(&dir).stderr(full()).output().unwrap();
    assert_eq!(output.status.code(), Some(hud::STREAM_FAILED));
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn every_count_is_bounded_before_any_work() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    for (args, message) in [
        (&["sweep", "--seeds", "99999999999"][..], "99999999999 is not in 1..=1000000"),
        (&["sweep", "--threads", "100000"], "100000 is not in 1..=1024"),
        (&["sweep", "--threads", "0"], "0 is not in 1..=1024"),
        (&["sweep", "--batch", "0"], "0 is not in 1..=1000000"),
        (
            &["sweep", "--hid", "1,2,3,4,5,6,7,8,9,10", "--lr", "0.1,0.2,0.3,0.4,0.5", "--seeds", "100000"],
            "the sweep would train 5000000 runs (seeds x settings); at most 1000000",
        ),
        (&["spirals", "--seeds", "99999999999"], "99999999999 is not in 1..=10000"),
        (&["spirals", "--seeds", "3", "--jobs", "0"], "0 is not in 1..=1024"),
        (&["spirals", "--seeds", "3", "--batch", "0"], "0 is not in 1..=1000000"),
        (&["spirals", "--seeds", "3", "--shard", "4/3", "--csv", "p.csv"], "expected I/N with 1 <= I <= N"),
        (&["depth", "--table", "--seeds", "0"], "0 is not in 1..=10000"),
        (&["depth", "--seeds", "2"], "--table"),
        (
            &["depth", "--table", "--depths", "1,2,3,4,5,6,7,8,9,10", "--seeds", "10000", "--techniques", "relu,tanh,sigmoid,selu,relu+bn,tanh+bn,relu+dense,relu+residual,tanh+dense,tanh+residual,sigmoid+bn"],
            "the table would train 1100000 runs (cells x seeds); at most 1000000",
        ),
        (&["nonlinearity", "--sweep-seeds", "99999999999"], "99999999999 is not in 0..=10000"),
        (&["encoder", "--epochs", "1000000000"], "1000000000 is not in 1..=100000000"),
        // Nothing to train: refused, not reported as a run of 0 epochs.
        (&["symmetry", "--epochs", "0"], "0 is not in 1..=100000000"),
        (&["spirals", "--epochs", "1"], "1 is not in 2..=100000000"),
        (&["xor", "--epochs", "0"], "0 is not in 2..=100000000"),
    ] {
        common::refuses_in(dir.path(), args, message);
    }
}

#[test]
fn contradicting_or_ignored_options_are_refused() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    for (args, message) in [
        (&["depth", "--techniques", "relu+kaiming+xavier"][..], "names two initialisations at once"),
        (&["depth", "--techniques", "relu+dense+residual"], "names two kinds of skip connection at once"),
        (&["depth", "--techniques", "relu+bn+batchnorm"], "names two batch norms at once"),
        (
            &["depth", "--techniques", "relu", "--act", "tanh"],
            "'--techniques <TECHNIQUES>' cannot be used with '--act <ACT>'",
        ),
        (&["depth", "--table", "--epochs", "5"], "'--table' cannot be used with '--epochs <EPOCHS>'"),
        (&["depth", "--table", "--depth", "4"], "'--table' cannot be used with '--depth <DEPTH>'"),
        (
            &["sweep", "--target", "star16", "--dim", "4,5"],
            "--dim is for --target input; the target star16 has its own size",
        ),
        (&["encoder", "--target", "star16", "--dim", "5"], "--dim is for --target input"),
        (&["symmetry", "--target", "question1", "--dim", "5"], "--dim is for --target input"),
    ] {
        common::refuses_in(dir.path(), args, message);
    }
}

#[test]
fn endless_and_out_of_range_inputs_are_data_errors() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("huge.csv"), "x,y,class\n0,0,0\n1e300,1,1\n").unwrap();
    for (args, message) in [
        (
            &["spirals", "--data", "huge.csv", "--epochs", "101"][..],
            "huge.csv, line 3: `1e300` is beyond float32's range",
        ),
        (&["spirals", "--data", "/dev/zero"], "cannot read /dev/zero: it is longer than 256 MB"),
        (&["verify", "/dev/zero"], "it is longer than 256 MB"),
        (&["symmetry", "--trace", "/dev/zero"], "cannot read /dev/zero: it is longer than 256 MB"),
        (&["sweep", "merge", "/dev/zero"], "cannot read /dev/zero: it is longer than 256 MB"),
    ] {
        let output = hud().args(args).current_dir(&dir).assert().failure().get_output().clone();
        let text =
            String::from_utf8_lossy(&output.stderr).into_owned() + &String::from_utf8_lossy(&output.stdout);
        assert!(text.contains(message), "{args:?}: {text}");
    }
    assert_eq!(files_in(dir.path()), ["huge.csv"]);
}

#[test]
fn a_merge_checks_every_row_and_never_overwrites_a_part() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    for shard in ["1/2", "2/2"] {
        let name = format!("a{}", &shard[..1]);
        hud()
            .args([
                "sweep",
                "--dim",
                "3",
                "--seeds",
                "2",
                "--epochs",
                "50",
                "--compare",
                "0",
                "--shard",
                shard,
            ])
            .args(["--csv", &format!("{name}.csv"), "--out", &format!("{name}.png")])
            .current_dir(&dir)
            .assert()
            .success();
    }
    let before = std::fs::read(dir.path().join("a1.csv")).unwrap();
    common::refuses_in(
        dir.path(),
        &["sweep", "merge", "a1.csv", "a2.csv", "--csv", "a1.csv"],
        "--csv a1.csv is one of the parts to merge",
    );
    common::refuses_in(
        dir.path(),
        &["sweep", "merge", "a1.csv", "a2.csv", "--csv", "./a2.csv"],
        "--csv ./a2.csv is one of the parts to merge",
    );
    assert_eq!(std::fs::read(dir.path().join("a1.csv")).unwrap(), before);

    // Rows that do not belong to the sweep in the header: each named by file, line and field.
    let text = String::from_utf8(before).unwrap();
    let row = text.lines().nth(2).unwrap().to_string();
    let fields: Vec<&str> = row.split(',').collect();
    for (column, value, field) in [
        (3, "3", "hid 3"),
        (11, "banana", "epochs_to_stop banana"),
        (9, "2000", "max_epochs 2000"),
        (0, "99", "run 99"),
    ] {
        let mut broken = fields.clone();
        broken[column] = value;
        let tampered = text.replace(&row, &broken.join(","));
        std::fs::write(dir.path().join("bad.csv"), tampered).unwrap();
        common::refuses_in(
            dir.path(),
            &["sweep", "merge", "bad.csv", "a2.csv", "--csv", "m.csv", "--out", "m.png"],
            &format!("bad.csv, line 3: {field} does not belong to the sweep"),
        );
        std::fs::remove_file(dir.path().join("bad.csv")).unwrap();
    }
}

#[test]
fn a_missing_output_folder_is_made_and_a_failed_run_leaves_none() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    // The README's example, as written.
    hud().args(["exercises", "--q2-seed", "8", "--out-dir", "pictures"]).current_dir(&dir).assert().success();
    assert_eq!(files_in(&dir.path().join("pictures")), ["question1.png", "question2.png"]);
    hud()
        .args(["spirals", "--net", "polar", "--seed", "0", "--epochs", "101", "--out-dir", "runs/polar"])
        .current_dir(&dir)
        .assert()
        .success();
    assert!(dir.path().join("runs/polar/polar_out.png").is_file());
    std::fs::write(dir.path().join("afile"), "").unwrap();
    common::refuses_in(dir.path(), &["exercises", "--out-dir", "afile"], "--out-dir afile is not a folder");
    common::refuses_in(
        dir.path(),
        &["spirals", "--out-dir", "afile/x"],
        "--out-dir afile/x: cannot make it, a file is in the way",
    );
    // A run that fails makes no folder.
    common::refuses_in(dir.path(), &["spirals", "--hid", "200", "--out-dir", "never"], "too many to draw");
    assert!(!dir.path().join("never").exists());
}

#[test]
fn errors_name_the_users_path_and_help_says_what_animate_does() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let output = hud()
        .args(["encoder", "--seed", "1", "--epochs", "5", "--out", "no/such/folder/e.png"])
        .current_dir(&dir)
        .assert()
        .failure()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: cannot write no/such/folder/e.png: No such file or directory"),
        "{stderr}"
    );
    assert!(!stderr.contains(".hud-"), "{stderr}");
    let help = hud().args(["encoder", "--help"]).assert().success().get_output().stdout.clone();
    let help = String::from_utf8(help).unwrap();
    assert!(
        help.contains("with --hid 3, the trained cube") && !help.contains("(needs --hid 2): frames"),
        "{help}"
    );
}

#[test]
fn dev_stdout_is_the_open_stream_and_a_vanished_reader_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // `>> app.txt`: the trace is appended through the open descriptor, the file is not replaced.
    let log = dir.path().join("app.txt");
    std::fs::write(&log, "PRE\n").unwrap();
    let inode = || std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&log).unwrap());
    let before = inode();
    let append = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let status = hud_process()
        .args(["encoder", "--seed", "0", "--epochs", "50", "--print-every", "10", "--trace", "/dev/stdout"])
        .current_dir(&dir)
        .stdout(append)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("PRE\nep 10: loss =") && text.contains("{\"script\":\"encoder\""), "{text}");
    assert_eq!(inode(), before);

    // A FIFO whose reader leaves after 10 bytes: an error, and no temporary file left.
    let fifo = dir.path().join("f.png");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 10];
            std::io::Read::read_exact(&mut std::fs::File::open(fifo).unwrap(), &mut buffer).unwrap();
        })
    };
    let output = hud_process()
        .args([
            "depth",
            "--depth",
            // Four networks of 32 layers: a picture of about 100 KB, more than a pipe holds.
            "32",
            "--out",
            "f.png",
            "--csv",
            "d.csv",
            "--histograms",
            "h.png",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    reader.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: nothing was written: cannot write f.png: Broken pipe"), "{stderr}");
    assert_eq!(files_in(dir.path()), ["app.txt", "encoder.png", "f.png"]);
}

#[test]
fn other_spellings_of_one_output_are_the_same_output() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("dot")).unwrap();
    for trajectory in ["sub/../a.png", "dot/a.png"] {
        common::refuses_in(
            dir.path(),
            &["encoder", "--seed", "0", "--epochs", "50", "--out", "a.png", "--trajectory", trajectory],
            "two outputs are both",
        );
    }
    // `link/..` is where the link's target's parent is, not `.`.
    std::fs::create_dir_all(dir.path().join("other/deep")).unwrap();
    std::os::unix::fs::symlink("other/deep", dir.path().join("sl")).unwrap();
    common::refuses_in(
        dir.path(),
        &["encoder", "--seed", "0", "--epochs", "50", "--out", "other/a.png", "--trajectory", "sl/../a.png"],
        "two outputs are both sl/../a.png",
    );
    hud()
        .args(["encoder", "--seed", "0", "--epochs", "50", "--out", "a.png", "--trajectory", "sl/../a.png"])
        .current_dir(&dir)
        .assert()
        .success();
    assert!(dir.path().join("a.png").is_file() && dir.path().join("other/a.png").is_file());
    common::refuses_in(
        dir.path(),
        &["spirals", "--seed", "0", "--epochs", "101", "--out-dir", "sd", "--trace", "sd/raw_out.png"],
        "two outputs are both sd/raw_out.png",
    );
    // A trace in the --out-dir that the run makes.
    hud()
        .args(["spirals", "--seed", "0", "--epochs", "101", "--out-dir", "sd", "--trace", "sd/t.json"])
        .current_dir(&dir)
        .assert()
        .success();
    assert!(dir.path().join("sd/t.json").is_file() && dir.path().join("sd/raw_out.png").is_file());
}

#[test]
fn negative_values_in_any_spelling_are_values() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    for (args, message) in [
        (&["encoder", "--lr", "-.5"][..], "--lr must be a finite number >= 0, got -0.5"),
        (&["encoder", "--lr", "-1e-3"], "--lr must be a finite number >= 0, got -0.001"),
        (&["sweep", "--shard", "-1/2"], "invalid value '-1/2' for '--shard <I/N>'"),
    ] {
        common::refuses_in(dir.path(), args, message);
    }
    hud()
        .args(["symmetry", "--noise", "-1e-6", "--epochs", "10", "--out", "s.png"])
        .current_dir(&dir)
        .assert()
        .success();
}

#[test]
fn depth_options_that_would_be_ignored_are_refused() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    for (args, message) in [
        (&["depth", "--table", "--act", "relu"][..], "'--table' cannot be used with '--act <ACT>'"),
        (&["depth", "--table", "--batchnorm"], "'--table' cannot be used with '--batchnorm'"),
        (&["depth", "--budget", "5"], "--budget is a setting of the table: add --table"),
        (&["depth", "--jobs", "2"], "--jobs is a setting of the table: add --table"),
        (
            &["depth", "--depth", "4", "--act", "relu", "--depths", "2,4"],
            "--depths is a setting of the table",
        ),
        (&["depth", "--threshold", "0.5"], "--threshold is a setting of the table"),
        (&["depth", "--techniques", "relu+kaiming,relu+kaiming"], "relu+kaiming is named twice"),
        (&["depth", "--act", "relu,tanh,relu"], "relu is named twice"),
        (&["depth", "--dim", "5"], "--dim is for --data encoder"),
    ] {
        common::refuses_in(dir.path(), args, message);
    }
}

#[test]
fn a_merge_checks_outputs_shapes_epochs_and_losses_and_names_fields() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud()
        .args(["sweep", "--dim", "3", "--hid", "3", "--seeds", "2", "--epochs", "50", "--compare", "0"])
        .args(["--csv", "a.csv", "--out", "a.png"])
        .current_dir(&dir)
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join("a.csv")).unwrap();
    std::fs::write(dir.path().join("bad.csv"), text.replacen("} all\n", "} shard 3/2\n", 1)).unwrap();
    common::refuses_in(
        dir.path(),
        &["sweep", "merge", "bad.csv", "--csv", "m.csv", "--out", "m.png"],
        "names the part 'shard 3/2'",
    );
    std::fs::remove_file(dir.path().join("bad.csv")).unwrap();
    let row = text.lines().nth(2).unwrap().to_string();
    let fields: Vec<&str> = row.split(',').collect();
    for (column, value, message) in [
        (4, "7", "line 3: outputs 7 does not belong"),
        (15, "banana", "line 3: hidden_shape banana does not belong"),
        (12, "0", "line 3: epochs 0 does not belong"),
        (13, "-3", "line 3: final_loss -3 does not belong"),
        (3, "x", "line 3: hid: invalid digit"),
    ] {
        let mut broken = fields.clone();
        broken[column] = value;
        std::fs::write(dir.path().join("bad.csv"), text.replace(&row, &broken.join(","))).unwrap();
        common::refuses_in(
            dir.path(),
            &["sweep", "merge", "bad.csv", "--csv", "m.csv", "--out", "m.png"],
            message,
        );
        std::fs::remove_file(dir.path().join("bad.csv")).unwrap();
    }
}
