//! Property tests of every parser of outside input the console owns: config, playbooks,
//! templates, themes, keymaps (and key notation), journal lines, the palette's typed lines and
//! the text cleaner. Each is fed a shipped file damaged at random (cut, holes, hostile strings,
//! flipped bytes) or arbitrary text, and must answer without panicking; a located error must
//! point inside the file. Bounded (`CASES` each) so the run stays well under a minute.

use proptest::prelude::*;
use warroom_testkit::mutate::{cases, damaged, lines};

const CASES: u32 = 192;

/// A refusal names at least one problem, and every problem is inside the file it names.
fn inside(errors: &warroom_files::FileErrors, file: &str, text: &str) -> Result<(), TestCaseError> {
    prop_assert!(!errors.0.is_empty(), "a refusal without a problem");
    for e in &errors.0 {
        prop_assert_eq!(&e.file, file, "{}", e);
        prop_assert!(e.line <= lines(text), "{e} is past the end ({} lines)", lines(text));
    }
    Ok(())
}

/// Writes `text` to a file named `name` in a temp dir and runs `check` on it.
fn through_a_file(
    name: &str,
    text: &str,
    check: impl Fn(&std::path::Path) -> Result<(), warroom_files::FileErrors>,
) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    if let Err(e) = check(&path) {
        inside(&e, &path.display().to_string(), text)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(CASES))]

    #[test]
    fn config_files(text in damaged(include_str!("../tests/fixtures/config/full.toml"))) {
        if let Err(e) = crate::config::Config::parse(std::path::Path::new("config.toml"), &text) {
            inside(&e, "config.toml", &text)?;
        }
    }

    #[test]
    fn playbooks(text in damaged(include_str!("../playbooks/bad-deploy.yaml"))) {
        if let Err(errors) = crate::playbook::load::parse("p.yaml", &text) {
            inside(&errors, "p.yaml", &text)?;
        }
    }

    #[test]
    fn templates(text in damaged(include_str!("../templates/internal-update.j2"))) {
        if let Err(e) = crate::comms::template::Template::parse("t.j2", &text) {
            inside(&e.into(), "t.j2", &text)?;
        }
    }

    #[test]
    fn themes(text in damaged(include_str!("../themes/default.toml"))) {
        through_a_file("mine.toml", &text, crate::theme::check_file)?;
    }

    #[test]
    fn keymaps(text in damaged(include_str!("../keymaps/vim.toml"))) {
        through_a_file("mine.toml", &text, crate::app::keymap::check_file)?;
    }

    #[test]
    fn key_notation(text in "\\PC{0,24}") {
        let _ = crate::app::keymap::notation::parse_sequence(&text);
    }

    #[test]
    fn journal_lines(text in damaged(include_str!("../tests/fixtures/journal/INC-20261124-001.jsonl"))) {
        for line in text.lines() {
            let _ = crate::incident::line::decode(line.as_bytes());
        }
    }

    #[test]
    fn typed_palette_lines(text in "\\PC{0,80}") {
        let _ = crate::app::palette::parse(&text);
    }

    #[test]
    fn cleaned_text_holds_nothing_a_terminal_acts_on(text in "\\PC{0,64}|(\\PC|\u{1b}|\u{9b}|\u{202e}|\u{200d}|\u{fe0f}){0,64}") {
        let clean = crate::text::CleanText::block(&text);
        for c in clean.chars() {
            prop_assert!(!(c.is_control() && c != '\n'), "{c:?} in {clean:?}");
            prop_assert!(!matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FE00}'..='\u{FE0F}'), "{c:?} in {clean:?}");
        }
        let again = crate::text::CleanText::block(clean.as_str());
        prop_assert_eq!(again.as_str(), clean.as_str(), "cleaning twice changes nothing");
    }
}
