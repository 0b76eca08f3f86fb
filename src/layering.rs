//! The house rules, checked: no cycle between the crate's top-level modules, and each one
//! reaching only the modules below it in the layers ARCHITECTURE.md draws. Reads the sources
//! (test code aside) for `crate::module` paths. `cargo test --lib layering -- --nocapture`
//! prints the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, lowest first; a module may use only modules of lower layers.
const LAYERS: &[&[&str]] = &[
    &[
        "text", "sink", "paths", "secret", "http", "family", "redact", "stop", "memory",
    ],
    &["freshness", "theme", "logging"],
    &["incident"],
    &["cluster", "observe", "comms", "debrief", "postgres", "tracker"],
    &["actions", "flight"],
    &["playbook"],
    &["detect"],
    &["config"],
    &["app"],
    &["ui"],
    &["console"],
    &["watch"],
    &["cli"],
];

/// Top-level module → the top-level modules its code names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    let path = regex::Regex::new(r"crate::([a-z_]+)").expect("regex");
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let p = entry.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(&src).expect("under src");
            let top = rel
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .map(|c| c.trim_end_matches(".rs").to_string())
                .expect("a name");
            // The test-only modules (this one, the property tests) read everything.
            if ["lib", "main", "layering", "properties"].contains(&top.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&p).expect("read source");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let used = edges.entry(top.clone()).or_default();
            for m in path.captures_iter(code) {
                if m[1] != top {
                    used.insert(m[1].to_string());
                }
            }
        }
    }
    edges
}

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

#[test]
fn top_level_modules_form_layers_without_a_cycle() {
    let edges = graph();
    for (from, to) in &edges {
        println!("{from} -> {}", to.iter().cloned().collect::<Vec<_>>().join(", "));
    }
    let mut wrong = Vec::new();
    for (from, to) in &edges {
        let Some(l) = layer(from) else {
            wrong.push(format!("{from} is in no layer: add it to LAYERS and ARCHITECTURE.md"));
            continue;
        };
        for t in to {
            match layer(t) {
                Some(lt) if lt < l => {}
                _ => wrong.push(format!("{from} uses {t}, which is not below it")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
