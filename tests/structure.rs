//! The layout docs/architecture.md describes, held to: each folder of `src/` uses only the layers
//! below it (no lab another lab, parity no lab, pictures no lab nor study), and no function is longer
//! than 100 lines.

use std::path::{Path, PathBuf};

/// The layers from the top down, and those each may use.
const LAYERS: [(&str, &[&str]); 7] = [
    ("studies", &["labs", "parity", "draw", "engine", "analysis", "data"]),
    ("labs", &["parity", "draw", "engine", "analysis", "data"]),
    ("parity", &["engine", "data"]),
    ("draw", &["engine", "analysis", "data"]),
    ("engine", &["data"]),
    ("analysis", &[]),
    ("data", &[]),
];

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The file's layer (its folder under `src/`) and its text.
fn layered() -> Vec<(String, PathBuf, String)> {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(src()).unwrap().to_path_buf();
            let layer = relative.components().next()?.as_os_str().to_str()?.to_string();
            // Code only: a comment may name any module.
            let text = std::fs::read_to_string(&path).unwrap();
            let code: Vec<&str> = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect();
            (relative.components().count() > 1).then(|| (layer, path.clone(), code.join("\n")))
        })
        .collect()
}

#[test]
fn every_layer_uses_only_the_layers_below_it() {
    let mut wrong = Vec::new();
    for (layer, path, text) in layered() {
        let allowed = LAYERS.iter().find(|(name, _)| *name == layer).map(|(_, a)| *a);
        let allowed = allowed.unwrap_or_else(|| panic!("{}: a folder no layer names", path.display()));
        for (other, _) in LAYERS.iter().filter(|(other, _)| *other != layer) {
            if text.contains(&format!("crate::{other}")) && !allowed.contains(other) {
                wrong.push(format!("{} ({layer}) uses {other}", path.display()));
            }
        }
        // Within labs, no lab uses another (labs/mod.rs registers them all).
        if layer == "labs" && !path.ends_with("labs/mod.rs") {
            let own = path.strip_prefix(src().join("labs")).unwrap().components().next().unwrap();
            let own = own.as_os_str().to_str().unwrap().trim_end_matches(".rs").to_string();
            for lab in ["encoder", "xor", "spirals", "depth", "seq"].into_iter().filter(|&l| l != own) {
                if text.contains(&format!("crate::labs::{lab}")) {
                    wrong.push(format!("{} uses the {lab} lab", path.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_function_is_longer_than_100_lines() {
    let mut long = Vec::new();
    for (_, path, text) in layered() {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let is_fn = ["fn ", "pub fn ", "pub(crate) fn ", "const fn ", "pub const fn "]
                .iter()
                .any(|start| trimmed.starts_with(start));
            if !is_fn || line.trim_end().ends_with(';') {
                continue;
            }
            // rustfmt puts a function's closing brace alone at the indentation of its `fn`.
            let indent = &line[..line.len() - trimmed.len()];
            let closing = format!("{indent}}}");
            let end = lines[i..].iter().position(|l| *l == closing).map(|n| i + n);
            if let Some(end) = end {
                if end - i + 1 > 100 {
                    long.push(format!("{}:{}: {} lines", path.display(), i + 1, end - i + 1));
                }
            }
        }
    }
    assert!(long.is_empty(), "{}", long.join("\n"));
}
