//! The config file through the binary: a broken one is refused with file:line and key (and no
//! command acts on it); a good one names the actor and words the postmortem's severities.

use std::process::Command;

fn warroom(args: &[&str], config: &std::path::Path, data: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .env("WARROOM_CONFIG", config)
        .env("WARROOM_DATA_DIR", data)
        .env("WARROOM_STATE_DIR", data)
        .env_remove("WARROOM_ACTOR")
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
