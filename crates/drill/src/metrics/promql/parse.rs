//! Parsing a query, and saying where a refused one goes wrong as Prometheus does (`1:16: parse
//! error: …`). promql-parser refuses without a place: its parser's positioned errors are dropped
//! and its lexer's carry none. So a refused query is read again: a syntax error by lrpar's
//! runtime parser over the same grammar (`promql.y`, promql-parser's own, copied beside this
//! file unchanged, so its tokens are numbered as promql-parser's lexer numbers them), which
//! stops at the token Prometheus names; a lexer error at the end of the shortest start of the
//! query that fails the same way (the opening quote of an unterminated string, a stray
//! character); a type error found after parsing (`rate(x)`) at the argument of the call it
//! names that has the type found. Other refusals of meaning (a call's argument count) have no
//! place.

use std::sync::OnceLock;

use cfgrammar::yacc::{YaccGrammar, YaccKind};
use lrlex::{DefaultLexerTypes, LRNonStreamingLexer};
use lrpar::{LexParseError, Lexeme, Lexer, NonStreamingLexer, RTParserBuilder, RecoveryKind};
use lrtable::{Minimiser, StateTable};
use promql_parser::parser::Expr;
use promql_parser::parser::token::TokenId;

/// promql-parser's grammar, as its build compiles it.
const GRAMMAR: &str = include_str!("promql.y");

/// Queries longer than this are not searched for a lexer error's place (each try lexes again).
const SEARCHED: usize = 4096;

/// A query the parser refused: why, and where (line and column, from 1) when it is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub at: Option<(usize, usize)>,
    pub message: String,
}

impl std::fmt::Display for Refused {
    /// As Prometheus writes it: `1:16: parse error: unexpected end of input`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some((line, col)) = self.at {
            write!(f, "{line}:{col}: ")?;
        }
        write!(f, "parse error: {}", self.message)
    }
}

/// Parses `query`; a refusal says where, when the grammar or the lexer can tell.
pub fn parse(query: &str) -> Result<Expr, Refused> {
    let message = match promql_parser::parser::parse(query) {
        Ok(expr) => return Ok(expr),
        Err(message) => message,
    };
    let (at, message) = match promql_parser::parser::lexer(query) {
        Err(_) => (
            said_at(query, &message).or_else(|| lexer_error_at(query, &message)),
            message,
        ),
        Ok(lexer) => match syntax_error(&lexer, query) {
            Some((offset, unexpected)) => (Some(offset), unexpected),
            // The grammar holds: what promql-parser refused is the meaning (a type, a range).
            None => (
                said_at(query, &message).or_else(|| argument_at(&lexer, query, &message)),
                message,
            ),
        },
    };
    Err(Refused {
        at: at.map(|offset| line_col(query, offset)),
        message,
    })
}

/// The grammar and its parse table, built once, when a query is first refused.
fn grammar() -> Option<&'static (YaccGrammar<TokenId>, StateTable<TokenId>)> {
    static BUILT: OnceLock<Option<(YaccGrammar<TokenId>, StateTable<TokenId>)>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let grammar = YaccGrammar::<TokenId>::new_with_storaget(YaccKind::Grmtools, GRAMMAR).ok()?;
            let (_, table) = lrtable::from_yacc(&grammar, Minimiser::Pager).ok()?;
            Some((grammar, table))
        })
        .as_ref()
}

/// Where the grammar stops reading `query` (a byte offset) and what it found there; None when
/// the whole query is grammatical.
fn syntax_error(
    lexer: &LRNonStreamingLexer<'_, '_, DefaultLexerTypes<TokenId>>,
    query: &str,
) -> Option<(usize, String)> {
    let (grammar, table) = grammar()?;
    let parser =
        RTParserBuilder::<TokenId, DefaultLexerTypes<TokenId>>::new(grammar, table).recoverer(RecoveryKind::None);
    let (_, errors) = parser.parse_map(lexer, &|_| (), &|_, _| ());
    let first = errors.into_iter().find_map(|e| match e {
        LexParseError::ParseError(p) => Some(*p.lexeme()),
        LexParseError::LexError(_) => None,
    })?;
    let span = first.span();
    if first.faulty() || span.start() >= query.len() {
        return Some((query.len(), "unexpected end of input".to_string()));
    }
    Some((span.start(), format!("unexpected {:?}", lexer.span_str(span))))
}

