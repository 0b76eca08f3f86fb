//! Message templates: one file per kind of update (`templates/*.j2`), a front matter naming its
//! audience and the inputs a person fills in, and a minijinja body. Loading refuses a template
//! that uses a variable nobody provides, naming the file and line; rendering is strict.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use minijinja::machinery::{Token, tokenize};
use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior, Value};

use super::vars::{self, Vars};
use warroom_files::FileError;

/// The templates shipped with warroom, used when no template directory is given.
pub const BUILTIN: [(&str, &str); 4] = [
    ("internal-update.j2", include_str!("../../templates/internal-update.j2")),
    ("public-status.j2", include_str!("../../templates/public-status.j2")),
    (
        "executive-briefing.j2",
        include_str!("../../templates/executive-briefing.j2"),
    ),
    (
        "resolution-notice.j2",
        include_str!("../../templates/resolution-notice.j2"),
    ),
];

/// What one render may do: minijinja's fuel (instructions), and the size of the message. A
/// template over either budget (a loop in a loop, say) is an error naming its file, never a
/// frozen console.
const FUEL: u64 = 1_000_000;
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Names minijinja provides itself.
const GLOBALS: [&str; 4] = ["range", "dict", "debug", "namespace"];

/// One kind of message.
#[derive(Clone)]
pub struct Template {
    /// The file name without `.j2`, e.g. `internal-update`.
    pub name: String,
    /// The file it came from, as shown in errors.
    pub file: String,
    /// Who it is for: `internal`, `public`, `executive`... (cadence is kept per audience).
    pub audience: String,
    /// Whether it leaves the company (a status page, customers).
    pub external: bool,
    pub description: String,
    /// Variables a person fills in (`--var name=value`, or the editor), empty by default.
    pub inputs: Vec<String>,
    body: String,
    /// Lines before the body (the front matter), added to minijinja's line numbers.
    body_offset: usize,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("name", &self.name)
            .field("file", &self.file)
            .field("audience", &self.audience)
            .field("external", &self.external)
            .field("inputs", &self.inputs)
            .finish_non_exhaustive()
    }
}

