//! `--html`: each explorer page loaded in a real browser (headless Chromium), opened at an epoch by its
//! URL fragment. The screenshot is decoded and its dots and lines compared with the PNG renderer's
//! picture of the same epoch; the DOM after the script ran is read for what hovering shows; and
//! Chromium's network log must show no request from the page (checked against a page that does make
//! one, so that the check can fail).

mod common;

use common::{encoder_refuses_in, hud, refuses_in};
use hud::draw::region::{CLASS_0, CLASS_1, PAINTED, UNPAINTED};
use hud::draw::{COLOUR_CYCLE, DOT_BLUE};
use image::{Rgb, RgbImage};
use plotters::style::RGBColor;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Chromium: `HUD_CHROMIUM`, else `chromium` (Debian's package, which scripts/setup.sh installs for
/// the tests) or `chromium-browser` or `google-chrome` on the PATH.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("HUD_CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Some(found) = std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()) {
            return found;
        }
    }
    panic!(
        "the explorer's tests need Chromium: scripts/test installs it (Debian's `chromium` package), or set \
         HUD_CHROMIUM to a Chromium or Chrome binary"
    );
}

/// What the browser made of a page: the screenshot or the DOM, and the URLs the page requested.
struct Visit {
    screenshot: Option<RgbImage>,
    dom: String,
    requests: Vec<String>,
}

/// Loads `page#fragment` in headless Chromium at `size` (one device pixel per CSS pixel), with its
/// own profile and network log: a screenshot, or the DOM after the script ran.
fn visit(page: &Path, fragment: &str, size: (u32, u32), screenshot: bool) -> Visit {
    let dir = tempfile::tempdir().unwrap();
    let (shot, log) = (dir.path().join("shot.png"), dir.path().join("net.json"));
    let url = format!("file://{}{fragment}", page.canonicalize().unwrap().display());
    let mut command = Command::new(chromium());
    command
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"])
        .args(["--force-device-scale-factor=1", "--disable-background-networking", "--disable-sync"])
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("--log-net-log={}", log.display()))
        // The page's console on stderr, for its script's errors; virtual time runs the page's timers.
        .args(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=2000"])
        // The tests' portable square root is for hud, not for the browser.
        .env_remove("LD_PRELOAD");
    if screenshot {
        command.arg(format!("--screenshot={}", shot.display()));
    } else {
        command.arg("--dump-dom");
    }
    let output = command.arg(&url).output().expect("cannot start Chromium");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "Chromium failed on {url}: {stderr}");
    let errors: Vec<&str> =
        stderr.lines().filter(|l| l.contains(":CONSOLE") && l.contains("Uncaught")).collect();
    assert!(errors.is_empty(), "the page's script failed on {url}: {errors:#?}");
    Visit {
        screenshot: screenshot.then(|| image::open(&shot).expect("no screenshot").to_rgb8()),
        dom: String::from_utf8(output.stdout).unwrap(),
        requests: page_requests(&log),
    }
}

/// The URLs that pages asked for, from Chromium's network log: requests with an initiator (the
/// browser's own background requests have none: "not an origin").
fn page_requests(log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).expect("no network log");
    // Chromium may leave the log's closing brackets off when it exits.
    let text = text.trim_end().trim_end_matches(',');
    let json: serde_json::Value = serde_json::from_str(text)
        .or_else(|_| serde_json::from_str(&format!("{text}]}}")))
        .expect("unreadable network log");
    let mut urls: Vec<String> = json["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|event| {
            let params = &event["params"];
            let initiator = params["initiator"].as_str()?;
            (initiator != "not an origin").then(|| params["url"].as_str().unwrap_or("?").to_string())
        })
        .collect();
    urls.dedup();
    urls
}

/// The DOM from the element with this id on (up to 600 characters), leaving the page's data out.
fn element<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in {dom}"));
    let end = dom[start..].char_indices().nth(600).map_or(dom.len(), |(i, _)| start + i);
    &dom[start..end]
}

/// The run's data a page carries (its `<script type="application/json" id="run">`).
fn page_data(page: &Path) -> serde_json::Value {
    let html = std::fs::read_to_string(page).unwrap();
    let start = html.find("id=\"run\">").expect("no data in the page") + "id=\"run\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("the page's data is not JSON")
}

fn encoder_page(dir: &Path, args: &[&str], name: &str) -> PathBuf {
    let page = dir.join(name);
    hud().arg("encoder").args(args).arg("--html").arg(&page).current_dir(dir).assert().success();
    page
}

