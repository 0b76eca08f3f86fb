//! The detector: judges every sample of every measured series against its bands, tells a
//! passing blip from a deviation that persists, and groups the deviations of one service (its
//! golden signals and its workload's pods) or one node into a detection, reported once when it
//! has persisted and again when another measure joins it, ended only after a calm spell so
//! that flapping never opens and closes incidents. Time is the samples' own. Pure.

use std::collections::{BTreeMap, BTreeSet};

use super::baseline::Band;
use super::history::History;
use super::measure::{Bad, Floors, Measure};

/// How the detector judges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Robust standard deviations either side of a band's median (lower: more sensitive).
    pub sensitivity: f64,
    /// How long (seconds) a deviation must last before it is reported.
    pub hold: i64,
    /// Samples back inside the band for less than this do not end a deviation (seconds).
    pub grace: i64,
    /// How long everything must be calm before a reported detection ends (seconds).
    pub calm: i64,
    /// The trailing window's length (seconds).
    pub trailing: i64,
    pub floors: Floors,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sensitivity: 4.0,
            hold: 180,
            grace: 90,
            calm: 600,
            trailing: 3600,
            floors: Floors::default(),
        }
    }
}

/// What a series is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// A service's golden signals, or its workload's pods (the same name in the same
    /// namespace: a service and its workload are one scope).
    Service {
        namespace: String,
        name: String,
    },
    Node(String),
}

impl Subject {
    pub fn service(namespace: &str, name: &str) -> Subject {
        Subject::Service {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// `namespace/name`, or `node/name`: how incidents name what they cover.
    pub fn scope(&self) -> String {
        match self {
            Subject::Service { namespace, name } => format!("{namespace}/{name}"),
            Subject::Node(n) => format!("node/{n}"),
        }
    }

    /// Whether `scope` (as `scope()` writes it) is this subject's, without writing it.
    pub fn in_scope(&self, scope: &str) -> bool {
        match self {
            Subject::Service { namespace, name } => {
                scope
                    .strip_prefix(namespace.as_str())
                    .and_then(|rest| rest.strip_prefix('/'))
                    == Some(name.as_str())
            }
            Subject::Node(n) => scope.strip_prefix("node/") == Some(n.as_str()),
        }
    }

    pub fn namespace(&self) -> Option<&str> {
        match self {
            Subject::Service { namespace, .. } => Some(namespace),
            Subject::Node(_) => None,
        }
    }
}

/// One value of one series at one time (seconds since the epoch; NaN: no data).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub subject: Subject,
    pub measure: Measure,
    pub t: i64,
    pub value: f64,
}

/// A measure outside every band it has, past its floor, and since when.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub subject: Subject,
    pub measure: Measure,
    pub value: f64,
    /// The band it is nearest to (the most lenient of those it left), or `None` with no
    /// history at all (then only the absolute limit was passed).
    pub band: Option<Band>,
    pub since: i64,
}

impl Finding {
    /// Robust standard deviations from the nearest band's median.
    pub fn distance(&self) -> Option<f64> {
        self.band.map(|b| b.distance(self.value))
    }

    /// The finding in a sentence, e.g. "error ratio 12.30%, usual 0.02% (0.01%–0.03% over the
    /// last hour), 40σ above", or "… 600× the usual" when the band is too narrow for σ to mean
    /// much.
    pub fn explain(&self) -> String {
        if matches!(self.measure, Measure::NodeNotReady | Measure::NodePressure) {
            // A condition, not a number: it holds or it does not.
            return self.measure.words().to_string();
        }
        let unit = self.measure.unit();
        let value = unit.format(self.value);
        match self.band {
            Some(b) => {
                let way = if self.value >= b.median { "above" } else { "below" };
                let how_far = match b.distance(self.value) {
                    d if d < 100.0 => format!("{d:.0}σ {way}"),
                    _ if b.median > 0.0 => format!("{:.0}× the usual", self.value / b.median),
                    _ => format!("{way} a flat band"),
                };
                format!(
                    "{} {value}, usual {} ({}–{} {}), {how_far}",
                    self.measure.words(),
                    unit.format(b.median),
                    unit.format(b.low.max(0.0)),
                    unit.format(b.high),
                    b.basis.words(),
                )
            }
            None => format!("{} {value}, with no history yet to compare", self.measure.words()),
        }
    }
}