impl Template {
    /// Parses and checks one template file's text. `file` is its path as shown in errors.
    pub fn parse(file: &str, text: &str) -> Result<Template, FileError> {
        // Front matter problems are about a whole line: column 1.
        let err = |line: usize, message: String| FileError::new(file, (line, 1), "", message);
        let name = Path::new(file)
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| n.strip_suffix(".j2").unwrap_or(n).to_string())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| err(0, "a template file needs a name ending in .j2".into()))?;
        let (front, body, body_offset) = split_front_matter(text).ok_or_else(|| {
            err(
                1,
                "a template starts with a front matter between `---` lines (audience, external, inputs)".into(),
            )
        })?;
        let mut audience = None;
        let mut external = None;
        let mut description = String::new();
        let mut inputs: Vec<String> = Vec::new();
        for (i, line) in front.lines().enumerate() {
            let line_no = i + 2;
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let Some((key, value)) = t.split_once(':') else {
                return Err(err(line_no, format!("{t:?} is not `key: value`")));
            };
            let value = value.trim();
            match key.trim() {
                "audience" => {
                    if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                        return Err(err(line_no, format!("audience: {value:?} is not a name like internal")));
                    }
                    audience = Some(value.to_string());
                }
                "external" => {
                    external = Some(match value {
                        "true" => true,
                        "false" => false,
                        _ => return Err(err(line_no, format!("external: {value:?} is not true or false"))),
                    })
                }
                "description" => description = value.to_string(),
                "inputs" => {
                    for input in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        if vars::FIELDS.contains(&input) || GLOBALS.contains(&input) {
                            return Err(err(
                                line_no,
                                format!("inputs: {input:?} is already a variable from the incident"),
                            ));
                        }
                        if !input.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                            return Err(err(line_no, format!("inputs: {input:?} is not a variable name")));
                        }
                        inputs.push(input.to_string());
                    }
                }
                other => {
                    return Err(err(
                        line_no,
                        format!("unknown key {other:?}; use audience, external, description or inputs"),
                    ));
                }
            }
        }
        let template = Template {
            name,
            file: file.to_string(),
            audience: audience.ok_or_else(|| err(1, "the front matter lacks `audience:`".into()))?,
            external: external.ok_or_else(|| err(1, "the front matter lacks `external:`".into()))?,
            description,
            inputs,
            body: body.to_string(),
            body_offset,
        };
        template.check_variables()?;
        Ok(template)
    }

    /// Reads and checks a template file.
    pub fn load(path: &Path) -> Result<Template, FileError> {
        let shown = path.display().to_string();
        let text = warroom_files::read(path)?;
        Template::parse(&shown, &text)
    }

    fn environment(&self) -> Result<Environment<'static>, FileError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.set_fuel(Some(FUEL));
        env.add_template_owned(self.name.clone(), self.body.clone())
            .map_err(|e| self.minijinja_error(&e))?;
        Ok(env)
    }

    fn minijinja_error(&self, e: &minijinja::Error) -> FileError {
        let column = e
            .range()
            .map_or(1, |r| warroom_files::toml::line_col(&self.body, r.start).1);
        FileError {
            file: self.file.clone(),
            line: e.line().map_or(1, |l| l + self.body_offset),
            column,
            path: String::new(),
            message: match e.detail() {
                Some(d) => format!("{}: {d}", e.kind()),
                None => e.kind().to_string(),
            },
        }
    }

    /// Every variable the body uses must come from the incident, the inputs or minijinja.
    fn check_variables(&self) -> Result<(), FileError> {
        let env = self.environment()?;
        let compiled = env.get_template(&self.name).map_err(|e| self.minijinja_error(&e))?;
        let used: BTreeSet<String> = compiled.undeclared_variables(true).into_iter().collect();
        for path in used {
            let segments: Vec<&str> = path.split('.').collect();
            let known = match segments.as_slice() {
                [one] => vars::FIELDS.contains(one) || GLOBALS.contains(one) || self.inputs.iter().any(|i| i == one),
                [first, field, ..] => vars::fields_of(first).is_some_and(|fields| fields.contains(field)),
                [] => true,
            };
            if known && self.external && vars::INTERNAL_ONLY.contains(&segments[0]) {
                let (line, column) = self.position_of(&segments[..1]);
                return Err(FileError::new(
                    self.file.clone(),
                    (line, column),
                    "",
                    format!(
                        "template {} is external and uses `{}`, which is internal (external templates \
                         may not use {})",
                        self.name,
                        segments[0],
                        vars::INTERNAL_ONLY.join(", ")
                    ),
                ));
            }
            if !known {
                let (line, column) = self.position_of(&segments);
                let hint = match segments.as_slice() {
                    [first, ..] if vars::fields_of(first).is_some() => format!(
                        "; {first} has {}",
                        vars::fields_of(first).unwrap_or_default().join(", ")
                    ),
                    [first, _, ..] if vars::FIELDS.contains(first) => format!("; {first} has no fields"),
                    _ => format!(
                        "; the incident gives {}{}",
                        vars::FIELDS.join(", "),
                        if self.inputs.is_empty() {
                            String::new()
                        } else {
                            format!(", and the template's inputs are {}", self.inputs.join(", "))
                        }
                    ),
                };
                return Err(FileError::new(
                    self.file.clone(),
                    (line, column),
                    "",
                    format!("template {}: unknown variable `{path}`{hint}", self.name),
                ));
            }
        }
        Ok(())
    }

    /// Where in the file (line and column, 1-based) `segments` is first used as a variable;
    /// the body's first line when it cannot be found.
    fn position_of(&self, segments: &[&str]) -> (usize, usize) {
        let (line, column) = self.body_position_of(segments).unwrap_or((1, 1));
        (line + self.body_offset, column)
    }

    /// The body line and column (1-based) where `segments` (`a`, `b` for `a.b`) is first used as
    /// a variable: an identifier not after `.`, `|`, `is` or `is not`, followed by the rest of
    /// the path.
    fn body_position_of(&self, segments: &[&str]) -> Option<(usize, usize)> {
        let tokens: Vec<(Token<'_>, (usize, usize))> = tokenize(&self.body, false, SyntaxConfig::default())
            .filter_map(Result::ok)
            .map(|(t, span)| (t, (usize::from(span.start_line), usize::from(span.start_col) + 1)))
            .collect();
        (0..tokens.len()).find_map(|i| {
            // After `.` it is an attribute, after `|` a filter, after `is` / `is not` a test.
            let prev = |k: usize| i.checked_sub(k).map(|j| &tokens[j].0);
            let after_accessor = matches!(prev(1), Some(Token::Dot | Token::Pipe | Token::Ident("is")))
                || (matches!(prev(1), Some(Token::Ident("not"))) && matches!(prev(2), Some(Token::Ident("is"))));
            if after_accessor || !matches!(tokens[i].0, Token::Ident(s) if s == segments[0]) {
                return None;
            }
            let rest_matches = segments[1..].iter().enumerate().all(|(k, seg)| {
                matches!(tokens.get(i + 1 + 2 * k), Some((Token::Dot, _)))
                    && matches!(tokens.get(i + 2 + 2 * k), Some((Token::Ident(s), _)) if s == seg)
            });
            rest_matches.then_some(tokens[i].1)
        })
    }

    /// The message for `vars`, with `inputs` filling the template's inputs (missing ones are
    /// empty). An input the template does not take is an error.
    pub fn render(&self, vars: &Vars, inputs: &BTreeMap<String, String>) -> Result<String, FileError> {
        if let Some(extra) = inputs.keys().find(|k| !self.inputs.contains(k)) {
            return Err(FileError::new(
                self.file.clone(),
                (1, 1),
                "",
                format!(
                    "template {} takes no input {extra:?}; its inputs are {}",
                    self.name,
                    if self.inputs.is_empty() {
                        "none".to_string()
                    } else {
                        self.inputs.join(", ")
                    }
                ),
            ));
        }
        let mut context: BTreeMap<String, Value> = BTreeMap::new();
        for name in &self.inputs {
            context.insert(name.clone(), Value::from(inputs.get(name).cloned().unwrap_or_default()));
        }
        let Ok(fields) = serde_json::to_value(vars) else {
            return Err(FileError::new(
                self.file.clone(),
                (1, 1),
                "",
                "cannot encode the incident's variables",
            ));
        };
        if let serde_json::Value::Object(map) = fields {
            for (k, v) in map {
                context.insert(k, Value::from(minijinja::value::Serde(&v)));
            }
        }
        let env = self.environment()?;
        let compiled = env.get_template(&self.name).map_err(|e| self.minijinja_error(&e))?;
        let text = compiled.render(Value::from(context)).map_err(|e| match e.kind() {
            minijinja::ErrorKind::OutOfFuel => FileError::new(
                self.file.clone(),
                (e.line().map_or(1, |l| l + self.body_offset), 1),
                "",
                format!(
                    "template {} does too much to render (over {FUEL} steps): a loop in a loop?",
                    self.name
                ),
            ),
            _ => self.minijinja_error(&e),
        })?;
        if text.len() > MAX_MESSAGE_BYTES {
            return Err(FileError::new(
                self.file.clone(),
                (1, 1),
                "",
                format!(
                    "template {} renders {} KiB, more than a status update may be ({} KiB)",
                    self.name,
                    text.len() / 1024,
                    MAX_MESSAGE_BYTES / 1024
                ),
            ));
        }
        Ok(text)
    }
}

