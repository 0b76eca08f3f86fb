//! Secrets kept out of the log, the journal and the screen: the values of URL query parameters
//! that carry credentials, a URL's user and password, bearer tokens, and the shapes of
//! well-known secrets (Slack webhook paths and tokens, GitHub tokens, AWS access keys). Applied
//! to every log line, and to every journal entry and notice that carries a URL or a server's
//! error text.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// What stands where a secret was.
pub const REDACTED: &str = "REDACTED";

struct Rule {
    pattern: Regex,
    /// The replacement: `$keep` is what stays before the secret.
    with: &'static str,
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let rule = |pattern: &str, with: &'static str| Rule {
        pattern: Regex::new(pattern).expect("a valid redaction pattern"),
        with,
    };
    vec![
        // ?apikey=..., &token=..., ;sig=... (a query's value up to the next separator)
        rule(
            r"(?i)(?P<keep>[?&;](?:api[_-]?key|apikey|key|token|access[_-]?token|auth|authorization|sig|signature|secret|client[_-]?secret|password|passwd|pwd|code|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&;#\s'\x22<>]+",
            "${keep}REDACTED",
        ),
        // https://user:password@host
        rule(
            r"(?P<keep>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@:]+:[^/\s@]+@",
            "${keep}REDACTED@",
        ),
        rule(r"(?i)(?P<keep>\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}", "${keep}REDACTED"),
        rule(
            r"(?P<keep>hooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9/_-]+",
            "${keep}REDACTED",
        ),
        rule(r"\bxox[abposr]-[A-Za-z0-9-]{10,}", "REDACTED"),
        rule(r"\bgh[pousr]_[A-Za-z0-9]{20,}", "REDACTED"),
        rule(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", "REDACTED"),
    ]
});

/// `text` with every secret it shows replaced by `REDACTED`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for rule in RULES.iter() {
        if let Cow::Owned(changed) = rule.pattern.replace_all(&out, rule.with) {
            out = Cow::Owned(changed);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_credentials_userinfo_and_token_shapes_are_redacted() {
        for (raw, want) in [
            (
                "GET https://prom.example/api/v1/query?query=up&apikey=s3cr3t&x=1 failed",
                "GET https://prom.example/api/v1/query?query=up&apikey=REDACTED&x=1 failed",
            ),
            (
                "https://h/x?key=abc;sig=def#frag",
                "https://h/x?key=REDACTED;sig=REDACTED#frag",
            ),
            ("https://h/hook?TOKEN=abc123", "https://h/hook?TOKEN=REDACTED"),
            ("https://alice:hunter2@prom.example/", "https://REDACTED@prom.example/"),
            (
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x.y",
                "Authorization: Bearer REDACTED",
            ),
            (
                "error sending to https://hooks.slack.com/services/T000/B000/XXXXXXXX: 404",
                "error sending to https://hooks.slack.com/services/REDACTED: 404",
            ),
            ("token xoxb-1234567890-abcdefghij", "token REDACTED"),
            ("ghp_0123456789abcdefghijABCDEFGHIJ", "REDACTED"),
            ("key AKIAIOSFODNN7EXAMPLE here", "key REDACTED here"),
        ] {
            assert_eq!(redact(raw), want, "{raw}");
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for plain in [
            "https://prom.example/api/v1/query?query=rate(x[5m])&time=1",
            "the keyboard is fine; a key=value label stays",
            "checkout 2.0.0 crashloops",
        ] {
            assert!(matches!(redact(plain), Cow::Borrowed(_)), "{plain}");
        }
    }
}
