//! Reads verify's JUnit report back with quick_xml's `Reader` (events,
//! not string matching): an XML error fails the test.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// The JUnit report as read back: testcase names, the suite's counts, and
/// each failure's message by testcase.
#[derive(Debug, Default)]
pub struct Junit {
    pub cases: Vec<String>,
    pub failures_attr: Option<usize>,
    pub skipped_attr: Option<usize>,
    pub failures: Vec<(String, String)>,
    pub skipped: Vec<String>,
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .map(|a| a.expect("a well-formed attribute"))
        .find(|a| a.key.into_inner() == name)
        .map(|a| {
            a.normalized_value(XmlVersion::Explicit1_0)
                .expect("an escaped value")
                .into_owned()
        })
}

pub fn read_junit(xml: &str) -> Junit {
    let mut reader = Reader::from_str(xml);
    let mut junit = Junit::default();
    let mut case = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => match e.name().into_inner() {
                "testsuite" => {
                    let number = |n| attr(&e, n).and_then(|v| v.parse().ok());
                    junit.failures_attr = number("failures");
                    junit.skipped_attr = number("skipped");
                }
                "testcase" => {
                    case = attr(&e, "name").expect("a testcase name");
                    junit.cases.push(case.clone());
                }
                "failure" => junit.failures.push((
                    case.clone(),
                    attr(&e, "message").expect("a failure message"),
                )),
                "skipped" => junit.skipped.push(case.clone()),
                _ => {}
            },
            _ => {}
        }
    }
    junit
}
