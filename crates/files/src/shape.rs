//! Every problem in a file's shape at once (unknown fields, wrong types, missing fields): the
//! file read as a plain tree that remembers where each key and value is written, checked
//! against the reader's JSON schema, each problem placed at its own line and column. serde
//! stops at the first problem; this is how `warroom check` reports the rest.

use std::collections::HashMap;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::FileError;

/// A file's tree with the position of every value and every key, by JSON pointer.
#[derive(Debug, Default)]
pub struct Tree {
    pub value: Value,
    values: HashMap<String, (usize, usize)>,
    keys: HashMap<String, (usize, usize)>,
}

impl Tree {
    fn value_at(&self, pointer: &str) -> (usize, usize) {
        // A pointer into a node the tree did not place (it should not happen) falls back to the
        // nearest placed ancestor.
        let mut p = pointer;
        loop {
            if let Some(at) = self.values.get(p) {
                return *at;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return (1, 1),
            }
        }
    }

    fn key_at(&self, pointer: &str) -> (usize, usize) {
        self.keys
            .get(pointer)
            .copied()
            .unwrap_or_else(|| self.value_at(pointer))
    }
}

/// `T`'s JSON Schema, as `warroom schema` prints it and `schemas/` publishes it.
pub fn schema<T: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).expect("a schema is JSON")
}

/// The problems `T`'s schema finds in `tree`, each placed at its node, in the file's order.
pub fn problems<T: JsonSchema>(file: &str, tree: &Tree) -> Vec<FileError> {
    let schema = schema::<T>();
    let Ok(validator) = jsonschema::validator_for(&schema) else {
        return Vec::new();
    };
    let mut found: Vec<FileError> = Vec::new();
    for e in validator.iter_errors(&tree.value) {
        let pointer = e.instance_path().as_str().to_string();
        let path = field_path(&pointer);
        match e.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    let child = format!("{pointer}/{}", escape(key));
                    found.push(FileError::new(
                        file,
                        tree.key_at(&child),
                        field_path(&child),
                        format!("unknown field `{key}`"),
                    ));
                }
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().map_or_else(|| property.to_string(), str::to_string);
                found.push(FileError::new(
                    file,
                    tree.value_at(&pointer),
                    path,
                    format!("missing field `{name}`"),
                ));
            }
            // A plain scalar where text is expected is read as text (`name: n` is the name "n"
            // to the deserializer, though YAML 1.1 calls a bare n false).
            ValidationErrorKind::Type { kind } if expects_text(kind) && is_scalar(e.instance()) => {}
            ValidationErrorKind::Type { kind } => {
                let expected = match kind {
                    TypeKind::Single(t) => t.to_string(),
                    TypeKind::Multiple(ts) => ts.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" or "),
                };
                found.push(FileError::new(
                    file,
                    tree.value_at(&pointer),
                    path,
                    format!("invalid type: {}, expected {expected}", shown(e.instance())),
                ));
            }
            _ => found.push(FileError::new(
                file,
                tree.value_at(&pointer),
                path,
                e.masked().to_string(),
            )),
        }
    }
    found.sort_by_key(|e| (e.line, e.column));
    found.dedup_by(|a, b| a.line == b.line && a.column == b.column && a.path == b.path);
    found
}

/// What `T`'s schema finds wrong in YAML text (nothing for text that does not parse: the
/// deserializer reports that). Tests use it to show a reader's schema accepts its valid files.
pub fn yaml_problems<T: JsonSchema>(file: &str, text: &str) -> Vec<FileError> {
    yaml_tree(text).map_or_else(Vec::new, |tree| problems::<T>(file, &tree))
}

/// `yaml_problems` for TOML text.
pub fn toml_problems<T: JsonSchema>(file: &str, text: &str) -> Vec<FileError> {
    problems::<T>(file, &toml_tree(text).0)
}

/// Merges the deserializer's first error with the schema's problems: the deserializer's own
/// words for its problem, the schema's for every other place.
pub fn with_rest(first: FileError, rest: Vec<FileError>) -> Vec<FileError> {
    let mut all = vec![first.clone()];
    let same_place = |e: &FileError| (e.line, e.column) == (first.line, first.column);
    let same_field = |e: &FileError| !e.path.is_empty() && e.path == first.path;
    all.extend(rest.into_iter().filter(|e| !same_place(e) && !same_field(e)));
    all.sort_by_key(|e| (e.line, e.column));
    all
}

fn expects_text(kind: &TypeKind) -> bool {
    use jsonschema::JsonType;
    match kind {
        TypeKind::Single(t) => *t == JsonType::String,
        TypeKind::Multiple(ts) => ts.contains(JsonType::String),
    }
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::Bool(_) | Value::Number(_))
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".into(),
        Value::Object(_) => "map".into(),
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `/faults/1/rollout/workload` as `faults[1].rollout.workload`.
fn field_path(pointer: &str) -> String {
    let mut out = String::new();
    for step in pointer.split('/').skip(1) {
        let step = step.replace("~1", "/").replace("~0", "~");
        if !step.is_empty() && step.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{step}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&step);
        }
    }
    out
}

/// Reads YAML text as a tree; `None` when it does not parse (the deserializer reports that).
pub fn yaml_tree(text: &str) -> Option<Tree> {
    let root: serde_saphyr::Spanned<Node> = serde_saphyr::from_str(text).ok()?;
    let mut tree = Tree::default();
    tree.value = place(&mut tree, String::new(), root);
    Some(tree)
}

fn position(s: &serde_saphyr::Spanned<impl Sized>) -> (usize, usize) {
    (s.referenced.line() as usize, s.referenced.column() as usize)
}

