//! Tamper test: changing any byte of a journal is reported with the number of the line it is
//! on, by the library for every byte of a real journal and by `warroom journal verify` (which
//! then exits non-zero) for bytes across every line. A damaged journal refuses new entries and
//! is left exactly as it was.

use std::path::{Path, PathBuf};
use std::process::Output;

use warroom::incident::journal;
use warroom::incident::line;

fn warroom(data: &Path, args: &[&str]) -> Output {
    crate::support::warroom(data)
        .env("WARROOM_ACTOR", "tamper-test")
        .args(args)
        .output()
        .expect("run warroom")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A real incident with a handful of entries of different kinds, through the CLI.
fn incident(data: &Path) -> (String, PathBuf) {
    let id = ok(&warroom(
        data,
        &["incident", "new", "--title", "Payments | \"latency\"", "--sev", "2"],
    ))
    .trim()
    .to_string();
    ok(&warroom(data, &["note", &id, "p99 at 4s", "--pin"]));
    ok(&warroom(data, &["incident", "role", &id, "commander", "alice"]));
    ok(&warroom(data, &["incident", "sev", &id, "1"]));
    ok(&warroom(data, &["note", &id, "ünïcödé ✓ and \\ backslash"]));
    let path = data.join("incidents").join(format!("{id}.jsonl"));
    (id, path)
}

/// The 1-based line a byte offset is on.
fn line_of(bytes: &[u8], offset: usize) -> u64 {
    1 + bytes[..offset].iter().filter(|b| **b == b'\n').count() as u64
}

/// The line the library blames first: a damaged line, else the incomplete last one.
fn blamed(path: &Path) -> Option<u64> {
    let r = journal::read(path).expect("read");
    r.problems.first().map(|p| p.line).or(r.torn.as_ref().map(|t| t.line))
}

#[test]
fn every_changed_byte_is_caught_on_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = incident(dir.path());
    let clean = std::fs::read(&path).expect("read");
    assert_eq!(blamed(&path), None);
    for offset in 0..clean.len() {
        for flip in [0x01u8, 0x40] {
            let mut bytes = clean.clone();
            bytes[offset] ^= flip;
            std::fs::write(&path, &bytes).expect("tamper");
            assert_eq!(
                blamed(&path),
                Some(line_of(&clean, offset)),
                "byte {offset} ({:?}) ^ {flip:#04x} blamed on the wrong line",
                clean[offset] as char
            );
        }
    }
}

#[test]
fn verify_names_the_line_and_exits_non_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (id, path) = incident(dir.path());
    let clean = std::fs::read(&path).expect("read");
    let out = warroom(dir.path(), &["journal", "verify", &id]);
    assert!(ok(&out).contains("5 entries, every hash and link verified"));

    let starts: Vec<usize> = std::iter::once(0)
        .chain(
            clean
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .filter(|i| *i < clean.len())
        .collect();
    for (n, start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(clean.len()) - 1;
        // Its first byte, one in the middle (the payload), one in the hash, and its newline.
        for offset in [*start, (start + end) / 2, end - 10, end] {
            let mut bytes = clean.clone();
            bytes[offset] ^= 0x01;
            std::fs::write(&path, &bytes).expect("tamper");
            let out = warroom(dir.path(), &["journal", "verify", &id]);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                !out.status.success(),
                "byte {offset} changed, verify exited 0: {stdout}"
            );
            let line = n + 1;
            assert!(
                stdout.contains(&format!("{}:{line}: ", path.display())),
                "byte {offset} is on line {line}; verify said: {stdout}"
            );
        }
    }
    std::fs::write(&path, &clean).expect("restore");
    assert!(warroom(dir.path(), &["journal", "verify", &id]).status.success());
}

#[test]
fn a_forged_line_with_a_recomputed_hash_breaks_the_chain_at_the_next_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (id, path) = incident(dir.path());
    let text = std::fs::read_to_string(&path).expect("read");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // Rewrite line 2's note and give it a correct hash of its own, as a careful forger would.
    let body_end = lines[1].rfind(",\"hash\":\"").expect("hash member");
    let body = format!("{}}}", &lines[1][..body_end]).replace("p99 at 4s", "p99 at 1s");
    let forged_hash = line::sha256_hex(body.as_bytes());
    lines[1] = format!("{},\"hash\":\"{forged_hash}\"}}", &body[..body.len() - 1]);
    std::fs::write(&path, lines.join("\n") + "\n").expect("forge");
    let out = warroom(dir.path(), &["journal", "verify", &id]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        stdout.contains(&format!("{}:3: the line does not follow", path.display())),
        "{stdout}"
    );
    assert!(!stdout.contains(":2: "), "line 2 itself is self-consistent: {stdout}");
}

#[test]
fn a_damaged_journal_refuses_new_entries_and_is_left_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (id, path) = incident(dir.path());
    let tampered = std::fs::read_to_string(&path)
        .expect("read")
        .replacen("commander", "commandeer", 1);
    std::fs::write(&path, &tampered).expect("tamper");
    let out = warroom(dir.path(), &["note", &id, "one more"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:3: ", path.display())) && stderr.contains("read-only"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("read"), tampered);
    // The list still shows it, flagged.
    let list = ok(&warroom(dir.path(), &["incident", "list"]));
    assert!(list.contains("DAMAGED at line 3"), "{list}");
}
