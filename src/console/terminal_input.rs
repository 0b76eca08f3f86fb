//! The terminal's keys, pastes and resizes, read on a thread of their own and sent to the console
//! loop. crossterm's reader spins without end once the tty hangs up under it
//! (crossterm-rs/crossterm#793); on this thread that spin cannot hold the loop, which hears the
//! hang-up (SIGHUP, or `terminal_gone`) and ends the process.

use std::time::Duration;

use ratatui::crossterm::event::{self, Event};
use tokio::sync::mpsc;

/// How long the thread waits for input before looking whether the loop still listens; once it
/// has stopped (the console is ending), what is typed is left to the shell.
const LISTENING: Duration = Duration::from_millis(200);

/// Starts reading; each event (or the error that ends the reading) arrives on the receiver.
/// Reading stops when the receiver is dropped.
pub fn read() -> std::io::Result<mpsc::UnboundedReceiver<std::io::Result<Event>>> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("terminal-input".into())
        .spawn(move || {
            while !tx.is_closed() {
                let read = match event::poll(LISTENING) {
                    Ok(false) => continue,
                    Ok(true) => event::read(),
                    Err(e) => Err(e),
                };
                let failed = read.is_err();
                if tx.send(read).is_err() || failed {
                    return;
                }
            }
        })?;
    Ok(rx)
}
