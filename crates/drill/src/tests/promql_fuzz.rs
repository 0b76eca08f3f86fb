//! Odd and random query strings never panic the drill engine: each parses and evaluates (as an
//! instant and a range query) to a value or an error.

use crate::metrics::{SeriesStore, instant_query, range_query};

fn store() -> SeriesStore {
    let mut s = SeriesStore::new();
    for t in 0..40 {
        for (job, k) in [("a", 1.0), ("b", -2.0)] {
            let v = if t % 13 == 7 { f64::NAN } else { k * t as f64 };
            s.append(&[("__name__", "x"), ("job", job)], t * 15_000, v)
                .expect("append");
            s.append(
                &[("__name__", "h_bucket"), ("job", job), ("le", "1")],
                t * 15_000,
                t as f64,
            )
            .expect("append");
            s.append(
                &[("__name__", "h_bucket"), ("job", job), ("le", "+Inf")],
                t * 15_000,
                2.0 * t as f64,
            )
            .expect("append");
        }
    }
    s
}

const ODD: &[&str] = &[
    "",
    " ",
    "(",
    ")",
    "{}",
    "x{",
    "x[",
    "x[0s]",
    "x[1y]",
    "rate(x[1ms])",
    "x offset 10000y",
    "x @ 1e300",
    "x @ -1e18",
    "x @ 9223372036854775.807",
    "x offset -292y",
    "x @ end() offset 1y",
    "rate(x[5m] @ 1e15)",
    "1/0",
    "0/0",
    "-(-(-1))",
    "x / 0",
    "x % 0",
    "x ^ -1e308",
    "topk(1e30, x)",
    "topk(NaN, x)",
    "topk(-1, x)",
    "bottomk(Inf, x)",
    "quantile(NaN, x)",
    "quantile(-1, x)",
    "histogram_quantile(NaN, h_bucket)",
    "histogram_quantile(2, x)",
    "count_values(\"\", x)",
    "count_values(\"1bad\", x)",
    "count_values(\"__name__\", x)",
    "label_replace(x, \"1bad\", \"\", \"job\", \".*\")",
    "label_replace(x, \"d\", \"$9$x${\", \"job\", \"(\")",
    "label_replace(x, \"d\", \"$1\", \"job\", \"(a{1,2}){bc}\")",
    "x{job=~\"(\"}",
    "x{job=~\"\\\\d\\\\b\"}",
    "round(x, 0)",
    "round(x, -0.5)",
    "clamp(x, NaN, 1)",
    "scalar(x)",
    "vector(scalar(x))",
    "sort(x) or sort_desc(x)",
    "x and x unless x or x",
    "x + on() group_left x",
    "x == bool x",
    "absent(x{job=~\".*\", __name__=\"x\"})",
    "timestamp(x @ 0)",
    "\"str\"",
    "x[5m]",
    "time()",
    "sum without (__name__) (x)",
    "sum by (__name__) (x)",
    "x{__name__=~\"x|h_bucket\"} * 2",
    "max_over_time(x[1h] offset -1h)",
    "avg(x) * on() group_right x",
    "1 > bool 2 > bool 3",
    "x{job=\"a\"} / on(job) x{job=\"b\"}",
    "ceil(-x) ^ 0.5",
    "\u{0}",
    "x{job=\"\u{1F600}\"}",
];

/// Tokens random queries are assembled from.
const TOKENS: &[&str] = &[
    "x",
    "h_bucket",
    "(",
    ")",
    "[5m]",
    "[1m]",
    "{job=\"a\"}",
    "{job=~\"a|b\"}",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "==",
    "!=",
    ">",
    "<",
    ">=",
    "<=",
    "bool",
    "and",
    "or",
    "unless",
    "on(job)",
    "ignoring(job)",
    "group_left",
    "group_right",
    "sum",
    "avg",
    "topk",
    "quantile",
    "count_values",
    "by (job)",
    "without (le)",
    ",",
    "1",
    "0.5",
    "-1",
    "NaN",
    "Inf",
    "rate",
    "irate",
    "increase",
    "delta",
    "idelta",
    "avg_over_time",
    "quantile_over_time",
    "histogram_quantile",
    "abs",
    "clamp",
    "round",
    "scalar",
    "vector",
    "time()",
    "timestamp",
    "absent",
    "label_replace",
    "sort",
    "\"job\"",
    "\"(.*)\"",
    "offset 1m",
    "@ 300",
    "@ start()",
    "[5m:1m]",
];

#[test]
fn odd_queries_never_panic() {
    let s = store();
    for q in ODD {
        let _ = instant_query(&s, q, 300_000);
        let _ = range_query(&s, q, 0, 600_000, 15_000);
    }
}

#[test]
fn random_queries_never_panic() {
    let s = store();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut evaluated = 0;
    for _ in 0..3000 {
        let n = 1 + (next() % 12) as usize;
        let q: Vec<&str> = (0..n)
            .map(|_| TOKENS[(next() % TOKENS.len() as u64) as usize])
            .collect();
        let q = q.join(" ");
        if instant_query(&s, &q, 300_000).is_ok() {
            evaluated += 1;
        }
        let _ = range_query(&s, &q, 0, 600_000, 60_000);
    }
    assert!(evaluated > 0);
}

#[test]
fn deep_or_long_queries_are_refused_not_overflowed() {
    let s = store();
    let deep = format!("{}x{}", "(".repeat(20_000), ")".repeat(20_000));
    assert!(instant_query(&s, &deep, 0).is_err());
    let long = vec!["x"; 20_000].join(" + ");
    assert!(instant_query(&s, &long, 0).is_err());
    let minus = format!("{}x", "-".repeat(20_000));
    assert!(instant_query(&s, &minus, 0).is_err());
    // At the depth limit (100 levels) every kind of node evaluates without overflowing the
    // stack of a 2 MiB thread (tokio's and the test harness' default), in debug builds too.
    for q in [
        format!("{}x{}", "(".repeat(99), ")".repeat(99)),
        format!("{}x", "-".repeat(99)),
        vec!["x"; 100].join("+"),
        format!("{}x{}", "abs(".repeat(99), ")".repeat(99)),
        format!("{}x{}", "sum(".repeat(99), ")".repeat(99)),
        format!(
            "{}x{}",
            "label_replace(".repeat(99),
            ", \"d\", \"$1\", \"job\", \"(.*)\")".repeat(99)
        ),
        format!("{}x{}", "topk(1, ".repeat(99), ")".repeat(99)),
        format!("{}h_bucket{}", "histogram_quantile(0.5, ".repeat(99), ")".repeat(99)),
    ] {
        assert!(instant_query(&s, &q, 300_000).is_ok(), "{q}");
        assert!(range_query(&s, &q, 0, 60_000, 15_000).is_ok(), "{q}");
    }
    let too_deep = format!("{}x{}", "abs(".repeat(101), ")".repeat(101));
    assert!(instant_query(&s, &too_deep, 0).is_err());
}
