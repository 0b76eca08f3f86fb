//! Hand-computed expectations for each operator, matching mode, aggregation and function over
//! a tiny history, through the public `Query` API.

use super::value::RangeSeries;
use super::*;
use crate::metrics::series::SeriesStore;

/// m{a="1",b="x"} 1 2 3 and m{a="2",b="x"} 10 20 30 at 0s, 60s, 120s; n{a} constant 5 and 2;
/// o{a="1",c} 100 and 200; c_total 0 30 60 15 (a reset at 180s).
fn store() -> SeriesStore {
    let mut s = SeriesStore::new();
    for (i, t) in [0i64, 60_000, 120_000].into_iter().enumerate() {
        let k = (i + 1) as f64;
        s.append(&[("__name__", "m"), ("a", "1"), ("b", "x")], t, k)
            .expect("append");
        s.append(&[("__name__", "m"), ("a", "2"), ("b", "x")], t, 10.0 * k)
            .expect("append");
        s.append(&[("__name__", "n"), ("a", "1")], t, 5.0).expect("append");
        s.append(&[("__name__", "n"), ("a", "2")], t, 2.0).expect("append");
        s.append(&[("__name__", "o"), ("a", "1"), ("c", "p")], t, 100.0)
            .expect("append");
        s.append(&[("__name__", "o"), ("a", "1"), ("c", "q")], t, 200.0)
            .expect("append");
    }
    for (t, v) in [(0, 0.0), (60_000, 30.0), (120_000, 60.0), (180_000, 15.0)] {
        s.append(&[("__name__", "c_total"), ("p", "a")], t, v).expect("append");
    }
    s
}

/// The query's samples at `t_s` as sorted `labels value` lines (a scalar as `scalar v`).
fn at(q: &str, t_s: i64) -> Vec<String> {
    let s = store();
    match instant_query(&s, q, t_s * 1000) {
        Ok(QueryValue::Vector(v)) => {
            let mut out: Vec<String> = v.iter().map(|s| format!("{} {}", s.labels, s.v)).collect();
            out.sort();
            out
        }
        Ok(QueryValue::Scalar { v, .. }) => vec![format!("scalar {v}")],
        other => panic!("{q}: {other:?}"),
    }
}

fn err(q: &str) -> QueryError {
    instant_query(&store(), q, 120_000).expect_err(q)
}

