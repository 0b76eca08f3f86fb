//! PromQL outside the drill engine's subset is refused with `Unsupported` (HTTP 422) naming
//! the construct, never answered with a guessed number; syntax errors are `BadData` (400).

use crate::metrics::{QueryError, SeriesStore, instant_query, range_query};

fn store() -> SeriesStore {
    let mut s = SeriesStore::new();
    for t in 0..20 {
        s.append(&[("__name__", "x"), ("job", "a")], t * 15_000, t as f64)
            .expect("append");
    }
    s
}

#[test]
fn unsupported_constructs_are_named() {
    let s = store();
    for (query, named) in [
        ("max_over_time(rate(x[1m] @ 100)[10m:])", "subquery"),
        ("max_over_time(x[10m:1m] @ 300)", "subquery"),
        ("holt_winters(x[5m], 0.5, 0.5)", "holt_winters"),
        ("histogram_count(x)", "histogram_count"),
        ("histogram_sum(x)", "histogram_sum"),
        ("histogram_fraction(0, 0.5, x)", "histogram_fraction"),
        ("x atan2 x", "atan2"),
        ("sin(x)", "sin"),
        ("deg(x)", "deg"),
        ("x{job=\"a\" or job=\"b\"}", "'or'"),
    ] {
        for result in [
            instant_query(&s, query, 300_000),
            range_query(&s, query, 0, 300_000, 15_000),
        ] {
            match result {
                Err(e @ QueryError::Unsupported(_)) => {
                    assert!(e.to_string().contains(named), "{query}: {e}");
                    assert_eq!((e.status(), e.error_type()), (422, "execution"), "{query}");
                }
                other => panic!("{query}: expected Unsupported naming {named}, got {other:?}"),
            }
        }
    }
}

#[test]
fn syntax_errors_are_bad_data() {
    let s = store();
    for query in ["sum(rate(", "x{", "x[5m", "1 +", "unknown_fn(x)", "x > 1 bool"] {
        match instant_query(&s, query, 0) {
            Err(e @ QueryError::BadData(_)) => assert_eq!(e.status(), 400, "{query}"),
            other => panic!("{query}: expected BadData, got {other:?}"),
        }
    }
}
