//! The config file through the binary: a broken one is refused with file:line and key (and no
//! command acts on it); a good one names the actor and words the postmortem's severities.

use std::process::Command;

fn warroom(args: &[&str], config: &std::path::Path, data: &std::path::Path) -> std::process::Output {
    crate::support::warroom(data)
        .args(args)
        .env("WARROOM_CONFIG", config)
        .output()
        .expect("run warroom")
}

#[test]
fn a_broken_config_stops_commands_and_check_names_the_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[you]\nname = \"Alice\"\n\n[[clusters]]\nname = \"prod\"\nprometheus = { url = \"not a url\" }\n",
    )
    .expect("write");
    let out = warroom(&["incident", "new", "--title", "x", "--sev", "2"], &config, dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:6:", config.display())) && err.contains("clusters[0].prometheus.url"),
        "{err}"
    );
    assert!(
        !dir.path().join("incidents").exists()
            || std::fs::read_dir(dir.path().join("incidents"))
                .map(|d| d.count())
                .unwrap_or(0)
                == 0
    );
    let check = warroom(&["check", config.to_str().expect("path")], &config, dir.path());
    assert!(!check.status.success());
    assert!(String::from_utf8_lossy(&check.stderr).contains("is not an http(s) URL"));
}

#[test]
fn the_config_names_the_actor_and_words_severities() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[you]\nname = \"Alice Example\"\n\n[severities.sev2]\ndefinition = \"Checkout or payments degraded for some shoppers.\"\n",
    )
    .expect("write");
    assert!(
        warroom(&["check", config.to_str().expect("path")], &config, dir.path())
            .status
            .success()
    );
    let out = warroom(
        &["incident", "new", "--title", "Checkout errors", "--sev", "2"],
        &config,
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .find(|w| w.starts_with("INC-"))
        .expect("an incident id")
        .trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    let pm = warroom(&["postmortem", &id], &config, dir.path());
    let md = String::from_utf8_lossy(&pm.stdout);
    assert!(pm.status.success(), "{}", String::from_utf8_lossy(&pm.stderr));
    assert!(md.contains("Checkout or payments degraded for some shoppers."), "{md}");
    assert!(md.contains("Alice Example"), "{md}");
}