/// Splits `---\nfront\n---\nbody` into (front, body, lines before the body).
fn split_front_matter(text: &str) -> Option<(&str, &str, usize)> {
    let rest = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let front = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let lines = 2 + front.lines().count();
            return Some((front, body, lines));
        }
        offset += line.len();
    }
    None
}

/// The templates in use, by name.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    pub all: Vec<Template>,
}

impl Templates {
    /// The templates in use: `dir`, else `$WARROOM_TEMPLATES`, else the shipped ones; a broken
    /// one is an error naming its file and line.
    pub fn in_use(dir: Option<&Path>) -> anyhow::Result<Templates> {
        let dir = dir.map(Path::to_path_buf).or_else(|| {
            std::env::var_os("WARROOM_TEMPLATES")
                .filter(|d| !d.is_empty())
                .map(std::path::PathBuf::from)
        });
        match dir {
            Some(d) => Templates::load_dir(&d).map_err(|errors| {
                anyhow::anyhow!(
                    "{}",
                    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
                )
            }),
            None => Ok(Templates::builtin()?),
        }
    }

    /// The shipped templates.
    pub fn builtin() -> Result<Templates, FileError> {
        let all = BUILTIN
            .iter()
            .map(|(file, text)| Template::parse(&format!("templates/{file}"), text))
            .collect::<Result<_, _>>()?;
        Ok(Templates { all })
    }

