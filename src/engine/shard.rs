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

    /// This part's runs of `total`, in order.
    pub fn runs(self, total: u64) -> Vec<u64> {
        (0..total).filter(|i| i % self.count == self.index - 1).collect()
    }
}
