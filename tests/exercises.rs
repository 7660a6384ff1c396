//! `hud exercises`: the seed page's Question 1 and Question 2, trained, drawn and explained.

mod common;

use common::hud;

#[test]
fn both_exercises_are_drawn_and_explained() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let output = hud().args(["exercises", "--q2-seed", "8", "--out-dir"]).arg(dir.path()).assert().success();
    let stdout = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    // Question 1, seed 2: the page's table learnt, each output above 0.5 exactly for its items.
    for line in [
        "Question 1: a 6-2-3 network (tanh hidden units, sigmoid outputs) trained on the page's table, seed 2: loss 0.0200 at epoch 184.",
        "  item 5: target 101, hidden (-0.96, -0.98), outputs above 0.5: 101",
        "  output 1: above 0.5 for items 4, 5 and 6 (the items whose target has it on)",
        "  output 2: above 0.5 for items 3 and 6 (the items whose target has it on)",
        "  output 3: above 0.5 for items 2 and 5 (the items whose target has it on)",
        "Every item is on the right side of all three lines",
    ] {
        assert!(stdout.contains(line), "{line}\n{stdout}");
    }
    assert!(!stdout.contains("WRONG"), "{stdout}");
    // Question 2, seed 8: the page's answer.
    assert!(stdout.contains("Question 2: the 8-3-8 encoder, seed 8"), "{stdout}");
    assert!(stdout.contains("verdict: cuboctahedron"), "{stdout}");
    assert!(!stdout.contains("A run need not reach the ideal"), "{stdout}");

    let q1 = image::open(dir.path().join("question1.png")).unwrap().to_rgb8();
    assert_eq!(q1.dimensions(), (800, 600));
    let q2 = image::open(dir.path().join("question2.png")).unwrap().to_rgb8();
    assert!(q2.width() > 800 && q2.height() > 600, "{:?}", q2.dimensions());
    for picture in [&q1, &q2] {
        assert!(picture.pixels().filter(|p| p.0 == [0, 0, 255]).count() > 100, "the dots are drawn");
    }
}

#[test]
fn a_run_that_misses_the_ideal_says_so() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let output = hud().args(["exercises", "--out-dir"]).arg(dir.path()).assert().success();
    let stdout = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("verdict: square-antiprism: not the page's cube"), "{stdout}");
    assert!(stdout.contains("A run need not reach the ideal"), "{stdout}");
}

#[test]
fn an_out_dir_that_is_a_file_is_refused() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("afile"), "").unwrap();
    common::refuses_in(dir.path(), &["exercises", "--out-dir", "afile"], "--out-dir afile is not a folder");
}
