//! The labelled corpus and evaluation sets: JSONL, one complaint a line, codes checked
//! against the taxonomy.

use std::path::Path;

use aduan_api::taxonomy;
use anyhow::{bail, ensure, Context};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// One labelled complaint (a line of a corpus or evaluation JSONL file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    #[serde(default)]
    pub id: Option<serde_json::Value>,
    pub text: String,
    pub category: String,
    #[serde(default)]
    pub act: Option<String>,
    #[serde(default)]
    pub section: Option<String>,
    /// `YYYY-MM-DD`, for relative dates; evaluation only.
    #[serde(default)]
    pub received: Option<String>,
    /// Where the wording comes from (voice, register); informative only.
    #[serde(default)]
    pub voice: Option<String>,
}

/// Reads a JSONL file of labelled complaints, checking codes against the taxonomy.
pub fn read_jsonl(raw: &str, origin: &str) -> anyhow::Result<Vec<Labelled>> {
    let mut out = Vec::new();
    for (i, line) in raw.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: Labelled = serde_json::from_str(line)
            .with_context(|| format!("{origin}:{}: not a labelled complaint", i + 1))?;
        if taxonomy::category(&l.category).is_none() {
            bail!("{origin}:{}: unknown category {}", i + 1, l.category);
        }
        match (&l.act, &l.section) {
            (Some(a), Some(s)) if taxonomy::section(a, s).is_none() => {
                bail!("{origin}:{}: {a} has no section {s}", i + 1)
            }
            (Some(_), None) | (None, Some(_)) => {
                bail!("{origin}:{}: act and section go together", i + 1)
            }
            _ => {}
        }
        out.push(l);
    }
    Ok(out)
}

/// The corpus: every `*.jsonl` under `dir`, in file-name order, and the SHA-256 of
/// their names and contents.
pub fn read_corpus(dir: &Path) -> anyhow::Result<(Vec<Labelled>, [u8; 32])> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    ensure!(!files.is_empty(), "no .jsonl files in {}", dir.display());
    let mut sha = Sha256::new();
    let mut all = Vec::new();
    for f in files {
        let raw = std::fs::read_to_string(&f).with_context(|| format!("{}", f.display()))?;
        let name = f.file_name().expect("file name").to_string_lossy();
        sha.update(name.as_bytes());
        sha.update([0]);
        sha.update(raw.as_bytes());
        all.extend(read_jsonl(&raw, &name)?);
    }
    Ok((all, sha.finalize().into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_rejects_unknown_codes() {
        assert!(read_jsonl(r#"{"text":"x","category":"nope"}"#, "t").is_err());
        assert!(read_jsonl(
            r#"{"text":"x","category":"false_claim","act":"akta_694","section":"99"}"#,
            "t"
        )
        .is_err());
        let ok = read_jsonl(
            "{\"text\":\"x\",\"category\":\"false_claim\",\"act\":\"akta_694\",\"section\":\"18\"}\n\n",
            "t",
        )
        .unwrap();
        assert_eq!(ok.len(), 1);
    }
}
