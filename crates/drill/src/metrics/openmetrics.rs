//! Writes the sample store as text: OpenMetrics with timestamps (the history, or a time range
//! of it, in the form `promtool tsdb create-blocks-from openmetrics` loads), and the classic
//! Prometheus text exposition of each series' latest sample (for a `/metrics` endpoint).

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::labels::{Labels, METRIC_NAME};
use super::promql::format_value;
use super::series::{MetricType, SeriesId, SeriesStore};

/// A metric family: its name, type, and the metric names of its samples.
struct Family {
    name: String,
    kind: MetricType,
    help: Option<String>,
    /// `(metric name, series)` in write order.
    series: Vec<(String, SeriesId)>,
}

/// Groups the store's series into families: a family's type comes from `set_meta`, else by
/// convention (`*_total` is a counter; `*_bucket` with `le`, with its `_sum`/`_count`, a
/// histogram); anything else is `unknown`.
fn families(store: &SeriesStore) -> Vec<Family> {
    let mut by_name: BTreeMap<String, Vec<SeriesId>> = BTreeMap::new();
    for id in store.ids() {
        if let Some(name) = store.get(id).and_then(|s| s.labels.name()) {
            by_name.entry(name.to_string()).or_default().push(id);
        }
    }
    let is_histogram = |base: &str| -> bool {
        if let Some(meta) = store.meta(base) {
            return meta.kind == MetricType::Histogram;
        }
        by_name.get(&format!("{base}_bucket")).is_some_and(|ids| {
            ids.iter()
                .any(|&id| store.get(id).is_some_and(|s| s.labels.get("le").is_some()))
        })
    };
    let mut fams: BTreeMap<String, Family> = BTreeMap::new();
    for (name, ids) in &by_name {
        let (family, kind) = if let Some(meta) = store.meta(name) {
            (name.clone(), meta.kind)
        } else if let Some(base) = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .filter(|base| is_histogram(base))
        {
            (base.to_string(), MetricType::Histogram)
        } else if let Some(base) = name.strip_suffix("_total") {
            let kind = store.meta(base).map_or(MetricType::Counter, |m| m.kind);
            if kind == MetricType::Counter {
                (base.to_string(), kind)
            } else {
                (name.clone(), MetricType::Unknown)
            }
        } else {
            (name.clone(), MetricType::Unknown)
        };
        let f = fams.entry(family.clone()).or_insert_with(|| Family {
            help: store.meta(&family).and_then(|m| m.help.clone()),
            name: family,
            kind,
            series: Vec::new(),
        });
        let mut sorted = ids.clone();
        sorted.sort_by_key(|id| label_order(store, *id));
        f.series.extend(sorted.into_iter().map(|id| (name.clone(), id)));
    }
    fams.into_values().collect()
}

fn label_order(store: &SeriesStore, id: SeriesId) -> Labels {
    store.get(id).map(|s| s.labels.clone()).unwrap_or_default()
}

fn type_word(kind: MetricType, openmetrics: bool) -> &'static str {
    match kind {
        MetricType::Counter => "counter",
        MetricType::Gauge => "gauge",
        MetricType::Histogram => "histogram",
        MetricType::Unknown if openmetrics => "unknown",
        MetricType::Unknown => "untyped",
    }
}

/// Writes `name{labels}` with label values escaped (`\\`, `\"`, `\n`).
fn write_series(out: &mut impl Write, name: &str, labels: &Labels) -> io::Result<()> {
    out.write_all(name.as_bytes())?;
    let mut first = true;
    for (n, v) in labels.iter() {
        if n == METRIC_NAME {
            continue;
        }
        out.write_all(if first { b"{" } else { b"," })?;
        first = false;
        write!(out, "{n}=\"")?;
        for c in v.chars() {
            match c {
                '\\' => out.write_all(b"\\\\")?,
                '"' => out.write_all(b"\\\"")?,
                '\n' => out.write_all(b"\\n")?,
                c => write!(out, "{c}")?,
            }
        }
        out.write_all(b"\"")?;
    }
    if !first {
        out.write_all(b"}")?;
    }
    Ok(())
}

fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

/// An OpenMetrics timestamp (seconds) for `t_ms` that Prometheus' parser, which truncates
/// `seconds * 1000` to an integer, reads back as exactly `t_ms`.
pub fn openmetrics_timestamp(t_ms: i64) -> String {
    let plain = super::promql::format_timestamp(t_ms);
    let parsed = plain.parse::<f64>().map(|s| (s * 1000.0) as i64);
    if parsed == Ok(t_ms) {
        return plain;
    }
    // Aim for the middle of the millisecond so the truncation lands on it.
    let sign = if t_ms < 0 { "-" } else { "" };
    let abs = t_ms.unsigned_abs();
    format!("{sign}{}.{:03}5", abs / 1000, abs % 1000)
}

/// Writes every sample with `start_ms <= t <= end_ms` as OpenMetrics text, one family at a
/// time with its `# TYPE` (and `# HELP`) line, timestamps in seconds, ending with `# EOF`.
#[cfg(test)]
pub fn write_openmetrics(store: &SeriesStore, out: &mut impl Write, start_ms: i64, end_ms: i64) -> io::Result<()> {
    write_openmetrics_of(store, out, start_ms, end_ms, |_| true)
}

