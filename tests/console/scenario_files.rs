//! Scenario files: every shipped drill loads and passes `warroom check`; the published JSON
//! Schemas match the formats; broken files are refused with file:line:column and field path;
//! completions, the man page and the version come from the command line's definition.

fn warroom(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    crate::support::warroom(dir).args(args).output().expect("run warroom")
}

#[test]
fn shipped_drills_pass_check() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut files: Vec<String> = std::fs::read_dir("drills")
        .expect("drills/")
        .filter_map(|e| e.ok())
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "at least three shipped drills: {files:?}");
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    let out = warroom(&args, dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    for name in ["bad-deploy", "node-failure", "noisy-neighbour"] {
        assert!(stdout.contains(&format!("scenario \"{name}\"")), "{stdout}");
    }
    // The built-in default is the bad deploy.
    assert_eq!(warroom_drill::scenario::builtin().name, "bad-deploy");
}

#[test]
fn published_schemas_match_the_formats_and_shipped_files_name_theirs() {
    for name in warroom::cli::SCHEMAS {
        let path = format!("schemas/{name}.schema.json");
        let published: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("schema file")).expect("schema JSON");
        assert_eq!(
            Some(published),
            warroom::cli::schema(name),
            "{path} is stale: regenerate it with `warroom schema {name} > {path}`"
        );
    }
    let scenario: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("schemas/scenario.schema.json").expect("file")).expect("JSON");
    assert!(scenario["properties"]["faults"].is_object());
    // Editors find the schema from each shipped file's first line.
    for (folder, first) in [
        (
            "drills",
            "# yaml-language-server: $schema=../schemas/scenario.schema.json",
        ),
        (
            "playbooks",
            "# yaml-language-server: $schema=../schemas/playbook.schema.json",
        ),
        ("themes", "#:schema ../schemas/theme.schema.json"),
        ("keymaps", "#:schema ../schemas/keymap.schema.json"),
    ] {
        for f in std::fs::read_dir(folder).expect("folder") {
            let f = f.expect("entry").path();
            // drills/recordings/ holds flight recordings, which are not YAML.
            if f.is_dir() {
                continue;
            }
            let text = std::fs::read_to_string(&f).expect("read");
            assert_eq!(text.lines().next(), Some(first), "{}", f.display());
        }
    }
}

#[test]
fn completions_man_page_and_version_come_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    for (shell, marker) in [
        ("bash", "complete -F _warroom"),
        ("zsh", "#compdef warroom"),
        ("fish", "complete -c warroom"),
    ] {
        let out = warroom(&["completions", shell], dir.path());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains(marker), "{shell}:\n{text}");
        for sub in ["drill", "postmortem", "journal"] {
            assert!(text.contains(sub), "{shell} completes {sub}");
        }
    }
    let man = warroom(&["man"], dir.path());
    let text = String::from_utf8_lossy(&man.stdout);
    assert!(man.status.success() && text.contains(".TH warroom 1"), "{text}");
    assert!(text.contains("postmortem"), "{text}");
    let version = warroom(&["--version"], dir.path());
    let text = String::from_utf8_lossy(&version.stdout);
    assert!(
        text.starts_with(&format!("warroom {} (", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(text.contains("commit ") && text.contains(" build)"), "{text}");
}

const GOOD_HEAD: &str = "name: t\ntitle: t\nnodes:\n  - name: node\n    count: 2\n";

fn check_error(yaml: &str, wants: &[&str]) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("broken.yaml");
    std::fs::write(&path, yaml).expect("write");
    let out = warroom(&["check", path.to_str().expect("utf-8 path")], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a broken file must fail check:\n{yaml}");
    for want in wants {
        let want = want.replace("FILE", path.to_str().expect("path"));
        assert!(stderr.contains(&want), "expected {want:?} in:\n{stderr}");
    }
    // And nothing starts on it.
    let sim = warroom(
        &["sim", path.to_str().expect("path"), "--listen", "127.0.0.1:0"],
        dir.path(),
    );
    assert!(!sim.status.success());
    assert!(!String::from_utf8_lossy(&sim.stdout).contains("kubernetes-api:"));
}

#[test]
fn yaml_syntax_errors_are_located() {
    check_error("name: t\nnodes: [\n", &["FILE:2:8"]);
}

#[test]
fn unknown_fields_and_wrong_types_name_the_field() {
    check_error(
        &format!(
            "{GOOD_HEAD}workloads:\n  - name: web\n    namespace: shop\n    replicaz: 3\n    revisions: [{{image: a}}]\n"
        ),
        &["FILE:9:5", "workloads[0]", "unknown field `replicaz`"],
    );
    check_error(
        &format!(
            "{GOOD_HEAD}workloads:\n  - name: web\n    namespace: shop\n    replicas: many\n    revisions: [{{image: a}}]\n"
        ),
        &["FILE:9:15", "workloads[0].replicas"],
    );
    check_error(
        &format!("{GOOD_HEAD}faults:\n  - at: 5 minutes\n    scale: {{workload: a/b, replicas: 1}}\n"),
        &["FILE:7:", "faults[0].at", "unknown unit"],
    );
}

#[test]
fn references_between_sections_are_checked() {
    check_error(
        &format!(
            "{GOOD_HEAD}workloads:\n  - name: web\n    namespace: shop\n    revisions: [{{image: a}}]\nfaults:\n  - at: 2m\n    rollout: {{workload: shop/wbe, image: b}}\n  - at: 3m\n    nodeCondition: {{node: node-9, condition: Ready, status: Maybe}}\n"
        ),
        &[
            "FILE:11:5: faults[0].rollout.workload: no workload \"shop/wbe\"",
            "FILE:13:5: faults[1].nodeCondition.node: no node \"node-9\"",
            "faults[1].nodeCondition.status: status must be True, False or Unknown",
        ],
    );
    check_error(
        "name: t\ntitle: t\nnodes:\n  - name: node\n    count: 2\n  - name: node-1\n",
        &["FILE:6:5: nodes[1].name: node \"node-1\" is defined twice"],
    );
    check_error(
        &format!(
            "{GOOD_HEAD}workloads:\n  - name: web\n    namespace: shop\n    revisions: []\n    pdb: {{minAvailable: 1, maxUnavailable: 1}}\n"
        ),
        &[
            "workloads[0].revisions: list at least one revision",
            "workloads[0].pdb: set exactly one",
        ],
    );
}

#[test]
fn a_missing_file_is_reported() {
    check_error_missing();
}

fn check_error_missing() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = warroom(&["check", "/nonexistent/drill.yaml"], dir.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/drill.yaml:0:0: cannot read the file"));
}
