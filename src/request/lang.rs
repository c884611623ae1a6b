//! Languages and `Accept-Language` negotiation. It must not know about the
//! definitions: a file's localized texts (`schema/text.rs`) use `Language`,
//! not the other way round.
//!
//! Negotiation (RFC 9110 §12.5.4, simplified): entries are ordered by quality
//! (ties keep header order); `q=0` and malformed entries are skipped; a tag
//! matches by its primary subtag (`de-CH` → `de`); `*` or nothing matching
//! gives the default, English. A malformed header is never an error.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    En,
    De,
    Fr,
}

/// At most this many entries of an `Accept-Language` header are read; the rest
/// are ignored so a hostile header costs bounded work.
const MAX_ENTRIES: usize = 32;

impl Language {
    pub const ALL: [Language; 3] = [Language::En, Language::De, Language::Fr];
    pub const DEFAULT: Language = Language::En;

    /// The tag sent in `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::De => "de",
            Language::Fr => "fr",
        }
    }

    fn from_primary(primary: &str) -> Option<Language> {
        Language::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// Picks the best supported language for an `Accept-Language` value.
    pub fn negotiate(header: Option<&str>) -> Language {
        let Some(header) = header else {
            return Language::DEFAULT;
        };
        let mut ranges: Vec<(&str, u16)> = header
            .split(',')
            .take(MAX_ENTRIES)
            .filter_map(parse_range)
            .filter(|(_, q)| *q > 0)
            .collect();
        // Stable sort: equal qualities keep the order the client sent.
        ranges.sort_by_key(|range| std::cmp::Reverse(range.1));
        for (tag, _) in ranges {
            if tag == "*" {
                return Language::DEFAULT;
            }
            let primary = tag.split('-').next().unwrap_or(tag);
            if let Some(language) = Language::from_primary(primary) {
                return language;
            }
        }
        Language::DEFAULT
    }
}

/// One `language-range [; q=value]` entry; quality in thousandths.
fn parse_range(entry: &str) -> Option<(&str, u16)> {
    let mut parts = entry.split(';');
    let tag = parts.next()?.trim();
    let valid_tag = tag == "*"
        || (!tag.is_empty()
            && tag.split('-').all(|s| {
                !s.is_empty() && s.len() <= 8 && s.bytes().all(|b| b.is_ascii_alphanumeric())
            }));
    if !valid_tag {
        return None;
    }
    let mut quality = 1000;
    for param in parts {
        let (name, value) = param.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            quality = parse_quality(value.trim())?;
        }
    }
    Some((tag, quality))
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`
fn parse_quality(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_quality_fallback_and_default() {
        let cases: &[(Option<&str>, Language, &str)] = &[
            (None, Language::En, "no header"),
            (Some(""), Language::En, "empty header"),
            (Some("de"), Language::De, "exact match"),
            (Some("de-CH"), Language::De, "region falls back to primary"),
            (Some("FR-ca"), Language::Fr, "case-insensitive"),
            (Some("it, fr;q=0.5"), Language::Fr, "first supported"),
            (
                Some("fr;q=0.4, de;q=0.8"),
                Language::De,
                "highest quality wins",
            ),
            (Some("de;q=0, fr;q=0.1"), Language::Fr, "q=0 is excluded"),
            (Some("es, *;q=0.5"), Language::En, "wildcard means default"),
            (Some("ja"), Language::En, "unsupported means default"),
            (Some(";;;==,,"), Language::En, "garbage means default"),
            (
                Some("de;q=2, fr"),
                Language::Fr,
                "invalid quality skips entry",
            ),
            (
                Some("de;q=abc"),
                Language::En,
                "malformed quality skips entry",
            ),
            (
                Some("fr;q=0.5, de;q=0.5"),
                Language::Fr,
                "ties keep header order",
            ),
            (Some("d€, de"), Language::De, "non-ASCII tag is skipped"),
        ];
        for (header, expected, why) in cases {
            assert_eq!(Language::negotiate(*header), *expected, "{why}: {header:?}");
        }
    }

    #[test]
    fn negotiation_reads_a_bounded_number_of_entries() {
        let header = format!("{}de", "xx, ".repeat(MAX_ENTRIES));
        assert_eq!(Language::negotiate(Some(&header)), Language::En);
    }
}
