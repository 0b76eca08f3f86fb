//! The subset of PromQL the drill cluster evaluates, checked before evaluation so a query
//! either runs with Prometheus' semantics or is refused with the construct named: never a
//! guessed number.

use promql_parser::parser::{Expr, VectorSelector};

use super::error::{QueryError, unsupported};

/// Functions evaluated by this engine.
pub const SUPPORTED_FUNCTIONS: &[&str] = &[
    "abs",
    "absent",
    "absent_over_time",
    "avg_over_time",
    "ceil",
    "changes",
    "clamp",
    "clamp_max",
    "clamp_min",
    "count_over_time",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "days_in_month",
    "delta",
    "deriv",
    "exp",
    "floor",
    "histogram_quantile",
    "hour",
    "idelta",
    "increase",
    "irate",
    "label_join",
    "label_replace",
    "last_over_time",
    "ln",
    "log10",
    "log2",
    "max_over_time",
    "min_over_time",
    "minute",
    "month",
    "predict_linear",
    "present_over_time",
    "quantile_over_time",
    "rate",
    "resets",
    "round",
    "scalar",
    "sgn",
    "sort",
    "sort_desc",
    "sqrt",
    "stddev_over_time",
    "stdvar_over_time",
    "sum_over_time",
    "time",
    "timestamp",
    "vector",
    "year",
];

/// Aggregation operators evaluated by this engine.
pub const SUPPORTED_AGGREGATIONS: &[&str] = &[
    "sum",
    "avg",
    "min",
    "max",
    "count",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "quantile",
    "count_values",
    "group",
];

/// Binary operators evaluated by this engine.
pub const SUPPORTED_OPERATORS: &[&str] = &[
    "+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless",
];

/// Functions Prometheus 2.x has that the parser no longer knows (renamed in 3.x).
const LEGACY_FUNCTIONS: &[&str] = &["holt_winters"];

/// Most operators and nesting levels a query's text may have (a bound the parser and the
/// tree's drop recurse safely within).
pub const MAX_QUERY_COMPLEXITY: usize = 500;

/// Deepest expression tree evaluated: evaluation recurses once per level, and this keeps it
/// well inside a 2 MiB thread stack even in debug builds.
pub const MAX_DEPTH: usize = 100;

/// Maps a parser error to `BadData`, except a call to a Prometheus 2.x function the parser
/// does not know, which is `Unsupported` like any other unimplemented function.
pub fn parse_error(e: super::parse::Refused) -> QueryError {
    if let Some(name) = e
        .message
        .strip_prefix("unknown function with name '")
        .and_then(|rest| rest.strip_suffix('\''))
        && LEGACY_FUNCTIONS.contains(&name)
    {
        return QueryError::Unsupported(format!("function {name}()"));
    }
    QueryError::BadData(e.to_string())
}

/// Refuses queries whose tree could be deeper than the evaluator's recursion allows: counts
/// brackets, operator characters and words (`and`, `or`, function names, ...) outside string
/// literals, a bound on the number of tree nodes.
pub fn check_size(query: &str) -> Result<(), QueryError> {
    let mut count = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut in_word = false;
    for c in query.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q != '`' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        let word_char = c.is_alphanumeric() || c == '_' || c == ':' || c == '.';
        if word_char && !in_word {
            count += 1;
        }
        in_word = word_char;
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '[' | '{' | '+' | '-' | '*' | '/' | '%' | '^' | '=' | '!' | '<' | '>' => count += 1,
            _ => {}
        }
    }
    if count > MAX_QUERY_COMPLEXITY * 2 {
        return Err(QueryError::BadData(format!(
            "query too complex: more than {MAX_QUERY_COMPLEXITY} operators or nesting levels"
        )));
    }
    Ok(())
}

/// Refuses trees deeper than `MAX_DEPTH`.
pub fn check_depth(expr: &Expr) -> Result<(), QueryError> {
    if depth(expr) > MAX_DEPTH {
        return Err(QueryError::BadData(format!(
            "query nests too deeply: more than {MAX_DEPTH} levels"
        )));
    }
    Ok(())
}

fn depth(expr: &Expr) -> usize {
    1 + match expr {
        Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::VectorSelector(_)
        | Expr::MatrixSelector(_)
        | Expr::Extension(_) => 0,
        Expr::Paren(p) => depth(&p.expr),
        Expr::Unary(u) => depth(&u.expr),
        Expr::Subquery(s) => depth(&s.expr),
        Expr::Aggregate(a) => depth(&a.expr).max(a.param.as_deref().map_or(0, depth)),
        Expr::Binary(b) => depth(&b.lhs).max(depth(&b.rhs)),
        Expr::Call(c) => c.args.args.iter().map(|a| depth(a)).max().unwrap_or(0),
    }
}

