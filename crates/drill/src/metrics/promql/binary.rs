//! Binary operators: arithmetic, comparisons (filtering, or 0/1 with `bool`) and the set
//! operators `and`/`or`/`unless`, between scalars and instant vectors, with Prometheus' vector
//! matching (`on`/`ignoring`, one-to-one, `group_left`/`group_right`) and its rules for when
//! the metric name is dropped.

use std::collections::{HashMap, HashSet};

use promql_parser::parser::{BinaryExpr, LabelModifier, VectorMatchCardinality};

use super::error::{QueryError, execution};
use super::eval::{Evaluator, Sample, Value, check_unique};
use crate::metrics::labels::{Labels, METRIC_NAME};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Card {
    OneToOne,
    ManyToOne,
    OneToMany,
    ManyToMany,
}

/// How two vectors are matched.
struct Matching {
    card: Card,
    on: bool,
    /// The `on`/`ignoring` labels, sorted.
    labels: Vec<String>,
    /// The `group_left`/`group_right` labels copied from the "one" side.
    include: Vec<String>,
}

fn matching(b: &BinaryExpr) -> Matching {
    let Some(m) = &b.modifier else {
        return Matching {
            card: Card::OneToOne,
            on: false,
            labels: Vec::new(),
            include: Vec::new(),
        };
    };
    let (card, include) = match &m.card {
        VectorMatchCardinality::OneToOne => (Card::OneToOne, Vec::new()),
        VectorMatchCardinality::ManyToOne(l) => (Card::ManyToOne, l.labels.clone()),
        VectorMatchCardinality::OneToMany(l) => (Card::OneToMany, l.labels.clone()),
        VectorMatchCardinality::ManyToMany => (Card::ManyToMany, Vec::new()),
    };
    let (on, mut labels) = match &m.matching {
        Some(LabelModifier::Include(l)) => (true, l.labels.clone()),
        Some(LabelModifier::Exclude(l)) => (false, l.labels.clone()),
        None => (false, Vec::new()),
    };
    labels.sort();
    Matching {
        card,
        on,
        labels,
        include,
    }
}

/// The matching key of a label set: with `on`, the listed labels; otherwise every label but
/// the listed ones and the metric name.
fn signature(labels: &Labels, on: bool, names: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    for (n, v) in labels.iter() {
        let listed = names.iter().any(|x| x == n);
        let keep = if on { listed } else { !listed && n != METRIC_NAME };
        if keep {
            out.extend_from_slice(n.as_bytes());
            out.push(0xff);
            out.extend_from_slice(v.as_bytes());
            out.push(0xff);
        }
    }
    out
}

fn is_comparison(op: &str) -> bool {
    matches!(op, "==" | "!=" | ">" | "<" | ">=" | "<=")
}

/// Arithmetic drops the metric name; comparisons (without `bool`) keep it.
fn drops_name(op: &str) -> bool {
    matches!(op, "+" | "-" | "*" | "/" | "%" | "^")
}

/// Go's `vectorElemBinop`: the value, and whether a comparison keeps the element.
fn elem_binop(op: &str, l: f64, r: f64) -> Result<(f64, bool), QueryError> {
    Ok(match op {
        "+" => (l + r, true),
        "-" => (l - r, true),
        "*" => (l * r, true),
        "/" => (l / r, true),
        "^" => (l.powf(r), true),
        "%" => (l % r, true),
        "==" => (l, l == r),
        "!=" => (l, l != r),
        ">" => (l, l > r),
        "<" => (l, l < r),
        ">=" => (l, l >= r),
        "<=" => (l, l <= r),
        _ => return execution(format!("operator {op:?} not allowed for this operation")),
    })
}

fn bool_to_f64(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

impl Evaluator<'_> {
    pub(super) fn eval_binary(&mut self, b: &BinaryExpr, ts: i64) -> Result<Value, QueryError> {
        let op = b.op.to_string();
        let return_bool = b.return_bool();
        let lhs = self.eval(&b.lhs, ts)?;
        let rhs = self.eval(&b.rhs, ts)?;
        match (lhs, rhs) {
            (Value::Scalar(l), Value::Scalar(r)) => {
                let (v, keep) = elem_binop(&op, l, r)?;
                Ok(Value::Scalar(if is_comparison(&op) { bool_to_f64(keep) } else { v }))
            }
            (Value::Vector(l), Value::Scalar(r)) => vector_scalar(&op, l, r, false, return_bool).map(Value::Vector),
            (Value::Scalar(l), Value::Vector(r)) => vector_scalar(&op, r, l, true, return_bool).map(Value::Vector),
            (Value::Vector(l), Value::Vector(r)) => {
                let m = matching(b);
                let out = match op.as_str() {
                    "and" => vector_and(l, r, &m),
                    "or" => vector_or(l, r, &m),
                    "unless" => vector_unless(l, r, &m),
                    _ => vector_binop(&op, l, r, &m, return_bool)?,
                };
                check_unique(&out)?;
                Ok(Value::Vector(out))
            }
            _ => Err(QueryError::BadData(
                "binary expression must contain only scalar and instant vector types".into(),
            )),
        }
    }
}

