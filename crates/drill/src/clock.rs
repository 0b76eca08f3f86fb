//! The drill's virtual clock: virtual time runs at `speed` times real time from a scenario's
//! start instant, and can be paused, resumed and advanced by a facilitator. It does no I/O.

use std::time::Instant;

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone)]
pub struct Clock {
    /// Virtual time at `anchor_real`.
    anchor_virtual: Timestamp,
    anchor_real: Instant,
    speed: f64,
    paused: bool,
}

impl Clock {
    pub fn new(start: Timestamp, speed: f64, paused: bool) -> Self {
        Clock {
            anchor_virtual: start,
            anchor_real: Instant::now(),
            speed: speed.max(0.0),
            paused,
        }
    }

    /// The virtual time now, to the millisecond.
    pub fn now(&self) -> Timestamp {
        if self.paused {
            return self.anchor_virtual;
        }
        let real = self.anchor_real.elapsed().as_secs_f64() * self.speed;
        let ms = (real * 1000.0) as i64;
        self.anchor_virtual
            .checked_add(SignedDuration::from_millis(ms))
            .unwrap_or(self.anchor_virtual)
    }

    fn rebase(&mut self) {
        self.anchor_virtual = self.now();
        self.anchor_real = Instant::now();
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    pub fn set_speed(&mut self, speed: f64) {
        self.rebase();
        self.speed = speed.max(0.0);
    }

    pub fn pause(&mut self) {
        self.rebase();
        self.paused = true;
    }

    pub fn resume(&mut self) {
        self.rebase();
        self.paused = false;
    }

    /// Sets virtual time to `to`, back or forward (a replay seeking).
    pub fn set(&mut self, to: Timestamp) {
        self.rebase();
        self.anchor_virtual = to;
    }

    /// Jumps virtual time forward (a facilitator skipping ahead, or a test stepping).
    pub fn advance(&mut self, by: SignedDuration) {
        self.rebase();
        self.anchor_virtual = self.anchor_virtual.checked_add(by).unwrap_or(self.anchor_virtual);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paused_clock_only_moves_when_advanced() {
        let start: Timestamp = "2026-11-24T14:00:00Z".parse().unwrap();
        let mut c = Clock::new(start, 10.0, true);
        assert_eq!(c.now(), start);
        c.advance(SignedDuration::from_secs(90));
        assert_eq!(c.now(), start + SignedDuration::from_secs(90));
        c.set_speed(0.0);
        c.resume();
        assert_eq!(c.now(), start + SignedDuration::from_secs(90));
    }
}
