//! The sim's sample history: series identified by their label set (metric name included), each
//! with its samples in time order, interned label strings, and an inverted index from
//! `name="value"` to series so selectors don't scan every series. Metric types and help text
//! are kept per family for the exposition writers. It knows nothing of PromQL or HTTP.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::labels::{Label, Labels, METRIC_NAME, is_valid_label_name, is_valid_metric_name};
use super::matcher::Matcher;
use super::samples::{AppendError, Samples};

/// Index of a series in its store.
pub type SeriesId = u32;

/// A metric family's type, as written in `# TYPE` lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    Unknown,
}

/// What the store knows about a metric family besides its samples.
#[derive(Debug, Clone)]
pub struct MetricMeta {
    pub kind: MetricType,
    pub help: Option<String>,
}

/// Why a series could not be created or a sample appended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("series has no valid metric name (__name__)")]
    MissingName,
    #[error("invalid metric name {0:?}")]
    InvalidMetricName(String),
    #[error("invalid label name {0:?}")]
    InvalidLabelName(String),
    #[error("duplicate label name {0:?}")]
    DuplicateLabel(String),
    #[error("unknown series id {0}")]
    UnknownSeries(SeriesId),
    #[error("{0}")]
    Append(#[from] AppendError),
}

/// One stored series.
#[derive(Debug)]
pub struct Series {
    pub labels: Labels,
    pub samples: Samples,
}

/// Interned strings: each distinct label name or value is stored once.
#[derive(Debug, Default)]
struct Symbols {
    strings: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, u32>,
}

impl Symbols {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        let arc: Arc<str> = Arc::from(s);
        self.strings.push(arc.clone());
        self.ids.insert(arc, id);
        id
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    fn arc(&self, id: u32) -> Arc<str> {
        self.strings[id as usize].clone()
    }
}

/// An in-memory time-series store with an inverted label index.
#[derive(Debug, Default)]
pub struct SeriesStore {
    symbols: Symbols,
    series: Vec<Series>,
    /// Each series' id, found by the hash of its labels and checked against the series itself
    /// (the labels are not kept a second time for the lookup).
    by_labels: hashbrown::HashTable<SeriesId>,
    hasher: std::hash::RandomState,
    /// name symbol → value symbol → series ids (ascending).
    postings: HashMap<u32, HashMap<u32, Vec<SeriesId>>>,
    meta: BTreeMap<String, MetricMeta>,
    samples: usize,
}

impl SeriesStore {
    pub fn new() -> SeriesStore {
        SeriesStore::default()
    }

    #[cfg(any(test, feature = "internals"))]
    /// Number of series.
    pub fn series_count(&self) -> usize {
        self.series.len()
    }

    #[cfg(any(test, feature = "internals"))]
    /// Number of samples across all series.
    pub fn sample_count(&self) -> usize {
        self.samples
    }

