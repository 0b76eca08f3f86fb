//! Reading playbook files: YAML with the field path of any error, then the checks serde cannot
//! do (unique ids, known verbs, action steps bound to an action, time boxes that parse). Every
//! error names the file, line and column; an invalid file never yields a playbook.

use std::collections::BTreeSet;
use std::path::Path;

use super::model::{Playbook, StepKind, TargetSpec};
use crate::actions::catalogue::VERBS;

/// A problem in a playbook file, and all of a file's problems.
use warroom_files::{FileError, FileErrors};

/// Whether a YAML text is a playbook rather than a scenario (it has top-level `steps:`).
pub fn looks_like_playbook(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("steps:"))
}

pub fn load_file(path: &Path) -> Result<Playbook, FileErrors> {
    let (name, text) = warroom_files::yaml::read(path)?;
    parse(&name, &text)
}

/// The playbooks that ship with warroom: file name and text.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "playbooks/autoscaler-at-max.yaml",
        include_str!("../../playbooks/autoscaler-at-max.yaml"),
    ),
    (
        "playbooks/bad-canary.yaml",
        include_str!("../../playbooks/bad-canary.yaml"),
    ),
    (
        "playbooks/bad-config.yaml",
        include_str!("../../playbooks/bad-config.yaml"),
    ),
    (
        "playbooks/bad-deploy.yaml",
        include_str!("../../playbooks/bad-deploy.yaml"),
    ),
    (
        "playbooks/crashloop.yaml",
        include_str!("../../playbooks/crashloop.yaml"),
    ),
    (
        "playbooks/dependency-failure.yaml",
        include_str!("../../playbooks/dependency-failure.yaml"),
    ),
    (
        "playbooks/node-failure.yaml",
        include_str!("../../playbooks/node-failure.yaml"),
    ),
    (
        "playbooks/noisy-neighbour.yaml",
        include_str!("../../playbooks/noisy-neighbour.yaml"),
    ),
    (
        "playbooks/pdb-blocked-drain.yaml",
        include_str!("../../playbooks/pdb-blocked-drain.yaml"),
    ),
    (
        "playbooks/zone-outage.yaml",
        include_str!("../../playbooks/zone-outage.yaml"),
    ),
];

/// The shipped playbooks, for unit tests across the crate.
#[cfg(test)]
pub fn shipped() -> Vec<Playbook> {
    SHIPPED
        .iter()
        .map(|(file, text)| parse(file, text).expect("a shipped playbook"))
        .collect()
}

/// The shipped playbooks, with the user's own (in `user_dir`, when it exists) replacing
/// shipped ones of the same id.
pub fn available(user_dir: &Path) -> Result<Vec<Playbook>, FileErrors> {
    let mut out = Vec::new();
    for (file, text) in SHIPPED {
        out.push(parse(file, text)?);
    }
    if user_dir.is_dir() {
        for p in load_dir(user_dir)? {
            out.retain(|q: &Playbook| q.id != p.id);
            out.push(p);
        }
    }
    Ok(out)
}

/// Every `*.yaml` in a directory, sorted by file name; all errors of all files.
pub fn load_dir(dir: &Path) -> Result<Vec<Playbook>, FileErrors> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| {
            FileErrors(vec![FileError {
                file: dir.display().to_string(),
                line: 0,
                column: 0,
                path: String::new(),
                message: format!("cannot list the playbooks: {e}"),
            }])
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match load_file(&f) {
            Ok(p) => out.push(p),
            Err(e) => errors.extend(e.0),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(FileErrors(errors))
    }
}

pub fn parse(file: &str, text: &str) -> Result<Playbook, FileErrors> {
    let playbook: Playbook = warroom_files::yaml::parse(file, text)?;
    let errors = check(file, &playbook);
    if errors.is_empty() {
        Ok(playbook)
    } else {
        Err(FileErrors(errors))
    }
}

/// `90s`, `5m`, `1h`, `1h30m` → seconds.
pub fn parse_time_box(s: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut digits = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return None,
        };
    }
    (digits.is_empty() && total > 0).then_some(total)
}

