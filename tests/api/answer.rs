//! Every answer the black-box tests get is judged by the contract's rules
//! (`crm_connector_mock::rules::every`) before the test sees it, so the mock
//! cannot drift from the contract it teaches: `send` reads the whole answer,
//! fails the test on any rule that fails or warns, and hands back an
//! `Answer` with the parts of `reqwest::Response` the tests use.
//!
//! Left out: latency (tests ask for delays on purpose) and HEAD requests
//! (their answers have no body by definition). Tests of faults that break
//! the contract on purpose (a truncated body, a reset) use `send_unjudged`.

use bytes::Bytes;
use crm_connector_mock::Operation;
use crm_connector_mock::rules::{self, Exchange, Got, Sent, Verdict};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

/// A whole answer, already judged.
#[derive(Debug)]
pub struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub async fn json<T: DeserializeOwned>(self) -> serde_json::Result<T> {
        serde_json::from_slice(&self.body)
    }

    pub async fn text(self) -> Result<String, std::string::FromUtf8Error> {
        String::from_utf8(self.body.to_vec())
    }

    pub async fn bytes(self) -> Result<Bytes, std::convert::Infallible> {
        Ok(self.body)
    }
}

/// Which operation `path` is, by the paths the server was started with.
pub type Paths = (String, String);

/// A client whose answers are judged, for tasks that send on their own.
#[derive(Clone)]
pub struct Judged {
    pub client: reqwest::Client,
    pub paths: Paths,
}

impl Judged {
    pub fn get(&self, url: impl reqwest::IntoUrl) -> reqwest::RequestBuilder {
        self.client.get(url)
    }

    /// Sends a request built on this client; the answer is judged.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let request = request.build().expect("a valid request");
        send(&self.client, request, &self.paths).await
    }
}

/// Sends `request`, reads the whole answer, and fails the test when a rule
/// fails or warns on it.
pub async fn send(client: &reqwest::Client, request: reqwest::Request, paths: &Paths) -> Answer {
    let sent = sent(&request, paths);
    let answer = send_unjudged(client, request).await;
    if let Some(sent) = sent {
        judge(sent, &answer);
    }
    answer
}

/// Sends `request` and reads the whole answer, judging nothing.
pub async fn send_unjudged(client: &reqwest::Client, request: reqwest::Request) -> Answer {
    let response = client
        .execute(request)
        .await
        .expect("the request is answered");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("the whole body is read");
    Answer {
        status,
        headers,
        body,
    }
}

/// What the rules see of `request` (`None` for a HEAD: nothing to judge).
fn sent(request: &reqwest::Request, (activities, records): &Paths) -> Option<Sent> {
    if request.method() == Method::HEAD {
        return None;
    }
    let url = request.url();
    let operation = match url.path() {
        _ if request.method() != Method::GET => None,
        p if p == activities => Some(Operation::RelatedActivities),
        p if p == records => Some(Operation::RelatedRecords),
        _ => None,
    };
    Some(Sent {
        operation,
        target: match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        },
        query: url
            .query_pairs()
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect(),
        headers: pairs(request.headers()),
    })
}

fn pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn judge(sent: Sent, answer: &Answer) {
    let exchange = Exchange {
        sent,
        got: Got::new(
            answer.status.as_u16(),
            pairs(&answer.headers),
            answer.body.to_vec(),
            std::time::Duration::ZERO,
        ),
    };
    let broken: Vec<String> = rules::every(&exchange, None)
        .into_iter()
        .filter(|f| matches!(f.verdict, Verdict::Fail | Verdict::Warn))
        .map(|f| format!("{} {}: {}", f.rule, f.verdict.as_str(), f.message))
        .collect();
    assert!(
        broken.is_empty(),
        "the answer breaks the contract:\n{}",
        broken.join("\n")
    );
}

// The judge can fail: an answer that breaks the contract fails the test.
#[test]
#[should_panic(expected = "success.envelope fail")]
fn an_answer_without_a_value_array_fails_the_test() {
    let sent = Sent {
        operation: Some(Operation::RelatedRecords),
        target: "/api/related-records?recordType=account&recordId=1".into(),
        query: vec![],
        headers: vec![],
    };
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    let answer = Answer {
        status: StatusCode::OK,
        headers,
        body: Bytes::from_static(br#"{"items": []}"#),
    };
    judge(sent, &answer);
}