    /// The id of the series with these labels, creating it when new. Empty values are dropped
    /// (as Prometheus does); names must be valid and unique, and `__name__` must be set.
    pub fn series_id<N: AsRef<str>, V: AsRef<str>>(&mut self, labels: &[(N, V)]) -> Result<SeriesId, StoreError> {
        let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(labels.len());
        for (n, v) in labels {
            let (n, v) = (n.as_ref(), v.as_ref());
            if !is_valid_label_name(n) {
                return Err(StoreError::InvalidLabelName(n.into()));
            }
            if n == METRIC_NAME && !is_valid_metric_name(v) {
                return Err(StoreError::InvalidMetricName(v.into()));
            }
            if !v.is_empty() {
                pairs.push((n, v));
            }
        }
        pairs.sort_unstable();
        if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(StoreError::DuplicateLabel(w[0].0.into()));
        }
        if !pairs.iter().any(|(n, _)| *n == METRIC_NAME) {
            return Err(StoreError::MissingName);
        }
        let hash = hash_pairs(&self.hasher, pairs.iter().copied());
        let series = &self.series;
        if let Some(&id) = self
            .by_labels
            .find(hash, |&id| series[id as usize].labels.iter().eq(pairs.iter().copied()))
        {
            return Ok(id);
        }
        let id = self.series.len() as SeriesId;
        let mut labels: Vec<Label> = Vec::with_capacity(pairs.len());
        for (n, v) in &pairs {
            let (n, v) = (self.symbols.intern(n), self.symbols.intern(v));
            self.postings.entry(n).or_default().entry(v).or_default().push(id);
            labels.push((self.symbols.arc(n), self.symbols.arc(v)));
        }
        self.series.push(Series {
            labels: Labels::from_vec(labels),
            samples: Samples::default(),
        });
        let (series, hasher) = (&self.series, &self.hasher);
        self.by_labels
            .insert_unique(hash, id, |&id| hash_pairs(hasher, series[id as usize].labels.iter()));
        Ok(id)
    }

    #[cfg(any(test, feature = "internals"))]
    /// Appends a sample to the series with these labels (created when new).
    pub fn append<N: AsRef<str>, V: AsRef<str>>(
        &mut self,
        labels: &[(N, V)],
        t_ms: i64,
        v: f64,
    ) -> Result<SeriesId, StoreError> {
        let id = self.series_id(labels)?;
        self.append_to(id, t_ms, v)?;
        Ok(id)
    }

    /// Appends a sample to a known series; the fast path for a sim that keeps its ids.
    pub fn append_to(&mut self, id: SeriesId, t_ms: i64, v: f64) -> Result<(), StoreError> {
        let s = self.series.get_mut(id as usize).ok_or(StoreError::UnknownSeries(id))?;
        s.samples.push(t_ms, v)?;
        self.samples += 1;
        Ok(())
    }

    /// The series with this id.
    pub fn get(&self, id: SeriesId) -> Option<&Series> {
        self.series.get(id as usize)
    }

    /// Records a family's type and help text (family names as in OpenMetrics: `http_requests`
    /// for the counter `http_requests_total`, `latency_seconds` for its `_bucket`/`_sum`/`_count`).
    pub fn set_meta(&mut self, family: &str, kind: MetricType, help: Option<&str>) {
        self.meta.insert(
            family.to_string(),
            MetricMeta {
                kind,
                help: help.map(str::to_string),
            },
        );
    }

    /// The recorded type and help of a family.
    pub fn meta(&self, family: &str) -> Option<&MetricMeta> {
        self.meta.get(family)
    }

    /// Ids of the series matching every matcher, ordered by label set.
    pub fn matching(&self, matchers: &[Matcher]) -> Vec<SeriesId> {
        let mut candidates: Option<Vec<SeriesId>> = None;
        for m in matchers.iter().filter(|m| !m.matches("")) {
            let Some(name) = self.symbols.get(&m.name) else {
                return Vec::new();
            };
            let Some(values) = self.postings.get(&name) else {
                return Vec::new();
            };
            let mut ids: Vec<SeriesId> = if m.is_equal() {
                match self.symbols.get(&m.value).and_then(|v| values.get(&v)) {
                    Some(ids) => ids.clone(),
                    None => return Vec::new(),
                }
            } else {
                let mut ids = Vec::new();
                for (&v, posting) in values {
                    if m.matches(&self.symbols.strings[v as usize]) {
                        ids.extend_from_slice(posting);
                    }
                }
                ids.sort_unstable();
                ids
            };
            if let Some(prev) = candidates {
                ids = intersect(&prev, &ids);
            }
            if ids.is_empty() {
                return Vec::new();
            }
            candidates = Some(ids);
        }
        let mut out: Vec<SeriesId> = match candidates {
            Some(ids) => ids,
            None => (0..self.series.len() as SeriesId).collect(),
        };
        out.retain(|&id| {
            let labels = &self.series[id as usize].labels;
            matchers.iter().all(|m| m.matches(labels.get(&m.name).unwrap_or("")))
        });
        out.sort_by(|a, b| self.series[*a as usize].labels.cmp(&self.series[*b as usize].labels));
        out
    }

    #[cfg(any(test, feature = "internals"))]
    /// Label sets of the matching series, ordered (the HTTP API's `/api/v1/series`).
    pub fn series(&self, matchers: &[Matcher]) -> Vec<Labels> {
        self.matching(matchers)
            .into_iter()
            .map(|id| self.series[id as usize].labels.clone())
            .collect()
    }

    #[cfg(any(test, feature = "internals"))]
    /// The matching series that have samples in `[start_ms, end_ms]`, with those samples.
    pub fn select(&self, matchers: &[Matcher], start_ms: i64, end_ms: i64) -> Vec<(Labels, Vec<(i64, f64)>)> {
        self.matching(matchers)
            .into_iter()
            .filter_map(|id| {
                let s = &self.series[id as usize];
                let points: Vec<(i64, f64)> = s.samples.range(start_ms, end_ms).collect();
                (!points.is_empty()).then(|| (s.labels.clone(), points))
            })
            .collect()
    }

    /// Every label name in use, sorted.
    pub fn label_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .postings
            .keys()
            .map(|&n| self.symbols.strings[n as usize].to_string())
            .collect();
        names.sort();
        names
    }

    /// Every value of a label, sorted.
    pub fn label_values(&self, name: &str) -> Vec<String> {
        let Some(values) = self.symbols.get(name).and_then(|n| self.postings.get(&n)) else {
            return Vec::new();
        };
        let mut out: Vec<String> = values
            .keys()
            .map(|&v| self.symbols.strings[v as usize].to_string())
            .collect();
        out.sort();
        out
    }

    /// Ids of every series, in creation order.
    pub fn ids(&self) -> impl Iterator<Item = SeriesId> + '_ {
        0..self.series.len() as SeriesId
    }

    #[cfg(feature = "internals")]
    /// Estimated bytes held by the store: samples (allocated capacity), labels, symbols and
    /// the index.
    pub fn memory_bytes(&self) -> usize {
        let samples: usize = self.series.iter().map(|s| s.samples.bytes()).sum();
        let series = self.series.capacity() * std::mem::size_of::<Series>()
            + self
                .series
                .iter()
                .map(|s| s.labels.len() * std::mem::size_of::<Label>() + 16)
                .sum::<usize>();
        let symbols: usize = self
            .symbols
            .strings
            .iter()
            .map(|s| s.len() + 16 + 2 * std::mem::size_of::<Arc<str>>() + 8)
            .sum();
        let keys = self.by_labels.capacity() * (std::mem::size_of::<SeriesId>() + 1);
        let postings: usize = self
            .postings
            .values()
            .flat_map(|m| m.values())
            .map(|v| v.capacity() * 4 + 40)
            .sum();
        samples + series + symbols + keys + postings
    }
}

