//! Every upstream answer judged by the contract's rules (`rules::every`,
//! the ones a single answer can break, with the five-second budget): what
//! fails is a `Violation`, journaled on the entry, counted by rule in
//! `/metrics`, and logged at most once per rule per minute (a connector that
//! breaks a rule breaks it on every answer; the log must stay readable).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::contract::Operation;
use crate::contract::fields::LATENCY_BUDGET_MS;
use crate::contract::rules::{self, Exchange, Got, RULES, Sent, Verdict, Violation};

/// A violation's message is cut to this many bytes; an answer keeps at most
/// `MAX_VIOLATIONS` of them (in `RULES` order), so a journal entry stays bounded.
pub const MAX_MESSAGE_BYTES: usize = 256;
pub const MAX_VIOLATIONS: usize = 8;
const LOG_EVERY: Duration = Duration::from_secs(60);

/// Header names and values, as they cross the proxy.
pub type Pairs = [(String, Vec<u8>)];

/// When each rule was last logged, in seconds since `started` (0: never).
#[derive(Debug)]
pub struct Judge {
    started: Instant,
    logged: [AtomicU64; RULES.len()],
}

impl Default for Judge {
    fn default() -> Judge {
        Judge {
            started: Instant::now(),
            logged: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl Judge {
    /// The rules the upstream's answer to `sent` (query, headers) broke.
    pub fn answer(
        &self,
        operation: Operation,
        (query, headers): (&str, &Pairs),
        (status, answer_headers, body): (u16, &Pairs, &[u8]),
        elapsed: Duration,
    ) -> Vec<Violation> {
        let text = |pairs: &Pairs| {
            pairs
                .iter()
                .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
                .collect::<Vec<_>>()
        };
        let sent = Sent {
            operation: Some(operation),
            target: format!("upstream ?{query}"),
            query: decode(query),
            headers: text(headers),
        };
        let budget = Duration::from_millis(LATENCY_BUDGET_MS);
        // The common case, a conforming 200, without building a JSON tree.
        let content_type = answer_headers
            .iter()
            .find(|(n, _)| n == "content-type")
            .and_then(|(_, v)| std::str::from_utf8(v).ok());
        if elapsed <= budget && rules::quick::conforming(&sent, status, content_type, body) {
            return Vec::new();
        }
        let exchange = Exchange {
            sent,
            got: Got::new(status, text(answer_headers), body.to_vec(), elapsed),
        };
        let mut violations: Vec<Violation> = rules::every(&exchange, Some(budget))
            .into_iter()
            .filter(|f| f.verdict == Verdict::Fail)
            .take(MAX_VIOLATIONS)
            .map(|f| Violation {
                rule: f.rule,
                message: cut(f.message),
            })
            .collect();
        violations.dedup_by_key(|v| v.rule);
        for violation in &violations {
            self.log(violation);
        }
        violations
    }

    /// Logs `violation` unless its rule was logged less than a minute ago.
    fn log(&self, violation: &Violation) {
        let Some(index) = RULES.iter().position(|r| r.id == violation.rule) else {
            return;
        };
        let Some(last) = self.logged.get(index) else {
            return;
        };
        // Seconds since start, plus one so that 0 means "never".
        let now = self.started.elapsed().as_secs() + 1;
        let before = last.load(Ordering::Relaxed);
        if before != 0 && now < before + LOG_EVERY.as_secs() {
            return;
        }
        if last
            .compare_exchange(before, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            log::warn!(
                "upstream answer breaks {}: {} (logged at most once a minute per rule)",
                violation.rule,
                violation.message
            );
        }
    }
}

/// The query's pairs, percent-decoded (`+` is a space, as forms write it).
fn decode(query: &str) -> Vec<(String, String)> {
    let text = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (text(name), text(value))
        })
        .collect()
}

fn cut(mut message: String) -> String {
    if message.len() > MAX_MESSAGE_BYTES {
        let mut end = MAX_MESSAGE_BYTES;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push_str("...");
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(status: u16, body: &str) -> Vec<Violation> {
        let headers = vec![("content-type".to_owned(), b"application/json".to_vec())];
        Judge::default().answer(
            Operation::RelatedRecords,
            ("recordType=account&recordId=42&top=1", &[]),
            (status, &headers, body.as_bytes()),
            Duration::from_millis(1),
        )
    }

    #[test]
    fn a_conforming_answer_has_no_violation_and_a_broken_one_names_its_rules() {
        assert_eq!(judge(200, r#"{"value": []}"#), []);
        let rules: Vec<&str> = judge(200, r#"{"items": []}"#)
            .iter()
            .map(|v| v.rule)
            .collect();
        assert_eq!(rules, ["success.envelope"]);
        let two = r#"{"value": [{"recordId": "1"}, {"recordId": "2"}]}"#;
        let rules: Vec<&str> = judge(200, two).iter().map(|v| v.rule).collect();
        assert_eq!(rules, ["success.record", "paging.top"]);
        let rules: Vec<&str> = judge(404, r#"{"errorCode": "RECORD_NOT_FOUND"}"#)
            .iter()
            .map(|v| v.rule)
            .collect();
        assert_eq!(rules, Vec::<&str>::new());
        let rules: Vec<&str> = judge(500, r#"{"errorCode": "RECORD_NOT_FOUND"}"#)
            .iter()
            .map(|v| v.rule)
            .collect();
        assert_eq!(rules, ["error.code-status"]);
    }

    #[test]
    fn a_long_message_is_cut_at_a_character_boundary() {
        let cut = cut("é".repeat(200));
        assert!(
            cut.len() <= MAX_MESSAGE_BYTES + 3 && cut.ends_with("..."),
            "{}",
            cut.len()
        );
    }

    #[test]
    fn the_query_is_decoded_for_the_rules() {
        assert_eq!(
            decode("recordType=a%20b&recordId=x+y&top="),
            [
                ("recordType".into(), "a b".into()),
                ("recordId".into(), "x y".into()),
                ("top".into(), String::new())
            ]
        );
    }
}
