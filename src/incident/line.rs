//! One journal line: its JSON layout and the SHA-256 that chains it to the line before.
//! Pure functions over bytes; it must not touch files, locks or the clock.
//!
//! A line is one compact JSON object ending in `\n`, members in this order:
//! `{"seq":N,"time":"RFC 3339 UTC, ms","drill_time":"..","actor":{..},"source":"..","pinned":true,
//! "kind":"..","payload":{..},"prev":"<hex>","hash":"<hex>"}` (`pinned` only when true,
//! `drill_time`, the drill's virtual time, only in drills). `hash` is the
//! SHA-256 of the line's text with its `,"hash":"…"` member removed, i.e. of the same object
//! without `hash`; `prev` is the previous line's `hash` (64 zeros on the first line).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::{Actor, Draft, Entry, Event, Origin};

/// The `prev` of the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const HASH_MEMBER: &str = ",\"hash\":\"";
/// `,"hash":"` + 64 hex digits + `"}`.
const SUFFIX_LEN: usize = HASH_MEMBER.len() + 64 + 2;

#[derive(Serialize)]
struct BodyOut<'a> {
    seq: u64,
    time: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    drill_time: Option<&'a str>,
    actor: &'a Actor,
    source: Origin,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pinned: bool,
    #[serde(flatten)]
    event: KindAndPayload<'a>,
    prev: &'a str,
}

/// `"kind":…,"payload":…` straight from the event, so payload members keep their declared
/// order; a line warroom could not interpret is written back as it came.
#[derive(Serialize)]
#[serde(untagged)]
enum KindAndPayload<'a> {
    Known(&'a Event),
    Unrecognized {
        kind: &'a str,
        payload: &'a serde_json::Value,
    },
}

#[derive(Deserialize)]
struct BodyIn {
    seq: u64,
    time: Timestamp,
    #[serde(default)]
    drill_time: Option<Timestamp>,
    actor: Actor,
    kind: String,
    source: Origin,
    #[serde(default)]
    pinned: bool,
    #[serde(default)]
    payload: serde_json::Value,
    prev: String,
}

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineProblem {
    #[error("the line is not UTF-8 text")]
    NotText,
    #[error("the line does not end with a \"hash\" member of 64 hex digits")]
    NoHash,
    #[error("the line's hash does not match its content: it was changed after it was written")]
    HashMismatch,
    #[error("the line is not a journal entry: {0}")]
    NotAnEntry(String),
    #[error(
        "the line does not follow the one before: its \"prev\" is {found:.12}…, the line before \
         has hash {expected:.12}…"
    )]
    BrokenChain { expected: String, found: String },
    #[error("sequence number {found} where {expected} was expected")]
    OutOfSequence { expected: u64, found: u64 },
}

/// What could still be read from a damaged line, so the lines after it can be checked against
/// it rather than reported as damaged too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Salvage {
    pub seq: Option<u64>,
    pub hash: Option<String>,
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A time as the journal writes it: UTC, RFC 3339, milliseconds.
pub fn format_time(t: Timestamp) -> String {
    format!("{:.3}", truncate_to_ms(t))
}

/// `t` without its sub-millisecond part (journal times have millisecond precision).
pub fn truncate_to_ms(t: Timestamp) -> Timestamp {
    Timestamp::from_millisecond(t.as_millisecond()).unwrap_or(t)
}

/// Encodes the line for `draft` (with its trailing `\n`) and the entry it records.
pub fn encode(seq: u64, time: Timestamp, draft: &Draft, prev: &str) -> Result<(String, Entry), serde_json::Error> {
    let time = truncate_to_ms(time);
    let time_text = format_time(time);
    let drill_time = draft.drill_time.map(truncate_to_ms);
    let drill_text = drill_time.map(format_time);
    let event = match &draft.event {
        Event::Unrecognized { kind, payload } => KindAndPayload::Unrecognized { kind, payload },
        known => KindAndPayload::Known(known),
    };
    let body = serde_json::to_string(&BodyOut {
        seq,
        time: &time_text,
        drill_time: drill_text.as_deref(),
        actor: &draft.actor,
        event,
        source: draft.source,
        pinned: draft.pinned,
        prev,
    })?;
    let hash = sha256_hex(body.as_bytes());
    let mut line = String::with_capacity(body.len() + SUFFIX_LEN + 1);
    line.push_str(&body[..body.len() - 1]);
    line.push_str(HASH_MEMBER);
    line.push_str(&hash);
    line.push_str("\"}\n");
    let entry = Entry {
        seq,
        time,
        drill_time,
        actor: draft.actor.clone(),
        source: draft.source,
        pinned: draft.pinned,
        event: draft.event.clone(),
        prev: prev.to_string(),
        hash,
    };
    Ok((line, entry))
}