fn is_dark(p: &Rgb<u8>) -> bool {
    p.0.iter().all(|&c| c < 90)
}

/// The plot area's top-left corner: the first row and column among those with nearly as many black
/// pixels as the frame's long edges.
fn frame_corner(image: &RgbImage) -> (i64, i64) {
    let (w, h) = image.dimensions();
    let rows: Vec<usize> =
        (0..h).map(|y| (0..w).filter(|&x| is_dark(image.get_pixel(x, y))).count()).collect();
    let columns: Vec<usize> =
        (0..w).map(|x| (0..h).filter(|&y| is_dark(image.get_pixel(x, y))).count()).collect();
    let first = |counts: &[usize]| {
        let most = *counts.iter().max().unwrap();
        counts.iter().position(|&c| c * 10 >= most * 8).unwrap() as i64
    };
    (first(&columns), first(&rows))
}

/// The centres of the blobs of exactly `colour` (the dots), relative to `origin`.
fn blobs(image: &RgbImage, colour: RGBColor, origin: (i64, i64)) -> Vec<(f64, f64)> {
    let target = Rgb([colour.0, colour.1, colour.2]);
    let (w, h) = image.dimensions();
    let mut seen = vec![false; (w * h) as usize];
    let mut centres = Vec::new();
    for start in 0..(w * h) {
        if seen[start as usize] || *image.get_pixel(start % w, start / w) != target {
            continue;
        }
        let (mut stack, mut sum, mut count) = (vec![start], (0.0, 0.0), 0.0);
        seen[start as usize] = true;
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            sum = (sum.0 + x as f64, sum.1 + y as f64);
            count += 1.0;
            let neighbours = [(x.wrapping_sub(1), y), (x + 1, y), (x, y.wrapping_sub(1)), (x, y + 1)];
            for (nx, ny) in neighbours {
                let j = ny.wrapping_mul(w).wrapping_add(nx);
                if nx < w && ny < h && !seen[j as usize] && *image.get_pixel(nx, ny) == target {
                    seen[j as usize] = true;
                    stack.push(j);
                }
            }
        }
        centres.push((sum.0 / count - origin.0 as f64, sum.1 / count - origin.1 as f64));
    }
    centres
}

fn distance(a: Rgb<u8>, b: RGBColor) -> i32 {
    let d = [a.0[0] as i32 - b.0 as i32, a.0[1] as i32 - b.1 as i32, a.0[2] as i32 - b.2 as i32];
    d.iter().map(|v| v.abs()).max().unwrap()
}

/// The pixels inside the plot area (relative to its corner, `size` wide and high) within `tolerance`
/// of `colour`.
fn coloured(
    image: &RgbImage,
    corner: (i64, i64),
    size: (i64, i64),
    colour: RGBColor,
    tolerance: i32,
) -> Vec<(i64, i64)> {
    let mut found = Vec::new();
    for y in 2..size.1 - 1 {
        for x in 2..size.0 - 1 {
            let (px, py) = (corner.0 + x, corner.1 + y);
            if px < image.width() as i64
                && py < image.height() as i64
                && distance(*image.get_pixel(px as u32, py as u32), colour) <= tolerance
            {
                found.push((x, y));
            }
        }
    }
    found
}

/// The share of `pixels` that have one of `others` within 2 pixels.
fn share_near(pixels: &[(i64, i64)], others: &[(i64, i64)]) -> f64 {
    let near = pixels
        .iter()
        .filter(|p| others.iter().any(|o| (p.0 - o.0).abs() <= 2 && (p.1 - o.1).abs() <= 2))
        .count();
    near as f64 / pixels.len().max(1) as f64
}

