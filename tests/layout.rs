//! The layout check every picture passes: each figure type is drawn on a case that stresses it, with
//! `HUD_LAYOUT_DIR` set so that hud records every text box, legend and data mark it draws
//! (`hud::draw::layout`), and no text may leave the canvas, overlap another, or sit under a legend, and no
//! legend may cover a data point.

mod common;

use common::hud;
use hud::draw::layout::Layout;
use std::path::Path;

/// Runs `hud ARGS` in a fresh folder with recording on; the layouts of the pictures it drew.
fn layouts_of(args: &[&str]) -> Vec<Layout> {
    run(args).0
}

/// As [`layouts_of`], with what the command printed.
fn run(args: &[&str]) -> (Vec<Layout>, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let output = hud()
        .args(args)
        .current_dir(dir.path())
        .env("HUD_LAYOUT_DIR", dir.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let layouts = read_layouts(&dir.path().join("layouts.jsonl"));
    (layouts, String::from_utf8(output.stdout).unwrap(), dir)
}

/// The layout recorded for the picture named `name`.
fn named<'a>(layouts: &'a [Layout], name: &str) -> &'a Layout {
    layouts.iter().find(|l| l.path.as_deref().is_some_and(|p| p.ends_with(name))).unwrap()
}

fn texts(layout: &Layout) -> Vec<&str> {
    layout.texts.iter().map(|t| t.text.as_str()).collect()
}

fn read_layouts(file: &Path) -> Vec<Layout> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// Asserts that `layouts` (at least `pictures` of them) have no problem, listing every one there is.
fn clear(case: &str, layouts: &[Layout], pictures: usize) {
    assert!(layouts.len() >= pictures, "{case}: {} pictures recorded, expected {pictures}", layouts.len());
    let problems: Vec<String> = layouts.iter().flat_map(Layout::problems).collect();
    assert!(problems.is_empty(), "{case}: {} problems:\n{}", problems.len(), problems.join("\n"));
    for layout in layouts {
        assert!(!layout.texts.is_empty(), "{case}: {:?} recorded no text", layout.path);
    }
}

#[test]
fn star16s_labels_stay_on_the_canvas_and_off_each_other() {
    let layouts = layouts_of(&["encoder", "--target", "star16", "--seed", "0", "--epochs", "3000"]);
    clear("star16", &layouts, 1);
}

#[test]
fn question1s_arrows_labels_and_numbers_are_clear() {
    let layouts = layouts_of(&["encoder", "--target", "question1", "--seed", "2"]);
    clear("question1", &layouts, 1);
}

#[test]
fn the_encoders_snapshots_trajectory_and_animation_are_clear() {
    let layouts = layouts_of(&[
        "encoder",
        "--seed",
        "0",
        "--epochs",
        "2000",
        "--plot",
        "--trajectory",
        "trajectory.png",
        "--animate",
        "run.gif",
        "--trails",
    ]);
    clear("9-2-9 snapshots", &layouts, 3);
}

#[test]
fn the_cube_is_clear_for_ten_seeds() {
    for seed in 0..10 {
        let seed = seed.to_string();
        let layouts =
            layouts_of(&["encoder", "--dim", "8", "--hid", "3", "--seed", &seed, "--out", "cube.png"]);
        clear(&format!("8-3-8 seed {seed}"), &layouts, 1);
    }
}

#[test]
fn every_pair_of_hidden_units_is_clear() {
    let layouts = layouts_of(&["encoder", "--dim", "12", "--hid", "4", "--seed", "0", "--out", "pairs.png"]);
    clear("12-4-12 pairs", &layouts, 1);
}

#[test]
fn a_twelve_configuration_sweep_is_clear_and_shows_every_series() {
    let (layouts, _, dir) = run(&[
        "sweep",
        "--dim",
        "5,6,8",
        "--hid",
        "2,3",
        "--lr",
        "0.4,0.8",
        "--seeds",
        "4",
        "--epochs",
        "3000",
        "--out",
        "sweep.png",
    ]);
    clear("12-config sweep", &layouts, 1);
    // Every run converges, so all four series sit at 100%: each must still show its own colour.
    let image = image::open(dir.path().join("sweep.png")).unwrap().to_rgb8();
    for colour in &hud::draw::COLOUR_CYCLE[..4] {
        let count = image.pixels().filter(|p| p.0 == [colour.0, colour.1, colour.2]).count();
        assert!(count > 100, "{colour:?}: {count} pixels");
    }
    let texts = texts(&layouts[0]);
    assert!(texts.contains(&"epochs to reach it: median and quartiles"), "{texts:?}");

    // Twelve configurations at one N, and twenty: each its own colour and marker, the key beside them.
    let layouts = layouts_of(&[
        "sweep",
        "--hid",
        "2,3",
        "--lr",
        "0.1,0.4,0.8",
        "--mom",
        "0,0.9",
        "--seeds",
        "2",
        "--epochs",
        "2000",
    ]);
    clear("12 configurations at one N", &layouts, 1);
    let layouts = layouts_of(&[
        "sweep",
        "--dim",
        "4,5",
        "--lr",
        "0.1,0.2,0.4,0.8,1",
        "--mom",
        "0,0.9",
        "--seeds",
        "2",
        "--epochs",
        "1000",
    ]);
    clear("20 configurations", &layouts, 1);
}

