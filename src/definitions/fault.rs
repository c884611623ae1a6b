//! Transport faults: answers that break the HTTP exchange itself rather than
//! returning an error body. They are selected like scenarios (by name, in any
//! letter case) but are a closed set, because each needs its own code in the
//! edge (`transport.rs`) to produce.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Waits past the Copilot for Sales budget (`--timeout-delay`), then
    /// answers normally: a client with a 5 s timeout gives up first.
    Timeout,
    /// The connection is reset (TCP RST) before any byte of a response.
    ConnectionReset,
    /// The connection is closed (FIN) before any byte of a response.
    EmptyResponse,
    /// `200 OK`, `Content-Type: application/json`, an empty body.
    EmptyBody,
    /// `200 OK` with a complete body that is not valid JSON.
    MalformedJson,
    /// `Content-Length` promises the whole body; the connection closes after
    /// half of it.
    TruncatedBody,
    /// The success body, dribbled in small chunks with a pause between them.
    SlowBody,
}

impl Fault {
    pub const ALL: [Fault; 7] = [
        Fault::Timeout,
        Fault::ConnectionReset,
        Fault::EmptyResponse,
        Fault::EmptyBody,
        Fault::MalformedJson,
        Fault::TruncatedBody,
        Fault::SlowBody,
    ];

    /// Whether the fault sends (part of) a real body: in proxy mode those
    /// take the upstream's answer, and the others never reach the upstream.
    pub fn sends_body(self) -> bool {
        matches!(
            self,
            Fault::Timeout | Fault::TruncatedBody | Fault::SlowBody
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Fault::Timeout => "TIMEOUT",
            Fault::ConnectionReset => "CONNECTION_RESET",
            Fault::EmptyResponse => "EMPTY_RESPONSE",
            Fault::EmptyBody => "EMPTY_BODY",
            Fault::MalformedJson => "MALFORMED_JSON",
            Fault::TruncatedBody => "TRUNCATED_BODY",
            Fault::SlowBody => "SLOW_BODY",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Fault::Timeout => "Answers only after the 5-second connector budget (--timeout-delay).",
            Fault::ConnectionReset => "Resets the connection (TCP RST) before any response.",
            Fault::EmptyResponse => "Closes the connection before any response.",
            Fault::EmptyBody => "200 with Content-Type application/json and an empty body.",
            Fault::MalformedJson => "200 with a complete body that is not valid JSON.",
            Fault::TruncatedBody => {
                "Declares the full Content-Length, sends half the body, then closes."
            }
            Fault::SlowBody => {
                "Dribbles the success body in 10 chunks, pausing between them (interval option, default 300 ms)."
            }
        }
    }

    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}
