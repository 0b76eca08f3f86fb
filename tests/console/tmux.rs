//! End-to-end: the real console in a real tmux session. Start `warroom drill`, wait for the
//! panes, send keys (focus, zoom, help), resize to 80×24, quit; and a drill with hostile
//! names and messages leaves no trace of its escape sequences on screen or in the pane title.

use std::process::Command;
use std::time::{Duration, Instant};

use warroom_testkit::Tmux;

/// A console in tmux with its config, journals and state under a directory of its own
/// (returned, and removed after the session is killed).
fn console(cmd: &str, width: u16, height: u16) -> (Tmux, tempfile::TempDir) {
    let home = tempfile::tempdir().expect("tmp");
    (Tmux::start(home.path(), cmd, width, height), home)
}

/// A console whose detector is off, for tests that declare the incident themselves.
pub(crate) fn console_without_detector(cmd: &str, width: u16, height: u16) -> (Tmux, tempfile::TempDir) {
    let home = tempfile::tempdir().expect("tmp");
    std::fs::write(home.path().join("config.toml"), "[detection]\nconsole = false\n").expect("config");
    (Tmux::start(home.path(), cmd, width, height), home)
}

pub(crate) fn warroom() -> &'static str {
    crate::support::warroom_bin()
}

/// Types `line` on the console's palette and runs it.
pub(crate) fn palette(t: &Tmux, line: &str) {
    t.keys(&[":"]);
    t.keys(&["-l", line]);
    t.keys(&["Enter"]);
}

/// Rolls shop/checkout back from the palette, confirms it, waits for it to be done and closes
/// the overlay.
pub(crate) fn roll_back_checkout(t: &Tmux) {
    palette(t, "undo shop/checkout");
    t.wait_for("the rollback preview", 30, |s| {
        s.contains("Type checkout and Enter to go ahead")
    });
    t.keys(&["-l", "checkout"]);
    t.keys(&["Enter"]);
    t.wait_for("the rollback done", 30, |s| {
        s.contains("✓ Done: deployment/checkout rolled back to revision")
    });
    t.keys(&["Escape"]);
    // Closed before the next key: an Escape read together with the key after it is Alt+key.
    t.wait_for("the rollback's overlay closed", 10, |s| !s.contains("✓ Done: "));
}

