//! Golden-signal panels as PromQL templates (`$service`, `$namespace`, and `$window` for SLO
//! windows), their safe substitution, and the SLO burn-rate arithmetic (multi-window,
//! multi-burn-rate, as in the Google SRE workbook). Pure: no I/O.
//!
//! Substitution is safe against label-value injection: `$service` and `$namespace` may only
//! appear inside a quoted PromQL string, where the value is escaped (quotes, backslashes,
//! controls), and regex-escaped too when the string follows `=~` or `!~`.

use serde::Deserialize;

/// How a panel's number reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Per second (traffic).
    Rps,
    /// 0..1 shown as a percentage (error ratio, saturation).
    Ratio,
    Seconds,
    Bytes,
    #[default]
    None,
}

impl Unit {
    /// A short human reading of a value in this unit.
    pub fn format(self, v: f64) -> String {
        if v.is_nan() {
            return "–".into();
        }
        match self {
            Unit::Rps => format!("{}/s", short(v)),
            Unit::Ratio => format!("{:.2}%", v * 100.0),
            Unit::Seconds if v.abs() < 1.0 => format!("{:.0}ms", v * 1000.0),
            Unit::Seconds => format!("{v:.2}s"),
            Unit::Bytes => {
                let mut v = v;
                let mut unit = "B";
                for u in ["KiB", "MiB", "GiB", "TiB"] {
                    if v.abs() < 1024.0 {
                        break;
                    }
                    v /= 1024.0;
                    unit = u;
                }
                format!("{v:.1}{unit}")
            }
            Unit::None => short(v),
        }
    }
}

fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// One panel: a name, a PromQL template and its unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub name: String,
    pub template: String,
    pub unit: Unit,
}

impl Panel {
    pub fn new(name: &str, template: &str, unit: Unit) -> Panel {
        Panel {
            name: name.into(),
            template: template.into(),
            unit,
        }
    }
}

pub const TRAFFIC: &str = r#"sum(rate(http_requests_total{namespace="$namespace",service="$service"}[5m]))"#;
/// Errors: `or vector(0)` so that a service with no 5xx series reads 0, not "no data".
pub const ERRORS: &str = r#"(sum(rate(http_requests_total{namespace="$namespace",service="$service",code=~"5.."}[5m])) or vector(0)) / sum(rate(http_requests_total{namespace="$namespace",service="$service"}[5m]))"#;
pub const LATENCY_P99: &str = r#"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="$namespace",service="$service"}[5m])))"#;
/// CPU used over CPU requested, of the busiest pod (the column says `cpu/req`): requests are
/// what the scheduler and autoscalers reason with, and many clusters set no CPU limits.
pub const SATURATION: &str = r#"max(sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="$namespace",pod=~"$service-.*",container!="",container!="POD"}[5m])) / sum by (pod) (kube_pod_container_resource_requests{namespace="$namespace",pod=~"$service-.*",resource="cpu"}))"#;
/// The error ratio over an SLO window (`$window`), for burn rates.
pub const SLO_ERROR_RATIO: &str = r#"(sum(rate(http_requests_total{namespace="$namespace",service="$service",code=~"5.."}[$window])) or vector(0)) / sum(rate(http_requests_total{namespace="$namespace",service="$service"}[$window]))"#;

/// The busiest services by the traffic panel's convention: what a console follows when the
/// config names no services.
pub const BUSIEST: &str =
    r#"topk(12, sum by (namespace, service) (rate(http_requests_total{namespace!="",service!=""}[5m])) > 0)"#;

/// The four golden signals, as the reference conventions name their metrics.
pub fn golden_signals() -> Vec<Panel> {
    vec![
        Panel::new("traffic", TRAFFIC, Unit::Rps),
        Panel::new("errors", ERRORS, Unit::Ratio),
        Panel::new("latency_p99", LATENCY_P99, Unit::Seconds),
        Panel::new("saturation", SATURATION, Unit::Ratio),
    ]
}

/// The rate window the detector reads traffic, errors and latency over: short enough that a
/// blip of a minute reads as a minute, not smeared over the five of the panes' window.
pub const DETECTION_WINDOW: &str = "1m";