/// A scope's deviations, as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub scope: String,
    /// When the first of its deviations began.
    pub onset: i64,
    /// When it was reported.
    pub at: i64,
    /// Persisting deviations, worst first.
    pub findings: Vec<Finding>,
}

/// What the detector has to say after some samples.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A scope's deviation has persisted: report it (open an incident, unless one covers it).
    Detected(Detection),
    /// A reported scope has a measure newly persisting outside its band.
    Grew(Detection),
    /// A reported scope has been calm for the calm spell.
    Ended { scope: String, at: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Calm,
    Outside { since: i64, last_outside: i64 },
}

#[derive(Debug, Default)]
struct Track {
    history: History,
    state: Option<State>,
    last: Option<Finding>,
    /// Reported as part of its scope's detection.
    reported: bool,
}

/// The detector's memory: every series' history and state, and which scopes are reported.
#[derive(Debug, Default)]
pub struct Detector {
    pub settings: Settings,
    tracks: BTreeMap<(Subject, Measure), Track>,
    /// Scopes reported and not yet ended, with their onset.
    reported: BTreeMap<String, i64>,
    objectives: BTreeMap<String, f64>,
    now: i64,
}

impl Detector {
    pub fn new(settings: Settings) -> Detector {
        Detector {
            settings,
            ..Detector::default()
        }
    }

    /// The SLO objective of a scope, which sets its error ratio's floor.
    pub fn set_objective(&mut self, scope: &str, objective: f64) {
        self.objectives.insert(scope.to_string(), objective);
    }

    /// The newest sample time seen.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// History from Prometheus: the trailing window (`seasonal` false) or five-minute points
    /// over the last days (`seasonal` true).
    pub fn learn(&mut self, subject: Subject, measure: Measure, points: &[(i64, f64)], seasonal: bool) {
        let trailing = self.settings.trailing;
        let h = &mut self.tracks.entry((subject, measure)).or_default().history;
        if seasonal {
            h.learn_seasonal(points);
        } else {
            h.learn_trailing(points, trailing);
        }
    }

    /// Whether a series has been seen.
    pub fn tracks(&self, subject: &Subject, measure: Measure) -> bool {
        self.tracks.contains_key(&(subject.clone(), measure))
    }

    /// The scopes with a measure outside its band now (persisting or not).
    pub fn deviating(&self) -> BTreeSet<String> {
        self.tracks
            .iter()
            .filter(|(_, t)| matches!(t.state, Some(State::Outside { .. })))
            .map(|((s, _), _)| s.scope())
            .collect()
    }

    /// What is outside its band now, worst first, and whether it has been reported (else it
    /// is still holding).
    pub fn outside_now(&self) -> Vec<(&Finding, bool)> {
        let mut out: Vec<(&Finding, bool)> = self
            .tracks
            .values()
            .filter(|t| matches!(t.state, Some(State::Outside { .. })))
            .filter_map(|t| t.last.as_ref().map(|f| (f, t.reported)))
            .collect();
        out.sort_by(|a, b| {
            let d = |f: &Finding| f.distance().unwrap_or(f64::INFINITY);
            d(b.0).total_cmp(&d(a.0)).then(a.0.subject.cmp(&b.0.subject))
        });
        out
    }

    /// The bands a series has now (for showing and for tests).
    pub fn bands(&self, subject: &Subject, measure: Measure) -> Vec<Band> {
        self.tracks
            .get(&(subject.clone(), measure))
            .map(|t| t.history.bands(self.now, self.settings.sensitivity))
            .unwrap_or_default()
    }

    /// Judges these samples (in time order) and says what changed.
    pub fn observe(&mut self, samples: impl IntoIterator<Item = Sample>) -> Vec<Outcome> {
        let mut touched: BTreeSet<String> = BTreeSet::new();
        for s in samples {
            self.now = self.now.max(s.t);
            touched.insert(s.subject.scope());
            self.judge(s);
        }
        touched.extend(self.reported.keys().cloned());
        let mut out = Vec::new();
        for scope in touched {
            out.extend(self.report(&scope));
        }
        out
    }

