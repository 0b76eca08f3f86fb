//! The `:` command palette: what a typed line means. Pure parsing; errors are sentences a
//! responder can act on.

use crate::incident::model::{Role, Severity, Status};

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Declare { severity: Severity, title: String },
    Sev(Severity),
    Status(Status),
    Role { role: Role, person: Option<String> },
    Note(String),
    Decision(String),
    Pin,
    Theme(String),
    Keymap(String),
    Quit,
}

/// The commands, as help shows them.
pub const USAGE: &[(&str, &str)] = &[
    ("declare [sevN] TITLE", "open an incident (default SEV2)"),
    ("sev N", "change the severity"),
    ("status STATUS", "investigating, identified, monitoring, resolved"),
    (
        "role ROLE [NAME]",
        "take a role (commander, comms, ops, scribe, observer)",
    ),
    ("note TEXT", "add a note to the timeline"),
    ("decision TEXT", "record a decision"),
    ("pin", "pin the selected timeline entry"),
    ("theme NAME", "default, light, high-contrast, mono"),
    ("keymap NAME", "default, vim, emacs"),
    ("quit", "leave warroom"),
];

fn rest(words: &[&str]) -> String {
    words.join(" ")
}

pub fn parse(line: &str) -> Result<Command, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((verb, args)) = words.split_first() else {
        return Err("type a command: declare, sev, status, role, note, decision, pin, theme, keymap, quit".into());
    };
    let need = |what: &str| -> Result<String, String> {
        if args.is_empty() {
            Err(format!("{verb} needs {what}"))
        } else {
            Ok(rest(args))
        }
    };
    match *verb {
        "declare" => {
            let (severity, title) = match args.first().map(|a| a.parse::<Severity>()) {
                Some(Ok(s)) => (s, rest(&args[1..])),
                _ => (Severity::Sev2, rest(args)),
            };
            if title.trim().is_empty() {
                return Err("declare needs a title: declare sev1 Checkout is failing".into());
            }
            Ok(Command::Declare { severity, title })
        }
        "sev" | "severity" => {
            let s = need("a severity (1-4)")?;
            let s = if s.chars().all(|c| c.is_ascii_digit()) {
                format!("sev{s}")
            } else {
                s
            };
            s.parse::<Severity>().map(Command::Sev).map_err(|e| e.to_string())
        }
        "status" => need("a status")?
            .parse::<Status>()
            .map(Command::Status)
            .map_err(|e| e.to_string()),
        "role" => {
            let role = args
                .first()
                .ok_or("role needs a role: commander, comms, ops, scribe or observer")?
                .parse::<Role>()
                .map_err(|e| e.to_string())?;
            let person = (args.len() > 1).then(|| rest(&args[1..]));
            Ok(Command::Role { role, person })
        }
        "note" => need("some text").map(Command::Note),
        "decision" | "decide" => need("what was decided").map(Command::Decision),
        "pin" => Ok(Command::Pin),
        "theme" => need("a theme name").map(Command::Theme),
        "keymap" => need("a keymap name").map(Command::Keymap),
        "quit" | "q" => Ok(Command::Quit),
        other => Err(format!(
            "{other:?} is not a command; try declare, sev, status, role, note, decision, pin, theme, keymap, quit"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(
            parse("declare sev1 Checkout is failing").unwrap(),
            Command::Declare {
                severity: Severity::Sev1,
                title: "Checkout is failing".into()
            }
        );
        assert_eq!(
            parse("declare Payments slow").unwrap(),
            Command::Declare {
                severity: Severity::Sev2,
                title: "Payments slow".into()
            }
        );
        assert_eq!(parse("sev 1").unwrap(), Command::Sev(Severity::Sev1));
        assert_eq!(parse("sev sev3").unwrap(), Command::Sev(Severity::Sev3));
        assert_eq!(
            parse("note  rolled back  ").unwrap(),
            Command::Note("rolled back".into())
        );
        assert_eq!(
            parse("role commander alice").unwrap(),
            Command::Role {
                role: Role::Commander,
                person: Some("alice".into())
            }
        );
        assert!(parse("declare").unwrap_err().contains("needs a title"));
        assert!(parse("sev 9").is_err());
        assert!(parse("note").unwrap_err().contains("note needs some text"));
        assert!(parse("launch").unwrap_err().contains("not a command"));
        assert!(parse("").is_err());
    }
}