/// Refuses the first construct outside the supported subset, naming it.
pub fn check(expr: &Expr) -> Result<(), QueryError> {
    match expr {
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => Ok(()),
        Expr::Paren(p) => check(&p.expr),
        Expr::Unary(u) => check(&u.expr),
        Expr::VectorSelector(vs) => check_selector(vs),
        Expr::MatrixSelector(ms) => check_selector(&ms.vs),
        Expr::Subquery(s) => {
            if s.at.is_some() || has_at(&s.expr) {
                return unsupported("@ on or inside a subquery");
            }
            check(&s.expr)
        }
        Expr::Extension(_) => unsupported("extension expression"),
        Expr::Aggregate(a) => {
            let op = a.op.to_string();
            if !SUPPORTED_AGGREGATIONS.contains(&op.as_str()) {
                return unsupported(format!("aggregation {op}()"));
            }
            if let Some(p) = &a.param {
                check(p)?;
            }
            check(&a.expr)
        }
        Expr::Binary(b) => {
            let op = b.op.to_string();
            if !SUPPORTED_OPERATORS.contains(&op.as_str()) {
                return unsupported(format!("binary operator {op}"));
            }
            if let Some(m) = &b.modifier
                && (m.fill_values.lhs.is_some() || m.fill_values.rhs.is_some())
            {
                return unsupported("fill()/fill_left()/fill_right() vector matching modifiers");
            }
            check(&b.lhs)?;
            check(&b.rhs)
        }
        Expr::Call(c) => {
            let name = c.func.name;
            if !SUPPORTED_FUNCTIONS.contains(&name) {
                return unsupported(format!("function {name}()"));
            }
            for a in &c.args.args {
                check(a)?;
            }
            Ok(())
        }
    }
}

/// Whether any selector or subquery in `expr` has an `@` modifier.
fn has_at(expr: &Expr) -> bool {
    match expr {
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => false,
        Expr::VectorSelector(vs) => vs.at.is_some(),
        Expr::MatrixSelector(ms) => ms.vs.at.is_some(),
        Expr::Subquery(s) => s.at.is_some() || has_at(&s.expr),
        Expr::Paren(p) => has_at(&p.expr),
        Expr::Unary(u) => has_at(&u.expr),
        Expr::Aggregate(a) => has_at(&a.expr) || a.param.as_deref().is_some_and(has_at),
        Expr::Binary(b) => has_at(&b.lhs) || has_at(&b.rhs),
        Expr::Call(c) => c.args.args.iter().any(|a| has_at(a)),
    }
}

fn check_selector(vs: &VectorSelector) -> Result<(), QueryError> {
    if !vs.matchers.or_matchers.is_empty() {
        return unsupported("'or' between label matchers");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(q: &str) -> String {
        let e = promql_parser::parser::parse(q).expect("parses");
        match check(&e) {
            Err(QueryError::Unsupported(s)) => s,
            other => panic!("{q}: {other:?}"),
        }
    }

    #[test]
    fn names_the_unsupported_construct() {
        assert_eq!(err("sin(x)"), "function sin()");
        assert_eq!(
            parse_error(super::super::parse::parse("holt_winters(x[5m], 0.5, 0.5)").expect_err("refused")),
            QueryError::Unsupported("function holt_winters()".into())
        );
        assert!(matches!(
            parse_error(super::super::parse::parse("nope(x)").expect_err("refused")),
            QueryError::BadData(_)
        ));
        assert_eq!(err("histogram_count(x)"), "function histogram_count()");
        assert!(check(&promql_parser::parser::parse("group(x)").expect("parses")).is_ok());
        assert_eq!(err("x atan2 y"), "binary operator atan2");
        assert!(err("rate(x[5m] @ 100)[30m:1m]").contains("subquery"));
        assert!(err("sum(rate(x[5m:30s] @ end()))").contains("subquery"));
        assert!(check(&promql_parser::parser::parse("max_over_time(rate(x[5m])[30m:1m])").expect("parses")).is_ok());
    }

    #[test]
    fn accepts_the_supported_subset() {
        for q in [
            "sum by (a) (rate(x{a=~\"b.*\"}[5m] offset 1m))",
            "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))",
            "a / on(x) group_left(y) b",
            "label_replace(x, \"d\", \"$1\", \"s\", \"(.*)\")",
            "x @ 100 > bool 3",
            "-x",
            "topk(3, x)",
            "count_values(\"v\", x)",
        ] {
            let e = promql_parser::parser::parse(q).expect("parses");
            assert_eq!(check(&e), Ok(()), "{q}");
        }
    }
}
