//! Evidence kept beside a journal: files in `INC-….evidence/`, each named by the SHA-256 of
//! what it holds, written once (to a temporary name, synced, then renamed) and never changed;
//! the journal's `evidence_captured` entries carry the hashes, and `journal verify` checks every
//! file against them.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::line::sha256_hex;
use super::model::{Entry, Event};

/// The evidence directory beside the journal at `journal`.
pub fn dir_beside(journal: &Path) -> PathBuf {
    journal.with_extension("evidence")
}

/// A file kept: its name relative to the journal's directory, its hash and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
}

/// Keeps `content` beside the journal at `journal`; a file with the same content is kept once.
pub fn keep(journal: &Path, content: &[u8]) -> std::io::Result<Kept> {
    let sha256 = sha256_hex(content);
    let dir = dir_beside(journal);
    std::fs::create_dir_all(&dir)?;
    let name = format!("{sha256}.json");
    let path = dir.join(&name);
    if !path.is_file() || std::fs::read(&path).map(|b| sha256_hex(&b)).ok().as_deref() != Some(sha256.as_str()) {
        let tmp = dir.join(format!(".{name}.{}", std::process::id()));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
    }
    let folder = dir
        .file_name()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Kept {
        file: format!("{folder}/{name}"),
        sha256,
        bytes: content.len() as u64,
    })
}

/// Each evidence file the journal names that is missing or changed, in words, with the line
/// of the entry naming it.
pub fn problems(journal: &Path, entries: &[Entry]) -> Vec<(u64, String)> {
    entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::EvidenceCaptured { file, sha256, .. } => read(journal, file, sha256).err().map(|why| (e.seq, why)),
            _ => None,
        })
        .collect()
}

/// The evidence file `file` beside the journal at `journal`, proven to have the hash its
/// entry recorded; else why not, in words.
pub fn read(journal: &Path, file: &str, sha256: &str) -> Result<Vec<u8>, String> {
    // Only a file inside the evidence directory is read: a journal edited to name another
    // path does not make anything read it.
    let inside = Path::new(file).components().count() == 2 && !file.contains("..");
    if !inside {
        return Err(format!("evidence {file} is not in the evidence directory"));
    }
    let path = journal.parent().unwrap_or(Path::new(".")).join(file);
    match std::fs::read(&path) {
        Ok(bytes) if sha256_hex(&bytes) == sha256 => Ok(bytes),
        Ok(_) => Err(format!(
            "evidence {file} was changed: its content no longer has the hash the journal recorded"
        )),
        Err(err) => Err(format!("evidence {file} cannot be read: {err}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::testing::entry;

    #[test]
    fn evidence_is_kept_once_by_its_hash_and_a_change_is_found() {
        let dir = tempfile::tempdir().expect("tmp");
        let journal = dir.path().join("INC-20261207-001.jsonl");
        let kept = keep(&journal, b"{\"object\":1}").expect("kept");
        assert!(kept.file.starts_with("INC-20261207-001.evidence/") && kept.file.ends_with(".json"));
        assert_eq!(keep(&journal, b"{\"object\":1}").expect("again"), kept);
        let event = |k: &Kept| Event::EvidenceCaptured {
            subject: "pod shop/checkout-1".into(),
            why: "asked".into(),
            file: k.file.clone(),
            sha256: k.sha256.clone(),
            bytes: k.bytes,
            holds: vec![],
        };
        let entries = vec![entry(2, "alice", event(&kept))];
        assert!(problems(&journal, &entries).is_empty());
        std::fs::write(dir.path().join(&kept.file), b"{\"object\":2}").expect("tamper");
        let found = problems(&journal, &entries);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.contains("was changed"), "{found:?}");
        std::fs::remove_file(dir.path().join(&kept.file)).expect("remove");
        assert!(problems(&journal, &entries)[0].1.contains("cannot be read"));
        let mut outside = kept.clone();
        outside.file = "../etc/passwd".into();
        assert!(
            problems(&journal, &[entry(3, "x", event(&outside))])[0]
                .1
                .contains("not in the evidence directory")
        );
    }
}
