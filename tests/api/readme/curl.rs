//! A `curl` line of the documentation as the request it sends: the shell
//! words it is made of, and the same request sent to a test server instead
//! of 127.0.0.1:8080. Knows nothing of what the answer should be.

/// One `curl` line of the documentation: method, URL, headers and body.
pub(super) struct Curl {
    pub(super) line: String,
    method: reqwest::Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

/// Splits a shell line into words: single quotes group, `#` starts a comment.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            '#' if !quoted && !started => break,
            c if c.is_whitespace() && !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

pub(super) fn parse_curl_line(line: &str) -> Curl {
    let mut curl = Curl {
        line: line.to_owned(),
        method: reqwest::Method::GET,
        url: String::new(),
        headers: Vec::new(),
        body: None,
    };
    let mut words = words(line).into_iter().skip(1);
    while let Some(word) = words.next() {
        match word.as_str() {
            "-H" => {
                let header = words.next().expect("-H has a value");
                let (name, value) = header.split_once(": ").expect("Name: value");
                curl.headers.push((name.to_owned(), value.to_owned()));
            }
            "-X" => curl.method = words.next().expect("-X has a method").parse().unwrap(),
            "-d" => {
                curl.body = words.next();
                if curl.method == reqwest::Method::GET {
                    curl.method = reqwest::Method::POST;
                }
            }
            "-o" | "-w" => {
                words.next();
            }
            url if url.starts_with("http://127.0.0.1:8080") => curl.url = url.to_owned(),
            flag if flag.starts_with('-') => {}
            other => panic!("a curl line has an unknown word {other:?}: {line}"),
        }
    }
    assert!(!curl.url.is_empty(), "a URL in {line}");
    curl
}

/// Sends `curl` to `app` instead of 127.0.0.1:8080.
pub(super) async fn send(app: &crate::helpers::TestApp, curl: &Curl) -> crate::helpers::Answer {
    app.send(request(app, curl)).await
}

/// Sends `curl` unjudged: the pages also show faults that break the contract
/// on purpose (a reset, a truncated or trickling body).
pub(super) async fn send_raw(
    app: &crate::helpers::TestApp,
    curl: &Curl,
) -> reqwest::Result<reqwest::Response> {
    request(app, curl).send().await
}

fn request(app: &crate::helpers::TestApp, curl: &Curl) -> reqwest::RequestBuilder {
    let url = curl.url.replace("http://127.0.0.1:8080", &app.address);
    let mut request = app.client.request(curl.method.clone(), &url);
    for (name, value) in &curl.headers {
        request = request.header(name, value);
    }
    if let Some(body) = &curl.body {
        request = request.body(body.clone());
    }
    request
}

#[test]
fn a_curl_line_reads_as_its_method_url_headers_and_body() {
    let line = "curl -s -X POST -H 'X-A: b c' -d '{\"k\": 1}' 'http://127.0.0.1:8080/p?q=1' # note";
    let curl = parse_curl_line(line);
    assert_eq!(curl.method, reqwest::Method::POST);
    assert_eq!(curl.url, "http://127.0.0.1:8080/p?q=1");
    assert_eq!(curl.headers, [("X-A".to_owned(), "b c".to_owned())]);
    assert_eq!(curl.body.as_deref(), Some("{\"k\": 1}"));
}

#[test]
fn a_body_without_a_method_is_a_post_and_output_flags_take_their_value() {
    let line = "curl -s -o /dev/null -w '%{http_code}\\n' -d '{}' http://127.0.0.1:8080/x";
    let curl = parse_curl_line(line);
    assert_eq!(curl.method, reqwest::Method::POST);
    assert_eq!(curl.url, "http://127.0.0.1:8080/x");
    assert!(curl.headers.is_empty());
}