/// The panels the detector reads besides those shown, named `PANEL@1m`: traffic, errors and
/// p99 latency as the panels in use ask for them (a configured query keeps its metrics) over
/// `DETECTION_WINDOW`, and the median latency beside the p99. Saturation is read as shown.
pub fn for_detection(panels: &[Panel]) -> Vec<Panel> {
    let short = |t: &str| t.replace("[5m]", &format!("[{DETECTION_WINDOW}]"));
    let mut out = Vec::new();
    for name in ["traffic", "errors", "latency_p99"] {
        if let Some(p) = panels.iter().find(|p| p.name == name) {
            out.push(Panel::new(
                &format!("{name}@{DETECTION_WINDOW}"),
                &short(&p.template),
                p.unit,
            ));
        }
    }
    if let Some(p99) = panels.iter().find(|p| p.name == "latency_p99") {
        let p50 = p99
            .template
            .replace("histogram_quantile(0.99,", "histogram_quantile(0.5,");
        if p50 != p99.template {
            out.push(Panel::new(
                &format!("latency_p50@{DETECTION_WINDOW}"),
                &short(&p50),
                p99.unit,
            ));
        }
    }
    out
}

/// The golden signals with configured panels laid over them: a panel named like a default
/// replaces it; any other is added after them.
pub fn with_overrides(configured: &[Panel]) -> Vec<Panel> {
    let mut panels = golden_signals();
    for p in configured {
        match panels.iter_mut().find(|d| d.name == p.name) {
            Some(d) => *d = p.clone(),
            None => panels.push(p.clone()),
        }
    }
    panels
}

/// Whom a template is rendered for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    pub namespace: String,
    pub service: String,
}

/// A panel query template that cannot be used, with the byte offset of the problem in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PanelError {
    pub offset: usize,
    pub message: String,
}

