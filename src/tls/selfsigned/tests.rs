use super::*;

fn names(extra: &[&str]) -> Vec<String> {
    wanted_names(&extra.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
}

fn ca_and_cert(for_names: &[String]) -> (CertificateDer<'static>, CertificateDer<'static>) {
    let generated = generate(for_names).unwrap();
    let ca = CertificateDer::from_pem_slice(generated.ca_pem.as_bytes()).unwrap();
    (ca, generated.cert_der)
}

use rustls::pki_types::pem::PemObject;

#[test]
fn the_names_are_the_loopback_ones_then_each_san_once_in_lowercase() {
    assert_eq!(names(&[]), ["localhost", "127.0.0.1", "::1"]);
    assert_eq!(
        names(&["Mock", "mock", "[fd00::1]", "localhost", " 10.0.0.2 "]),
        [
            "localhost",
            "127.0.0.1",
            "::1",
            "mock",
            "fd00::1",
            "10.0.0.2"
        ]
    );
}

#[test]
fn a_certificate_is_reused_while_it_covers_the_names_asked_for_and_is_valid() {
    let asked = names(&["mock", "10.0.0.2"]);
    let (ca, cert) = ca_and_cert(&asked);
    let now = UnixTime::now();
    let cases: [(&str, Vec<String>, UnixTime, bool); 5] = [
        ("the same names", asked.clone(), now, true),
        ("fewer names", names(&[]), now, true),
        (
            "a name added",
            names(&["mock", "10.0.0.2", "other"]),
            now,
            false,
        ),
        ("an address added", names(&["mock", "10.0.0.3"]), now, false),
        (
            "a thousand days on (expired)",
            asked.clone(),
            UnixTime::since_unix_epoch(Duration::from_secs(now.as_secs() + 1000 * 86_400)),
            false,
        ),
    ];
    for (what, wanted, at, reused) in cases {
        let decision = decide(&ca, &cert, &wanted, at);
        assert_eq!(decision == Decision::Reuse, reused, "{what}: {decision:?}");
    }
}

#[test]
fn a_certificate_from_another_ca_is_not_reused() {
    let asked = names(&[]);
    let (_, cert) = ca_and_cert(&asked);
    let (other_ca, _) = ca_and_cert(&asked);
    assert!(matches!(
        decide(&other_ca, &cert, &asked, UnixTime::now()),
        Decision::Regenerate(_)
    ));
}