/// The hash a series is found by: of its label pairs, in order.
fn hash_pairs<'a>(hasher: &std::hash::RandomState, pairs: impl Iterator<Item = (&'a str, &'a str)>) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut h = hasher.build_hasher();
    for (n, v) in pairs {
        n.hash(&mut h);
        v.hash(&mut h);
    }
    h.finish()
}

fn intersect(a: &[SeriesId], b: &[SeriesId]) -> Vec<SeriesId> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> SeriesStore {
        let mut s = SeriesStore::new();
        for (pod, code) in [("a", "200"), ("a", "500"), ("b", "200")] {
            s.append(&[("__name__", "req_total"), ("pod", pod), ("code", code)], 1_000, 1.0)
                .expect("append");
        }
        s.append(&[("__name__", "up"), ("pod", "a")], 1_000, 1.0)
            .expect("append");
        s
    }

    #[test]
    fn same_labels_same_series_in_any_order() {
        let mut s = store();
        let a = s
            .series_id(&[("code", "200"), ("__name__", "req_total"), ("pod", "a")])
            .expect("id");
        let b = s
            .series_id(&[("__name__", "req_total"), ("pod", "a"), ("code", "200"), ("x", "")])
            .expect("id");
        assert_eq!(a, b);
        assert_eq!(s.series_count(), 4);
    }

    /// Thousands of series (the table grows many times): each is found again by its labels,
    /// and none is taken for another that shares all but one label with it.
    #[test]
    fn every_series_is_found_again_by_its_labels() {
        let mut s = SeriesStore::new();
        let labels = |i: usize| {
            [
                ("__name__", "up".to_string()),
                ("pod", format!("p{}", i / 2)),
                ("x", format!("{}", i % 2)),
            ]
        };
        let ids: Vec<SeriesId> = (0..5000).map(|i| s.series_id(&labels(i)).expect("id")).collect();
        assert_eq!(ids, (0..5000).collect::<Vec<SeriesId>>());
        for i in (0..5000).rev() {
            assert_eq!(s.series_id(&labels(i)), Ok(i as SeriesId));
        }
        assert_eq!(s.series_count(), 5000);
    }

    #[test]
    fn rejects_bad_labels() {
        let mut s = SeriesStore::new();
        assert_eq!(s.series_id(&[("pod", "a")]), Err(StoreError::MissingName));
        assert!(matches!(
            s.series_id(&[("__name__", "a-b")]),
            Err(StoreError::InvalidMetricName(_))
        ));
        assert!(matches!(
            s.series_id(&[("__name__", "a"), ("1x", "b")]),
            Err(StoreError::InvalidLabelName(_))
        ));
        assert!(matches!(
            s.series_id(&[("__name__", "a"), ("x", "b"), ("x", "c")]),
            Err(StoreError::DuplicateLabel(_))
        ));
        let id = s.series_id(&[("__name__", "a")]).expect("id");
        s.append_to(id, 10, 1.0).expect("append");
        assert!(matches!(s.append_to(id, 10, 1.0), Err(StoreError::Append(_))));
    }

    #[test]
    fn matchers_use_the_index_and_treat_missing_as_empty() {
        let s = store();
        let names = |ms: &[Matcher]| -> Vec<String> { s.series(ms).iter().map(|l| l.to_string()).collect() };
        assert_eq!(
            names(&[Matcher::equal("__name__", "req_total"), Matcher::equal("code", "200")]),
            vec![
                r#"{__name__="req_total", code="200", pod="a"}"#,
                r#"{__name__="req_total", code="200", pod="b"}"#
            ]
        );
        assert_eq!(names(&[Matcher::regex("code", "5..").expect("re")]).len(), 1);
        // `code=""` selects series without the label.
        assert_eq!(
            names(&[Matcher::equal("code", ""), Matcher::equal("pod", "a")]),
            vec![r#"{__name__="up", pod="a"}"#]
        );
        assert_eq!(
            names(&[
                Matcher::not_equal("code", "200"),
                Matcher::regex("pod", ".+").expect("re")
            ])
            .len(),
            2
        );
        assert!(names(&[Matcher::equal("nope", "x")]).is_empty());
        assert_eq!(s.label_names(), vec!["__name__", "code", "pod"]);
        assert_eq!(s.label_values("pod"), vec!["a", "b"]);
        assert_eq!(s.select(&[Matcher::equal("__name__", "up")], 0, 999).len(), 0);
        assert_eq!(s.select(&[Matcher::equal("__name__", "up")], 0, 1000).len(), 1);
    }
}