#[test]
fn drill_console_panes_keys_resize_and_quit() {
    let (t, home) = console_without_detector(&format!("{} drill --speed 30", warroom()), 200, 50);
    let s = t.wait_for("the four panes and live data", 60, |s| {
        s.contains("DRILL") && s.contains("Status update") && s.contains("Nodes ● 6 ready") && s.contains("data live")
    });
    assert!(s.contains("Bad deploy: checkout 2.0.0 crashloops on start"), "{s}");
    // The bad deploy goes out at 2 virtual minutes (4 s at ×30).
    t.wait_for("checkout crashlooping", 60, |s| {
        s.contains("deploy shop/checkout") && s.contains("crashlooping")
    });
    t.wait_for("the panic in the health pane", 30, |s| {
        s.contains("last error: panic: config key CHECKOUT_CURRENCY_TABLE")
    });
    // Golden signals and alerts come from the drill's Prometheus and Alertmanager APIs through
    // the same clients a live cluster uses: checkout's error budget burns and pages.
    let s = t.wait_for("checkout's burn rate paging", 90, |s| {
        s.lines().any(|l| l.contains("shop/checkout") && l.contains("page")) && s.contains("ErrorBudgetBurn firing")
    });
    assert!(s.contains("Golden signals") && s.contains("shop/frontend"), "{s}");
    assert!(
        s.contains("firing: ErrorBudgetBurn namespace=shop service=checkout"),
        "{s}"
    );
    // Focus and zoom: the timeline fills the body.
    t.keys(&["Tab", "z"]);
    let s = t.wait_for("the zoomed timeline", 10, |s| {
        s.contains("┌ Timeline") && !s.contains("┌ Playbook")
    });
    assert!(s.contains("CrashLoop"), "{s}");
    // Esc and the next key are sent apart, as a person types them (an instant pair is Alt-key).
    t.keys(&["Escape"]);
    t.wait_for("zoom off", 10, |s| s.contains("┌ Playbook"));
    t.keys(&["?"]);
    t.wait_for("help", 10, |s| {
        s.contains("Help (esc to close)") && s.contains("zoom the pane")
    });
    t.keys(&["Escape"]);
    t.wait_for("help closed", 10, |s| !s.contains("Help (esc to close)"));
    // The palette declares an incident and adds a note; both reach the journal on disk and
    // come back through it to the header and the timeline.
    t.keys(&[":"]);
    t.keys(&["-l", "declare sev1 Checkout failing"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("the declared incident in the header", 20, |s| {
        s.contains("‼ SEV1") && s.contains("investigating") && s.contains("Checkout failing")
    });
    assert!(s.contains("Incident opened (drill): SEV1"), "{s}");
    t.keys(&["n"]);
    t.keys(&["-l", "rolled back checkout to 1.9.3"]);
    t.keys(&["Enter"]);
    t.wait_for("the note on the timeline", 20, |s| {
        s.contains("alice    rolled back checkout to 1.9.3")
    });
    let data = home.path().join("data");
    let journals: Vec<_> = std::fs::read_dir(data.join("incidents"))
        .expect("the data directory")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert_eq!(journals.len(), 1, "{journals:?}");
    let written = std::fs::read_to_string(&journals[0]).expect("the journal");
    assert!(
        written.contains("\"rolled back checkout to 1.9.3\"") && written.contains("\"alice\""),
        "{written}"
    );
    // A follow-up is recorded from the palette, then settled by its entry's number.
    palette(&t, "followup Add a canary stage owner=bob priority=high");
    t.wait_for("the follow-up on the timeline", 20, |s| {
        s.contains("Action item: Add a canary stage (owner bob, high priority)")
    });
    let record = warroom::incident::journal::read(&journals[0]).expect("the journal");
    let item = record
        .entries
        .iter()
        .find(|e| e.event.kind() == "action_item")
        .expect("the follow-up in the journal")
        .seq;
    palette(&t, &format!("followup #{item} done ticket=OPS-9"));
    t.wait_for("the follow-up settled", 20, |s| {
        s.contains(&format!("Action item #{item} done: \"Add a canary stage\" (OPS-9)"))
    });
    let verify = Command::new(warroom())
        .args(["journal", "verify"])
        .arg(journals[0].file_stem().expect("id"))
        .env("WARROOM_DATA_DIR", &data)
        .output()
        .expect("verify");
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    // Small terminal: tabs.
    t.tmux(&["resize-window", "-t", "wr", "-x", "80", "-y", "24"]);
    let s = t.wait_for("tabs at 80x24", 10, |s| {
        s.contains("Cluster health │ Timeline │ Playbook │ Status update")
    });
    assert!(s.lines().all(|l| l.chars().count() <= 80), "{s}");
    // A SEV1 is open: the first q asks, the second leaves.
    t.keys(&["q"]);
    t.wait_for("the question", 10, |s| s.contains("press the quit key again"));
    t.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !t.dead() {
        assert!(Instant::now() < deadline, "q quits the console");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The terminal is restored: the alternate screen is gone.
    let after = t.screen();
    assert!(!after.contains("┌ Timeline"), "{after}");
}

const HOSTILE: &str = "name: hostile\ntitle: \"Hostile \\e[31mRED\\e[0m \\e]0;PWNED-TITLE\\a drill \\u202Egnp.exe\"\nstart: \"2026-11-24T14:00:00Z\"\nnodes: [{name: node, count: 2}]\nworkloads:\n  - {name: web, namespace: shop, replicas: 2, revisions: [{image: \"web:1\"}]}\nimages:\n  \"web:2\":\n    crash:\n      after: 2s\n      message: \"boom \\e]52;c;cHduZWQ=\\a \\e]8;;https://evil.example\\e\\\\click\\e]8;;\\e\\\\ \\e[2J\\e[Hend\"\nfaults:\n  - at: 5s\n    rollout: {workload: shop/web, image: \"web:2\"}\n";

#[test]
fn hostile_names_and_messages_leave_no_trace() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("hostile.yaml");
    std::fs::write(&path, HOSTILE).expect("write");
    let (t, _home) = console(&format!("{} drill {} --speed 10", warroom(), path.display()), 200, 50);
    let title_before = t.tmux(&["display-message", "-p", "-t", "wr", "#{pane_title}"]);
    let s = t.wait_for("the hostile crash message, cleaned", 60, |s| {
        s.contains("last error: boom")
    });
    for trace in [
        "PWNED-TITLE",
        "]52;",
        "cHduZWQ",
        "8;;",
        "evil.example",
        "[31m",
        "[2J",
        "\u{202E}",
        "\u{1b}",
    ] {
        assert!(!s.contains(trace), "{trace:?} reached the screen:\n{s}");
    }
    assert!(s.contains("Hostile RED  drill gnp.exe"), "{s}");
    assert!(s.contains("last error: boom  click end"), "{s}");
    let title_after = t.tmux(&["display-message", "-p", "-t", "wr", "#{pane_title}"]);
    assert_eq!(title_before, title_after, "the pane title is unchanged");
    assert!(!title_after.contains("PWNED"));
}

/// The drill cluster the console started in-process, as its kubeconfig names it.
pub(crate) fn drill_url(state_dir: &std::path::Path) -> String {
    let kubeconfig = std::fs::read_to_string(state_dir.join("drill.kubeconfig")).expect("the drill kubeconfig");
    kubeconfig
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .expect("a server line")
        .trim()
        .to_string()
}

/// kubectl against the console's drill cluster; its output.
pub(crate) fn kubectl(state_dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("kubectl")
        .args(args)
        .env("KUBECONFIG", state_dir.join("drill.kubeconfig"))
        .output()
        .expect("kubectl is required (scripts/test checks for it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn kubectl_image(state_dir: &std::path::Path) -> String {
    kubectl(
        state_dir,
        &[
            "get",
            "deploy",
            "checkout",
            "-n",
            "shop",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ],
    )
}

/// In the playbook pane, moves the cursor to bad-deploy (what applies first changes as alerts
/// fire) and follows it.
fn follow_bad_deploy(t: &Tmux) {
    t.keys(&["3"]);
    let shipped = warroom::playbook::load::SHIPPED.len();
    // The list reorders while the cursor walks it: from the top again, a few times.
    // The playbook under the cursor, as drawn.
    let under = |s: &str| -> Option<String> {
        let at = s.find("› ")? + "› ".len();
        s[at..].split_whitespace().next().map(str::to_string)
    };
    let mut found = false;
    'walk: for _ in 0..3 {
        t.keys(&["g"]);
        let mut was = None;
        for _ in 0..shipped {
            // Each key is drawn before the next is sent (a busy machine draws late); at the
            // end of the list the cursor stays.
            let mut s = t.screen();
            for _ in 0..50 {
                if under(&s).is_some() && under(&s) != was {
                    break;
                }
                std::thread::sleep(Duration::from_millis(200));
                s = t.screen();
            }
            if s.contains("› bad-deploy  Bad deploy") {
                found = true;
                break 'walk;
            }
            was = under(&s);
            t.keys(&["j"]);
        }
    }
    assert!(found, "bad-deploy is not on offer:\n{}", t.screen());
    t.keys(&["Enter"]);
    t.wait_for("the checklist", 10, |s| s.contains("Playbook ─ Bad deploy 0/7"));
}

fn declare(t: &Tmux) {
    t.wait_for("checkout crashlooping", 60, |s| {
        s.contains("deploy shop/checkout") && s.contains("crashlooping")
    });
    t.keys(&[":"]);
    t.keys(&["-l", "declare sev1 Checkout failing"]);
    t.keys(&["Enter"]);
    t.wait_for("the declared incident", 20, |s| s.contains("‼ SEV1"));
}

#[test]
fn a_rollback_from_the_console_is_previewed_confirmed_journaled_and_undone() {
    // The incident is declared here; a detector's incident beside it would be another journal.
    let (t, home) = console_without_detector(&format!("{} drill --speed 30", warroom()), 200, 50);
    declare(&t);
    let dir = home.path().to_path_buf();
    assert_eq!(kubectl_image(&dir), "registry.example.com/shop/checkout:2.0.0");
    // U on the selected deployment: permission, dry run, preview with the image difference.
    t.keys(&["U"]);
    let s = t.wait_for("the rollback preview", 20, |s| {
        s.contains("Type checkout and Enter to go ahead")
    });
    assert!(s.contains("checkout:2.0.0 →") && s.contains("checkout:1.9.3"), "{s}");
    assert!(
        s.contains("as drill-commander (system:authenticated) in the cluster"),
        "{s}"
    );
    // The history is listed; ↓ picks the older revision, dry-run again, ↑ comes back.
    assert!(
        s.contains("history (↑/↓ picks another revision)") && s.contains("deploy 1.9.1"),
        "{s}"
    );
    t.keys(&["Down"]);
    t.wait_for("the preview of revision 1", 20, |s| {
        s.contains("back to revision 1 from 3") && s.contains("Type checkout")
    });
    t.keys(&["Up"]);
    let s = t.wait_for("the preview of revision 2 again", 20, |s| {
        s.contains("back to revision 2 from 3") && s.contains("Type checkout")
    });
    assert!(s.contains("checkout:2.0.0 →"), "{s}");
    assert_eq!(
        kubectl_image(&dir),
        "registry.example.com/shop/checkout:2.0.0",
        "the dry runs changed nothing"
    );
    // A wrong name does nothing; the right one goes ahead.
    t.keys(&["-l", "checkou"]);
    t.keys(&["Enter"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(kubectl_image(&dir), "registry.example.com/shop/checkout:2.0.0");
    t.keys(&["-l", "t"]);
    t.keys(&["Enter"]);
    t.wait_for("the rollback done", 20, |s| {
        s.contains("✓ Done: deployment/checkout rolled back to revision 2")
    });
    assert_eq!(kubectl_image(&dir), "registry.example.com/shop/checkout:1.9.3");
    // Every step is in the journal, with the actor and parameters.
    // The declared incident's journal.
    let (journal_path, journal) = std::fs::read_dir(dir.join("data/incidents"))
        .expect("incidents")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .map(|p| (p.clone(), std::fs::read_to_string(p).expect("journal")))
        .find(|(_, j)| j.contains("\"title\":\"Checkout failing\""))
        .expect("the declared incident's journal");
    for kind in ["action_requested", "action_dry_run", "action_succeeded"] {
        assert!(
            journal.lines().any(|l| l.contains(&format!("\"kind\":\"{kind}\""))
                && l.contains("rollout_undo")
                && l.contains("\"alice\"")
                && l.contains("\"username\":\"drill-commander\"")),
            "{kind} missing:\n{journal}"
        );
    }
    // The deployment was kept as evidence before it was rolled back: as served (still on
    // 2.0.0), with its events, in a file named by its hash, which journal verify checks.
    let record = warroom::incident::journal::read(&journal_path).expect("journal");
    let (file, sha256) = record
        .entries
        .iter()
        .find_map(|e| match &e.event {
            warroom::incident::model::Event::EvidenceCaptured {
                subject,
                why,
                file,
                sha256,
                holds,
                ..
            } if why == "before rollout undo" => {
                assert_eq!(subject, "deployment shop/checkout");
                assert!(holds.iter().any(|h| h.ends_with("event(s)")), "{holds:?}");
                Some((file.clone(), sha256.clone()))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no evidence before the rollback:\n{journal}"));
    let kept = std::fs::read(journal_path.parent().expect("dir").join(&file)).expect("the evidence file");
    assert_eq!(warroom::incident::line::sha256_hex(&kept), sha256);
    let document: serde_json::Value = serde_json::from_slice(&kept).expect("JSON");
    assert_eq!(document["object"]["kind"], "Deployment");
    assert_eq!(
        document["object"]["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.example.com/shop/checkout:2.0.0"
    );
    let verify = |expect: bool| {
        let out = Command::new(warroom())
            .args(["journal", "verify"])
            .arg(&journal_path)
            .output()
            .expect("verify");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.success(), expect, "{said}");
        said
    };
    assert!(verify(true).contains("evidence file(s) verified"));
    // What was selected when declaring was kept, with the golden signals around the onset.
    // (It reads Prometheus too: it may be kept after the rollback's.)
    let declared = warroom_testkit::wait_for(30, "the evidence kept on declaring", || {
        warroom::incident::journal::read(&journal_path)
            .expect("journal")
            .entries
            .iter()
            .find_map(|e| match &e.event {
                warroom::incident::model::Event::EvidenceCaptured { why, file, .. } if why == "declared" => {
                    Some(file.clone())
                }
                _ => None,
            })
    });
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(journal_path.parent().expect("dir").join(&declared)).expect("evidence"))
            .expect("JSON");
    let traffic = &document["signals"]["services"]["shop/checkout"]["traffic"];
    assert!(
        traffic[0]["values"].as_array().is_some_and(|v| v.len() > 10),
        "checkout's traffic around the onset: {}",
        document["signals"]
    );
    // Its undo is offered, also from the timeline once the overlay is gone (the journal
    // recorded it), and is itself confirmed and journaled.
    assert!(
        t.screen()
            .contains("Undo (u): rollout undo deployment/checkout -n shop to revision 3"),
        "{}",
        t.screen()
    );
    t.keys(&["Enter", "2", "/"]);
    t.keys(&["-l", "kind:action_succeeded"]);
    t.keys(&["Enter"]);
    t.wait_for("the timeline naming the undo key", 20, |s| {
        s.contains(" u: rollout undo deployment/checkout -n shop to revision 3 ")
    });
    t.keys(&["u"]);
    t.wait_for("the undo's preview", 20, |s| {
        s.contains("Type checkout and Enter to go ahead")
    });
    t.keys(&["-l", "checkout"]);
    t.keys(&["Enter"]);
    t.wait_for("the undo done", 20, |s| s.contains("rolled back to revision 3"));
    assert_eq!(kubectl_image(&dir), "registry.example.com/shop/checkout:2.0.0");
    // Evidence is read from the timeline: Enter on its row shows what was kept, proven by
    // its hash.
    t.keys(&["Enter", "2", "/"]);
    t.keys(&["BSpace"; 21]);
    t.keys(&["-l", "kind:evidence_captured"]);
    t.keys(&["Enter"]);
    t.wait_for("the evidence rows", 20, |s| {
        s.contains("Evidence captured (before rollout undo)")
    });
    t.keys(&["Enter"]);
    let s = t.wait_for("the evidence shown", 30, |s| {
        s.contains("evidence of deployment shop/checkout") && s.contains("── object, as served ──")
    });
    assert!(s.contains("kind: Deployment"), "{s}");
    t.keys(&["Escape"]);
    // Evidence changed behind the journal's back is found.
    std::fs::write(journal_path.parent().expect("dir").join(&file), b"{}").expect("tamper");
    assert!(verify(false).contains(&format!("evidence {file} was changed")));
}

#[test]
fn a_read_only_console_sends_no_change() {
    // An observer does not declare: the incident is opened from the command line.
    let home = tempfile::tempdir().expect("tmp");
    let id = crate::support::incident_new(
        &home.path().join("data"),
        &["--title", "Checkout failing", "--sev", "1", "--drill"],
    );
    let t = Tmux::start(
        home.path(),
        &format!("{} drill --speed 30 --read-only --incident {id}", warroom()),
        200,
        50,
    );
    t.wait_for("checkout crashlooping", 60, |s| {
        s.contains("deploy shop/checkout") && s.contains("crashlooping")
    });
    t.wait_for("the incident", 20, |s| s.contains("‼ SEV1"));
    let dir = home.path().to_path_buf();
    t.wait_for("the read-only footer", 10, |s| s.contains("READ-ONLY"));
    let refused = |what: &str| {
        t.wait_for(what, 20, |s| s.contains("Not allowed: nothing was sent"));
        t.keys(&["Escape"]);
        t.wait_for("the overlay closed", 10, |s| !s.contains("Not allowed"));
    };
    // Every containment key on the selected deployment; scale and silence open the palette
    // prefilled (with the current count, with the loudest firing alert), and Enter runs it.
    for key in ["U", "r", "P", "R", "X"] {
        t.keys(&[key]);
        refused(key);
    }
    // The heading counts firing alerts ("Alerts (0 firing, …" before any fires).
    t.wait_for("an alert firing", 60, |s| {
        s.contains("Alerts (") && !s.contains("Alerts (0 firing")
    });
    for (key, prefilled) in [("S", ":scale shop/checkout 4"), ("A", ":silence ")] {
        t.keys(&[key]);
        t.wait_for(prefilled, 10, |s| s.contains(prefilled));
        t.keys(&["Enter"]);
        refused(key);
    }
    // Every action the palette types out, node actions included.
    let pod = kubectl(
        &dir,
        &[
            "get",
            "pods",
            "-n",
            "shop",
            "-l",
            "app=checkout",
            "-o",
            "jsonpath={.items[0].metadata.name}",
        ],
    );
    assert!(!pod.is_empty(), "a checkout pod");
    for command in [
        "cordon node-1".to_string(),
        "uncordon node-1".into(),
        "drain node-1".into(),
        "restart shop/checkout".into(),
        "undo shop/checkout 1".into(),
        "pause shop/checkout".into(),
        "resume shop/checkout".into(),
        "scale shop/checkout 1".into(),
        format!("recycle shop/{pod}"),
        "isolate shop app=checkout".into(),
        "unisolate shop warroom-isolate-x".into(),
        "silence ErrorBudgetBurn service=checkout 1h".into(),
        "unsilence 00000000-0000-0000-0000-000000000000".into(),
    ] {
        t.keys(&[":"]);
        t.keys(&["-l", &command]);
        t.keys(&["Enter"]);
        refused(&command);
    }
    // The playbook pane: an action step run with its key is refused too.
    follow_bad_deploy(&t);
    t.keys(&["j", "j", "Enter"]);
    t.wait_for("the pause step refused", 20, |s| {
        s.contains("rollout pause") && s.contains("Not allowed: nothing was sent")
    });
    t.keys(&["Escape"]);
    // The containment keys in the other panes do nothing there.
    for pane in ["2", "3"] {
        t.keys(&[pane]);
        for key in ["c", "u", "D", "r", "U", "P", "R", "S", "X", "A"] {
            t.keys(&[key]);
        }
        t.keys(&["Escape", "Escape"]);
    }
    std::thread::sleep(Duration::from_secs(1));
    let url = drill_url(&dir);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let log: serde_json::Value = rt
        .block_on(async {
            warroom::http::plain_client()
                .get(format!("{url}/drill/v1/requests"))
                .send()
                .await?
                .json()
                .await
        })
        .expect("the request log");
    let all = log.as_array().expect("requests");
    assert!(
        all.iter().filter(|r| r["method"] == "GET").count() > 10,
        "the console's own reads are logged: {log}"
    );
    let mutating: Vec<&serde_json::Value> = log
        .as_array()
        .expect("requests")
        .iter()
        .filter(|r| r["method"] != "GET" && !r["path"].as_str().unwrap_or_default().contains("selfsubject"))
        .collect();
    assert!(mutating.is_empty(), "read-only sent {mutating:?}");
    assert_eq!(kubectl_image(&dir), "registry.example.com/shop/checkout:2.0.0");
}

#[test]
fn a_paging_alert_is_silenced_from_the_console_and_the_silence_expired_as_its_undo() {
    let (t, home) = console_without_detector(&format!("{} drill --speed 30", warroom()), 200, 50);
    t.wait_for("checkout's error budget paging", 90, |s| {
        s.contains("ErrorBudgetBurn firing")
    });
    declare(&t);
    // A offers the loudest alert's silence in the palette, to check or edit.
    t.keys(&["A"]);
    t.wait_for("the prefilled silence", 10, |s| {
        s.contains(":silence ErrorBudgetBurn namespace=shop service=checkout 2h")
    });
    t.keys(&["Enter"]);
    let s = t.wait_for("the silence preview", 20, |s| s.contains("Go ahead?"));
    assert!(s.contains("1 alert(s) match now"), "{s}");
    t.keys(&["y"]);
    let s = t.wait_for("the silence created", 20, |s| s.contains("created for 2h"));
    assert!(s.contains("Undo (u)"), "{s}");
    t.wait_for("the alert shown silenced", 30, |s| {
        s.contains("ErrorBudgetBurn silenced")
    });
    // The undo expires it, and the alert pages again.
    t.keys(&["u"]);
    t.wait_for("the expiry preview", 20, |s| {
        s.contains("Go ahead?") && s.contains("expire silence")
    });
    t.keys(&["y"]);
    t.wait_for("the silence expired", 20, |s| s.contains("expired"));
    t.keys(&["Escape"]);
    t.wait_for("the alert paging again", 30, |s| s.contains("ErrorBudgetBurn firing"));
    // The journal link writes in the background: wait (generously) for both outcomes.
    let succeeded = |journal: &str, verb: &str| {
        journal
            .lines()
            .any(|l| l.contains("\"kind\":\"action_succeeded\"") && l.contains(verb))
    };
    let read = || {
        std::fs::read_dir(home.path().join("data/incidents"))
            .expect("incidents")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .map(|p| std::fs::read_to_string(p).expect("journal"))
            .next()
            .expect("one journal")
    };
    let verbs = ["\"action\":\"silence\"", "\"action\":\"expire_silence\""];
    let deadline = Instant::now() + Duration::from_secs(30);
    let journal = loop {
        let journal = read();
        if verbs.iter().all(|v| succeeded(&journal, v)) || Instant::now() > deadline {
            break journal;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    for verb in verbs {
        assert!(succeeded(&journal, verb), "{verb} not journaled:\n{journal}");
    }
}

/// The drill clock in the header (`T+5m35s`, `T+1h05m`), in seconds.
pub(crate) fn drill_elapsed(screen: &str) -> i64 {
    let header = screen.lines().next().unwrap_or_default();
    let t = header
        .split_whitespace()
        .find_map(|w| w.strip_prefix("T+"))
        .unwrap_or_else(|| panic!("no drill clock in the header: {header}"));
    let (h, rest) = t.split_once('h').map_or((0, t), |(h, r)| (h.parse().unwrap(), r));
    let (m, rest) = rest.split_once('m').expect("minutes");
    let s: i64 = rest.strip_suffix('s').map_or(0, |s| s.parse().unwrap());
    h * 3600 + m.parse::<i64>().unwrap() * 60 + s
}

/// checkout's error ratio on the golden-signal panel, in percent.
/// The span the journal's impact measurement covers.
fn impact_span(entries: &[warroom::incident::model::Entry]) -> (jiff::Timestamp, jiff::Timestamp) {
    entries
        .iter()
        .find_map(|e| match &e.event {
            warroom::incident::model::Event::ImpactMeasured { from, to, .. } => Some((*from, *to)),
            _ => None,
        })
        .expect("the impact measured")
}

fn checkout_errors(screen: &str) -> Option<f64> {
    errors_of(screen, "shop/checkout")
}

/// A service's error ratio on the golden-signal panel, in percent.
pub(crate) fn errors_of(screen: &str, service: &str) -> Option<f64> {
    let row = screen
        .lines()
        .find(|l| l.contains(&format!("{service} ")) && l.contains("/s "))?;
    row.split_whitespace().find_map(|w| w.strip_suffix('%')?.parse().ok())
}

#[test]
fn the_bad_deploy_playbook_followed_with_keys_rolls_back_and_errors_fall_under_the_slo() {
    let scenario = warroom_drill::scenario::builtin();
    let recovery = scenario
        .recovery
        .expect("the bad-deploy drill states its recovery time")
        .millis
        / 1000;
    let objective = scenario
        .workloads
        .iter()
        .find(|w| w.get().name == "checkout")
        .map(|w| w.get().signals.objective)
        .expect("checkout's SLO");
    // x10, not faster: a second of wall-clock jitter is then 10 s of drill time. The incident is
    // declared here, once checkout's burn alert pages (so it is detected before it is declared).
    let (t, home) = console_without_detector(&format!("{} drill --speed 10", warroom()), 200, 50);
    t.wait_for("checkout's burn alert", 180, |s| s.contains("ErrorBudgetBurn firing"));
    declare(&t);
    follow_bad_deploy(&t);
    // Check and comms steps are marked done; the action steps run with one key each.
    t.keys(&["d", "j", "d", "j"]);
    t.wait_for("two steps done", 10, |s| s.contains("Bad deploy 2/7"));
    for (verb, done) in [
        ("rollout pause", "✓ Done: deployment/checkout paused"),
        ("rollout resume", "✓ Done: deployment/checkout resumed"),
    ] {
        t.keys(&["Enter"]);
        t.wait_for(verb, 20, |s| s.contains(verb) && s.contains("Go ahead? [y/N]"));
        t.keys(&["y"]);
        t.wait_for(done, 20, |s| s.contains(done));
        t.keys(&["Enter", "j"]);
    }
    t.keys(&["Enter"]);
    let s = t.wait_for("the rollback preview", 20, |s| {
        s.contains("Type checkout and Enter to go ahead")
    });
    assert!(s.contains("checkout:2.0.0 →") && s.contains("checkout:1.9.3"), "{s}");
    t.keys(&["-l", "checkout"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("the rollback done", 20, |s| {
        s.contains("✓ Done: deployment/checkout rolled back to revision")
    });
    let rolled_back = drill_elapsed(&s);
    assert!(s.contains("Bad deploy 5/7"), "the step follows the action:\n{s}");
    assert_eq!(kubectl_image(home.path()), "registry.example.com/shop/checkout:1.9.3");
    t.keys(&["Enter"]);
    // The error ratio falls below the SLO within the scenario's recovery time (drill time).
    let slo_percent = (1.0 - objective) * 100.0;
    let wall = Duration::from_secs((recovery / 10 + 60) as u64);
    let s = t.wait_for("the error ratio under the SLO", wall.as_secs(), |s| {
        checkout_errors(s).is_some_and(|e| e < slo_percent)
    });
    let took = drill_elapsed(&s) - rolled_back;
    eprintln!("checkout back under its SLO {took}s of drill time after the rollback (promised: {recovery}s)");
    assert!(
        took <= recovery,
        "recovered {took}s of drill time after the rollback; the scenario promises {recovery}s:\n{s}"
    );
    // The timeline holds the playbook, and the action with its result (filtered to fit the pane).
    t.keys(&["2"]);
    for (filter, lines) in [
        (
            "bad-deploy",
            &[
                "Playbook bad-deploy followed",
                "Checklist bad-deploy: \"roll-back\" done",
            ][..],
        ),
        // One row for the action, its steps folded inside: found by its outcome and its verb.
        (
            "kind:action checkout",
            &["Action succeeded: rolled back deployment shop/checkout to revision"][..],
        ),
        (
            "rollout undo",
            &["Action succeeded: rolled back deployment shop/checkout to revision"][..],
        ),
    ] {
        t.keys(&["/"]);
        for _ in 0..20 {
            t.keys(&["BSpace"]);
        }
        t.keys(&["-l", filter]);
        t.keys(&["Enter"]);
        t.wait_for(filter, 10, |s| lines.iter().all(|l| s.contains(l)));
    }
    // The console proposes the rollback as the moment the incident was mitigated (checkout
    // was over its SLO when it succeeded, and has been back under it for two readings);
    // `:mitigated` marks it then.
    t.keys(&["/"]);
    for _ in 0..20 {
        t.keys(&["BSpace"]);
    }
    t.keys(&["-l", "mitigated"]);
    t.keys(&["Enter"]);
    t.wait_for("the mitigation proposed", 120, |s| {
        s.contains("shop/checkout back under the SLO since rolled back deployment shop/checkout")
    });
    palette(&t, "mitigated");
    t.wait_for("monitoring", 20, |s| {
        s.lines().next().is_some_and(|h| h.contains("monitoring"))
    });
    // Resolving measures the impact in the drill's Prometheus and journals it.
    palette(&t, "status resolved");
    let journal = || -> Vec<warroom::incident::model::Entry> {
        std::fs::read_dir(home.path().join("data/incidents"))
            .expect("incidents")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .map(|p| warroom::incident::journal::read(&p).expect("journal").entries)
            .find(|entries| {
                entries.first().is_some_and(|e| {
                    matches!(&e.event, warroom::incident::model::Event::IncidentOpened(d) if d.title == "Checkout failing")
                })
            })
            .expect("the declared incident's journal")
    };
    let impact = warroom_testkit::wait_for(60, "the impact measured", || {
        journal().into_iter().find_map(|e| match e.event {
            warroom::incident::model::Event::ImpactMeasured { services, .. } => Some(services),
            _ => None,
        })
    });
    let checkout = impact
        .iter()
        .find(|s| s.service == "shop/checkout")
        .unwrap_or_else(|| panic!("checkout's impact: {impact:?}"));
    assert!(checkout.peak_error_ratio > 1.0 - objective, "{checkout:?}");
    assert!(
        checkout.over_slo_seconds > 0 && checkout.failed_requests > 0.0,
        "{checkout:?}"
    );
    assert!(checkout.failed_requests < checkout.requests, "{checkout:?}");
    let entries = journal();
    let mitigated = entries.iter().find_map(|e| match &e.event {
        warroom::incident::model::Event::MilestoneSet {
            milestone: warroom::incident::model::Milestone::Mitigated,
            at,
        } => Some(*at),
        _ => None,
    });
    let rollback = entries.iter().find_map(|e| match &e.event {
        warroom::incident::model::Event::ActionSucceeded(a) if a.action == "rollout_undo" => Some(e.incident_time()),
        _ => None,
    });
    let (mitigated, rollback) = (mitigated.expect("mitigated"), rollback.expect("the rollback"));
    assert_eq!(mitigated, rollback, "mitigated at the rollback the console proposed");

    // The postmortem's detected time is the first alert's start, before the incident was
    // declared (on the drill's clock, which the alerts and the journal's drill times are on).
    let opened = entries[0].incident_time();
    let first_alert = entries
        .iter()
        .filter_map(|e| match &e.event {
            warroom::incident::model::Event::AlertFiring { starts_at, .. } => *starts_at,
            _ => None,
        })
        .min()
        .expect("alerts journaled");
    assert!(
        first_alert < opened,
        "the alert fired at {first_alert}, before the declaration at {opened}"
    );
    let id = match &entries[0].event {
        warroom::incident::model::Event::IncidentOpened(d) => d.id.to_string(),
        other => panic!("the journal opens with {other:?}"),
    };
    let out = crate::support::warroom(&home.path().join("data"))
        .args(["postmortem", &id])
        .output()
        .expect("postmortem");
    let postmortem = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let detected = format!("| detected | {} |", warroom::incident::timeline::utc(first_alert));
    assert!(postmortem.contains(&detected), "{detected} missing:\n{postmortem}");

    // The impact is what the test reads from the drill's Prometheus itself over the same span:
    // checkout's worst 5-minute error ratio and its time over the SLO.
    let (from, to) = impact_span(&entries);
    let query = r#"sum(rate(http_requests_total{namespace="shop",service="checkout",code=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="shop",service="checkout"}[5m]))"#;
    let url = reqwest::Url::parse_with_params(
        "http://x/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/api/v1/query_range",
        &[
            ("query", query),
            ("start", &from.as_second().to_string()),
            ("end", &to.as_second().to_string()),
            ("step", "15"),
        ],
    )
    .expect("a URL");
    let raw = kubectl(
        home.path(),
        &["get", "--raw", &format!("{}?{}", url.path(), url.query().unwrap_or(""))],
    );
    let answer: serde_json::Value = serde_json::from_str(&raw).expect("Prometheus's JSON");
    let ratios: Vec<f64> = answer["data"]["result"][0]["values"]
        .as_array()
        .expect("a range")
        .iter()
        .filter_map(|p| p[1].as_str()?.parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .collect();
    let peak = ratios.iter().copied().fold(f64::NAN, f64::max);
    assert!(
        (peak - checkout.peak_error_ratio).abs() <= 1e-9 * peak.max(1.0),
        "peak {peak} read by the test, {} measured",
        checkout.peak_error_ratio
    );
    let over = ratios.iter().filter(|v| **v > 1.0 - objective).count() as i64 * 15;
    assert_eq!(over, checkout.over_slo_seconds, "seconds over the SLO");
}

/// Signals sent with `kill` (in raw mode ctrl-c is a key, not a signal): each one ends the
/// console with the terminal as it found it (the main screen, the cursor shown, the tty
/// cooked) and the draft being written saved to the journal.
#[test]
fn every_signal_restores_the_terminal_and_keeps_the_draft() {
    for signal in ["INT", "QUIT", "TERM", "HUP"] {
        let home = tempfile::tempdir().expect("tmp");
        let data = home.path().join("data");
        let id = crate::support::incident_new(&data, &["--title", "Signals", "--sev", "3"]);
        let stty = home.path().join("stty.txt");
        // The shell reports the tty's modes once the console has gone, then waits.
        let cmd = format!(
            "sh -c '{} drill --incident {id}; stty -a > {}; sleep 600'",
            warroom(),
            stty.display()
        );
        let t = Tmux::start(home.path(), &cmd, 200, 50);
        t.wait_for("the console on the incident", 60, |s| s.contains(&id));
        t.keys(&["4"]);
        let draft = format!("draft before SIG{signal}");
        t.type_text(&draft);
        t.wait_for("the draft on screen", 30, |s| s.contains(&draft));
        let shell = t.pane_pid();
        let console = warroom_testkit::wait_for(30, "the console's process", || {
            let out = Command::new("pgrep").args(["-P", &shell.to_string()]).output().ok()?;
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()?
                .trim()
                .parse::<u32>()
                .ok()
        });
        let sent = Command::new("kill")
            .args([format!("-{signal}"), console.to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
        let modes = warroom_testkit::wait_for(60, "the shell's stty after the console", || {
            std::fs::read_to_string(&stty).ok().filter(|m| !m.is_empty())
        });
        let words: Vec<&str> = modes.split_whitespace().collect();
        for cooked in ["icanon", "echo", "isig"] {
            assert!(words.contains(&cooked), "SIG{signal} left the tty raw: {modes}");
        }
        let screen = |format: &str| {
            t.tmux(&["display-message", "-p", "-t", "wr", format])
                .trim()
                .to_string()
        };
        assert_eq!(
            screen("#{alternate_on}"),
            "0",
            "SIG{signal} left the alternate screen on"
        );
        assert_eq!(screen("#{cursor_flag}"), "1", "SIG{signal} left the cursor hidden");
        let journal = std::fs::read_to_string(data.join("incidents").join(format!("{id}.jsonl"))).expect("journal");
        assert!(
            journal.contains(&draft),
            "SIG{signal}: the draft was not saved:\n{journal}"
        );
    }
}

/// Sends `signal` to process `pid`.
fn signal(signal: &str, pid: u32) {
    let ok = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(ok.success(), "kill {signal} {pid}");
}

/// Waits until the header says `want`, and returns how long that took.
fn header_says(t: &Tmux, want: &str) -> Duration {
    let start = Instant::now();
    t.wait_for(want, 90, |s| s.lines().next().is_some_and(|h| h.contains(want)));
    start.elapsed()
}

#[test]
fn the_header_goes_stale_when_the_api_server_freezes_or_restarts_and_live_when_it_is_back() {
    let sim = crate::support::SimProcess::start(None, &[]);
    let cmd = format!("{} live --kubeconfig {}", warroom(), sim.kubeconfig.display());
    let (t, _home) = console(&cmd, 200, 50);
    t.wait_for("the cluster live", 90, |s| {
        s.contains("data live") && s.contains("Nodes ● 6 ready")
    });

    // Frozen: the watches hear nothing, not even an error; the probe notices.
    signal("-STOP", sim.pid());
    let frozen = header_says(&t, "stale");
    let s = t.screen();
    assert!(
        s.contains("Nodes ● 6 ready"),
        "the last known picture stays on screen:\n{s}"
    );
    assert!(!s.contains("loading…"), "{s}");
    signal("-CONT", sim.pid());
    let thawed = header_says(&t, "data live");

    // Restarted on the same port: a new server, new resource versions, the watches relist.
    let port = sim
        .url
        .rsplit(':')
        .next()
        .expect("a port")
        .trim_end_matches('/')
        .to_string();
    drop(sim);
    let down = header_says(&t, "stale");
    let sim = crate::support::SimProcess::start_on(&format!("127.0.0.1:{port}"), None, &[]);
    let back = header_says(&t, "data live");
    let s = t.screen();
    assert!(
        s.contains("API server answers again") || s.contains("watch restored"),
        "{s}"
    );
    println!(
        "stale after freezing: {:.1}s; live after thawing: {:.1}s; stale after stopping: {:.1}s; live after restarting: {:.1}s",
        frozen.as_secs_f64(),
        thawed.as_secs_f64(),
        down.as_secs_f64(),
        back.as_secs_f64()
    );
    drop(sim);
}

/// Presses the quit key until the console has gone (a second press when it asks).
pub(crate) fn quit(t: &Tmux) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !t.dead() {
        assert!(Instant::now() < deadline, "q quits the console:\n{}", t.screen());
        t.keys(&["q"]);
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn a_live_console_shows_the_clusters_last_picture_at_once_and_holds_actions_until_it_is_live() {
    let sim = crate::support::SimProcess::start(None, &[]);
    let node = sim.ok(&["get", "nodes", "-o", "name"]);
    let node = node
        .lines()
        .next()
        .expect("a node")
        .trim_start_matches("node/")
        .to_string();
    let home = tempfile::tempdir().expect("tmp");
    let cmd = format!("{} live --kubeconfig {}", warroom(), sim.kubeconfig.display());
    let t = Tmux::start(home.path(), &cmd, 200, 50);
    t.wait_for("the cluster live", 90, |s| {
        s.contains("data live") && s.contains("Nodes ● 6 ready")
    });
    quit(&t);
    let kept: Vec<_> = std::fs::read_dir(home.path().join("data/flight"))
        .expect("the flight directory")
        .filter_map(|d| Some(d.ok()?.path().join("picture.json.zst")))
        .filter(|p| p.exists())
        .collect();
    assert_eq!(kept.len(), 1, "the picture is kept at quit");

    // The API server answers nothing now: the next console shows the last picture anyway,
    // marked with its age, and holds actions.
    signal("-STOP", sim.pid());
    let started = Instant::now();
    let t = Tmux::start(home.path(), &cmd, 200, 50);
    let s = t.wait_for("the recorded picture", 30, |s| {
        s.contains("catching up") && s.contains("Nodes ● 6 ready")
    });
    let shown = started.elapsed();
    assert!(s.lines().next().is_some_and(|h| h.contains("recorded")), "{s}");
    // Keys are read once Prometheus has been looked for (the cluster does not answer: seconds).
    t.wait_for("the silence noticed", 30, |s| {
        s.contains("the API server does not answer")
    });
    t.keys(&[":"]);
    t.type_text(&format!("cordon {node}"));
    t.keys(&["Enter"]);
    t.wait_for("the action held", 30, |s| {
        s.contains("actions wait until the watches have listed the live cluster")
    });
    signal("-CONT", sim.pid());
    t.wait_for("live again", 60, |s| {
        s.contains("data live") && !s.contains("catching up")
    });
    assert_eq!(
        sim.ok(&["get", "node", &node, "-o", "jsonpath={.spec.unschedulable}"])
            .trim(),
        "",
        "nothing was cordoned"
    );
    println!(
        "the recorded picture shown {:.2}s after start (terminal start included)",
        shown.as_secs_f64()
    );
    quit(&t);
}

#[test]
fn a_crashlooping_pods_log_is_read_in_the_console() {
    let (t, _home) = console(&format!("{} drill --speed 30", warroom()), 200, 50);
    t.wait_for("checkout crashlooping", 90, |s| {
        s.contains("deploy shop/checkout") && s.contains("crashlooping")
    });
    // The worst workload is first: drill down, then pick a crashlooping pod.
    t.keys(&["Enter"]);
    t.wait_for("the drill-down", 30, |s| s.contains("enter: the pod's log"));
    // A crashlooping pod is CrashLoopBackOff only between its runs: walk the pods from the top
    // again until the cursor is on one while it is.
    let picked = |s: &str| s.lines().any(|l| l.contains('›') && l.contains("CrashLoopBackOff"));
    let give_up = std::time::Instant::now() + Duration::from_secs(60);
    'walk: while std::time::Instant::now() < give_up {
        t.keys(&["g"]);
        for _ in 0..12 {
            std::thread::sleep(Duration::from_millis(100));
            if picked(&t.screen()) {
                break 'walk;
            }
            t.keys(&["j"]);
        }
    }
    assert!(picked(&t.screen()), "{}", t.screen());
    t.keys(&["Enter"]);
    // The current run's output, through the same log API kubectl reads. (It may have been
    // restarted a moment ago and not crashed yet: the crashed run is the previous container.)
    let s = t.wait_for("the pod's log", 30, |s| {
        s.contains("INFO starting checkout (registry.example.com/shop/checkout:2.0.0)")
    });
    assert!(s.contains("log shop/checkout-"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for("the previous container", 30, |s| {
        s.contains("(previous container)") && s.contains("FATAL panic: config key")
    });
    t.keys(&["Escape"]);
    t.wait_for("back in the drill-down", 10, |s| s.contains("enter: the pod's log"));
}

#[test]
fn a_pod_is_found_in_the_list_and_described_from_the_drill_api_server() {
    let (t, home) = console(&format!("{} drill --speed 30", warroom()), 200, 50);
    let dir = home.path().to_path_buf();
    t.wait_for("checkout crashlooping", 60, |s| {
        s.contains("deploy shop/checkout") && s.contains("crashlooping")
    });
    // A crashing pod (one that has restarted), as kubectl names it; its status flaps between
    // CrashLoopBackOff and Running, so the list is filtered on its name.
    let deadline = Instant::now() + Duration::from_secs(60);
    let pod = loop {
        let pods = kubectl(&dir, &["get", "pods", "-n", "shop", "--no-headers"]);
        let crashing = pods
            .lines()
            .find(|l| l.starts_with("checkout-") && l.split_whitespace().nth(3).is_some_and(|r| r != "0"))
            .and_then(|l| l.split_whitespace().next());
        if let Some(p) = crashing {
            break p.to_string();
        }
        assert!(Instant::now() < deadline, "no checkout pod has restarted:\n{pods}");
        std::thread::sleep(Duration::from_millis(500));
    };
    let node = kubectl(
        &dir,
        &["get", "pod", &pod, "-n", "shop", "-o", "jsonpath={.spec.nodeName}"],
    );
    // The pods list, filtered to that pod, zoomed so every column shows.
    t.keys(&["1", "v"]);
    t.wait_for("the nodes list", 10, |s| s.contains("Nodes (6; by NAME ↑)"));
    t.keys(&["v"]);
    t.keys(&["v"]);
    t.wait_for("the pods list", 10, |s| s.contains("Pods ("));
    t.keys(&["/"]);
    t.keys(&["-l", &pod]);
    t.keys(&["Enter", "z"]);
    let s = t.wait_for("the pod in the list", 30, |s| {
        s.contains(&format!("1 hold \"{pod}\"")) && s.contains("› shop") && s.contains("NODE")
    });
    assert!(s.lines().any(|l| l.contains(&pod) && l.contains(&node)), "{s}");
    // Describe: read from the drill's API server, as kubectl describe lays it out.
    t.keys(&["d"]);
    let s = t.wait_for("the description", 20, |s| {
        s.contains(&format!("describe pod shop/{pod}")) && s.contains("Conditions:")
    });
    assert!(s.contains(&format!("Name:                 {pod}")), "{s}");
    assert!(s.contains(&format!("Node:                 {node}")), "{s}");
    assert!(s.contains("registry.example.com/shop/checkout:2.0.0"), "{s}");
    // YAML and the pod's events, from the same server.
    t.keys(&["y"]);
    let s = t.wait_for("the YAML", 20, |s| {
        s.contains("apiVersion: v1") && s.contains("kind: Pod")
    });
    assert!(!s.contains("managedFields"), "{s}");
    t.keys(&["e"]);
    t.wait_for("the pod's events", 20, |s| {
        s.contains(&format!("events pod shop/{pod}")) && s.contains("Reason") && s.contains("Back-off restarting")
    });
    // esc leaves the zoom, then goes back to the list (sent apart: an instant pair is Alt-key).
    t.keys(&["Escape"]);
    t.wait_for("zoom off", 10, |s| s.contains("┌ Timeline"));
    t.keys(&["Escape"]);
    t.wait_for("the list again", 10, |s| s.contains(&format!("1 hold \"{pod}\"")));
}

#[test]
fn a_live_console_with_no_config_finds_prometheus_and_alertmanager_in_the_cluster() {
    // A cluster (the drill, run apart from the console) and a console that only has its
    // kubeconfig: no [[clusters]] in any config.
    let drill = warroom_testkit::drill::Served::start(None, warroom_testkit::drill::Setup::default());
    let (t, _home) = console(
        &format!("env KUBECONFIG={} {} live", drill.kubeconfig.display(), warroom()),
        200,
        50,
    );
    t.wait_for("what was found", 30, |s| {
        s.contains("Prometheus found: monitoring/prometheus-k8s:web (through the API server); Alertmanager found: monitoring/alertmanager-main:web (through the API server)")
    });
    // The busiest services' golden signals and the alerts, read through the API server.
    let s = t.wait_for("golden signals of the busiest services", 60, |s| {
        s.contains("Golden signals") && s.lines().any(|l| l.contains("shop/checkout") && l.contains("/s"))
    });
    assert!(s.contains("shop/frontend") && s.starts_with(" LIVE"), "{s}");
    assert!(!s.contains("No Prometheus or Alertmanager"), "{s}");
    // Every request went through the drill's Kubernetes API.
    let proxied = drill
        .requests()
        .iter()
        .filter(|r| {
            r.path
                .starts_with("/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/")
        })
        .count();
    assert!(proxied > 0, "no request reached Prometheus through the service proxy");
}

#[test]
fn the_drill_console_notices_the_bad_deploy_itself_and_the_commander_takes_it() {
    let (t, home) = console(&format!("{} drill --speed 30", warroom()), 200, 50);
    // Nobody declares anything: the rollout to 2.0.0 goes out at two drill minutes, and the
    // detector files the incident once the deviation has held three.
    // The journal's entries arrive one by one: a frame may show the opening before the detection.
    t.wait_for("the detector's incident in the header and its detection", 120, |s| {
        s.contains("INC-")
            && s.contains("on shop/checkout after the rollout of registry.example.com/shop/ch")
            && s.contains("Detected: shop/checkout")
    });
    let s = t.wait_for("the footer asking for a commander", 60, |s| {
        s.contains("DETECTED: :accept to take command")
    });
    assert!(s.contains("Incident opened (drill)"), "{s}");
    t.keys(&[":"]);
    t.type_text("accept");
    t.keys(&["Enter"]);
    let s = t.wait_for("alice in command", 30, |s| s.contains("alice is commander"));
    assert!(!s.contains("DETECTED: :accept"), "{s}");
    // Accepting follows the playbook of the suggested mitigation, with checkout listed and
    // selected for its steps.
    t.wait_for("the bad-deploy checklist and checkout selected", 30, |s| {
        s.contains("Roll back to the previous revision") && s.contains("hold \"checkout\"")
    });
    // The suggested rollback waits typed in the palette; Enter previews it like any action.
    t.wait_for("the suggested rollback typed", 30, |s| {
        s.contains("undo shop/checkout 2")
    });
    t.keys(&["Enter"]);
    let s = t.wait_for("the rollback preview", 30, |s| {
        s.contains("Type checkout and Enter to go ahead")
    });
    assert!(s.contains("back to revision 2 from 3"), "{s}");
    t.keys(&["-l", "checkout"]);
    t.keys(&["Enter"]);
    t.wait_for("the rollback done", 30, |s| {
        s.contains("✓ Done: deployment/checkout rolled back to revision 2")
    });
    let journals: Vec<_> = std::fs::read_dir(home.path().join("data/incidents"))
        .expect("incidents")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert_eq!(journals.len(), 1, "{journals:?}");
    let text = std::fs::read_to_string(&journals[0]).expect("journal");
    assert!(
        text.contains("\"actor\":{\"name\":\"warroom detector\"}") || text.contains("warroom detector"),
        "{text}"
    );
    assert!(text.contains("\"kind\":\"detected\""), "{text}");
}

#[test]
fn the_shipped_recording_replays_in_the_console_as_it_happened() {
    let recording = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("drills/recordings/bad-deploy.recording");
    let (t, _home) = console_without_detector(
        &format!("{} drill --replay {} --speed 30", warroom(), recording.display()),
        200,
        50,
    );
    t.wait_for("the replayed cluster", 60, |s| {
        s.contains("Replay of bad-deploy.recording") && s.contains("Nodes ● 6 ready")
    });
    // The bad rollout went out two minutes into the recording (4 s at ×30): checkout
    // crashloops in the replay as it did then, and recovers after the recorded rollback.
    t.wait_for("checkout crashlooping as recorded", 60, |s| {
        s.contains("deploy shop/checkout") && s.contains("crashlooping")
    });
    // The golden signals are the recorded samples: checkout's error ratio went up then.
    t.wait_for("checkout's recorded error ratio", 60, |s| {
        s.lines().any(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let Some(i) = words.iter().position(|w| *w == "shop/checkout") else {
                return false;
            };
            let traffic = words.get(i + 1).is_some_and(|w| w.ends_with("/s"));
            let errors = words
                .get(i + 2)
                .and_then(|w| w.strip_suffix('%'))
                .and_then(|w| w.parse::<f64>().ok());
            traffic && errors.is_some_and(|e| e > 5.0)
        })
    });
    t.wait_for("checkout recovered after the recorded rollback", 90, |s| {
        s.contains("all workloads and nodes healthy")
    });
}

/// A recording replayed beside its incident's journal: the facilitator's timeline shows each of
/// the real team's entries once the replay's clock passes it (taken back by a seek before it),
/// `:drill seek #N` goes to the moment entry N was written, and the replay's debrief sets the
/// real team's timeline beside the players'.
#[test]
fn a_replay_shows_the_real_teams_journal_and_seeks_to_its_entries() {
    use warroom::incident::journal::Journal;
    use warroom::incident::model::{Actor, Draft, Event, Origin};

    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("drills/recordings/bad-deploy.recording");
    let records = warroom::flight::file::read(&shipped, &[])
        .expect("the shipped recording")
        .records;
    let start = records.first().expect("a record").at();
    let dir = tempfile::tempdir().expect("tmp");
    let recording = dir.path().join("INC-20261201-001.recording");
    std::fs::copy(&shipped, &recording).expect("copied");
    // The real team's journal beside it, on the recording's clock: 30 s and 6.5 minutes in
    // (the recording ends at 7.5).
    let note = |text: &str, after_ms: i64| Draft {
        drill_time: Some(jiff::Timestamp::from_millisecond(start + after_ms).expect("time")),
        ..Draft::new(
            Actor::named("carol"),
            Origin::Human,
            Event::Decision { text: text.into() },
        )
    };
    let (mut j, _) = Journal::create(
        &dir.path().join("INC-20261201-001.jsonl"),
        note("checkout pages, looking", 30_000),
    )
    .expect("journal");
    j.append(note("recovered after the rollback", 390_000))
        .expect("appended");
    let (t, home) = console_without_detector(
        &format!("{} drill --replay {} --speed 0", warroom(), recording.display()),
        200,
        50,
    );
    t.wait_for("the replay, paused", 60, |s| {
        s.contains("Replay of INC-20261201-001.recording")
    });
    // Ten seconds in: the real team had written nothing yet.
    palette(&t, "drill seek 10s");
    t.wait_for("the replayed cluster", 60, |s| s.contains("Nodes ● 6 ready"));
    assert!(
        !t.screen().contains("real team #"),
        "nothing written yet:\n{}",
        t.screen()
    );
    // A seek rebuilds the replayed cluster: on a busy machine that takes a while.
    palette(&t, "drill seek #2");
    t.wait_for("both entries of the real team", 120, |s| {
        s.contains("real team #1: Decision: checkout pages") && s.contains("real team #2: Decision: recovered after")
    });
    palette(&t, "drill seek #1");
    t.wait_for("the second taken back by the seek before it", 120, |s| {
        s.contains("real team #1: Decision: checkout pages") && !s.contains("real team #2")
    });
    palette(&t, "drill seek #3");
    t.wait_for("an entry the journal does not have", 30, |s| {
        s.contains("INC-20261201-001 has no entry #3 (it has #1 to #2)")
    });
    palette(&t, "declare sev2 replayed bad deploy");
    t.wait_for("the incident declared", 30, |s| s.contains("investigating"));
    palette(&t, "debrief");
    // The file, not the notice saying so: a notice may come and go between two looks.
    let incidents = home.path().join("data/incidents");
    let debrief = warroom_testkit::wait_for(60, "the debrief beside the journal", || {
        std::fs::read_dir(&incidents)
            .ok()?
            .filter_map(Result::ok)
            .find(|e| e.file_name().to_string_lossy().ends_with("-debrief.md"))
            .and_then(|e| std::fs::read_to_string(e.path()).ok())
            .filter(|text| !text.is_empty())
    });
    assert!(
        debrief.contains("A replay of INC-20261201-001")
            && debrief.contains("| carol (real team) | Decision: checkout pages, looking |")
            && debrief.contains("The players changed nothing: their cluster followed the recording throughout."),
        "{debrief}"
    );

    // The replay kept a drill log: reopened with --incident, it is where it was left (the
    // same moment of the recording), with the real team's journal beside it again.
    let clock = warroom_testkit::drill::control(&drill_url(home.path()), "GET", "/drill/v1/clock");
    quit(&t);
    drop(t);
    let id = std::fs::read_dir(&incidents)
        .expect("incidents")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .expect("the journal");
    let t = Tmux::start(home.path(), &format!("{} drill --incident {id}", warroom()), 200, 50);
    t.wait_for("the replay reopened with the real team's first entry", 120, |s| {
        s.contains("real team #1: Decision: checkout pages")
    });
    let again = warroom_testkit::drill::control(&drill_url(home.path()), "GET", "/drill/v1/clock");
    assert_eq!(again["nowMs"], clock["nowMs"], "{again} against {clock}");
    quit(&t);
}