fn check(file: &str, p: &Playbook) -> Vec<FileError> {
    let mut errors = Vec::new();
    let mut at = |line: usize, column: usize, path: String, message: String| {
        errors.push(FileError {
            file: file.into(),
            line,
            column,
            path,
            message,
        })
    };
    let id_ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if !id_ok(&p.id) {
        at(
            1,
            1,
            "id".into(),
            format!("{:?} is not an id (lower-case letters, digits, '-')", p.id),
        );
    }
    if p.steps.is_empty() {
        at(1, 1, "steps".into(), "a playbook needs at least one step".into());
    }
    const SIGNALS: &[&str] = &[
        "node_not_ready",
        "crash_looping",
        "stuck_rollout",
        "pending_too_long",
        "node_pressure",
        "warning_events",
    ];
    const FAULTS: &[&str] = &[
        "rollout",
        "nodeCondition",
        "oomKill",
        "usage",
        "scale",
        "traffic",
        "config",
        "service",
    ];
    for (i, spanned) in p.applies_when.signals.iter().enumerate() {
        let s = spanned.get();
        if !SIGNALS.contains(&s.as_str()) {
            let (line, column) = spanned.position();
            at(
                line,
                column,
                format!("appliesWhen.signals[{i}]"),
                format!("{s:?} is not a signal; use one of {}", SIGNALS.join(", ")),
            );
        }
    }
    for (i, spanned) in p.applies_when.faults.iter().enumerate() {
        let f = spanned.get();
        if !FAULTS.contains(&f.as_str()) {
            let (line, column) = spanned.position();
            at(
                line,
                column,
                format!("appliesWhen.faults[{i}]"),
                format!("{f:?} is not a fault kind; use one of {}", FAULTS.join(", ")),
            );
        }
    }
    let mut ids = BTreeSet::new();
    for (i, spanned) in p.steps.iter().enumerate() {
        let (line, column) = spanned.position();
        let s = spanned.get();
        if !id_ok(&s.id) {
            at(
                line,
                column,
                format!("steps[{i}].id"),
                format!("{:?} is not an id (lower-case letters, digits, '-')", s.id),
            );
        }
        if !ids.insert(s.id.clone()) {
            at(
                line,
                column,
                format!("steps[{i}].id"),
                format!("step id {:?} is used twice", s.id),
            );
        }
        if s.text.trim().is_empty() {
            at(line, column, format!("steps[{i}].text"), "a step needs text".into());
        }
        if let Some(t) = &s.time_box
            && parse_time_box(t).is_none()
        {
            at(
                line,
                column,
                format!("steps[{i}].timeBox"),
                format!("{t:?} is not a duration such as 90s, 5m or 1h30m"),
            );
        }
        match (&s.action, s.kind) {
            (None, StepKind::Action) => at(
                line,
                column,
                format!("steps[{i}].action"),
                "an action step needs an action binding".into(),
            ),
            (Some(b), _) => {
                if !VERBS.contains(&b.verb.as_str()) {
                    at(
                        line,
                        column,
                        format!("steps[{i}].action.verb"),
                        format!("{:?} is not an action; use one of {}", b.verb, VERBS.join(", ")),
                    );
                }
                if let TargetSpec::Named(n) = &b.target
                    && n != "selection"
                {
                    at(
                        line,
                        column,
                        format!("steps[{i}].action.target"),
                        format!(
                            "{n:?}: a target is `selection` or fixed fields (node, namespace, deployment, pod, selector)"
                        ),
                    );
                }
            }
            (None, _) => {}
        }
    }
    errors
}

/// The JSON Schema of the playbook format (`warroom schema playbook`).
pub fn json_schema() -> serde_json::Value {
    warroom_files::shape::schema::<Playbook>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_playbook_in_the_directory_is_shipped_in_the_binary() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("playbooks/")
            .map(|e| format!("playbooks/{}", e.expect("entry").file_name().to_string_lossy()))
            .collect();
        files.sort();
        let shipped: Vec<String> = SHIPPED.iter().map(|(f, _)| f.to_string()).collect();
        assert_eq!(shipped, files);
    }

    #[test]
    fn time_boxes_parse() {
        assert_eq!(parse_time_box("90s"), Some(90));
        assert_eq!(parse_time_box("1h30m"), Some(5400));
        assert_eq!(parse_time_box("5"), None);
        assert_eq!(parse_time_box("5x"), None);
        assert_eq!(parse_time_box(""), None);
    }

    /// The schema that places every problem after the first accepts every shipped playbook.
    #[test]
    fn the_schema_accepts_every_shipped_playbook() {
        for f in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/playbooks")).expect("dir") {
            let f = f.expect("entry").path();
            let text = std::fs::read_to_string(&f).expect("read");
            let problems = warroom_files::shape::yaml_problems::<Playbook>("p.yaml", &text);
            assert!(problems.is_empty(), "{}", FileErrors(problems));
        }
    }

    #[test]
    fn every_shape_problem_in_a_playbook_is_reported_on_its_own_line() {
        let text = "id: x\ntitle: X\ntitel: Y\nsteps:\n  - id: a\n    kind: check\n    text: look\n    owner: [me]\n";
        let errors = parse("p.yaml", text).expect_err("two problems");
        let lines: Vec<usize> = errors.0.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 8], "{errors}");
    }

    #[test]
    fn errors_name_line_and_column() {
        let text = "id: x\ntitle: X\nsteps:\n  - id: a\n    kind: check\n    text: look\n  - id: a\n    kind: action\n    text: do\n";
        let e = parse("p.yaml", text).expect_err("invalid");
        let shown = e.to_string();
        assert!(
            shown.contains("p.yaml:7:5: steps[1].id: step id \"a\" is used twice"),
            "{shown}"
        );
        assert!(
            shown.contains("p.yaml:7:5: steps[1].action: an action step needs an action binding"),
            "{shown}"
        );
        let e = parse(
            "p.yaml",
            "id: x\ntitle: X\nsteps:\n  - id: a\n    kind: fix\n    text: t\n",
        )
        .expect_err("bad kind");
        assert!(e.to_string().starts_with("p.yaml:5:11: steps[0].kind"), "{e}");
    }
}