/// Escapes a value for a PromQL double- or single-quoted string.
pub fn escape_string(value: &str, quote: char) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Renders a template for one target. `$window` is only accepted when `window` is given.
pub fn render(template: &str, target: &Target, window: Option<&str>) -> Result<String, PanelError> {
    let mut out = String::with_capacity(template.len() + 32);
    // The open quote, and whether that string is a regex (follows `=~` or `!~`).
    let mut quote: Option<(char, bool)> = None;
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some((q, _)), '\\') if q != '`' => {
                out.push(c);
                if let Some((_, n)) = chars.next() {
                    out.push(n);
                }
            }
            (Some((q, _)), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (None, '"' | '\'' | '`') => {
                let before = out.trim_end();
                quote = Some((c, before.ends_with("=~") || before.ends_with("!~")));
                out.push(c);
            }
            (_, '$') => {
                let mut name = String::new();
                while let Some(&(_, n)) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                let value = match name.as_str() {
                    "service" => &target.service,
                    "namespace" => &target.namespace,
                    "window" => match window {
                        Some(w) if quote.is_none() => {
                            out.push_str(w);
                            continue;
                        }
                        Some(_) => {
                            return Err(PanelError {
                                offset: i,
                                message: "$window is a duration and must not be quoted".into(),
                            });
                        }
                        None => {
                            return Err(PanelError {
                                offset: i,
                                message: "$window is only known in the SLO error-ratio template".into(),
                            });
                        }
                    },
                    _ => {
                        return Err(PanelError {
                            offset: i,
                            message: format!("unknown variable ${name} (use $service or $namespace)"),
                        });
                    }
                };
                match quote {
                    Some(('`', _)) | None => {
                        return Err(PanelError {
                            offset: i,
                            message: format!("${name} must be inside a quoted label value, e.g. service=\"${name}\""),
                        });
                    }
                    Some((q, regex)) => {
                        let v = if regex { regex::escape(value) } else { value.clone() };
                        out.push_str(&escape_string(&v, q));
                    }
                }
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// Checks a template: it renders for a sample target and the result parses as PromQL.
pub fn check(template: &str, window: bool) -> Result<(), PanelError> {
    let target = Target {
        namespace: "default".into(),
        service: "checkout".into(),
    };
    let q = render(template, &target, window.then_some("5m"))?;
    warroom_drill::promql::parse(&q).map(|_| ()).map_err(|e| PanelError {
        offset: 0,
        message: format!("not valid PromQL: {e}"),
    })
}

/// One row of the multi-window, multi-burn-rate table (SRE workbook table 5-8).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurnWindow {
    pub level: BurnLevel,
    pub long: &'static str,
    pub short: &'static str,
    /// The burn rate both windows must exceed.
    pub factor: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum BurnLevel {
    #[default]
    Ok,
    Ticket,
    Page,
}

impl BurnLevel {
    pub fn name(self) -> &'static str {
        match self {
            BurnLevel::Ok => "ok",
            BurnLevel::Ticket => "ticket",
            BurnLevel::Page => "page",
        }
    }
}

/// Page at 2% of a 30-day budget in 1h or 5% in 6h; ticket at 10% in 3d.
pub const BURN_WINDOWS: [BurnWindow; 3] = [
    BurnWindow {
        level: BurnLevel::Page,
        long: "1h",
        short: "5m",
        factor: 14.4,
    },
    BurnWindow {
        level: BurnLevel::Page,
        long: "6h",
        short: "30m",
        factor: 6.0,
    },
    BurnWindow {
        level: BurnLevel::Ticket,
        long: "3d",
        short: "6h",
        factor: 1.0,
    },
];

/// Every window the burn-rate table needs, shortest first.
pub const SLO_WINDOWS: [&str; 5] = ["5m", "30m", "1h", "6h", "3d"];

/// `error_ratio / (1 - objective)`: 1 spends the budget exactly over the SLO period.
pub fn burn_rate(error_ratio: f64, objective: f64) -> f64 {
    error_ratio / (1.0 - objective)
}

/// The worst level whose long and short windows both burn faster than its factor. Burn rates
/// are given per window name; a missing or NaN window does not alert.
pub fn burn_level(rate: impl Fn(&str) -> Option<f64>) -> BurnLevel {
    BURN_WINDOWS
        .iter()
        .filter(|w| {
            let over = |name| rate(name).is_some_and(|r: f64| r > w.factor);
            over(w.long) && over(w.short)
        })
        .map(|w| w.level)
        .max()
        .unwrap_or_default()
}

/// How long the remaining budget lasts at burn rate `b`, over a 30-day SLO period (hours).
pub fn hours_to_exhaustion(burn: f64) -> f64 {
    30.0 * 24.0 / burn
}

#[cfg(test)]
mod tests {
    use super::*;
    use promql_parser::parser::{Expr, parse};

    fn target(ns: &str, svc: &str) -> Target {
        Target {
            namespace: ns.into(),
            service: svc.into(),
        }
    }

    /// The matchers of the first vector selector in a parsed query.
    fn matchers(q: &str) -> Vec<(String, String)> {
        fn find(e: &Expr) -> Option<&promql_parser::parser::VectorSelector> {
            match e {
                Expr::VectorSelector(v) => Some(v),
                Expr::MatrixSelector(m) => Some(&m.vs),
                Expr::Call(c) => c.args.args.iter().find_map(|a| find(a)),
                Expr::Aggregate(a) => find(&a.expr),
                Expr::Binary(b) => find(&b.lhs).or_else(|| find(&b.rhs)),
                Expr::Paren(p) => find(&p.expr),
                _ => None,
            }
        }
        let e = parse(q).unwrap_or_else(|err| panic!("{q}: {err}"));
        let vs = find(&e).expect("a selector");
        vs.matchers
            .matchers
            .iter()
            .map(|m| (m.name.clone(), m.value.clone()))
            .collect()
    }

    #[test]
    fn substitution_fills_quoted_values() {
        let q = render(TRAFFIC, &target("shop", "checkout"), None).expect("render");
        assert_eq!(
            q,
            r#"sum(rate(http_requests_total{namespace="shop",service="checkout"}[5m]))"#
        );
        for p in golden_signals() {
            check(&p.template, false).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        }
        check(SLO_ERROR_RATIO, true).expect("slo template");
        let q = render(SLO_ERROR_RATIO, &target("a", "b"), Some("30m")).expect("render");
        assert!(q.contains("[30m]") && !q.contains('$'), "{q}");
    }

    #[test]
    fn hostile_values_stay_inside_their_label_value() {
        for hostile in [
            r#"checkout",namespace=~".+"#,
            r#"x"}) or vector(1) or sum({a=""#,
            "back\\slash\\\"",
            "new\nline\ttab\u{7}bell",
            "it's",
            "ünï😀",
        ] {
            let q = render(TRAFFIC, &target("shop", hostile), None).expect("render");
            let m = matchers(&q);
            assert_eq!(
                m.iter().filter(|(n, _)| n != "__name__").cloned().collect::<Vec<_>>(),
                vec![
                    ("namespace".to_string(), "shop".to_string()),
                    ("service".to_string(), hostile.to_string())
                ],
                "{q}"
            );
            let q = render("up{service='$service'}", &target("shop", hostile), None).expect("single quotes");
            assert!(
                matchers(&q).contains(&("service".to_string(), hostile.to_string())),
                "{q}"
            );
        }
    }

    #[test]
    fn regex_contexts_escape_metacharacters() {
        let q = render(r#"up{pod=~"$service-.*"}"#, &target("ns", "a.b|c"), None).expect("render");
        let m = matchers(&q);
        let re = regex::Regex::new(&format!("^(?:{})$", m[0].1)).expect("regex");
        assert!(re.is_match("a.b|c-7d9f"));
        assert!(!re.is_match("axb-1") && !re.is_match("c-1"));
    }

    #[test]
    fn unquoted_or_unknown_variables_are_refused() {
        let t = target("a", "b");
        assert!(
            render("up{service=$service}", &t, None)
                .unwrap_err()
                .message
                .contains("must be inside a quoted label value")
        );
        assert!(
            render("up{x=\"$svc\"}", &t, None)
                .unwrap_err()
                .message
                .contains("unknown variable $svc")
        );
        assert!(render("rate(x[$window])", &t, None).is_err());
        assert!(render("rate(x{a=`$service`}[5m])", &t, None).is_err());
        assert!(
            check("sum(rate(x{service=\"$service\"}[5m]", false)
                .unwrap_err()
                .message
                .contains("not valid PromQL")
        );
    }

    #[test]
    fn the_detector_reads_the_panels_in_use_over_a_minute() {
        let custom = Panel::new(
            "latency_p99",
            r#"histogram_quantile(0.99, sum by (le) (rate(rpc_seconds_bucket{service="$service"}[5m])))"#,
            Unit::Seconds,
        );
        let d = for_detection(&with_overrides(&[custom]));
        let names: Vec<&str> = d.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["traffic@1m", "errors@1m", "latency_p99@1m", "latency_p50@1m"]);
        assert!(
            d.iter()
                .all(|p| !p.template.contains("[5m]") && p.template.contains("[1m]"))
        );
        assert!(d[3].template.starts_with("histogram_quantile(0.5, ") && d[3].template.contains("rpc_seconds_bucket"));
        assert!(d.iter().all(|p| check(&p.template, false).is_ok()));
    }

    #[test]
    fn overrides_replace_defaults_by_name() {
        let p = with_overrides(&[
            Panel::new("errors", "up{service=\"$service\"}", Unit::Ratio),
            Panel::new("queue", "q{service=\"$service\"}", Unit::None),
        ]);
        assert_eq!(
            p.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["traffic", "errors", "latency_p99", "saturation", "queue"]
        );
        assert_eq!(p[1].template, "up{service=\"$service\"}");
    }

    #[test]
    fn burn_rates_follow_the_workbook() {
        assert!((burn_rate(0.0144, 0.999) - 14.4).abs() < 1e-9);
        assert!((hours_to_exhaustion(14.4) - 50.0).abs() < 1e-9);
        let rates =
            |pairs: &'static [(&'static str, f64)]| move |w: &str| pairs.iter().find(|(n, _)| *n == w).map(|(_, r)| *r);
        // Both page windows over 14.4.
        assert_eq!(burn_level(rates(&[("1h", 15.0), ("5m", 20.0)])), BurnLevel::Page);
        // Long window over, short window recovered: no page (the reset the short window gives).
        assert_eq!(burn_level(rates(&[("1h", 15.0), ("5m", 2.0)])), BurnLevel::Ok);
        assert_eq!(burn_level(rates(&[("6h", 7.0), ("30m", 6.5)])), BurnLevel::Page);
        assert_eq!(burn_level(rates(&[("3d", 1.5), ("6h", 2.0)])), BurnLevel::Ticket);
        assert_eq!(burn_level(rates(&[("3d", f64::NAN), ("6h", 2.0)])), BurnLevel::Ok);
        assert_eq!(burn_level(rates(&[])), BurnLevel::Ok);
    }

    #[test]
    fn units_read_like_a_dashboard() {
        assert_eq!(Unit::Rps.format(1234.0), "1.2k/s");
        assert_eq!(Unit::Ratio.format(0.25), "25.00%");
        assert_eq!(Unit::Seconds.format(0.496), "496ms");
        assert_eq!(Unit::Bytes.format(3.0 * 1024.0 * 1024.0), "3.0MiB");
        assert_eq!(Unit::None.format(f64::NAN), "–");
    }
}
