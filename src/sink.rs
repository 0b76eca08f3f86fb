//! Where a background task hands what it produces (a poller's readings, a runner's answers, a
//! journal follower's entries): a function that delivers one item and says whether anyone still
//! listens. The console gives each task a sink that wraps the item into its own message and sends
//! it on its one channel, so no task forwards from one channel to another.

use std::sync::Arc;

use tokio::sync::mpsc;

/// Delivers one item; false once nobody listens (the task should stop).
pub type Sink<T> = Arc<dyn Fn(T) -> bool + Send + Sync>;

/// A sink into an unbounded channel, each item wrapped by `wrap` (e.g. into a console message).
pub fn into_channel<T, M: Send + 'static>(
    tx: mpsc::UnboundedSender<M>,
    wrap: impl Fn(T) -> M + Send + Sync + 'static,
) -> Sink<T> {
    Arc::new(move |item| tx.send(wrap(item)).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sink_wraps_and_says_when_nobody_listens() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let sink = into_channel(tx, |n: u32| format!("#{n}"));
        assert!(sink(1));
        assert_eq!(rx.try_recv().ok().as_deref(), Some("#1"));
        drop(rx);
        assert!(!sink(2));
    }
}
