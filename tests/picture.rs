//! The hidden-unit picture: the same dots, lines and colours as the course's own `plot_hidden` draws
//! with matplotlib, and, decoded, blue dots where the weights put the inputs, each output's line in
//! its colour, and nothing blue anywhere else.

mod common;

use hud::draw::hidden::{HiddenPicture, Raster};
use hud::draw::{COLOUR_CYCLE, DOT_BLUE};
use hud::engine::model::EncModel;
use hud::labs::encoder::{self, Config, Trace};
use image::{Rgb, RgbImage};
use plotters::style::RGBColor;

fn decode(raster: &Raster) -> RgbImage {
    let png = raster.png().unwrap();
    image::load_from_memory(&png).unwrap().to_rgb8()
}

fn rgb(colour: RGBColor) -> Rgb<u8> {
    Rgb([colour.0, colour.1, colour.2])
}

/// Pixels of `colour` within `radius` of `centre`.
fn count_near(image: &RgbImage, centre: (i32, i32), radius: i32, colour: Rgb<u8>) -> usize {
    let mut count = 0;
    for dy in -radius..=radius {
        for dx in -radius..=radius {
            let (x, y) = (centre.0 + dx, centre.1 + dy);
            if dx * dx + dy * dy <= radius * radius
                && image.get_pixel_checked(x as u32, y as u32) == Some(&colour)
            {
                count += 1;
            }
        }
    }
    count
}