fn place(tree: &mut Tree, pointer: String, node: serde_saphyr::Spanned<Node>) -> Value {
    tree.values.insert(pointer.clone(), position(&node));
    match node.value {
        Node::Scalar(v) => v,
        Node::Seq(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| place(tree, format!("{pointer}/{i}"), item))
                .collect(),
        ),
        Node::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (key, value) in entries {
                let child = format!("{pointer}/{}", escape(&key.value));
                tree.keys.insert(child.clone(), position(&key));
                let v = place(tree, child, value);
                map.insert(key.value, v);
            }
            Value::Object(map)
        }
    }
}

/// A YAML node as the deserializer hands it over, children with their places.
enum Node {
    Scalar(Value),
    Seq(Vec<serde_saphyr::Spanned<Node>>),
    Map(Vec<(serde_saphyr::Spanned<String>, serde_saphyr::Spanned<Node>)>),
}

impl<'de> de::Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Scalar(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Scalar(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Scalar(
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
        ))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Scalar(Value::String(v.to_string())))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Null))
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<serde_saphyr::Spanned<KeyText>>()? {
            let key = serde_saphyr::Spanned::new(key.value.0, key.referenced, key.defined);
            entries.push((key, map.next_value()?));
        }
        Ok(Node::Map(entries))
    }
}

/// A mapping key as text, whatever scalar wrote it (`1:` is the key "1").
struct KeyText(String);

impl<'de> de::Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyText, D::Error> {
        match Node::deserialize(d)? {
            Node::Scalar(Value::String(s)) => Ok(KeyText(s)),
            Node::Scalar(v) => Ok(KeyText(v.to_string())),
            _ => Ok(KeyText("?".into())),
        }
    }
}

/// Reads TOML text as a tree, with every syntax error found on the way (empty when it parses).
pub fn toml_tree(text: &str) -> (Tree, Vec<(usize, usize, String)>) {
    let (root, errors) = toml::de::DeTable::parse_recoverable(text);
    let mut tree = Tree::default();
    let at = |span: std::ops::Range<usize>| crate::toml::line_col(text, span.start);
    tree.values.insert(String::new(), (1, 1));
    tree.value = toml_table(&mut tree, String::new(), root.get_ref(), &at);
    let mut errors: Vec<_> = errors
        .into_iter()
        .map(|e| {
            let (line, column) = e.span().map_or((1, 1), &at);
            (line, column, e.message().to_string())
        })
        .collect();
    errors.sort();
    (tree, errors)
}

fn toml_table(
    tree: &mut Tree,
    pointer: String,
    table: &toml::de::DeTable<'_>,
    at: &impl Fn(std::ops::Range<usize>) -> (usize, usize),
) -> Value {
    let mut map = serde_json::Map::new();
    for (key, value) in table {
        let child = format!("{pointer}/{}", escape(key.get_ref()));
        tree.keys.insert(child.clone(), at(key.span()));
        tree.values.insert(child.clone(), at(value.span()));
        let v = toml_value(tree, child, value.get_ref(), at);
        map.insert(key.get_ref().to_string(), v);
    }
    Value::Object(map)
}

fn toml_value(
    tree: &mut Tree,
    pointer: String,
    value: &toml::de::DeValue<'_>,
    at: &impl Fn(std::ops::Range<usize>) -> (usize, usize),
) -> Value {
    use toml::de::DeValue;
    match value {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).map_or(Value::Null, Value::from),
        DeValue::Float(f) => f
            .as_str()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let child = format!("{pointer}/{i}");
                    tree.values.insert(child.clone(), at(item.span()));
                    toml_value(tree, child, item.get_ref(), at)
                })
                .collect(),
        ),
        DeValue::Table(t) => toml_table(tree, pointer, t, at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Thing {
        name: String,
        #[serde(default)]
        parts: Vec<Part>,
    }

    #[derive(Debug, serde::Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Part {
        count: u32,
    }

    #[test]
    fn every_yaml_problem_is_placed_on_its_own_line() {
        let text = "name: x\nnmae: y\nparts:\n  - count: many\n  - count: 2\n    colour: red\n";
        let tree = yaml_tree(text).expect("parses");
        let found: Vec<String> = problems::<Thing>("t.yaml", &tree)
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            found,
            [
                "t.yaml:2:1: nmae: unknown field `nmae`",
                "t.yaml:4:12: parts[0].count: invalid type: string \"many\", expected integer",
                "t.yaml:6:5: parts[1].colour: unknown field `colour`",
            ]
        );
    }

    #[test]
    fn every_toml_problem_is_placed_on_its_own_line() {
        let text = "nmae = \"y\"\n[[parts]]\ncount = \"many\"\n[[parts]]\ncount = 2\ncolour = \"red\"\n";
        let (tree, syntax) = toml_tree(text);
        assert!(syntax.is_empty());
        let found: Vec<String> = problems::<Thing>("t.toml", &tree)
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            found,
            [
                "t.toml:1:1: nmae: unknown field `nmae`",
                "t.toml:1:1: missing field `name`",
                "t.toml:3:9: parts[0].count: invalid type: string \"many\", expected integer",
                "t.toml:6:1: parts[1].colour: unknown field `colour`",
            ]
        );
    }

    #[test]
    fn every_toml_syntax_error_is_found() {
        let (_, syntax) = toml_tree("a = \nb = 1\nc = [\n");
        assert!(syntax.len() >= 2, "{syntax:?}");
        assert_eq!((syntax[0].0, syntax[syntax.len() - 1].0), (1, 3), "{syntax:?}");
    }
}
