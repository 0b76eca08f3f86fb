//! A detached tmux session on its own server socket for end-to-end console tests, with the
//! console's config, data and state under a directory the test owns (so a console can be
//! killed and started again on the same journals). Killed when dropped.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    _dir: tempfile::TempDir,
}

impl Tmux {
    /// Runs `cmd` in a `width`×`height` session with `home/config.toml` as the config,
    /// `home/data` for journals and `alice` at the keyboard.
    pub fn start(home: &Path, cmd: &str, width: u16, height: u16) -> Tmux {
        let which = Command::new("tmux").arg("-V").output();
        assert!(
            which.is_ok_and(|o| o.status.success()),
            "tmux is required for the console's end-to-end tests (scripts/test installs it)"
        );
        let dir = tempfile::tempdir().expect("tmp");
        let socket = dir.path().join("tmux.sock").display().to_string();
        let t = Tmux { socket, _dir: dir };
        let shell = format!(
            "WARROOM_STATE_DIR={home} WARROOM_DATA_DIR={home}/data WARROOM_CONFIG={home}/config.toml WARROOM_ACTOR=alice exec {cmd}",
            home = home.display()
        );
        t.tmux(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "wr",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &shell,
        ]);
        t.tmux(&["set-option", "-t", "wr", "remain-on-exit", "on"]);
        t
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-S", &self.socket])
            .args(args)
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "wr"])
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "wr"];
        args.extend(keys);
        self.tmux(&args);
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        self.keys(&["-l", text]);
    }

    pub fn wait_for(&self, what: &str, secs: u64, f: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if f(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn dead(&self) -> bool {
        self.tmux(&["display-message", "-p", "-t", "wr", "#{pane_dead}"]).trim() == "1"
    }

    /// The process in the pane (the console: the shell `exec`s it).
    pub fn pane_pid(&self) -> u32 {
        self.tmux(&["display-message", "-p", "-t", "wr", "#{pane_pid}"])
            .trim()
            .parse()
            .expect("a pane pid")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-S", &self.socket, "kill-server"]).output();
    }
}