/// The screenshot's dots and lines sit where the PNG renderer put them: every dot within 1.5 pixels,
/// and nine in ten pixels of each line's colour within 2 pixels of that colour in the other picture
/// (the rest: the lines' numbers, whose glyphs differ between the two renderers).
fn assert_same_picture(png: &RgbImage, shot: &RgbImage, what: &str) {
    let frame = hud::draw::hidden::Frame::of_pictures().unwrap();
    let (png_corner, shot_corner) = (frame_corner(png), frame_corner(shot));
    assert_eq!(png_corner, (frame.left as i64, frame.top as i64), "{what}: the PNG's frame");
    let (png_dots, shot_dots) = (blobs(png, DOT_BLUE, png_corner), blobs(shot, DOT_BLUE, shot_corner));
    assert!(!png_dots.is_empty(), "{what}: no dots in the PNG");
    assert_eq!(png_dots.len(), shot_dots.len(), "{what}: dots {png_dots:?} against {shot_dots:?}");
    for &(x, y) in &shot_dots {
        let nearest = png_dots.iter().map(|&(a, b)| (a - x).hypot(b - y)).fold(f64::INFINITY, f64::min);
        assert!(nearest <= 1.5, "{what}: the page's dot at {x:.1},{y:.1} is {nearest:.2} px from the PNG's");
    }
    let size = ((frame.right - frame.left) as i64, (frame.bottom - frame.top) as i64);
    let mut lines = 0;
    // Not C7's grey: the anti-aliased edges of black text are greys too.
    for colour in COLOUR_CYCLE.into_iter().filter(|&c| c != COLOUR_CYCLE[7]) {
        let in_png = coloured(png, png_corner, size, colour, 0);
        let in_shot = coloured(shot, shot_corner, size, colour, 24);
        if in_png.len() < 20 {
            assert!(in_shot.len() < 40, "{what}: the page draws {colour:?} where the PNG has no line");
            continue;
        }
        lines += 1;
        let (png_loose, shot_loose) =
            (coloured(png, png_corner, size, colour, 60), coloured(shot, shot_corner, size, colour, 60));
        let (there, back) = (share_near(&in_png, &shot_loose), share_near(&in_shot, &png_loose));
        assert!(
            there >= 0.9 && back >= 0.9,
            "{what}: line {colour:?}: {there:.2} of the PNG's pixels near the page's, {back:.2} back"
        );
    }
    assert!(lines >= 3, "{what}: only {lines} lines compared");
}

#[test]
fn the_929_page_draws_each_epoch_where_the_png_does_and_fetches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let page = encoder_page(
        dir.path(),
        &["--seed", "0", "--out", "final.png", "--trace", "final.json"],
        "encoder.html",
    );
    let size = std::fs::metadata(&page).unwrap().len();
    assert!(size < 2 << 20, "the 9-2-9 page is {size} bytes");
    hud()
        .args(["encoder", "--seed", "0", "--epochs", "400", "--print-every", "0", "--out", "e400.png"])
        .args(["--trace", "e400.json"])
        .current_dir(dir.path())
        .assert()
        .success();
    // Opened at epoch 400 (a --print-every epoch), and with no fragment at the last epoch.
    for (fragment, png) in [("#epoch=400", "e400.png"), ("", "final.png")] {
        let visit = visit(&page, fragment, (1400, 900), true);
        assert!(visit.requests.is_empty(), "the page requested {:?}", visit.requests);
        let png = image::open(dir.path().join(png)).unwrap().to_rgb8();
        assert_same_picture(&png, visit.screenshot.as_ref().unwrap(), &format!("epoch {fragment:?}"));
    }
    // An epoch that was not recorded opens at the last one before it; hovering item 3 shows its
    // numbers: the trace's weights give its hidden activations.
    let visit = visit(&page, "#epoch=401&item=3", (1400, 900), false);
    let trace: hud::labs::encoder::Trace =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("e400.json")).unwrap()).unwrap();
    let title = format!("epoch 400, loss {:.4}<", trace.loss[399]);
    assert!(element(&visit.dom, "title").contains(&title), "{title}: {}", element(&visit.dom, "title"));
    let info = element(&visit.dom, "info");
    assert!(info.contains("Item 3 at epoch 400") && info.contains("target bits 001000000"), "{info}");
    let hidden: Vec<String> = (0..2)
        .map(|j| format!("{:.4}", f64::from(trace.in_hid.weight[j][2] + trace.in_hid.bias[j]).tanh()))
        .collect();
    assert!(info.contains(&format!("hidden ({}, {})", hidden[0], hidden[1])), "{hidden:?}: {info}");
    assert!(visit.requests.is_empty());
}