/// Go's `VectorscalarBinop`; `swap` when the scalar was the left operand.
fn vector_scalar(
    op: &str,
    vector: Vec<Sample>,
    scalar: f64,
    swap: bool,
    return_bool: bool,
) -> Result<Vec<Sample>, QueryError> {
    let comparison = is_comparison(op);
    let mut out = Vec::with_capacity(vector.len());
    for s in vector {
        let (l, r) = if swap { (scalar, s.v) } else { (s.v, scalar) };
        let (mut value, mut keep) = elem_binop(op, l, r)?;
        // A comparison keeps the vector's value even when the scalar is on the left.
        if comparison && swap {
            value = r;
        }
        if return_bool {
            value = bool_to_f64(keep);
            keep = true;
        }
        if keep {
            let labels = if drops_name(op) || return_bool {
                s.labels.without_name()
            } else {
                s.labels
            };
            out.push(Sample { labels, v: value });
        }
    }
    check_unique(&out)?;
    Ok(out)
}

/// Go's `resultMetric`: the labels of a matched pair (`lhs` is the "many" side).
fn result_labels(lhs: &Labels, rhs: &Labels, op: &str, m: &Matching) -> Labels {
    let mut labels = if drops_name(op) {
        lhs.without_name()
    } else {
        lhs.clone()
    };
    if m.card == Card::OneToOne {
        labels = if m.on {
            labels.keep(&m.labels)
        } else {
            labels.without(&m.labels)
        };
    }
    for name in &m.include {
        labels = labels.with(name, rhs.get(name).unwrap_or(""));
    }
    labels
}

/// Go's `VectorBinop`: arithmetic and comparisons between two vectors.
fn vector_binop(
    op: &str,
    lhs: Vec<Sample>,
    rhs: Vec<Sample>,
    m: &Matching,
    return_bool: bool,
) -> Result<Vec<Sample>, QueryError> {
    if m.card == Card::ManyToMany {
        return execution("many-to-many only allowed for set operators");
    }
    // The "one" side goes on the right; swap back when computing values.
    let (many, one) = if m.card == Card::OneToMany {
        (rhs, lhs)
    } else {
        (lhs, rhs)
    };
    let mut right: HashMap<Vec<u8>, &Sample> = HashMap::with_capacity(one.len());
    for rs in &one {
        let sig = signature(&rs.labels, m.on, &m.labels);
        if let Some(dup) = right.get(&sig) {
            let side = if m.card == Card::OneToMany { "left" } else { "right" };
            let group = if m.on {
                rs.labels.keep(&m.labels)
            } else {
                rs.labels.without(&m.labels).without_name()
            };
            return execution(format!(
                "found duplicate series for the match group {group} on the {side} hand-side of the operation: [{}, {}];many-to-many matching not allowed: matching labels must be unique on one side",
                rs.labels, dup.labels
            ));
        }
        right.insert(sig, rs);
    }
    let mut matched: HashMap<Vec<u8>, HashSet<Labels>> = HashMap::new();
    let mut out = Vec::new();
    for ls in &many {
        let sig = signature(&ls.labels, m.on, &m.labels);
        let Some(rs) = right.get(&sig) else {
            continue;
        };
        let (l, r) = if m.card == Card::OneToMany {
            (rs.v, ls.v)
        } else {
            (ls.v, rs.v)
        };
        let (mut value, keep) = elem_binop(op, l, r)?;
        if return_bool {
            value = bool_to_f64(keep);
        } else if !keep {
            continue;
        }
        let mut labels = result_labels(&ls.labels, &rs.labels, op, m);
        if return_bool {
            labels = labels.without_name();
        }
        if m.card == Card::OneToOne {
            if matched.contains_key(&sig) {
                return execution(
                    "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
                );
            }
            matched.insert(sig, HashSet::new());
        } else {
            let set = matched.entry(sig).or_default();
            if !set.insert(labels.clone()) {
                return execution("multiple matches for labels: grouping labels must ensure unique matches");
            }
        }
        out.push(Sample { labels, v: value });
    }
    Ok(out)
}

fn vector_and(lhs: Vec<Sample>, rhs: Vec<Sample>, m: &Matching) -> Vec<Sample> {
    if lhs.is_empty() || rhs.is_empty() {
        return Vec::new();
    }
    let right: HashSet<Vec<u8>> = rhs.iter().map(|s| signature(&s.labels, m.on, &m.labels)).collect();
    lhs.into_iter()
        .filter(|s| right.contains(&signature(&s.labels, m.on, &m.labels)))
        .collect()
}

fn vector_or(lhs: Vec<Sample>, rhs: Vec<Sample>, m: &Matching) -> Vec<Sample> {
    let left: HashSet<Vec<u8>> = lhs.iter().map(|s| signature(&s.labels, m.on, &m.labels)).collect();
    let mut out = lhs;
    out.extend(
        rhs.into_iter()
            .filter(|s| !left.contains(&signature(&s.labels, m.on, &m.labels))),
    );
    out
}

fn vector_unless(lhs: Vec<Sample>, rhs: Vec<Sample>, m: &Matching) -> Vec<Sample> {
    let right: HashSet<Vec<u8>> = rhs.iter().map(|s| signature(&s.labels, m.on, &m.labels)).collect();
    lhs.into_iter()
        .filter(|s| !right.contains(&signature(&s.labels, m.on, &m.labels)))
        .collect()
}