/// Where a refusal that says where it is, is: at the end of the query (an end of input, an
/// unclosed bracket), or at the comma a trailing comma error is about.
fn said_at(query: &str, message: &str) -> Option<usize> {
    if message.contains("end of input") || message.starts_with("unclosed") {
        return Some(query.len());
    }
    if message.starts_with("trailing commas") {
        return query
            .char_indices()
            .find_map(|(i, c)| (c == ',' && query[i + 1..].trim_start().starts_with(')')).then_some(i));
    }
    None
}

/// Where a type error is, as Prometheus places it: at the argument of the call or aggregation
/// it names (an aggregation's parameter or its expression) whose type is the one found, in the
/// first such call (`expected type matrix in call to function 'rate', got vector`: the first
/// `rate` argument that is a vector).
fn argument_at(
    lexer: &LRNonStreamingLexer<'_, '_, DefaultLexerTypes<TokenId>>,
    query: &str,
    message: &str,
) -> Option<usize> {
    use promql_parser::parser::token::{
        T_COMMA, T_LEFT_BRACE, T_LEFT_BRACKET, T_LEFT_PAREN, T_RIGHT_BRACE, T_RIGHT_BRACKET, T_RIGHT_PAREN, TokenType,
    };
    let rest = message.strip_prefix("expected type ")?;
    let (_, got) = rest.rsplit_once(", got ")?;
    let function = rest
        .split_once(" in call to function '")
        .and_then(|(_, f)| f.split_once('\''))
        .map(|(f, _)| f);
    // An aggregation's parameter (`topk`'s k, `count_values`' label) is a scalar or a string, its
    // expression a vector; promql-parser calls both "aggregation expression".
    let expected = rest.split_once(" in ").map(|(e, _)| e)?;
    let aggregation = rest
        .contains(" in aggregation ")
        .then_some(expected == "scalar" || expected == "string");
    if function.is_none() && aggregation.is_none() {
        return None;
    }
    let tokens: Vec<(TokenId, usize, usize)> = lexer
        .iter()
        .filter_map(Result::ok)
        .map(|l| (l.tok_id(), l.span().start(), l.span().end()))
        .collect();
    for (i, &(id, start, end)) in tokens.iter().enumerate() {
        let calls = match function {
            Some(f) => &query[start..end] == f,
            None => TokenType::new(id).is_aggregator(),
        };
        if !calls {
            continue;
        }
        // The call's parenthesis: next, or after an aggregation's `by (…)`/`without (…)`.
        let mut open = i + 1;
        while open < tokens.len() && tokens[open].0 != T_LEFT_PAREN {
            open += 1;
        }
        if function.is_some() && open != i + 1 {
            continue;
        }
        if aggregation.is_some() && open > i + 1 {
            // Skip the grouping's parentheses to the aggregation's own.
            let close = tokens[open..].iter().position(|t| t.0 == T_RIGHT_PAREN)? + open;
            open = tokens[close + 1..].iter().position(|t| t.0 == T_LEFT_PAREN)? + close + 1;
        }
        // The arguments, split at commas outside any bracket.
        let (mut depth, mut from, mut arguments) = (0usize, tokens.get(open)?.2, Vec::new());
        for &(id, start, end) in &tokens[open + 1..] {
            match id {
                _ if id == T_LEFT_PAREN || id == T_LEFT_BRACKET || id == T_LEFT_BRACE => depth += 1,
                _ if (id == T_RIGHT_PAREN || id == T_RIGHT_BRACKET || id == T_RIGHT_BRACE) && depth > 0 => depth -= 1,
                _ if id == T_RIGHT_PAREN => {
                    arguments.push((from, start));
                    break;
                }
                _ if id == T_COMMA && depth == 0 => {
                    arguments.push((from, start));
                    from = end;
                }
                _ => {}
            }
        }
        let candidates: Vec<(usize, usize)> = match aggregation {
            Some(true) => arguments.first().copied().into_iter().collect(),
            Some(false) => arguments.last().copied().into_iter().collect(),
            None => arguments,
        };
        for (from, to) in candidates {
            let text = &query[from..to];
            let is_got = promql_parser::parser::parse(text.trim()).is_ok_and(|e| e.value_type().to_string() == got);
            if is_got {
                return Some(from + (text.len() - text.trim_start().len()));
            }
        }
    }
    None
}

