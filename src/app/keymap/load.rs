//! Keymap files: `[context]` tables of `"keys" = "action"`, `inherits` another keymap
//! (`"keys" = "none"` removes an inherited binding). Unknown actions, actions bound where they
//! cannot work, duplicate bindings, keys that shadow each other and plain characters bound in
//! text contexts are load errors naming the file, line and key.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::notation::{KeyPress, parse_sequence, show};
use super::{Binding, Context, KeyAction, Keymap};
use crate::family::Family;
use warroom_files::{FileError, FileErrors, toml as tomlfile};

/// The keymaps that ship with warroom: name and text.
pub const SHIPPED: &[(&str, &str)] = &[
    ("default", include_str!("../../../keymaps/default.toml")),
    ("vim", include_str!("../../../keymaps/vim.toml")),
    ("emacs", include_str!("../../../keymaps/emacs.toml")),
];

/// A file as written: optional parent, then context name → keys → action name.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct KeymapFile {
    inherits: Option<String>,
    #[serde(flatten)]
    contexts: BTreeMap<String, BTreeMap<String, String>>,
}

/// Where each binding came from, for errors found after merging.
#[derive(Debug, Clone)]
struct Written {
    file: String,
    text: String,
    notation: String,
    action: Option<KeyAction>,
    /// (how many files down the inheritance chain, line): the first written is shown first.
    order: (usize, usize),
}

type Merged = HashMap<Context, HashMap<Vec<KeyPress>, Written>>;

const KEYMAPS: Family = Family {
    what: "keymap",
    folder: "keymaps",
    shipped: SHIPPED,
};

/// Parses one file into per-context bindings, checking each on its own; every problem in it.
#[allow(clippy::type_complexity)]
fn parse(file: &Path, text: &str) -> Result<(Option<String>, Vec<(Context, Vec<KeyPress>, Written)>), FileErrors> {
    let shown = file.display().to_string();
    let f: KeymapFile = tomlfile::parse(file, text)?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (context_name, table) in &f.contexts {
        let Some(context) = Context::ALL.into_iter().find(|c| c.name() == context_name) else {
            let known: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
            problems.push(FileError::at(
                &shown,
                text,
                &format!("[{context_name}]"),
                context_name,
                format!("unknown context; known contexts: {}", known.join(", ")),
            ));
            continue;
        };
        let mut seen: HashMap<Vec<KeyPress>, &str> = HashMap::new();
        for (notation, action_name) in table {
            let key = format!("{context_name}.\"{notation}\"");
            let err = |msg: String| FileError::at_key(&shown, text, notation, &key, msg);
            let keys = match parse_sequence(notation) {
                Ok(keys) => keys,
                Err(msg) => {
                    problems.push(err(msg));
                    continue;
                }
            };
            let action = if action_name == "none" {
                None
            } else {
                let Some(a) = KeyAction::parse(action_name) else {
                    let known: Vec<&str> = super::key_action::ACTIONS.iter().map(|a| a.1).collect();
                    problems.push(err(format!(
                        "unknown action {action_name:?}; known actions: {}, none",
                        known.join(", ")
                    )));
                    continue;
                };
                if !a.allowed_in(context) {
                    problems.push(err(format!("{action_name:?} cannot be used in [{context_name}]")));
                    continue;
                }
                Some(a)
            };
            if context.takes_text() && keys[0].is_text() {
                problems.push(err(format!(
                    "{notation:?} is a character you type in [{context_name}]; bind a ctrl-, alt- or named key"
                )));
                continue;
            }
            if let Some(other) = seen.insert(keys.clone(), notation) {
                problems.push(err(format!(
                    "{notation:?} is the same key as {other:?}, already bound here"
                )));
                continue;
            }
            out.push((
                context,
                keys,
                Written {
                    file: shown.clone(),
                    text: text.to_string(),
                    notation: notation.clone(),
                    action,
                    order: (0, tomlfile::locate_key_in(text, context_name, notation).0),
                },
            ));
        }
    }
    if problems.is_empty() {
        Ok((f.inherits, out))
    } else {
        problems.sort_by_key(|e| (e.line, e.column));
        Err(FileErrors(problems))
    }
}

/// Follows `inherits` from a first file; a child's binding replaces its parent's for the same
/// keys in the same context.
fn chain(file: PathBuf, text: String, user_dir: Option<&Path>) -> Result<Merged, FileErrors> {
    let mut merged: Merged = HashMap::new();
    KEYMAPS.walk(file, text, user_dir, |file, text, depth| {
        let (inherits, bindings) = parse(file, text)?;
        for (c, keys, mut w) in bindings {
            w.order.0 = depth;
            merged.entry(c).or_default().entry(keys).or_insert(w);
        }
        Ok(inherits)
    })?;
    Ok(merged)
}

