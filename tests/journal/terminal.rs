//! What reaches a real terminal, byte for byte: every output path (postmortem, `journal follow`,
//! the incident list, `journal verify`, `status preview|publish`, the CLI's echoes, the log, the
//! console) run in a tmux pane whose raw output stream is recorded with `pipe-pane`, over an
//! incident holding the hostile-string corpus. Nothing a terminal would act on or hide may pass.

use std::path::Path;
use std::time::{Duration, Instant};

use warroom_testkit::tmux::Tmux;

use crate::cli::{hostile_incident, raw};
use crate::support::warroom_bin;

/// What the hostile corpus would do to a terminal, as the console's own drawing never writes it.
const TRACES: &[&str] = &[
    "\u{1b}]52",
    "SGFja2Vk",
    "\u{1b}]8;",
    "\u{1b}]0;",
    "\u{1b}[2J",
    "\u{9b}",
    "\u{9d}",
    "\u{202E}",
    "\u{2066}",
    "\u{200D}",
    "\u{200B}",
    "\u{200C}",
];

fn script(home: &Path, id: &str) -> String {
    let w = warroom_bin();
    format!(
        r#"cd {home}
while [ ! -f go ]; do sleep 0.1; done
echo "== postmortem"; {w} postmortem {id}
echo "== follow"; timeout 3 {w} journal follow {id}
echo "== list"; {w} incident list
echo "== verify"; {w} journal verify {id}
echo "== preview"; {w} status preview --template internal-update {id}
echo "== publish"; {w} status publish --template internal-update --channel stdout {id}
echo "== echo"; {w} note {id} "$(printf 'again \033]52;c;SGFja2Vk\007 \342\200\256done')"
echo "== log"; cat "$WARROOM_STATE_DIR"/warroom.log
echo "== CLI DONE"
exec {w} drill --speed 0 --incident {id}
"#,
        home = home.display()
    )
}

#[test]
fn no_output_path_writes_a_hostile_byte_to_the_terminal() {
    let dir = tempfile::tempdir().expect("tmp");
    let home = dir.path();
    let data = home.join("data");
    let (id, _) = hostile_incident(&data);
    std::fs::write(home.join("paths.sh"), script(home, &id)).expect("script");

    let t = Tmux::start(home, &format!("sh {}/paths.sh", home.display()), 160, 50);
    // An OSC 52 that got through would become a tmux buffer; an OSC 0 the pane's title.
    t.tmux(&["set-option", "-g", "set-clipboard", "on"]);
    let stream = home.join("raw.out");
    t.tmux(&["pipe-pane", "-o", "-t", "wr", &format!("cat >> {}", stream.display())]);
    let title_before = t.tmux(&["display-message", "-p", "-t", "wr", "#{pane_title}"]);
    std::fs::write(home.join("go"), "").expect("go");

    // The command-line paths, to the marker before the console starts.
    let cli = wait_for_stream(&stream, "== CLI DONE");
    for path in [
        "== postmortem",
        "== follow",
        "== list",
        "== verify",
        "== preview",
        "== publish",
        "== echo",
        "== log",
    ] {
        assert!(cli.contains(path), "{path} did not run:\n{cli}");
    }
    assert!(cli.contains("invoicefdp.exe"), "the words survive, cleaned:\n{cli}");
    let stripped = cli.replace('\r', "");
    assert_eq!(
        raw(&stripped),
        None,
        "a raw character reached the terminal from the command line"
    );
    let cells = t.tmux(&["capture-pane", "-e", "-p", "-t", "wr", "-S", "-", "-E", "-"]);
    assert!(
        !cells.contains('\u{1b}'),
        "the pane holds attributes set by outside text:\n{cells:?}"
    );

    // The console, on the same incident: its own drawing is escapes, the corpus's never.
    t.wait_for("the console showing the last note", 120, |s| {
        s.contains("DRILL") && s.contains("again")
    });
    let all = std::fs::read(&stream).expect("stream");
    let all = String::from_utf8_lossy(&all);
    let console = &all[all.find("== CLI DONE").expect("marker")..];
    assert!(
        console.contains("\u{1b}[?1049h"),
        "the stream holds the console's drawing"
    );
    for trace in TRACES {
        assert!(!console.contains(trace), "the console wrote {trace:?}");
    }
    assert_eq!(
        t.tmux(&["list-buffers"]).trim(),
        "",
        "an OSC 52 reached tmux's clipboard"
    );
    let title_after = t.tmux(&["display-message", "-p", "-t", "wr", "#{pane_title}"]);
    assert_eq!(title_after, title_before, "an OSC 0 set the pane's title");
}

/// The pane's raw output before `marker`, once it holds it.
fn wait_for_stream(stream: &Path, marker: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let bytes = std::fs::read(stream).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(i) = text.find(marker) {
            return text[..i].to_string();
        }
        assert!(Instant::now() < deadline, "the pane never printed {marker}:\n{text}");
        std::thread::sleep(Duration::from_millis(200));
    }
}