#[test]
fn the_838_page_shows_the_cube_and_its_verdict_at_each_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let page = encoder_page(
        dir.path(),
        &["--dim", "8", "--hid", "3", "--seed", "8", "--print-every", "0", "--out", "cube.png"],
        "cube.html",
    );
    let visit_dom = visit(&page, "", (1300, 900), false);
    assert!(visit_dom.requests.is_empty(), "{:?}", visit_dom.requests);
    assert_eq!(visit_dom.dom.matches("class=\"dot\"").count(), 8);
    let verdict = element(&visit_dom.dom, "verdict");
    assert!(verdict.contains("cuboctahedron: the page's answer"), "{verdict}");
    let shot = visit(&page, "", (1300, 900), true).screenshot.unwrap();
    assert_eq!(blobs(&shot, DOT_BLUE, (0, 0)).len(), 8, "eight dots, none hidden by another");
    // Early in training the points are near the middle: no input at its own corner yet.
    let early = visit(&page, "#epoch=10", (1300, 900), false);
    let verdict = element(&early.dom, "verdict");
    assert!(
        verdict.contains("The cube at epoch 10<") && verdict.contains("not the page's cube"),
        "{verdict}"
    );
}

#[test]
fn the_spirals_page_shows_every_units_map_with_the_points_on_top() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("polar.html");
    hud()
        .args(["spirals", "--net", "polar", "--seed", "0", "--no-plots", "--html"])
        .arg(&page)
        .current_dir(dir.path())
        .assert()
        .success();
    let visit_dom = visit(&page, "#epoch=4000", (1300, 1000), false);
    assert!(visit_dom.requests.is_empty(), "{:?}", visit_dom.requests);
    let dom = &visit_dom.dom;
    // (The caption is made by the script: the page's data does not hold it.)
    assert!(dom.contains(">output at epoch 4000 (orange: output &gt;= 0.5)<"), "not opened at epoch 4000");
    let sheet = &dom[dom.find("id=\"sheet\"").unwrap()..];
    assert_eq!(sheet.matches("<img").count(), 11, "the output and 10 hidden units");
    // At the last epoch every point is right: the output's map is painted (output >= 0.5) under the
    // points of class 1 and not under those of class 0, so the map is the right way up.
    let data = page_data(&page);
    let last = data["maps"].as_array().unwrap().last().unwrap();
    assert_eq!(last["accuracy"].as_f64(), Some(100.0));
    let uri = last["images"][0].as_str().unwrap();
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD
        .decode(uri.trim_start_matches("data:image/png;base64,"))
        .unwrap();
    let map = image::load_from_memory(&png).unwrap().to_rgb8();
    let ((x0, x1), (y0, y1)) = (
        (data["extent"][0][0].as_f64().unwrap(), data["extent"][0][1].as_f64().unwrap()),
        (data["extent"][1][0].as_f64().unwrap(), data["extent"][1][1].as_f64().unwrap()),
    );
    let wrong = data["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            let (x, y, class) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap(), p[2].as_u64().unwrap());
            let column = ((x - x0) / (x1 - x0) * map.width() as f64) as u32;
            let row = ((y1 - y) / (y1 - y0) * map.height() as f64) as u32;
            let painted = distance(*map.get_pixel(column, row), PAINTED) == 0;
            painted != (class == 1)
        })
        .count();
    assert!(wrong <= 4, "{wrong} of the 194 points sit on the other class's colour");
    // The screenshot shows the maps' two colours and both classes of points.
    let shot = visit(&page, "#epoch=4000", (1300, 1000), true).screenshot.unwrap();
    for colour in [PAINTED, UNPAINTED, CLASS_0, CLASS_1] {
        let count = shot.pixels().filter(|p| distance(**p, colour) <= 8).count();
        assert!(count > 200, "{colour:?}: {count} pixels");
    }
}

#[test]
fn the_seq_page_shows_each_sequences_states_at_each_recorded_step() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("anbn.html");
    hud()
        .args(["seq", "--lang", "anbn", "--seed", "0", "--epoch", "5", "--html"])
        .arg(&page)
        .current_dir(dir.path())
        .assert()
        .success();
    let data = page_data(&page);
    let steps: Vec<u64> =
        data["snapshots"].as_array().unwrap().iter().map(|s| s["step"].as_u64().unwrap()).collect();
    assert_eq!(steps, vec![0, 1000, 2000, 3000, 4000, 5000]);
    // One state per symbol read: every symbol of each sequence but its last.
    let states: usize =
        data["sequences"].as_array().unwrap().iter().map(|s| s["symbols"].as_str().unwrap().len() - 1).sum();
    let opened = visit(&page, "#step=3500&sequence=2&symbol=4", (1300, 800), false);
    assert!(opened.requests.is_empty(), "{:?}", opened.requests);
    assert!(element(&opened.dom, "title").contains("after 3000 steps<"), "{}", element(&opened.dom, "title"));
    assert_eq!(opened.dom.matches("class=\"state\"").count(), states);
    let info = element(&opened.dom, "info");
    let symbols = data["sequences"][1]["symbols"].as_str().unwrap();
    assert!(
        info.contains("Sequence 2, after symbol 4 of")
            && info.contains(&format!("read so far: {}", &symbols[..4])),
        "{info}"
    );
    let shot = visit(&page, "#step=3500", (1300, 800), true).screenshot.unwrap();
    // The states' colours: jet's, from dark blue (state 0) on.
    let dark_blue = shot.pixels().filter(|p| distance(**p, RGBColor(0, 0, 0x80)) <= 30).count();
    assert!(dark_blue > 20, "{dark_blue} pixels of state 0's colour");
}

