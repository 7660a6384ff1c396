//! `hud encoder --animate` and `--trajectory`: the GIF decoded frame by frame (as many frames as the
//! schedule has, the last one the run's final picture with its dots where the weights put them), the
//! trajectory picture's start rings and end dots, and the refusals that leave no file behind.

mod common;

use common::{files_in, hud};
use hud::draw::animate::{frame_epochs, FRAME_MS, LAST_FRAME_MS, PATH_COLOUR, TRAIL_COLOUR};
use hud::draw::hidden::Frame;
use hud::draw::{COLOUR_CYCLE, DOT_BLUE, START_MARKER};
use hud::labs::encoder::Trace;
use image::{AnimationDecoder, Rgb, RgbImage};
use plotters::style::RGBColor;
use std::path::Path;

fn rgb(colour: RGBColor) -> Rgb<u8> {
    Rgb([colour.0, colour.1, colour.2])
}

/// Where the plot area lies in every picture (the layout does not depend on the contents).
fn layout() -> Frame {
    Frame::of_pictures().unwrap()
}

/// The GIF's frames, composed as a viewer shows them, with each frame's delay in milliseconds.
fn gif_frames(path: &Path) -> Vec<(RgbImage, u32)> {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let decoder = image::codecs::gif::GifDecoder::new(file).unwrap();
    let frames = decoder.into_frames().collect_frames().unwrap();
    frames
        .into_iter()
        .map(|frame| {
            let (numer, denom) = frame.delay().numer_denom_ms();
            (image::DynamicImage::ImageRgba8(frame.into_buffer()).to_rgb8(), numer / denom)
        })
        .collect()
}

fn read_trace(path: &Path) -> Trace {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The hidden points of the trace's final weights: tanh(weight[:, k] + bias).
fn points(trace: &Trace) -> Vec<(f32, f32)> {
    let (w, b) = (&trace.in_hid.weight, &trace.in_hid.bias);
    (0..w[0].len()).map(|k| ((w[0][k] + b[0]).tanh(), (w[1][k] + b[1]).tanh())).collect()
}

/// Pixels of `colour` within `radius` of `centre` (and at least `inner` from it).
fn count_ring(image: &RgbImage, centre: (i32, i32), inner: i32, radius: i32, colour: Rgb<u8>) -> usize {
    let mut count = 0;
    for dy in -radius..=radius {
        for dx in -radius..=radius {
            let d2 = dx * dx + dy * dy;
            let (x, y) = (centre.0 + dx, centre.1 + dy);
            if d2 <= radius * radius
                && d2 >= inner * inner
                && image.get_pixel_checked(x as u32, y as u32) == Some(&colour)
            {
                count += 1;
            }
        }
    }
    count
}

/// Blue dots of the usual size at `dots`, and no blue pixel anywhere else.
fn check_dots(image: &RgbImage, dots: &[(i32, i32)], what: &str) {
    for (k, &dot) in dots.iter().enumerate() {
        let blue = count_ring(image, dot, 0, 5, rgb(DOT_BLUE));
        assert!(blue >= 30, "{what}: dot {} at {dot:?} has only {blue} blue pixels", k + 1);
    }
    for (x, y, pixel) in image.enumerate_pixels() {
        if *pixel == rgb(DOT_BLUE) {
            let near_a_dot = dots.iter().any(|d| (d.0 - x as i32).pow(2) + (d.1 - y as i32).pow(2) <= 36);
            assert!(near_a_dot, "{what}: a blue pixel at ({x}, {y}) is no dot's");
        }
    }
}

fn count_colour(image: &RgbImage, colour: RGBColor) -> usize {
    image.pixels().filter(|&&p| p == rgb(colour)).count()
}

/// The title band's pixels.
fn title_band(image: &RgbImage) -> Vec<Rgb<u8>> {
    (20..50).flat_map(|y| (0..image.width()).map(move |x| *image.get_pixel(x, y))).collect()
}

#[test]
fn the_gif_has_a_frame_per_scheduled_epoch_and_ends_on_the_final_picture() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    // question1 with seed 2 stops at epoch 184, which the schedule (..., 174, 191) does not have.
    hud()
        .args(["encoder", "--target", "question1", "--seed", "2", "--print-every", "0"])
        .args(["--trace", "t.json", "--animate", "run.gif"])
        .current_dir(&dir)
        .assert()
        .success()
        .stderr(predicates::str::contains("wrote run.gif (42 frames, "));
    assert_eq!(files_in(dir.path()), ["encoder.png", "run.gif", "t.json"]);
    let trace = read_trace(&dir.path().join("t.json"));
    assert_eq!(trace.epochs, 184);
    let schedule = frame_epochs(trace.epochs, 25);
    assert_eq!(schedule.len(), 10 + 31 + 1, "1 to 10, 11 to 174 at ratio 10^(1/25), 184");
    assert_eq!(schedule[schedule.len() - 2..], [174, 184]);

    let frames = gif_frames(&dir.path().join("run.gif"));
    assert_eq!(frames.len(), schedule.len());
    for (n, (image, delay)) in frames.iter().enumerate() {
        assert_eq!((image.width(), image.height()), hud::draw::SIZE, "frame {n}");
        assert_eq!(*delay, u32::from(if n + 1 == frames.len() { LAST_FRAME_MS } else { FRAME_MS }));
    }
    let (first, last) = (&frames[0].0, &frames.last().unwrap().0);
    assert_ne!(first, last);
    assert_ne!(title_band(first), title_band(last), "the title does not change");
    assert!(title_band(last).iter().filter(|p| p[0] < 100).count() > 100, "no title");

    let frame = layout();
    let dots: Vec<(i32, i32)> = points(&trace).iter().map(|&(x, y)| frame.to_pixel(x, y)).collect();
    check_dots(last, &dots, "last frame");
    // The last frame is the still picture, every pixel of the picture's own colours kept exactly
    // (edges blended by anti-aliasing take the palette's nearest colour).
    let still = image::open(dir.path().join("encoder.png")).unwrap().to_rgb8();
    let exact: Vec<Rgb<u8>> =
        COLOUR_CYCLE.iter().chain(&[DOT_BLUE, RGBColor(255, 255, 255)]).map(|&c| rgb(c)).collect();
    let mut compared = 0;
    for (x, y, pixel) in still.enumerate_pixels() {
        if exact.contains(pixel) {
            assert_eq!(last.get_pixel(x, y), pixel, "at ({x}, {y})");
            compared += 1;
        }
    }
    assert!(compared > 400_000, "{compared}");
    // The first frame (epoch 1) has every dot near the middle.
    let middle = frame.to_pixel(0.0, 0.0);
    assert!(count_ring(first, middle, 0, 6, rgb(DOT_BLUE)) >= 30);
    assert_eq!(count_colour(last, TRAIL_COLOUR), 0, "trails without --trails");
}