/// Checks that no sequence in a context (with the global ones it sees) is a prefix of another,
/// which would make the longer one unreachable, and builds the keymap.
fn build(name: &str, merged: Merged) -> Result<Keymap, FileErrors> {
    let mut contexts: BTreeMap<Context, Vec<Binding>> = BTreeMap::new();
    for (c, table) in &merged {
        let mut list: Vec<(&Written, Binding)> = table
            .iter()
            .filter_map(|(keys, w)| {
                w.action.map(|action| {
                    let b = Binding {
                        keys: keys.clone(),
                        notation: show(keys),
                        action,
                    };
                    (w, b)
                })
            })
            .collect();
        // Help lists bindings in the order of the action catalogue; an action's keys in the
        // order they are written (the first is the one hints show).
        list.sort_by_key(|(w, b)| {
            let i = super::key_action::ACTIONS.iter().position(|a| a.0 == b.action);
            (i, w.order)
        });
        contexts.insert(*c, list.into_iter().map(|(_, b)| b).collect());
    }
    let keymap = Keymap {
        name: name.to_string(),
        contexts,
    };
    let mut problems: Vec<FileError> = Vec::new();
    for c in Context::ALL {
        let effective = keymap.effective(c);
        for a in &effective {
            for b in &effective {
                if a.keys.len() < b.keys.len() && b.keys.starts_with(&a.keys) {
                    let written = |keys: &Vec<KeyPress>| {
                        [c, Context::Global]
                            .into_iter()
                            .find_map(|ctx| merged.get(&ctx).and_then(|t| t.get(keys)).map(|w| (ctx, w)))
                            .expect("an effective binding was written somewhere")
                    };
                    let (short, long) = (written(&a.keys), written(&b.keys));
                    let message = format!(
                        "{:?} shadows {:?} in [{}]: the longer sequence could never be typed",
                        a.notation,
                        b.notation,
                        c.name()
                    );
                    // Blame the file further down the inheritance chain (the one being written):
                    // the longer sequence when it came after the shorter key, else the shorter key.
                    let ((ctx, w), message) = if long.1.order.0 < short.1.order.0 {
                        (
                            long,
                            format!("{message} ({:?} is bound in {})", a.notation, short.1.file),
                        )
                    } else {
                        (short, message)
                    };
                    let problem = FileError::at_key(
                        &w.file,
                        &w.text,
                        &w.notation,
                        &format!("{}.\"{}\"", ctx.name(), w.notation),
                        message,
                    );
                    // A global key shadows in every context: say so once.
                    fn said(p: &FileError) -> (&str, usize, usize, &str) {
                        (&p.file, p.line, p.column, &p.path)
                    }
                    if !problems.iter().any(|p| said(p) == said(&problem)) {
                        problems.push(problem);
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(keymap)
    } else {
        problems.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        Err(FileErrors(problems))
    }
}

/// Loads the keymap called `name` (the user's directory first, then the shipped set).
pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Keymap, FileErrors> {
    let (file, text) = KEYMAPS.open(name, user_dir)?;
    build(name, chain(file, text, user_dir)?)
}

pub fn shipped(name: &str) -> Result<Keymap, FileErrors> {
    load(name, None)
}

/// The JSON Schema of a keymap file (`warroom schema keymap`, `schemas/keymap.schema.json`).
pub fn json_schema() -> serde_json::Value {
    warroom_files::shape::schema::<KeymapFile>()
}

/// `warroom check` for a keymap file: it and its ancestors (looked up beside it, then among
/// the shipped keymaps) must load.
pub fn check_file(path: &Path) -> Result<(), FileErrors> {
    let text = warroom_files::read(path)?;
    let name = path
        .file_stem()
        .map_or("keymap".into(), |s| s.to_string_lossy().to_string());
    build(&name, chain(path.to_path_buf(), text, path.parent())?).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::super::Lookup;
    use super::super::notation::parse_sequence;
    use super::*;

    fn keys(s: &str) -> Vec<KeyPress> {
        parse_sequence(s).unwrap()
    }

    /// The schema that places every problem after the first accepts every shipped file.
    #[test]
    fn the_schema_accepts_every_shipped_file() {
        for (name, text) in SHIPPED {
            let problems = warroom_files::shape::toml_problems::<KeymapFile>(name, text);
            assert!(problems.is_empty(), "{}", FileErrors(problems));
        }
    }

    #[test]
    fn every_shipped_keymap_loads_and_quits_and_helps() {
        for (name, _) in SHIPPED {
            let k = shipped(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            for c in [Context::Health, Context::Timeline, Context::Playbook] {
                for a in [
                    KeyAction::Quit,
                    KeyAction::Help,
                    KeyAction::FocusNext,
                    KeyAction::Palette,
                    KeyAction::Close,
                ] {
                    assert!(k.key_for(c, a).is_some(), "{name}: no key for {a:?} in {c:?}");
                }
            }
            assert!(
                k.key_for(Context::Editor, KeyAction::Close).is_some(),
                "{name}: cannot leave the editor"
            );
            assert!(
                k.key_for(Context::Input, KeyAction::Submit).is_some(),
                "{name}: cannot submit input"
            );
        }
    }

    #[test]
    fn sequences_wait_for_their_second_key() {
        let vim = shipped("vim").unwrap();
        assert_eq!(vim.lookup(Context::Timeline, &keys("g")), Lookup::Pending);
        assert_eq!(
            vim.lookup(Context::Timeline, &keys("g g")),
            Lookup::Action(KeyAction::Top)
        );
        assert_eq!(
            vim.lookup(Context::Timeline, &keys("G")),
            Lookup::Action(KeyAction::Bottom)
        );
        assert_eq!(vim.lookup(Context::Timeline, &keys("x")), Lookup::None);
        // The editor never sees global plain keys.
        assert_eq!(vim.lookup(Context::Editor, &keys("q")), Lookup::None);
        let emacs = shipped("emacs").unwrap();
        assert_eq!(
            emacs.lookup(Context::Timeline, &keys("ctrl-n")),
            Lookup::Action(KeyAction::Down)
        );
        assert_eq!(
            emacs.lookup(Context::Timeline, &keys("ctrl-x ctrl-c")),
            Lookup::Action(KeyAction::Quit)
        );
    }

    #[test]
    fn broken_keymaps_name_file_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                "[global]\nq = \"quit\"\nx = \"explode\"\n",
                "bad.toml:3:1: global.\"x\": unknown action \"explode\"",
            ),
            (
                "[global]\n\"ctrl-c\" = \"quit\"\n\"C-c\" = \"quit\"\n",
                "is the same key as",
            ),
            (
                "[global]\ng = \"top\"\n\"g g\" = \"top\"\n",
                "bad.toml:2:1: global.\"g\": \"g\" shadows \"g g\"",
            ),
            (
                "[editor]\nq = \"close\"\n",
                "bad.toml:2:1: editor.\"q\": \"q\" is a character you type",
            ),
            (
                "[timeline]\nenter = \"submit\"\n",
                "timeline.\"enter\": \"submit\" cannot be used in [timeline]",
            ),
            ("[panel]\nq = \"quit\"\n", "bad.toml:1:1: panel: unknown context"),
            (
                "[global]\n\"hyper-q\" = \"quit\"\n",
                "bad.toml:2:1: global.\"hyper-q\": \"hyper\" in \"hyper-q\" is not a modifier",
            ),
            (
                "inherits = \"nano\"\n",
                "bad.toml:1:1: inherits: no keymap named \"nano\"",
            ),
            ("[global]\nq = \"quit\"\nq = \"help\"\n", "bad.toml:3:1: duplicate key"),
        ];
        for (text, want) in cases {
            let p = dir.path().join("bad.toml");
            std::fs::write(&p, text).unwrap();
            let e = check_file(&p).unwrap_err().to_string();
            let e = e.replace(&format!("{}/", dir.path().display()), "");
            assert!(e.contains(want), "{text:?}\n got: {e}\nwant: {want}");
        }
    }

    #[test]
    fn a_sequence_shadowed_by_a_parents_key_is_blamed_on_the_file_that_wrote_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("vimmer.toml");
        std::fs::write(&p, "inherits = \"vim\"\n[global]\no = \"zoom\"\n\"G g\" = \"top\"\n").unwrap();
        let errors = check_file(&p).unwrap_err();
        assert_eq!(errors.0.len(), 1, "{errors}");
        let e = &errors.0[0];
        assert_eq!((e.file.as_str(), e.line), (p.display().to_string().as_str(), 4), "{e}");
        assert!(e.message.contains("\"G\" is bound in keymaps/default.toml"), "{e}");
    }

    #[test]
    fn every_problem_in_a_keymap_is_reported_on_its_own_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("mine.toml");
        let text = "[global]\nq = \"quit\"\nctrl-zz = \"help\"\nw = \"fly\"\n[timeline]\nx = \"zoom\"\n[nowhere]\ny = \"quit\"\n";
        std::fs::write(&p, text).unwrap();
        let errors = check_file(&p).unwrap_err();
        let lines: Vec<usize> = errors.0.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 7], "{errors}");
        assert!(errors.0[1].message.contains("unknown action \"fly\""), "{errors}");
        assert!(errors.0[2].message.contains("unknown context"), "{errors}");
    }

    #[test]
    fn a_user_keymap_inherits_and_unbinds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "inherits = \"default\"\n[global]\nq = \"none\"\n\"ctrl-q\" = \"quit\"\n",
        )
        .unwrap();
        let k = load("mine", Some(dir.path())).unwrap();
        assert_eq!(k.lookup(Context::Health, &keys("q")), Lookup::None);
        assert_eq!(
            k.lookup(Context::Health, &keys("ctrl-q")),
            Lookup::Action(KeyAction::Quit)
        );
        // A global binding shadowed by a pane sequence in a user file is caught.
        std::fs::write(
            dir.path().join("clash.toml"),
            "inherits = \"default\"\n[timeline]\n\"? ?\" = \"top\"\n",
        )
        .unwrap();
        let e = load("clash", Some(dir.path())).unwrap_err().to_string();
        assert!(e.contains("shadows \"? ?\" in [timeline]"), "{e}");
    }
}