fn check_picture(picture: &HiddenPicture) {
    let raster = picture.raster().unwrap();
    let image = decode(&raster);
    assert_eq!((image.width(), image.height()), hud::draw::SIZE);
    let frame = raster.frame;
    let dots: Vec<(i32, i32)> = picture.points.iter().map(|&(x, y)| frame.to_pixel(x, y)).collect();
    for (k, &dot) in dots.iter().enumerate() {
        // A dot of radius 5 has about 80 pixels; lines drawn over it may hide some.
        let blue = count_near(&image, dot, 5, rgb(DOT_BLUE));
        assert!(blue >= 30, "dot {} at {dot:?} has only {blue} blue pixels", k + 1);
    }
    for (x, y, pixel) in image.enumerate_pixels() {
        if *pixel == rgb(DOT_BLUE) {
            let near_a_dot = dots.iter().any(|d| (d.0 - x as i32).pow(2) + (d.1 - y as i32).pow(2) <= 36);
            assert!(near_a_dot, "a blue pixel at ({x}, {y}) is no dot's");
        }
    }
    // Each line's colour along it, away from the numbered boxes (drawn in the same colour).
    let labels: Vec<(i32, i32)> =
        picture.line_label_places(&frame).iter().map(|&(x, y)| frame.to_pixel(x, y)).collect();
    for line in &picture.lines {
        let [(x0, y0), (x1, y1)] = line.ends;
        let samples: Vec<(i32, i32)> = (2..=18)
            .map(|i| i as f32 / 20.0)
            .map(|t| frame.to_pixel(x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
            .filter(|p| labels.iter().all(|l| (p.0 - l.0).abs() > 16 || (p.1 - l.1).abs() > 12))
            .collect();
        let on_line = samples.iter().filter(|&&p| count_near(&image, p, 1, rgb(line.colour)) > 0).count();
        // Lines drawn later may cross it.
        assert!(
            on_line * 5 >= samples.len() * 4 && samples.len() >= 5,
            "line {} is missing along {:?}: {on_line} of {} samples",
            line.output + 1,
            line.ends,
            samples.len()
        );
    }
    // The title band holds dark text pixels.
    let dark_title_pixels = (20..50)
        .flat_map(|y| (0..image.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| image.get_pixel(x, y)[0] < 100)
        .count();
    assert!(dark_title_pixels > 100, "no title");
}

#[test]
fn hand_placed_dots_and_lines_are_drawn_where_they_belong() {
    common::portable();
    let points = vec![(0.5, 0.5), (-0.5, 0.5), (-0.5, -0.5), (0.5, -0.5), (0.0, 0.0)];
    // x = 0.25 (vertical), y = x (diagonal), a line outside the square (not drawn), y = -0.75.
    let weight = vec![vec![4.0, 0.0], vec![1.0, -1.0], vec![1.0, 1.0], vec![0.0, 4.0]];
    let picture = HiddenPicture::new(points, &weight, &[-1.0, 0.0, 5.0, 3.0], "hand-placed");
    let ends: Vec<(usize, [(f32, f32); 2])> = picture.lines.iter().map(|l| (l.output, l.ends)).collect();
    assert_eq!(
        ends,
        vec![
            (0, [(0.25, -1.0), (0.25, 1.0)]),
            (1, [(-1.0, -1.0), (1.0, 1.0)]),
            (3, [(-1.0, -0.75), (1.0, -0.75)])
        ]
    );
    let colours: Vec<RGBColor> = picture.lines.iter().map(|l| l.colour).collect();
    assert_eq!(colours, COLOUR_CYCLE[..3]);
    check_picture(&picture);

    // The square's corners map to the plot area's corners.
    let frame = picture.raster().unwrap().frame;
    assert_eq!(frame.to_pixel(-1.0, -1.0), (frame.left, frame.bottom));
    assert_eq!(frame.to_pixel(1.0, 1.0), (frame.right, frame.top));
}

#[test]
fn a_trained_networks_picture_shows_its_hidden_activations_and_output_lines() {
    common::portable();
    let config = Config {
        target: "question1".into(),
        dim: 9,
        hid: 2,
        epochs: 100000,
        stop: 0.02,
        lr: 0.4,
        mom: 0.9,
        init: 0.001,
        seed: 2,
        device: hud::engine::device::DeviceArg::Cpu,
    };
    let target = config.target().unwrap();
    let run = encoder::train(&config, &target, tch::Device::Cpu, |_, _, _| Ok(())).unwrap();
    let picture = HiddenPicture::of(&run.net, "question1").unwrap();
    assert_eq!(picture.points.len(), 6);
    // The dots are tanh(W[:, k] + b), read back from the weights.
    let weight = Vec::<Vec<f32>>::try_from(run.net.in_hid.weight.detach()).unwrap();
    let bias = Vec::<f32>::try_from(run.net.in_hid.bias.detach()).unwrap();
    for (k, &(x, y)) in picture.points.iter().enumerate() {
        assert!(
            (x - (weight[0][k] + bias[0]).tanh()).abs() < 1e-6
                && (y - (weight[1][k] + bias[1]).tanh()).abs() < 1e-6
        );
    }
    // Each drawn line is where its output's net input is zero.
    let out_weight = Vec::<Vec<f32>>::try_from(run.net.hid_out.weight.detach()).unwrap();
    let out_bias = Vec::<f32>::try_from(run.net.hid_out.bias.detach()).unwrap();
    assert!(!picture.lines.is_empty());
    for line in &picture.lines {
        let (w, c) = (&out_weight[line.output], out_bias[line.output]);
        for (x, y) in line.ends {
            assert!((w[0] * x + w[1] * y + c).abs() < 1e-4 * (w[0].abs() + w[1].abs() + c.abs()));
        }
    }
    check_picture(&picture);
}

#[test]
fn the_svg_has_a_circle_per_dot_and_a_path_per_line() {
    common::portable();
    let picture = HiddenPicture::new(
        vec![(0.1, 0.2), (-0.3, 0.4)],
        &[vec![1.0, 2.0], vec![0.0, 1.0]],
        &[0.1, 0.5],
        "svg",
    );
    let svg = picture.svg().unwrap();
    assert!(svg.starts_with("<svg"));
    assert_eq!(svg.matches("<circle").count(), 2);
    // Polylines are the ticks and the output lines; each output line is one in its colour.
    for line in &picture.lines {
        let stroke = format!("stroke=\"#{:02X}{:02X}{:02X}\"", line.colour.0, line.colour.1, line.colour.2);
        let in_colour =
            svg.split("<polyline").skip(1).filter(|e| e.split('>').next().unwrap().contains(&stroke));
        assert_eq!(in_colour.count(), 1, "{stroke}");
    }
    assert!(svg.contains("hidden unit 1") && svg.contains("svg"));
}

/// The dots and lines `plot_hidden` (the course script's own function, run by matplotlib) draws for
/// each saved fixture with two hidden units, as JSON: per fixture, the dots' x and y, and per line its
/// x, y and colour.
const PLOT_HIDDEN: &str = r#"
import json, runpy, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
course = runpy.run_path(sys.argv[1])
result = []
for path in sys.argv[2:]:
    trace = json.load(open(path))
    w1, w2 = torch.tensor(trace["in_hid"]["weight"]), torch.tensor(trace["hid_out"]["weight"])
    net = course["EncModel"](w1.shape[1], 2, w2.shape[0])
    net.in_hid.weight.data, net.in_hid.bias.data = w1, torch.tensor(trace["in_hid"]["bias"])
    net.hid_out.weight.data, net.hid_out.bias.data = w2, torch.tensor(trace["hid_out"]["bias"])
    plt.figure()
    course["plot_hidden"](net)
    dots, *lines = plt.gca().get_lines()
    xy = lambda line: [[float(v) for v in line.get_xdata()], [float(v) for v in line.get_ydata()]]
    colour = lambda line: matplotlib.colors.to_hex(line.get_color())
    result.append({"dots": xy(dots), "dot_colour": colour(dots),
                   "lines": [xy(line) + [colour(line)] for line in lines]})
    plt.close()
print(json.dumps(result))
"#;

#[test]
fn dots_lines_and_colours_are_those_plot_hidden_draws() {
    common::portable();
    let mut fixtures: Vec<_> = std::fs::read_dir(common::repo_file("fixtures/encoder"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let trace: Trace = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            trace.config.hid == 2
        })
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 5, "{fixtures:?}");
    let output = std::process::Command::new(common::python())
        .arg("-c")
        .arg(PLOT_HIDDEN)
        .arg(common::repo_file("fixtures/encoder_main.py"))
        .args(&fixtures)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let drawn: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let as_f32 = |v: &serde_json::Value| -> Vec<f32> {
        v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
    };
    for (path, matplotlib) in fixtures.iter().zip(&drawn) {
        let trace: Trace = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let net = EncModel { in_hid: trace.in_hid.to_linear(), hid_out: trace.hid_out.to_linear() };
        let picture = HiddenPicture::of(&net, "").unwrap();
        let name = path.display();
        assert_eq!(matplotlib["dot_colour"], "#0000ff", "{name}");
        let (xs, ys) = (as_f32(&matplotlib["dots"][0]), as_f32(&matplotlib["dots"][1]));
        let ours: (Vec<f32>, Vec<f32>) = picture.points.iter().copied().unzip();
        assert_eq!(ours, (xs, ys), "{name}: dots");
        let lines = matplotlib["lines"].as_array().unwrap();
        assert_eq!(lines.len(), picture.lines.len(), "{name}: number of lines");
        for (line, theirs) in picture.lines.iter().zip(lines) {
            let [(x0, y0), (x1, y1)] = line.ends;
            assert_eq!(
                (vec![x0, x1], vec![y0, y1]),
                (as_f32(&theirs[0]), as_f32(&theirs[1])),
                "{name}: line {}",
                line.output + 1
            );
            let colour = format!("#{:02x}{:02x}{:02x}", line.colour.0, line.colour.1, line.colour.2);
            assert_eq!(theirs[2], colour.as_str(), "{name}: line {}", line.output + 1);
        }
    }
}

#[test]
fn question1s_picture_labels_the_bits_and_points_to_each_lines_positive_side() {
    common::portable();
    use hud::data::targets::Target;
    let question1 = Target::resolve("question1", 0).unwrap();
    let identity = Target::resolve("input", 6).unwrap();
    // x = 0.25 (positive side: right), y = -0.5 (positive side: below, since -4y - 2 > 0 there).
    let weight = vec![vec![4.0, 0.0], vec![0.0, -4.0], vec![1.0, 1.0]];
    let points = vec![(0.5, 0.5), (-0.5, 0.5), (-0.5, -0.7), (0.5, -0.7), (0.0, 0.2), (0.9, 0.9)];
    let plain = HiddenPicture::new(points, &weight, &[-1.0, -2.0, 5.0], "question 1");
    assert_eq!(
        plain.clone().labelled_for(&identity),
        plain,
        "the encoder's picture stays as plot_hidden draws it"
    );
    let picture = plain.labelled_for(&question1);
    let labels = picture.dot_labels.clone().unwrap();
    assert_eq!(labels, ["1: 000", "2: 001", "3: 010", "4: 100", "5: 101", "6: 110"]);
    assert!(picture.positive_sides);

    let raster = picture.raster().unwrap();
    let image = decode(&raster);
    let frame = raster.frame;
    // Each arrow starts at its line's middle and runs 30 pixels into the positive side.
    for (line, towards) in picture.lines.iter().zip([(1, 0), (0, 1)]) {
        let [(x0, y0), (x1, y1)] = line.ends;
        let (mx, my) = frame.to_pixel((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        for along in [12, 20, 26] {
            let inside = (mx + towards.0 * along, my + towards.1 * along);
            assert!(
                count_near(&image, inside, 1, rgb(line.colour)) > 0,
                "line {}: arrow at {inside:?}",
                line.output
            );
            let outside = (mx - towards.0 * along, my - towards.1 * along);
            assert_eq!(
                count_near(&image, outside, 1, rgb(line.colour)),
                0,
                "line {}: nothing at {outside:?}",
                line.output
            );
        }
    }
}

#[test]
fn a_nearly_vertical_line_is_drawn_smooth_not_in_stair_steps() {
    common::portable();
    // x = 0.02 y + 0.3: across the square the line moves 0.04, about 12 pixels over 460 rows.
    let picture = HiddenPicture::new(vec![(-0.8, -0.8)], &[vec![1.0, -0.02]], &[-0.3], "nearly vertical");
    let raster = picture.raster().unwrap();
    let image = decode(&raster);
    let frame = raster.frame;
    let colour = COLOUR_CYCLE[0];
    // Pixels between the line's colour and white: each channel on the segment between the two.
    let blended = |p: &Rgb<u8>| {
        let t: Vec<f64> = (0..3)
            .map(|c| {
                let (line, white) = (f64::from([colour.0, colour.1, colour.2][c]), 255.0);
                (white - f64::from(p[c])) / (white - line)
            })
            .collect();
        t.iter().all(|&t| t > 0.1 && t < 0.9) && t.iter().all(|&s| (s - t[0]).abs() < 0.1)
    };
    let (mut rows, mut shaded) = (0, 0);
    for y in frame.top + 30..frame.bottom - 30 {
        let (x, _) = frame.to_pixel(0.3, 0.0);
        rows += 1;
        if (x - 10..x + 10).any(|x| blended(image.get_pixel(x as u32, y as u32))) {
            shaded += 1;
        }
    }
    // A stair-stepped line has whole-colour pixels only; a smooth one shades its edges, in every row
    // but those where it runs exactly between two pixels (and covers both).
    assert!(shaded * 2 >= rows, "{shaded} of {rows} rows have a shaded edge pixel");
}