#[test]
fn trails_follow_each_dot_from_the_middle() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    hud()
        .args(["encoder", "--seed", "0", "--epochs", "300", "--print-every", "0", "--trace", "t.json"])
        .args(["--animate", "a.gif", "--trails", "--frames-per-decade", "10"])
        .current_dir(&dir)
        .assert()
        .success();
    let trace = read_trace(&dir.path().join("t.json"));
    let frames = gif_frames(&dir.path().join("a.gif"));
    assert_eq!(frames.len(), frame_epochs(300, 10).len());
    let schedule =
        [1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 32, 40, 50, 63, 79, 100, 126, 158, 200, 251, 300];
    assert_eq!(frame_epochs(300, 10), schedule);
    let last = &frames.last().unwrap().0;
    let frame = layout();
    let dots: Vec<(i32, i32)> = points(&trace).iter().map(|&(x, y)| frame.to_pixel(x, y)).collect();
    check_dots(last, &dots, "last frame");
    // Trails leave the middle (where every dot started) and reach every dot.
    let middle = frame.to_pixel(0.0, 0.0);
    assert!(count_ring(last, middle, 8, 20, rgb(TRAIL_COLOUR)) >= 20);
    for (k, &dot) in dots.iter().enumerate() {
        assert!(count_ring(last, dot, 5, 9, rgb(TRAIL_COLOUR)) > 0, "no trail reaches dot {}", k + 1);
    }
    // The trails grow.
    let trail_pixels: Vec<usize> =
        frames.iter().map(|(image, _)| count_colour(image, TRAIL_COLOUR)).collect();
    assert!(trail_pixels[frames.len() - 1] > trail_pixels[frames.len() / 2], "{trail_pixels:?}");
    // Each frame's file is small: later frames hold only what changed.
    assert!(std::fs::metadata(dir.path().join("a.gif")).unwrap().len() < 16 * 60_000);
}

