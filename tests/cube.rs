//! The 8-3-8 encoder in three dimensions (the seed page's Question 2): `hud encoder --hid 3` prints the
//! cube's analysis to standard error and draws the cube from four directions; other K get their own
//! pictures.

mod common;

use common::{files_in, hud};
use hud::draw::cube::{CubeNumbers, CubePicture};
use hud::draw::{COLOUR_CYCLE, DOT_BLUE};
use hud::engine::model::EncModel;
use hud::labs::encoder::Trace;
use image::{Rgb, RgbImage};
use predicates::str::contains;

/// Runs `hud encoder ARGS --trace t.json` in `dir`: its stdout, stderr and the trained network.
fn encoder(dir: &std::path::Path, args: &[&str]) -> (String, String, EncModel) {
    let output =
        hud().arg("encoder").args(args).args(["--trace", "t.json"]).current_dir(dir).assert().success();
    let output = output.get_output();
    let trace: Trace = serde_json::from_str(&std::fs::read_to_string(dir.join("t.json")).unwrap()).unwrap();
    let net = EncModel { in_hid: trace.in_hid.to_linear(), hid_out: trace.hid_out.to_linear() };
    (
        String::from_utf8(output.stdout.clone()).unwrap(),
        String::from_utf8(output.stderr.clone()).unwrap(),
        net,
    )
}

fn rgb(c: plotters::style::RGBColor) -> Rgb<u8> {
    Rgb([c.0, c.1, c.2])
}

fn count_near(image: &RgbImage, (cx, cy): (i32, i32), radius: i32, colour: Rgb<u8>) -> usize {
    let mut count = 0;
    for y in cy - radius..=cy + radius {
        for x in cx - radius..=cx + radius {
            let inside = (x - cx).pow(2) + (y - cy).pow(2) <= radius * radius;
            if inside && image.get_pixel_checked(x as u32, y as u32) == Some(&colour) {
                count += 1;
            }
        }
    }
    count
}

#[test]
fn seed_0_draws_the_cube_and_finds_a_square_antiprism() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let (stdout, stderr, net) =
        encoder(dir.path(), &["--dim", "8", "--hid", "3", "--seed", "0", "--out", "cube.png"]);
    // Standard output is the script's lines only.
    assert_eq!(stdout.lines().count(), 8, "{stdout}");
    assert!(stdout.lines().all(|l| l.starts_with("ep")), "{stdout}");
    assert!(stdout.ends_with("ep800: loss =  0.0217\n"), "{stdout}");
    for expected in [
        "input  4 at (-0.908, +0.906, +0.985): corner (-,+,+), 0.132 away; at that corner",
        "input  1 at (+0.166, -0.990, -0.858): corner (+,-,-), 0.847 away; sits nearer the middle of the edge \
         between (-,-,-) and (+,-,-) than either corner (h1 = 0.166)",
        "4 of 8 inputs sit at corners (distinct octants; places all apart)",
        "output  1: cuts off (-,-,-) and (+,-,-), the corners around input 1",
        "output  8: cuts off (+,+,+), input 8's corner",
        "verdict: square-antiprism: not the page's cube: inputs 4, 5, 7 and 8 sit at the 4 corners of the face \
         h3 = +1, and inputs 1, 2, 3 and 6 nearer the middles of the 4 edges of the opposite face h3 = -1",
        "each plane cuts off exactly the corners around its own input",
        "wrote cube.png",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in\n{stderr}");
    }
    assert_eq!(files_in(dir.path()), ["cube.png", "t.json"]);

    // The picture, decoded: its size, the blue dots where the views put the points, each output's
    // polygon in its colour.
    let image = image::open(dir.path().join("cube.png")).unwrap().to_rgb8();
    assert_eq!((image.width(), image.height()), hud::draw::cube::SIZE);
    let numbers = CubeNumbers::of(&net).unwrap();
    let picture = CubePicture::new(&numbers, "", Some(String::new()));
    assert_eq!(picture.planes.len(), 8, "every plane cuts the cube");
    let mut dots = Vec::new();
    for (view, panel) in picture.views.iter().zip(picture.panels()) {
        let frame = panel.frame(*view, true);
        for (k, &point) in picture.points.iter().enumerate() {
            let dot = frame.pixel(*view, point);
            let blue = count_near(&image, dot, 3, rgb(DOT_BLUE));
            assert!(blue >= 10, "view {}: dot {} at {dot:?} has {blue} blue pixels", view.name(), k + 1);
            dots.push(dot);
        }
    }
    for (x, y, pixel) in image.enumerate_pixels() {
        if *pixel == rgb(DOT_BLUE) {
            let near = dots.iter().any(|d| (d.0 - x as i32).pow(2) + (d.1 - y as i32).pow(2) <= 81);
            assert!(near, "a blue pixel at ({x}, {y}) is no dot's");
        }
    }
    for (i, plane) in picture.planes.iter().enumerate() {
        assert_eq!(plane.colour, COLOUR_CYCLE[i]);
        let outline = image.pixels().filter(|&&p| p == rgb(plane.colour)).count();
        assert!(outline > 400, "output {}'s polygon has {outline} pixels of its colour", plane.output + 1);
        // Its vertices are on the plane.
        let (w, b) = (numbers.weights[plane.output], numbers.biases[plane.output]);
        for v in &plane.vertices {
            let value: f64 = (0..3).map(|j| f64::from(w[j]) * v[j]).sum::<f64>() + f64::from(b);
            assert!(value.abs() < 1e-9, "{v:?}");
        }
    }
    // The analysis is the same as the library's.
    assert_eq!(numbers.analysis(true).verdict, hud::analysis::cube::Verdict::SquareAntiprism);
}

