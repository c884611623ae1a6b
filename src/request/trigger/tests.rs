//! The trigger grammar, case by case: precedence, options, sequences and
//! the refusals, each naming where the value came from.

use super::*;

const H: Input = Input::Header("h");

fn code(c: &str) -> Selector {
    Selector::One(Single::Code(c.to_owned()))
}

fn status(s: u16) -> Selector {
    Selector::One(Single::Status(s))
}

#[test]
fn precedence_is_header_then_query_then_prefer() {
    type Case<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        &'a [&'a str],
        Option<Selector>,
    );
    let cases: &[Case] = &[
        (None, None, &[], None),
        (Some("429"), Some("500"), &["code=404"], Some(status(429))),
        (
            None,
            Some("record_not_found"),
            &["code=500"],
            Some(code("RECORD_NOT_FOUND")),
        ),
        (Some(""), Some(" "), &["code=404"], Some(status(404))),
        (None, None, &["respond-async, code=403"], Some(status(403))),
        (
            None,
            None,
            &["respond-async", "code=401; foo"],
            Some(status(401)),
        ),
        (None, None, &["respond-async"], None),
        (None, None, &["code=\"200\""], Some(status(200))),
    ];
    for (header, query, prefer, expected) in cases {
        let found = find(*header, *query, prefer.iter().copied()).unwrap();
        assert_eq!(
            found.map(|t| t.selector.clone()),
            *expected,
            "{header:?} {query:?} {prefer:?}"
        );
    }
}

#[test]
fn options_ride_on_the_value() {
    let t = parse("Request_Throttled; retry-after=30; message=Slow down", H).unwrap();
    assert_eq!(t.selector, code("REQUEST_THROTTLED"));
    assert_eq!(t.options.retry_after, Some(30));
    assert_eq!(t.options.message.as_deref(), Some("Slow down"));
}

#[test]
fn sequences_and_counts_parse() {
    let t = parse("429, 429,internal_server_error,200; times=2", H).unwrap();
    assert_eq!(
        t.selector,
        Selector::Sequence(vec![
            Single::Status(429),
            Single::Status(429),
            Single::Code("INTERNAL_SERVER_ERROR".into()),
            Single::Status(200)
        ])
    );
    assert_eq!(t.options.times, Some(2));
    assert!(parse("429,,500", H).is_err());
    assert!(parse(&vec!["500"; MAX_SEQUENCE + 1].join(","), H).is_err());
}

#[test]
fn each_sequence_element_has_its_own_options_over_the_trailing_ones() {
    // (value, per element: (selector, retry-after, message))
    type Row<'a> = (&'a str, &'a [(Single, Option<u32>, Option<&'a str>)]);
    let s = Single::Status;
    let table: &[Row] = &[
        (
            "429;retry-after=2,429,200",
            &[
                (s(429), Some(2), None),
                (s(429), None, None),
                (s(200), None, None),
            ],
        ),
        (
            "429,429,200; retry-after=2",
            &[
                (s(429), Some(2), None),
                (s(429), Some(2), None),
                (s(200), Some(2), None),
            ],
        ),
        (
            "429;retry-after=5,429,200;retry-after=2",
            &[
                (s(429), Some(5), None),
                (s(429), Some(2), None),
                (s(200), Some(2), None),
            ],
        ),
        (
            "429; message=Slow, please,500",
            &[(s(429), None, Some("Slow, please,500"))],
        ),
        (
            "429;message=a, b;retry-after=3,500; message=c",
            &[(s(429), Some(3), Some("a, b")), (s(500), None, Some("c"))],
        ),
        (
            "429, 500; message=Slow, please",
            &[
                (s(429), None, Some("Slow, please")),
                (s(500), None, Some("Slow, please")),
            ],
        ),
    ];
    for (value, elements) in table {
        let t = parse(value, H).unwrap();
        let selectors: Vec<Single> = elements.iter().map(|e| e.0.clone()).collect();
        match &t.selector {
            Selector::One(one) => assert_eq!(vec![one.clone()], selectors, "{value}"),
            Selector::Sequence(items) => assert_eq!(*items, selectors, "{value}"),
        }
        for (index, (_, retry_after, message)) in elements.iter().enumerate() {
            let options = t.options_for(index);
            assert_eq!(options.retry_after, *retry_after, "{value} #{index}");
            assert_eq!(options.message.as_deref(), *message, "{value} #{index}");
        }
    }
    for bad in [
        "429;times=2,200",
        "429;retry-after=2,",
        "429;bogus=1,200",
        ",429",
    ] {
        let err = parse(bad, H).unwrap_err();
        assert_eq!(err.code, "INVALID_REQUEST", "{bad}");
    }
}

#[test]
fn bad_options_are_invalid_requests_naming_the_source() {
    for value in [
        "429; retry-after=soon",
        "429; retry-after=86401",
        "429; retry-after=18446744073709551615",
        "429; colour=red",
        "429; retry-after",
        "401; reason=\"quoted\"",
        "500; times=0",
        "SLOW_BODY; interval=fast",
    ] {
        let err = parse(value, Input::Header("X-Simulate-Error")).unwrap_err();
        assert_eq!(err.code, "INVALID_REQUEST", "{value}");
        assert_eq!(
            err.details.unwrap()["parameter"],
            "X-Simulate-Error",
            "{value}"
        );
    }
}