    fn judge(&mut self, s: Sample) {
        let set = self.settings;
        let objective = self.objectives.get(&s.subject.scope()).copied();
        let track = self.tracks.entry((s.subject.clone(), s.measure)).or_default();
        if !s.value.is_finite() {
            return;
        }
        let bands = track.history.bands(s.t, set.sensitivity);
        let outside = is_outside(&set.floors, s.measure, s.value, &bands, objective);
        let state = track.state.unwrap_or(State::Calm);
        let next = match (state, outside) {
            (State::Calm, true) => State::Outside {
                since: s.t,
                last_outside: s.t,
            },
            (State::Outside { since, .. }, true) => State::Outside {
                since,
                last_outside: s.t,
            },
            (State::Outside { last_outside, .. }, false) => {
                let quiet_for = s.t - last_outside;
                let needed = if track.reported { set.calm } else { set.grace };
                if quiet_for >= needed { State::Calm } else { state }
            }
            (State::Calm, false) => State::Calm,
        };
        if let State::Outside { since, .. } = next
            && outside
        {
            track.last = Some(Finding {
                subject: s.subject.clone(),
                measure: s.measure,
                value: s.value,
                band: nearest(&bands, s.value),
                since,
            });
        }
        if next == State::Calm {
            track.reported = false;
            track.last = None;
        }
        // A deviation is not learned as normal, unless it has lasted a whole trailing window
        // (then it is the new normal and the band follows it).
        let learn = match next {
            State::Calm => true,
            State::Outside { since, .. } => s.t - since >= set.trailing,
        };
        if learn {
            track.history.add(s.t, s.value, set.trailing);
        }
        track.state = Some(next);
    }

    /// Reports a scope: detected, grown, or ended.
    fn report(&mut self, scope: &str) -> Option<Outcome> {
        let hold = self.settings.hold;
        let mut fresh = false;
        let mut findings = Vec::new();
        let mut any_outside = false;
        for ((subject, _), track) in self.tracks.iter_mut().filter(|((s, _), _)| s.in_scope(scope)) {
            let Some(State::Outside { since, last_outside }) = track.state else {
                continue;
            };
            any_outside = true;
            let persisted = last_outside - since >= hold;
            if persisted && let Some(f) = &track.last {
                if !track.reported {
                    track.reported = true;
                    fresh = true;
                }
                debug_assert_eq!(&f.subject, subject);
                findings.push(f.clone());
            }
        }
        findings.sort_by(|a, b| {
            let d = |f: &Finding| f.distance().unwrap_or(f64::INFINITY);
            d(b).total_cmp(&d(a)).then(a.measure.cmp(&b.measure))
        });
        let onset = findings.iter().map(|f| f.since).min();
        match (self.reported.get(scope).copied(), fresh, onset) {
            (None, true, Some(onset)) => {
                self.reported.insert(scope.to_string(), onset);
                Some(Outcome::Detected(self.detection(scope, onset, findings)))
            }
            (Some(onset), true, _) => Some(Outcome::Grew(self.detection(scope, onset, findings))),
            (Some(_), false, _) if !any_outside => {
                self.reported.remove(scope);
                Some(Outcome::Ended {
                    scope: scope.to_string(),
                    at: self.now,
                })
            }
            _ => None,
        }
    }

    fn detection(&self, scope: &str, onset: i64, findings: Vec<Finding>) -> Detection {
        Detection {
            scope: scope.to_string(),
            onset,
            at: self.now,
            findings,
        }
    }
}

/// Whether `v` is outside every band (on its bad side) by more than the floor; with no band at
/// all, whether it passes the measure's absolute limit.
fn is_outside(floors: &Floors, m: Measure, v: f64, bands: &[Band], objective: Option<f64>) -> bool {
    if bands.is_empty() {
        return floors.without_history(m).is_some_and(|limit| v >= limit);
    }
    bands.iter().all(|b| {
        let beyond = match m.bad() {
            Bad::Up => v > b.high,
            Bad::Both => v > b.high || v < b.low,
        };
        beyond && floors.exceeded(m, b.median, v, objective)
    })
}

fn nearest(bands: &[Band], v: f64) -> Option<Band> {
    bands
        .iter()
        .copied()
        .min_by(|a, b| a.distance(v).total_cmp(&b.distance(v)))
}