#[test]
fn seed_3_leaves_an_input_on_an_edge_and_two_in_one_octant() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud()
        .args(["encoder", "--dim", "8", "--hid", "3", "--seed", "3", "--print-every", "0", "--out", "c.svg"])
        .current_dir(&dir)
        .assert()
        .success()
        .stdout("")
        .stderr(contains("parity: reproduces the PyTorch reference fixtures/encoder/838-seed3.json exactly"))
        .stderr(contains(
            "verdict: shared-octant: not the page's cube: inputs 4 and 5 share the octant of (-,-,-), and no input \
             is in the octant of (+,-,+)",
        ))
        .stderr(contains(
            "input 6 sits nearer the middle of the edge between (+,-,+) and (+,+,+) than either corner (h2 = 0.019)",
        ))
        .stderr(contains("output  6: cuts off (+,-,+) and (+,+,+), the corners around input 6"));
    let svg = std::fs::read_to_string(dir.path().join("c.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("8-3-8 encoder, target input: epoch 1224"));
    assert!(svg.contains("shared-octant"));
    assert_eq!(svg.matches("<circle").count(), 2 * 8 * 4, "a white ring and a dot per input and view");
    assert_eq!(svg.matches("<polygon").count(), 8 * 4, "a polygon per output and view");
}

#[test]
fn the_cube_turns_in_a_gif() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud()
        .args([
            "encoder",
            "--dim",
            "8",
            "--hid",
            "3",
            "--seed",
            "8",
            "--print-every",
            "0",
            "--animate",
            "turn.gif",
        ])
        .current_dir(&dir)
        .assert()
        .success()
        .stderr(contains("verdict: cuboctahedron: the page's answer"))
        .stderr(contains("wrote turn.gif (the cube turning, 72 frames"));
    assert_eq!(files_in(dir.path()), ["encoder.png", "turn.gif"]);
    let file = std::fs::File::open(dir.path().join("turn.gif")).unwrap();
    let decoder = image::codecs::gif::GifDecoder::new(std::io::BufReader::new(file)).unwrap();
    let frames = image::AnimationDecoder::into_frames(decoder).collect_frames().unwrap();
    assert_eq!(frames.len(), hud::draw::cube::TURNING_FRAMES);
    let (width, height) = hud::draw::cube::FRAME_SIZE;
    assert_eq!(frames[0].buffer().dimensions(), (width, height));
    // The frames differ: the view turns.
    assert_ne!(frames[0].buffer(), frames[10].buffer());
    let blue = frames[10].buffer().pixels().filter(|p| p.0 == [0, 0, 255, 255]).count();
    assert!(blue > 8 * 20, "{blue} blue pixels");
}

#[test]
fn more_hidden_units_draw_every_pair_and_one_draws_a_strip() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud()
        .args([
            "encoder",
            "--dim",
            "12",
            "--hid",
            "4",
            "--seed",
            "0",
            "--print-every",
            "0",
            "--out",
            "pairs.png",
        ])
        .current_dir(&dir)
        .assert()
        .success()
        .stderr(contains("wrote pairs.png"));
    let image = image::open(dir.path().join("pairs.png")).unwrap().to_rgb8();
    let picture = hud::draw::space::PairsPicture { points: vec![], hid: 4, title: String::new() };
    assert_eq!((image.width(), image.height()), picture.size());
    // 12 dots in each of the 6 panels.
    let blue = image.pixels().filter(|&&p| p == rgb(DOT_BLUE)).count();
    assert!(blue > 6 * 12 * 20, "{blue} blue pixels");
    hud()
        .args(["encoder", "--dim", "4", "--hid", "1", "--seed", "0", "--epochs", "300", "--out", "strip.svg"])
        .current_dir(&dir)
        .assert()
        .success()
        .stderr(contains("wrote strip.svg"));
    let svg = std::fs::read_to_string(dir.path().join("strip.svg")).unwrap();
    assert!(svg.contains("one hidden unit"));
    assert_eq!(svg.matches("<circle").count(), 4);
    hud()
        .args(["encoder", "--dim", "12", "--hid", "11", "--seed", "0", "--epochs", "20"])
        .current_dir(&dir)
        .assert()
        .success()
        .stderr(contains("no picture: the hidden-unit picture draws 1 to 10 hidden units"));
}