#[test]
fn a_single_hidden_units_strip_is_clear() {
    let layouts = layouts_of(&[
        "encoder",
        "--dim",
        "8",
        "--hid",
        "1",
        "--seed",
        "0",
        "--epochs",
        "3000",
        "--out",
        "strip.png",
    ]);
    clear("8-1-8 strip", &layouts, 1);
}

#[test]
fn depth_pictures_are_clear_deep_and_dead() {
    let (layouts, stdout, _dir) = run(&[
        "depth",
        "--depth",
        "128",
        "--techniques",
        "sigmoid,relu+kaiming,relu+kaiming+bn+residual",
        "--epochs",
        "3",
    ]);
    clear("depth 128", &layouts, 2);
    // At depth 128 with batch norm and residual connections the outputs saturate and no gradient
    // flows: the table says so instead of dividing 0 by 0, and so does the picture's key.
    assert!(!stdout.contains("NaN"), "{stdout}");
    assert!(stdout.contains("no gradient"), "{stdout}");
    assert!(stdout.contains("relu+kaiming+bn+residual: no weight gradient in any layer"), "{stdout}");
    let gradients = texts(named(&layouts, "depth.png"));
    assert!(gradients.iter().any(|t| t.starts_with("no weight gradient in any layer")), "{gradients:?}");
    let activations = texts(named(&layouts, "depth-activations.png"));
    assert!(activations
        .contains(&"Activation histograms through 128 hidden layers of 16 units (spirals, seed 0)"));
    assert!(!activations.iter().any(|t| t.contains("Gradients")), "{activations:?}");

    let layouts =
        layouts_of(&["depth", "--table", "--depths", "2,4,8", "--budget", "20", "--out", "table.png"]);
    clear("depth table", &layouts, 1);
}

#[test]
fn spirals_with_forty_hidden_units_are_clear() {
    let layouts = layouts_of(&["spirals", "--net", "polar", "--hid", "40", "--seed", "0", "--epochs", "300"]);
    clear("polar 40", &layouts, 2);
    let layouts = layouts_of(&["spirals", "--net", "short", "--hid", "40", "--seed", "0", "--epochs", "300"]);
    clear("short 40", &layouts, 3);
}

#[test]
fn a_recurrent_networks_states_are_clear() {
    let layouts =
        layouts_of(&["seq", "--lang", "anbn", "--seed", "0", "--epoch", "1", "--plot", "states.png"]);
    clear("seq anbn states", &layouts, 1);
    let layouts = layouts_of(&[
        "seq",
        "--lang",
        "reber",
        "--embed",
        "1",
        "--seed",
        "0",
        "--epoch",
        "1",
        "--plot",
        "states.png",
        "--num-plot",
        "30",
    ]);
    clear("seq embedded reber states", &layouts, 1);
    let cube = ["seq", "--lang", "anbncn", "--seed", "0", "--epoch", "5", "--plot", "states.png"];
    clear("seq anbncn in the cube's views", &layouts_of(&cube), 1);
    let pairs =
        ["seq", "--lang", "anbn", "--hid", "5", "--seed", "0", "--epoch", "2", "--plot", "states.png"];
    clear("seq 5 units in pairs", &layouts_of(&pairs), 1);
    let dynamics = ["seq", "--lang", "anbn", "--seed", "0", "--epoch", "20", "--dynamics", "dynamics.png"];
    clear("seq dynamics", &layouts_of(&dynamics), 1);
}

#[test]
fn the_studies_pictures_are_clear() {
    clear("symmetry", &layouts_of(&["symmetry", "--epochs", "3000"]), 1);
    clear("nonlinearity", &layouts_of(&["nonlinearity", "--epochs", "3000"]), 1);
    clear("exercises", &layouts_of(&["exercises"]), 2);
    clear("xor", &layouts_of(&["xor", "--seed", "2", "--out", "xor.png"]), 1);
}