/// `write_openmetrics`, of the families whose name `keep` accepts.
pub fn write_openmetrics_of(
    store: &SeriesStore,
    out: &mut impl Write,
    start_ms: i64,
    end_ms: i64,
    keep: impl Fn(&str) -> bool,
) -> io::Result<()> {
    for fam in families(store).into_iter().filter(|f| keep(&f.name)) {
        if let Some(help) = &fam.help {
            writeln!(out, "# HELP {} {}", fam.name, escape_help(help))?;
        }
        writeln!(out, "# TYPE {} {}", fam.name, type_word(fam.kind, true))?;
        for (name, id) in &fam.series {
            let Some(series) = store.get(*id) else {
                continue;
            };
            for (t, v) in series.samples.range(start_ms, end_ms) {
                write_series(out, name, &series.labels)?;
                writeln!(out, " {} {}", format_value(v), openmetrics_timestamp(t))?;
            }
        }
    }
    out.write_all(b"# EOF\n")
}

/// How the text exposition picks and prints samples.
#[derive(Debug, Clone, Copy)]
pub struct ExpositionOptions {
    /// Only samples at or before this time are considered.
    pub at_ms: i64,
    /// A series whose latest sample is older than this is left out (stale).
    pub max_age_ms: i64,
    /// Append each sample's timestamp (milliseconds), as the text format allows.
    pub timestamps: bool,
}

/// Writes each series' latest sample in the classic Prometheus text format (version 0.0.4).
pub fn write_text_exposition(store: &SeriesStore, out: &mut impl Write, opts: &ExpositionOptions) -> io::Result<()> {
    for fam in families(store) {
        let latest: Vec<(&String, SeriesId, i64, f64)> = fam
            .series
            .iter()
            .filter_map(|(name, id)| {
                let (t, v) = store.get(*id)?.samples.last_at_or_before(opts.at_ms)?;
                (t >= opts.at_ms - opts.max_age_ms).then_some((name, *id, t, v))
            })
            .collect();
        if latest.is_empty() {
            continue;
        }
        // The classic format names counters with their `_total` suffix.
        let family_name = if fam.kind == MetricType::Counter {
            latest[0].0.clone()
        } else {
            fam.name.clone()
        };
        if let Some(help) = &fam.help {
            writeln!(out, "# HELP {family_name} {}", escape_help(help))?;
        }
        writeln!(out, "# TYPE {family_name} {}", type_word(fam.kind, false))?;
        for (name, id, t, v) in latest {
            let Some(series) = store.get(id) else {
                continue;
            };
            write_series(out, name, &series.labels)?;
            if opts.timestamps {
                writeln!(out, " {} {t}", format_value(v))?;
            } else {
                writeln!(out, " {}", format_value(v))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> SeriesStore {
        let mut s = SeriesStore::new();
        for (t, v) in [(1_000, 1.0), (16_000, 2.5)] {
            s.append(&[("__name__", "req_total"), ("code", "200")], t, v)
                .expect("append");
            s.append(&[("__name__", "lat_bucket"), ("le", "0.5")], t, v)
                .expect("append");
            s.append(&[("__name__", "lat_bucket"), ("le", "+Inf")], t, v + 1.0)
                .expect("append");
            s.append(&[("__name__", "lat_sum")], t, v * 0.3).expect("append");
            s.append(&[("__name__", "lat_count")], t, v + 1.0).expect("append");
            s.append(&[("__name__", "temp"), ("room", "a\"b\\c\nd")], t, f64::NAN)
                .expect("append");
        }
        s.set_meta("temp", MetricType::Gauge, Some("Room temperature."));
        s
    }

    #[test]
    fn openmetrics_history() {
        let mut out = Vec::new();
        write_openmetrics(&store(), &mut out, 0, i64::MAX).expect("write");
        let text = String::from_utf8(out).expect("utf8");
        assert_eq!(
            text,
            r#"# TYPE lat histogram
lat_bucket{le="+Inf"} 2 1
lat_bucket{le="+Inf"} 3.5 16
lat_bucket{le="0.5"} 1 1
lat_bucket{le="0.5"} 2.5 16
lat_count 2 1
lat_count 3.5 16
lat_sum 0.3 1
lat_sum 0.75 16
# TYPE req counter
req_total{code="200"} 1 1
req_total{code="200"} 2.5 16
# HELP temp Room temperature.
# TYPE temp gauge
temp{room="a\"b\\c\nd"} NaN 1
temp{room="a\"b\\c\nd"} NaN 16
# EOF
"#
        );
        let mut out = Vec::new();
        write_openmetrics(&store(), &mut out, 2_000, 20_000).expect("write");
        assert!(!String::from_utf8(out).expect("utf8").contains(" 1\n"));
    }

    #[test]
    fn timestamps_survive_promtools_truncation() {
        for t in [0i64, 1, 999, 1_700_000_000_015, 1_700_000_123_457, 1_795_553_904_228] {
            let s = openmetrics_timestamp(t);
            let back = (s.parse::<f64>().expect("float") * 1000.0) as i64;
            assert_eq!(back, t, "{s}");
        }
        assert_eq!(openmetrics_timestamp(1_700_000_000_000), "1700000000");
    }

    #[test]
    fn text_exposition_of_latest_samples() {
        let mut out = Vec::new();
        let opts = ExpositionOptions {
            at_ms: 16_000,
            max_age_ms: 300_000,
            timestamps: false,
        };
        write_text_exposition(&store(), &mut out, &opts).expect("write");
        let text = String::from_utf8(out).expect("utf8");
        assert!(
            text.contains("# TYPE req_total counter\nreq_total{code=\"200\"} 2.5\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE lat histogram\nlat_bucket{le=\"+Inf\"} 3.5\n"));
        assert!(text.contains("# HELP temp Room temperature.\n# TYPE temp gauge\n"));
        let mut out = Vec::new();
        let stale = ExpositionOptions {
            at_ms: 1_000_000,
            max_age_ms: 300_000,
            timestamps: true,
        };
        write_text_exposition(&store(), &mut out, &stale).expect("write");
        assert!(out.is_empty());
    }
}