#[test]
fn the_trajectory_has_a_ring_where_each_dot_started_and_the_dot_where_it_ended() {
    common::portable();
    let dir = tempfile::tempdir().unwrap();
    let run = |epochs: &str, extra: &[&str]| {
        hud()
            .args(["encoder", "--seed", "0", "--dim", "5", "--print-every", "0", "--epochs", epochs])
            .args(extra)
            .current_dir(&dir)
            .assert()
            .success();
    };
    // The first recorded positions are those after epoch 1: a one-epoch run's final ones.
    run("1", &["--trace", "first.json", "--out", "first.png"]);
    run("400", &["--trace", "last.json", "--trajectory", "path.png"]);
    run("400", &["--trajectory", "path.svg", "--out", "e.svg"]);
    let frame = layout();
    let to_pixels = |trace: &Trace| -> Vec<(i32, i32)> {
        points(trace).iter().map(|&(x, y)| frame.to_pixel(x, y)).collect()
    };
    let starts = to_pixels(&read_trace(&dir.path().join("first.json")));
    let ends = to_pixels(&read_trace(&dir.path().join("last.json")));
    let image = image::open(dir.path().join("path.png")).unwrap().to_rgb8();
    assert_eq!((image.width(), image.height()), hud::draw::SIZE);
    check_dots(&image, &ends, "trajectory");
    for &start in &starts {
        assert!(count_ring(&image, start, 3, 5, rgb(START_MARKER)) >= 20, "no ring at {start:?}");
    }
    // Black, the rings' colour, is nowhere else inside the square.
    for (x, y, pixel) in image.enumerate_pixels() {
        let (x, y) = (x as i32, y as i32);
        let inside = frame.left + 2 < x && x < frame.right - 2 && frame.top + 2 < y && y < frame.bottom - 2;
        if inside && *pixel == rgb(START_MARKER) {
            assert!(starts.iter().any(|s| (s.0 - x).pow(2) + (s.1 - y).pow(2) <= 36), "black at ({x}, {y})");
        }
    }
    // Each path runs from the middle to its dot.
    for &end in &ends {
        assert!(count_ring(&image, end, 5, 9, rgb(PATH_COLOUR)) > 0, "no path reaches {end:?}");
    }
    assert!(count_ring(&image, starts[0], 5, 20, rgb(PATH_COLOUR)) >= 20);
    // The title says what it is.
    let svg = std::fs::read_to_string(dir.path().join("path.svg")).unwrap();
    assert!(svg.contains("5-2-5 encoder, target input: trajectory from epoch 1 to 400, loss "), "{svg:.300}");
    assert_eq!(svg.matches("<circle").count(), 5 + 5, "a ring and a dot per input");
}

/// Runs `hud encoder` with `args` in a fresh folder, expects one `error:` line with `message`, and
/// checks that no file was left behind.
fn refuses(args: &[&str], message: &str) {
    let dir = tempfile::tempdir().unwrap();
    common::encoder_refuses_in(dir.path(), args, message);
}

#[test]
fn impossible_animations_are_refused_and_leave_nothing() {
    common::portable();
    refuses(&["--hid", "4", "--animate", "a.gif"], "--animate needs 2 hidden units");
    refuses(&["--hid", "3", "--animate", "a.gif", "--trails"], "--trails needs 2 hidden units");
    refuses(&["--hid", "3", "--trajectory", "t.png"], "--trajectory needs 2 hidden units");
    refuses(&["--hid", "1", "--trajectory", "t.png"], "--trajectory needs 2 hidden units");
    refuses(&["--animate", "a.png"], "cannot animate into a.png: the name must end in .gif");
    refuses(&["--animate", "a"], "the name must end in .gif");
    refuses(&["--trajectory", "t.gif"], "the picture's name must end in .png or .svg");
    refuses(&["--animate", "no/such/a.gif"], "cannot write no/such/a.gif");
    refuses(&["--trajectory", "encoder.png"], "--trajectory names encoder.png, which another output");
    refuses(&["--trace", "a.gif", "--animate", "a.gif"], "--animate names a.gif, which another output");
    refuses(&["--trails"], "--trails draws in the animation: give --animate FILE.gif too");
    refuses(&["--animate", "a.gif", "--frames-per-decade", "0"], "invalid value '0'");
}

#[test]
fn a_diverging_run_leaves_no_animation() {
    common::portable();
    refuses(&["--init", "3e38", "--animate", "a.gif"], "the run diverged at epoch 1");
    // This one diverges at epoch 64, after frames were recorded.
    refuses(
        &["--mom", "5", "--epochs", "100", "--animate", "a.gif", "--trails", "--trajectory", "t.png"],
        "the run diverged at epoch 64",
    );
}