/// Decodes one line (without its `\n`) and checks its own hash. The chain to the line before
/// is the caller's to check (see `Entry::prev`).
pub fn decode(line: &[u8]) -> Result<Entry, (LineProblem, Salvage)> {
    let Ok(text) = std::str::from_utf8(line) else {
        return Err((LineProblem::NotText, Salvage::default()));
    };
    let Some((body, stored)) = split_hash(text) else {
        let seq = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("seq").and_then(serde_json::Value::as_u64));
        return Err((LineProblem::NoHash, Salvage { seq, hash: None }));
    };
    let parsed = serde_json::from_str::<BodyIn>(&body);
    let salvage = Salvage {
        seq: parsed.as_ref().ok().map(|b| b.seq),
        hash: Some(stored.to_string()),
    };
    if sha256_hex(body.as_bytes()) != stored {
        return Err((LineProblem::HashMismatch, salvage));
    }
    let b = match parsed {
        Ok(b) => b,
        Err(e) => return Err((LineProblem::NotAnEntry(e.to_string()), salvage)),
    };
    Ok(Entry {
        seq: b.seq,
        time: b.time,
        drill_time: b.drill_time,
        actor: b.actor,
        source: b.source,
        pinned: b.pinned,
        event: Event::from_parts(&b.kind, b.payload),
        prev: b.prev,
        hash: stored.to_string(),
    })
}

/// Splits a line into the body that was hashed and the stored hash.
fn split_hash(text: &str) -> Option<(String, &str)> {
    if text.len() < SUFFIX_LEN + 2 || !text.ends_with("\"}") {
        return None;
    }
    let at = text.len() - SUFFIX_LEN;
    let suffix = text.get(at..)?;
    let hash = suffix.strip_prefix(HASH_MEMBER)?.strip_suffix("\"}")?;
    if !hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    let mut body = String::with_capacity(at + 1);
    body.push_str(&text[..at]);
    body.push('}');
    Some((body, hash))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::Event;

    fn draft(text: &str) -> Draft {
        Draft::new(
            Actor::named("alice@host"),
            Origin::Human,
            Event::Note { text: text.into() },
        )
    }

    fn at(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn a_line_has_the_documented_layout() {
        let (line, entry) = encode(
            3,
            at("2026-11-24T21:40:00.123456Z"),
            &draft("rollback \"now\"").pinned(true),
            GENESIS,
        )
        .expect("encodes");
        let without_hash = format!(
            "{{\"seq\":3,\"time\":\"2026-11-24T21:40:00.123Z\",\"actor\":{{\"name\":\"alice@host\"}},\
             \"source\":\"human\",\"pinned\":true,\"kind\":\"note\",\
             \"payload\":{{\"text\":\"rollback \\\"now\\\"\"}},\"prev\":\"{GENESIS}\"}}"
        );
        let hash = sha256_hex(without_hash.as_bytes());
        assert_eq!(
            line,
            format!("{},\"hash\":\"{hash}\"}}\n", &without_hash[..without_hash.len() - 1])
        );
        assert_eq!(entry.hash, hash);
        assert_eq!(entry.time, at("2026-11-24T21:40:00.123Z"));
        let decoded = decode(line.trim_end().as_bytes()).expect("decodes");
        assert_eq!(decoded, entry);
    }

    #[test]
    fn any_changed_byte_is_caught() {
        let (line, _) = encode(1, at("2026-11-24T21:40:00Z"), &draft("x"), GENESIS).expect("ok");
        let bytes = line.trim_end().as_bytes().to_vec();
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x20, 0x80] {
                let mut b = bytes.clone();
                b[i] ^= flip;
                assert!(decode(&b).is_err(), "byte {i} ^ {flip:#x} not caught");
            }
        }
    }

    #[test]
    fn damaged_lines_say_what_is_wrong() {
        assert_eq!(decode(b"\xff\xfe").map_err(|e| e.0), Err(LineProblem::NotText));
        let Err((problem, salvage)) = decode(b"{\"seq\":4}") else {
            panic!("a line without a hash was accepted")
        };
        assert_eq!(problem, LineProblem::NoHash);
        assert_eq!(salvage.seq, Some(4));
        let forged = format!("{{\"seq\":1,\"hash\":\"{}\"}}", sha256_hex(b"{\"seq\":1}"));
        assert!(matches!(
            decode(forged.as_bytes()),
            Err((LineProblem::NotAnEntry(_), _))
        ));
    }
}
