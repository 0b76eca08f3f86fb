//! Notices that the console's terminal is gone (its pty hung up) when no SIGHUP says so, e.g.
//! a tmux pane or SSH session torn down around an orphaned process group. crossterm's reader
//! then spins on the dead tty forever (crossterm-rs/crossterm#793), so a thread polls the tty
//! every second for a hang-up, without reading from it (keys are crossterm's), and reports once.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

/// How often the tty is looked at.
const EVERY: Duration = Duration::from_secs(1);

/// Whether the tty behind `fd` has hung up (or is no longer valid), waiting up to `wait`.
pub fn hung_up(fd: BorrowedFd<'_>, wait: Duration) -> bool {
    let mut fds = [PollFd::new(fd, PollFlags::empty())];
    let timeout = PollTimeout::try_from(wait).unwrap_or(PollTimeout::MAX);
    match poll(&mut fds, timeout) {
        Ok(0) => false,
        Ok(_) => fds[0]
            .revents()
            .is_some_and(|r| r.intersects(PollFlags::POLLHUP | PollFlags::POLLERR | PollFlags::POLLNVAL)),
        Err(nix::errno::Errno::EINTR) => false,
        Err(_) => true,
    }
}

/// Watches `tty` on a thread of its own; calls `gone` once when it hangs up.
pub fn watch(tty: OwnedFd, gone: impl FnOnce() + Send + 'static) {
    let spawned = std::thread::Builder::new()
        .name("terminal-watch".into())
        .spawn(move || {
            while !hung_up(tty.as_fd(), EVERY) {}
            tracing::warn!("the terminal hung up");
            gone();
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "the terminal is not watched for a hang-up");
    }
}

/// The console's terminal, as crossterm reads it: stdin when it is a tty, else /dev/tty.
pub fn console_tty() -> std::io::Result<OwnedFd> {
    use std::io::IsTerminal;
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return stdin.as_fd().try_clone_to_owned();
    }
    Ok(std::fs::File::open("/dev/tty")?.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pty_whose_other_end_closed_has_hung_up() {
        let pty = nix::pty::openpty(None, None).expect("a pty");
        assert!(
            !hung_up(pty.slave.as_fd(), Duration::from_millis(50)),
            "open: not hung up"
        );
        drop(pty.master);
        assert!(hung_up(pty.slave.as_fd(), Duration::from_secs(5)));
    }

    #[test]
    fn the_watch_reports_once_the_terminal_hangs_up() {
        let pty = nix::pty::openpty(None, None).expect("a pty");
        let (tx, rx) = std::sync::mpsc::channel();
        watch(pty.slave, move || tx.send(()).expect("reported"));
        assert!(
            rx.recv_timeout(Duration::from_millis(300)).is_err(),
            "reported while open"
        );
        drop(pty.master);
        rx.recv_timeout(Duration::from_secs(30))
            .expect("reported after the hang-up");
    }
}