/// Where the lexer's error in `query` is, as Prometheus places it: at the character the
/// shortest start of the query that the lexer refuses with the same message ends with (just
/// after it for a stray right parenthesis; at its number for a bad duration).
fn lexer_error_at(query: &str, message: &str) -> Option<usize> {
    if query.len() > SEARCHED {
        return None;
    }
    let (start, end) = query
        .char_indices()
        .map(|(i, c)| (i, i + c.len_utf8()))
        .find(|(_, end)| matches!(promql_parser::parser::lexer(&query[..*end]), Err(m) if m == message))?;
    if message.starts_with("unexpected right parenthesis") {
        return Some(end);
    }
    if message.starts_with("bad number or duration") {
        let word = query[..start].rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '.'));
        return Some(word.map_or(0, |i| i + 1));
    }
    Some(start)
}

/// The line and column (from 1, in bytes as Prometheus counts) of a byte offset in `query`.
fn line_col(query: &str, offset: usize) -> (usize, usize) {
    let before = &query.as_bytes()[..offset.min(query.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    (line, offset - line_start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(q: &str) -> String {
        parse(q).expect_err("refused").to_string()
    }

    /// The places are Prometheus 2.42's (`promtool check rules` on each query); the drill's
    /// differential test asks a running Prometheus too.
    #[test]
    fn refusals_say_where_as_prometheus_does() {
        for (query, at) in [
            ("sum(rate(x[5m])", "1:16"),
            ("foo{a=\"b}", "1:7"),
            ("a +\n * b", "2:2"),
            ("sum by (a) (x) )", "1:17"),
            ("x[5m", "1:5"),
            ("x $ y", "1:3"),
            ("up == on(a) group_left", "1:23"),
            ("x]", "1:2"),
            ("foo{a=}", "1:7"),
            ("x offset", "1:9"),
            ("rate(x[5m)", "1:10"),
            ("histogram_quantile(0.9, )", "1:23"),
            ("x[5x]", "1:3"),
            ("'abc", "1:1"),
            (")", "1:2"),
            ("foo bar", "1:5"),
            ("rate(x)", "1:6"),
            ("sum(rate(x))", "1:10"),
            ("abs(x[5m])", "1:5"),
            ("sum by (a) (increase( x ))", "1:23"),
            ("rate(x[5m]) + rate(y)", "1:20"),
            ("sum(x[5m])", "1:5"),
            ("topk(x, y)", "1:6"),
        ] {
            let said = refused(query);
            assert!(said.starts_with(&format!("{at}: parse error: ")), "{query:?}: {said}");
        }
        assert_eq!(
            refused("sum(rate(x[5m])"),
            "1:16: parse error: unclosed left parenthesis"
        );
        assert_eq!(refused("foo bar"), "1:5: parse error: unexpected \"bar\"");
    }

    #[test]
    fn a_meaning_error_without_a_place_says_so_and_a_good_query_parses() {
        let r = parse("label_replace(x, \"a\", \"b\", \"c\")").expect_err("refused");
        assert_eq!(r.at, None, "{r}");
        assert!(r.to_string().starts_with("parse error: "), "{r}");
        assert!(parse("sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m]))").is_ok());
    }

    /// The grammar copied here numbers its tokens as promql-parser's lexer does: a keyword's
    /// token, looked up by name in this grammar, is the id promql-parser gives it.
    #[test]
    fn the_copied_grammar_numbers_tokens_as_promql_parser_does() {
        use promql_parser::parser::token as t;
        let (grammar, _) = grammar().expect("the grammar builds");
        for (name, id) in [
            ("SUM", t::T_SUM),
            ("LEFT_PAREN", t::T_LEFT_PAREN),
            ("RIGHT_BRACKET", t::T_RIGHT_BRACKET),
            ("DURATION", t::T_DURATION),
            ("GROUP_LEFT", t::T_GROUP_LEFT),
            ("IDENTIFIER", t::T_IDENTIFIER),
            ("NUMBER", t::T_NUMBER),
            ("STRING", t::T_STRING),
        ] {
            assert_eq!(grammar.token_idx(name).map(|i| i.as_storaget()), Some(id), "{name}");
        }
    }
}