#[test]
fn check_covers_shipped_and_broken_themes_and_keymaps() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = env!("CARGO_MANIFEST_DIR");
    let mut args: Vec<String> = vec!["check".into()];
    for folder in ["themes", "keymaps"] {
        for e in std::fs::read_dir(format!("{root}/{folder}")).expect(folder) {
            args.push(e.expect("entry").path().display().to_string());
        }
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = warroom(&refs, &dir.path().join("none.toml"), dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.matches("ok (theme)").count(), 4, "{stdout}");
    assert_eq!(stdout.matches("ok (keymap)").count(), 3, "{stdout}");

    // Broken files in a user's folders: every problem names the file, line and key.
    let themes = dir.path().join("themes");
    let keymaps = dir.path().join("keymaps");
    std::fs::create_dir_all(&themes).expect("mkdir");
    std::fs::create_dir_all(&keymaps).expect("mkdir");
    let theme = themes.join("dusk.toml");
    std::fs::write(
        &theme,
        "inherits = \"default\"\n[styles]\n\"severity.sev1\" = { fg = \"blood\" }\n",
    )
    .expect("write");
    let keymap = keymaps.join("mine.toml");
    std::fs::write(&keymap, "inherits = \"vim\"\n[timeline]\ng = \"top\"\n").expect("write");
    let out = warroom(
        &["check", &theme.display().to_string(), &keymap.display().to_string()],
        &dir.path().join("none.toml"),
        dir.path(),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:3:", theme.display())) && err.contains("styles.severity.sev1.fg: \"blood\""),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}:3:1: timeline.\"g\": \"g\" shadows \"g g\"",
            keymap.display()
        )),
        "{err}"
    );

    // The console refuses to start on them, before taking the screen.
    std::fs::write(dir.path().join("config.toml"), "[console]\nkeymap = \"mine\"\n").expect("write");
    let out = warroom(&["drill"], &dir.path().join("config.toml"), dir.path());
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("shadows"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_names_a_broken_panel_query_and_accepts_good_panels() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[[clusters]]\nname = \"prod\"\nservices = [{ name = \"checkout\", namespace = \"shop\" }]\n\n[[panels]]\nname = \"queue\"\nquery = 'sum(queue_depth{service=$service})'\nunit = \"none\"\n",
    )
    .expect("write");
    let check = warroom(&["check", config.to_str().expect("path")], &config, dir.path());
    assert!(!check.status.success());
    let err = String::from_utf8_lossy(&check.stderr);
    assert!(
        err.contains(&format!("{}:7:", config.display()))
            && err.contains("panels[0].query: $service must be inside a quoted label value"),
        "{err}"
    );
    std::fs::write(
        &config,
        "[[clusters]]\nname = \"prod\"\nservices = [{ name = \"checkout\", namespace = \"shop\", slo = 0.999 }]\n\n[[panels]]\nname = \"queue\"\nquery = 'sum(queue_depth{service=\"$service\"})'\n",
    )
    .expect("write");
    let check = warroom(&["check", config.to_str().expect("path")], &config, dir.path());
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn the_console_without_a_terminal_says_so_instead_of_panicking() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = crate::support::warroom(dir.path())
        .args(["drill"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run warroom");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the console needs a terminal") && err.contains("warroom sim"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn without_a_configured_name_or_user_variables_the_actor_is_the_account() {
    let dir = tempfile::tempdir().expect("tmp");
    let account = Command::new("id").arg("-un").output().expect("id -un");
    let account = String::from_utf8_lossy(&account.stdout).trim().to_string();
    assert!(!account.is_empty());
    // As in a container or a service's tmux: no USER, LOGNAME or USERNAME.
    let out = crate::support::warroom(dir.path())
        .args(["incident", "new", "--title", "No user", "--sev", "3"])
        .env_remove("USER")
        .env_remove("LOGNAME")
        .env_remove("USERNAME")
        .output()
        .expect("run warroom");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let journal = std::fs::read_dir(dir.path().join("incidents"))
        .expect("incidents")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .expect("a journal");
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&journal)
            .expect("read")
            .lines()
            .next()
            .expect("a line"),
    )
    .expect("JSON");
    let actor = first["actor"]["name"].as_str().unwrap_or_default().to_string();
    assert!(actor.starts_with(&format!("{account}@")), "{first}");
}

#[test]
fn check_blames_the_line_and_column_not_zero() {
    let dir = tempfile::tempdir().expect("tmp");
    let check = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let out = crate::support::warroom(dir.path())
            .arg("check")
            .arg(&path)
            .output()
            .expect("check");
        assert!(!out.status.success());
        (
            path.display().to_string(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Not UTF-8: where it stops being text.
    let (path, err) = check("bad.yaml", b"id: x\ntitle: \xC3\x28\n");
    assert!(err.contains(&format!("{path}:2:8: not UTF-8 text")), "{err}");
    let (path, err) = check("bad.toml", b"[palette]\nred = \"#ff\xFF0000\"\n");
    assert!(err.contains(&format!("{path}:2:11: not UTF-8 text")), "{err}");
    // A playbook's unknown fault and signal, each on its own line.
    let (path, err) = check(
        "odd.yaml",
        b"id: odd\ntitle: Odd\nappliesWhen:\n  faults: [rollout, meteor]\n  signals:\n    - crash_looping\n    - bad_vibes\nsteps:\n  - {id: one, kind: check, text: look}\n",
    );
    assert!(err.contains(&format!("{path}:4:21: appliesWhen.faults[1]")), "{err}");
    assert!(err.contains(&format!("{path}:7:7: appliesWhen.signals[1]")), "{err}");
}
