//! The recorder's pure parts: languages, file names and modes.

use super::*;

#[test]
fn a_content_language_names_a_served_language_or_none() {
    let cases = [
        ("de", Some(Language::De)),
        ("de-DE", Some(Language::De)),
        ("FR", Some(Language::Fr)),
        ("en-GB, de", Some(Language::En)),
        ("es", None),
        ("", None),
    ];
    for (tag, language) in cases {
        assert_eq!(served(tag), language, "{tag}");
    }
}

#[test]
fn the_file_is_named_by_the_start_second_never_taken_twice_and_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("crm-mock-name-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let start = time::macros::datetime!(2026-12-02 03:55:00.7 UTC);
    let first = reserve(&dir, start).unwrap();
    assert_eq!(first, dir.join("recorded-20261202T035500Z.json"));
    // Broke (review): the name was checked with exists() and written
    // later, so two runs of one second could both pick it.
    let second = reserve(&dir, start).unwrap();
    assert_eq!(second, dir.join("recorded-20261202T035500Z-2.json"));
    write(&first, b"{}").unwrap();
    let mode = std::fs::metadata(&first).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "customer data: the owner's alone");
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temp file is left behind: {names:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
