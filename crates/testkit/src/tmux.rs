//! A detached tmux session on its own server socket for end-to-end console tests, with the
//! console's config, data and state under a directory the test owns (so a console can be
//! killed and started again on the same journals). Killed when dropped, and then the pane's
//! processes must end on their own: a console that outlives its terminal fails the test (and is
//! killed, so that it cannot starve the tests after it).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    _dir: tempfile::TempDir,
    /// How long the pane's processes may take to end once the server is killed.
    ending: Duration,
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
        let t = Tmux {
            socket,
            _dir: dir,
            ending: ENDING,
        };
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

/// How long a pane's processes may take to end once their terminal is gone: a console flushes
/// its journal for up to 2 s and stops its drill. Ample on a busy machine.
const ENDING: Duration = Duration::from_secs(30);

impl Drop for Tmux {
    fn drop(&mut self) {
        let pane = Command::new("tmux")
            .args(["-S", &self.socket, "display-message", "-p", "-t", "wr", "#{pane_pid}"])
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<u32>().ok());
        let _ = Command::new("tmux").args(["-S", &self.socket, "kill-server"]).output();
        // The pane's process leads its own process group, which its children share.
        let Some(group) = pane else { return };
        let deadline = Instant::now() + self.ending;
        let mut left = living_in_group(group);
        while !left.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
            left = living_in_group(group);
        }
        if left.is_empty() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .output();
        let consoles: Vec<_> = left.iter().filter(|(_, name)| name == "warroom").collect();
        if !consoles.is_empty() && !std::thread::panicking() {
            panic!(
                "warroom outlived its terminal by {:?} and was killed: {consoles:?}",
                self.ending
            );
        }
    }
}

/// The processes of process group `group` that have not ended, with their names.
fn living_in_group(group: u32) -> Vec<(u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let p = process(pid)?;
            (p.group == group && p.living).then_some((pid, p.name))
        })
        .collect()
}

/// Whether process `pid` has ended (gone, or a zombie its parent has not reaped yet).
pub fn ended(pid: u32) -> bool {
    process(pid).is_none_or(|p| !p.living)
}

struct Process {
    name: String,
    group: u32,
    /// Not a zombie.
    living: bool,
}

/// What /proc/PID/stat says of a process: `pid (name) state ppid pgrp …`, where the name may hold
/// spaces and parentheses.
fn process(pid: u32) -> Option<Process> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, rest) = stat.rsplit_once(") ")?;
    let mut fields = rest.split(' ');
    let state = fields.next()?;
    Some(Process {
        name: head.split_once(" (")?.1.to_string(),
        group: fields.nth(1)?.parse().ok()?,
        living: state != "Z" && state != "X",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process named warroom that ignores the hang-up, as a console stuck on its dead terminal
    /// would: `sleep` copied under that name, started with SIGHUP ignored.
    #[test]
    fn a_console_that_outlives_its_terminal_fails_the_test_and_is_killed() {
        let home = tempfile::tempdir().expect("tmp");
        let stuck = home.path().join("warroom");
        std::fs::copy("/bin/sleep", &stuck).expect("sleep");
        let mut t = Tmux::start(
            home.path(),
            &format!("sh -c 'trap \"\" HUP; exec {} 600'", stuck.display()),
            80,
            24,
        );
        t.ending = Duration::from_secs(2);
        let pid = t.pane_pid();
        crate::wait_for(30, "the stuck process", || {
            process(pid).filter(|p| p.name == "warroom").map(|_| ())
        });
        let failed = std::thread::spawn(move || drop(t))
            .join()
            .expect_err("the process outlived its terminal and the test went on");
        let message = failed.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(message.contains("warroom outlived its terminal"), "{message}");
        crate::wait_for(30, "the stuck process killed", || ended(pid).then_some(()));
    }
}