/// A reader's key presses move the picture and choose an item, and the address then says where it is
/// and keeps what else it shows (the chosen item, the trails), so that it can be shared.
#[test]
fn the_address_follows_the_picture_and_keeps_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    let page = encoder_page(dir.path(), &["--seed", "0", "--print-every", "0", "--out", "e.png"], "e.html");
    let mut html = std::fs::read_to_string(&page).unwrap();
    html.push_str(
        "<script>document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight' }));\n\
         document.dispatchEvent(new KeyboardEvent('keydown', { key: '5' }));\n\
         setTimeout(() => document.body.setAttribute('data-hash', location.hash), 1500);</script>\n",
    );
    std::fs::write(&page, html).unwrap();
    let data = page_data(&page);
    let epochs: Vec<u64> =
        data["snapshots"].as_array().unwrap().iter().map(|s| s["epoch"].as_u64().unwrap()).collect();
    // The page opens at the last recorded epoch at or before 400.
    let at = epochs.iter().rposition(|&e| e <= 400).unwrap();
    let opened = visit(&page, "#epoch=400&item=3&trails=1", (1400, 900), false);
    // The right arrow stepped, the key 5 chose item 5.
    let expected = format!("data-hash=\"#epoch={}&amp;item=5&amp;trails=1\"", epochs[at + 1]);
    assert!(opened.dom.contains(&expected), "{expected} not in {}", element(&opened.dom, "app"));
}

/// The network check can fail: a page that loads an image from elsewhere is caught.
#[test]
fn a_page_that_fetches_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("fetching.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><img src=\"http://fetch.invalid/x.png\"></body></html>",
    )
    .unwrap();
    let visit = visit(&page, "", (400, 300), false);
    assert!(visit.requests.iter().any(|u| u.contains("fetch.invalid")), "{:?}", visit.requests);
}

#[test]
fn html_refusals_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    encoder_refuses_in(dir.path(), &["--html", "run.png"], "the name must end in .html");
    encoder_refuses_in(
        dir.path(),
        &["--hid", "4", "--html", "run.html"],
        "--html draws hidden-unit space for 2 or 3",
    );
    encoder_refuses_in(dir.path(), &["--html", "encoder.png"], "the name must end in .html");
    encoder_refuses_in(dir.path(), &["--html", "same.html", "--trace", "same.html"], "same.html");
    refuses_in(
        dir.path(),
        &["spirals", "--seed", "0", "--epochs", "3", "--html", "x.txt"],
        "the name must end in .html",
    );
    refuses_in(
        dir.path(),
        &["spirals", "--seed", "0", "--epochs", "3", "--no-plots", "--html", "p.html", "--trace", "p.html"],
        "p.html",
    );
    let seq = ["seq", "--lang", "anbn", "--seed", "0", "--epoch", "1"];
    refuses_in(dir.path(), &[&seq[..], &["--hid", "4", "--html", "s.html"]].concat(), "2 or 3 hidden units");
    refuses_in(dir.path(), &[&seq[..], &["--html", "s.txt"]].concat(), "the name must end in .html");
    refuses_in(
        dir.path(),
        &[&seq[..], &["--length", "400", "--html", "s.html"]].concat(),
        "at most 5000 fit one page",
    );
    encoder_refuses_in(dir.path(), &["--dim", "101", "--html", "e.html"], "at most 100 input items");
    refuses_in(dir.path(), &[&seq[..], &["--html", "s.html", "--trace", "s.html"]].concat(), "s.html");
}