    /// Every `*.j2` in `dir`, sorted by name; every problem is returned, not just the first.
    pub fn load_dir(dir: &Path) -> Result<Templates, Vec<FileError>> {
        let read = std::fs::read_dir(dir).map_err(|e| {
            vec![FileError::new(
                dir.display().to_string(),
                (0, 0),
                "",
                format!("cannot list the templates: {e}"),
            )]
        })?;
        let mut paths: Vec<_> = read
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "j2"))
            .collect();
        paths.sort();
        let mut all = Vec::new();
        let mut errors = Vec::new();
        for p in paths {
            match Template::load(&p) {
                Ok(t) => all.push(t),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(Templates { all })
        } else {
            Err(errors)
        }
    }

    pub fn get(&self, name: &str) -> Option<&Template> {
        self.all.iter().find(|t| t.name == name)
    }

    pub fn names(&self) -> Vec<&str> {
        self.all.iter().map(|t| t.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<Template, FileError> {
        Template::parse(
            "templates/t.j2",
            &format!("---\naudience: internal\nexternal: false\ninputs: needs\n---\n{body}"),
        )
    }

    #[test]
    fn unknown_variables_are_named_with_their_line() {
        let e = parse("{{ title }}\n\n{% if needs %}\n  {{ neds }}\n{% endif %}\n").expect_err("unknown");
        assert_eq!(e.file, "templates/t.j2");
        assert_eq!(e.line, 9, "{e}");
        assert!(e.message.contains("template t: unknown variable `neds`"), "{e}");
        let e =
            parse("{% if needs is not defined %}x{% endif %}\n{% if not neds %}y{% endif %}").expect_err("after not");
        assert_eq!(e.line, 7, "{e}");
        let e = parse("{{ signals.error_rate }}\n{{ signals.eror_rate }}\n").expect_err("unknown field");
        assert_eq!(e.line, 7, "{e}");
        assert!(e.message.contains("`signals.eror_rate`"), "{e}");
    }

    #[test]
    fn external_templates_may_not_use_internals() {
        let e = Template::parse(
            "templates/page.j2",
            "---\naudience: public\nexternal: true\n---\n{{ status }}\n{{ components|join(\", \") }} {{ commander }}\n",
        )
        .expect_err("internal variable");
        assert_eq!(e.line, 6, "{e}");
        assert!(e.message.contains("uses `commander`, which is internal"), "{e}");
    }

    #[test]
    fn attributes_filters_and_locals_are_not_variables() {
        parse("{{ title|upper }} {% for a in actions %}{{ a.text }}{% endfor %}{% set x = 1 %}{{ x }}").expect("valid");
    }

    #[test]
    fn front_matter_problems_name_the_line() {
        let e = Template::parse("t.j2", "---\naudience: internal\nextrnal: false\n---\nx").expect_err("bad key");
        assert_eq!((e.line, e.message.contains("\"extrnal\"")), (3, true), "{e}");
        let e = Template::parse("t.j2", "hello").expect_err("no front matter");
        assert_eq!(e.line, 1);
        let e =
            Template::parse("t.j2", "---\naudience: internal\nexternal: false\n---\n{{ title ").expect_err("syntax");
        assert_eq!(e.line, 5, "{e}");
    }
}
