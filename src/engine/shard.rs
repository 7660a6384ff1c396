//! Parts of a long list of runs, for a job array: `--shard I/N` trains runs I-1, I-1+N, I-1+2N, ...
//! and a merge joins the parts (`hud sweep merge`, `hud spirals merge`, `hud depth merge`).

/// Part `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let parse = || -> Option<Shard> {
            let (index, count) = text.split_once('/')?;
            Some(Shard { index: index.trim().parse().ok()?, count: count.trim().parse().ok()? })
        };
        match parse() {
            Some(shard) if (1..=shard.count).contains(&shard.index) => Ok(shard),
            _ => Err(format!("expected I/N with 1 <= I <= N, e.g. 2/8, got '{text}'")),
        }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The whole: part 1 of 1.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// What a CSV's header says it holds: `all`, or `shard I/N`.
    pub fn part_name(shard: Option<Shard>) -> String {
        shard.map_or("all".to_string(), |s| format!("shard {s}"))
    }

    /// This part's runs of `total`, in order.
    pub fn runs(self, total: u64) -> Vec<u64> {
        (0..total).filter(|i| i % self.count == self.index - 1).collect()
    }
}

/// The first line of a part's CSV: `# hud <command> <what the runs are, as JSON> <part>` (`all` or
/// `shard I/N`), so that a merge can check that parts belong together.
pub fn header_line<S: serde::Serialize>(command: &str, spec: &S, part: &str) -> anyhow::Result<String> {
    Ok(format!("# hud {command} {} {part}\n", serde_json::to_string(spec)?))
}

/// A part's CSV: [`header_line`], then one row per run.
pub fn csv_bytes<S: serde::Serialize, R: serde::Serialize>(
    command: &str,
    spec: &S,
    part: &str,
    rows: &[R],
) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(header_line(command, spec, part)?.into_bytes());
    for row in rows {
        writer.serialize(row)?;
    }
    writer.into_inner().map_err(|e| anyhow::anyhow!("cannot write the CSV: {e}"))
}

/// Reads what [`header_line`] wrote at the top of `text` (the file `path`); `None` where it is not a
/// CSV of `hud <command>`.
pub fn read_header<S: serde::de::DeserializeOwned>(text: &str, command: &str) -> Option<(S, String)> {
    let first = text.lines().next()?;
    let rest = first.strip_prefix(&format!("# hud {command} "))?;
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<S>();
    let spec = stream.next()?.ok()?;
    Some((spec, rest[stream.byte_offset()..].trim().to_string()))
}

/// Joins the parts of a set of runs: `read` gives each part's spec and rows, `run` a row's index;
/// the parts must share one spec (`what`: "sweep", "table", ...) and hold, together, every run of
/// `total(spec)` once; none may be one of `outputs` (each with its option's name). Returns the spec
/// and the rows in run order.
pub fn join<S: PartialEq, R>(
    parts: &[std::path::PathBuf],
    outputs: &[(&str, &std::path::Path)],
    what: &str,
    read: impl Fn(&std::path::Path) -> anyhow::Result<(S, Vec<R>)>,
    run: impl Fn(&R) -> u64,
    total: impl Fn(&S) -> u64,
) -> anyhow::Result<(S, Vec<R>)> {
    use anyhow::{bail, ensure};
    for part in parts {
        for (option, output) in outputs {
            ensure!(
                !crate::data::files::same_file(part, output),
                "{option} {} is one of the parts to merge: it would be overwritten",
                output.display()
            );
        }
    }
    let mut spec: Option<S> = None;
    let mut rows = Vec::new();
    for path in parts {
        let (part_spec, part_rows) = read(path)?;
        match &spec {
            None => spec = Some(part_spec),
            Some(first) if *first != part_spec => {
                bail!("{} is part of a different {what} from {}", path.display(), parts[0].display())
            }
            Some(_) => {}
        }
        rows.extend(part_rows);
    }
    let Some(spec) = spec else { bail!("no parts to merge") };
    rows.sort_by_key(&run);
    if let Some(pair) = rows.windows(2).find(|w| run(&w[0]) == run(&w[1])) {
        bail!("run {} appears twice (in one part or in two)", run(&pair[0]));
    }
    let total = total(&spec);
    let mut have = rows.iter().map(&run).peekable();
    let missing: Vec<u64> = (0..total)
        .filter(|&i| {
            let present = have.peek() == Some(&i);
            if present {
                have.next();
            }
            !present
        })
        .take(5)
        .collect();
    ensure!(
        missing.is_empty() && rows.len() as u64 == total,
        "the parts hold {} of the {what}'s {total} runs (missing runs {missing:?}...): is a part missing?",
        rows.len()
    );
    Ok((spec, rows))
}