#[test]
fn selectors_offset_at_and_lookback() {
    assert_eq!(
        at("m", 120),
        [
            r#"{__name__="m", a="1", b="x"} 3"#,
            r#"{__name__="m", a="2", b="x"} 30"#
        ]
    );
    assert_eq!(at("m offset 1m", 120)[0], r#"{__name__="m", a="1", b="x"} 2"#);
    assert_eq!(at("m @ 60", 600)[1], r#"{__name__="m", a="2", b="x"} 20"#);
    assert_eq!(at(r#"m{a!="1"}"#, 420), [r#"{__name__="m", a="2", b="x"} 30"#]); // 5m lookback, inclusive
    assert!(at("m", 421).is_empty());
    assert_eq!(at(r#"{__name__=~"m|n", a=~"2"}"#, 120).len(), 2);
}

#[test]
fn arithmetic_and_matching() {
    assert_eq!(at("m + on(a) n", 120), [r#"{a="1"} 8"#, r#"{a="2"} 32"#]);
    assert_eq!(at("m - ignoring(b) n", 120), [r#"{a="1"} -2"#, r#"{a="2"} 28"#]);
    assert_eq!(at("m * 2", 120)[0], r#"{a="1", b="x"} 6"#);
    assert_eq!(at("2 ^ m", 60)[0], r#"{a="1", b="x"} 4"#);
    assert_eq!(at("m % 4", 120), [r#"{a="1", b="x"} 3"#, r#"{a="2", b="x"} 2"#]);
    assert_eq!(at("m / 0", 120)[0], r#"{a="1", b="x"} inf"#);
    assert_eq!(at("-m", 0)[0], r#"{a="1", b="x"} -1"#);
    assert_eq!(at("1 + 2 * 3", 0), ["scalar 7"]);
    // group_left: each o matches the one n with its `a`; o's labels, name dropped.
    assert_eq!(
        at("o * on(a) group_left n", 120),
        [r#"{a="1", c="p"} 500"#, r#"{a="1", c="q"} 1000"#]
    );
    // group_left(b) copies b from the one side.
    assert_eq!(
        at("o / on(a) group_left(b) m", 120)[1],
        r#"{a="1", b="x", c="q"} 66.66666666666667"#
    );
    // group_right: the left side is the one side; values keep their operand order.
    assert_eq!(
        at("n / on(a) group_right o", 120),
        [r#"{a="1", c="p"} 0.05"#, r#"{a="1", c="q"} 0.025"#]
    );
}

#[test]
fn comparisons_filter_or_return_bool() {
    assert_eq!(
        at("m > 2", 120),
        [
            r#"{__name__="m", a="1", b="x"} 3"#,
            r#"{__name__="m", a="2", b="x"} 30"#
        ]
    );
    assert_eq!(at("m > 3", 120), [r#"{__name__="m", a="2", b="x"} 30"#]);
    assert_eq!(at("20 < m", 120), [r#"{__name__="m", a="2", b="x"} 30"#]);
    assert_eq!(at("m == bool 3", 120), [r#"{a="1", b="x"} 1"#, r#"{a="2", b="x"} 0"#]);
    assert_eq!(at("m >= on(a) n", 120), [r#"{a="2"} 30"#]);
    assert_eq!(at("m != bool on(a) n", 120), [r#"{a="1"} 1"#, r#"{a="2"} 1"#]);
    assert_eq!(at("2 > bool 1", 0), ["scalar 1"]);
    assert_eq!(at("m <= 1", 0), [r#"{__name__="m", a="1", b="x"} 1"#]);
}

#[test]
fn set_operators() {
    assert_eq!(
        at(r#"m and on(a) n{a="1"}"#, 120),
        [r#"{__name__="m", a="1", b="x"} 3"#]
    );
    assert_eq!(at("m or n", 120).len(), 4);
    assert_eq!(at("m or on(a) n", 120).len(), 2);
    assert_eq!(
        at(r#"m unless on(a) n{a="2"}"#, 120),
        [r#"{__name__="m", a="1", b="x"} 3"#]
    );
}

#[test]
fn matching_errors() {
    assert!(err("m + on(b) m").to_string().contains("many-to-many"));
    assert!(err("m + on(b) n").to_string().contains("duplicate series"));
    assert!(err("o + on(a) n").to_string().contains("multiple matches"));
    assert!(matches!(err("sum(m"), QueryError::BadData(_)));
}

#[test]
fn aggregations() {
    assert_eq!(at("sum(m)", 120), ["{} 33"]);
    assert_eq!(at("avg(m)", 120), ["{} 16.5"]);
    assert_eq!(at("count(m)", 120), ["{} 2"]);
    assert_eq!(at("max by (b) (m)", 120), [r#"{b="x"} 30"#]);
    assert_eq!(at("min without (a) (m)", 120), [r#"{b="x"} 3"#]);
    // Values 3 and 30: mean 16.5, population variance 182.25.
    assert_eq!(at("stdvar(m)", 120), ["{} 182.25"]);
    assert_eq!(at("stddev(m)", 120), ["{} 13.5"]);
    assert_eq!(at("topk(1, m)", 120), [r#"{__name__="m", a="2", b="x"} 30"#]);
    assert_eq!(at("bottomk(1, m)", 120), [r#"{__name__="m", a="1", b="x"} 3"#]);
    assert!(at("topk(0, m)", 120).is_empty());
    assert_eq!(at("quantile(0.5, m)", 120), ["{} 16.5"]);
    assert_eq!(at(r#"count_values("v", n)"#, 120), [r#"{v="2"} 1"#, r#"{v="5"} 1"#]);
    assert_eq!(at("sum by (a) (o)", 120), [r#"{a="1"} 300"#]);
}

#[test]
fn range_functions() {
    // [0, 120]: 0, 30, 60 reach both edges: no extrapolation.
    assert_eq!(at("rate(c_total[2m])", 120), [r#"{p="a"} 0.5"#]);
    // [0, 180] with a reset: 15 - 0 + 60.
    assert_eq!(at("increase(c_total[3m])", 180), [r#"{p="a"} 75"#]);
    assert_eq!(at("irate(c_total[3m])", 180), [r#"{p="a"} 0.25"#]);
    assert_eq!(at("idelta(c_total[3m])", 180), [r#"{p="a"} -45"#]);
    assert_eq!(at(r#"delta(n{a="1"}[2m])"#, 120), [r#"{a="1"} 0"#]);
    assert_eq!(at(r#"avg_over_time(m{a="2"}[2m])"#, 120), [r#"{a="2", b="x"} 20"#]);
    assert_eq!(at(r#"sum_over_time(m{a="2"}[2m])"#, 120), [r#"{a="2", b="x"} 60"#]);
    assert_eq!(at(r#"count_over_time(m{a="2"}[1m])"#, 120), [r#"{a="2", b="x"} 2"#]);
    assert_eq!(
        at(r#"last_over_time(m{a="2"}[1m])"#, 120),
        [r#"{__name__="m", a="2", b="x"} 30"#]
    );
    assert_eq!(at(r#"max_over_time(m{a="2"}[5m])"#, 120), [r#"{a="2", b="x"} 30"#]);
    assert_eq!(at(r#"min_over_time(m{a="2"}[5m])"#, 120), [r#"{a="2", b="x"} 10"#]);
    assert_eq!(
        at(r#"quantile_over_time(0.5, m{a="2"}[5m])"#, 120),
        [r#"{a="2", b="x"} 20"#]
    );
    assert_eq!(at(r#"present_over_time(m{a="2"}[5m])"#, 120), [r#"{a="2", b="x"} 1"#]);
    // 10, 20, 30: variance 200/3.
    assert_eq!(
        at(r#"stdvar_over_time(m{a="2"}[5m])"#, 120),
        [r#"{a="2", b="x"} 66.66666666666667"#]
    );
    assert!(at("rate(c_total[30s])", 120).is_empty()); // one sample: no rate
}

#[test]
fn other_functions() {
    assert_eq!(at("abs(-m)", 0)[0], r#"{a="1", b="x"} 1"#);
    assert_eq!(at("ceil(m / 4)", 120)[1], r#"{a="2", b="x"} 8"#);
    assert_eq!(at("floor(m / 4)", 120)[1], r#"{a="2", b="x"} 7"#);
    assert_eq!(at("round(m / 4)", 120)[1], r#"{a="2", b="x"} 8"#); // 7.5 rounds up
    assert_eq!(at("round(m / 7, 0.5)", 120)[1], r#"{a="2", b="x"} 4.5"#);
    assert_eq!(
        at("clamp(m, 2, 20)", 120),
        [r#"{a="1", b="x"} 3"#, r#"{a="2", b="x"} 20"#]
    );
    assert_eq!(at("clamp_min(m, 5)", 120)[0], r#"{a="1", b="x"} 5"#);
    assert_eq!(at("clamp_max(m, 5)", 120)[1], r#"{a="2", b="x"} 5"#);
    assert!(at("clamp(m, 5, 2)", 120).is_empty());
    assert_eq!(at(r#"scalar(n{a="1"})"#, 120), ["scalar 5"]);
    assert_eq!(at("scalar(n)", 120), ["scalar NaN"]);
    assert_eq!(at("vector(3)", 120), ["{} 3"]);
    assert_eq!(at("time()", 120), ["scalar 120"]);
    assert_eq!(at(r#"timestamp(m{a="1"})"#, 150), [r#"{a="1", b="x"} 120"#]);
    assert_eq!(at(r#"timestamp(sum(m))"#, 150), ["{} 150"]);
    assert_eq!(at(r#"absent(nope{x="y", z=~"w"})"#, 120), [r#"{x="y"} 1"#]);
    assert!(at("absent(m)", 120).is_empty());
    assert_eq!(
        at(r#"label_replace(n{a="1"}, "z", "v-$1", "a", "(.*)")"#, 120),
        [r#"{__name__="n", a="1", z="v-1"} 5"#]
    );
    let sorted = instant_query(&store(), "sort_desc(m)", 120_000).expect("sort");
    let QueryValue::Vector(v) = sorted else {
        panic!("vector")
    };
    assert_eq!(v.iter().map(|s| s.v).collect::<Vec<_>>(), [30.0, 3.0]);
}

#[test]
fn range_query_steps() {
    let s = store();
    let r = range_query(&s, "sum(m)", 0, 120_000, 60_000).expect("range");
    assert_eq!(
        r,
        QueryValue::Matrix(vec![RangeSeries {
            labels: crate::metrics::labels::Labels::empty(),
            points: vec![(0, 11.0), (60_000, 22.0), (120_000, 33.0)],
        }])
    );
    assert!(matches!(
        range_query(&s, "m[1m]", 0, 60_000, 1_000),
        Err(QueryError::BadData(_))
    ));
    assert!(matches!(
        range_query(&s, "m", 60_000, 0, 1_000),
        Err(QueryError::BadData(_))
    ));
    assert!(matches!(
        range_query(&s, "m", 0, 1_000_000_000, 1),
        Err(QueryError::BadData(_))
    ));
}
