//! Languages and `Accept-Language` negotiation, plus `Text`, a natural-language
//! string in every supported language.
//!
//! Negotiation (RFC 9110 §12.5.4, simplified): entries are ordered by quality
//! (ties keep header order); `q=0` and malformed entries are skipped; a tag
//! matches by its primary subtag (`de-CH` → `de`); `*` or nothing matching
//! gives the default, English. A malformed header is never an error.

use serde::{Deserialize, Serialize};

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

/// A natural-language string. In data files either a plain string (the same in
/// every language, e.g. a product name) or an object with an `en` entry and
/// optional `de` and `fr` entries; a missing language falls back to English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RawText {
    Same(String),
    Localized {
        en: String,
        #[serde(default)]
        de: Option<String>,
        #[serde(default)]
        fr: Option<String>,
    },
}

/// Every variant must be non-empty: the contract's natural-language fields are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, try_from = "RawText")]
pub enum Text {
    Same(String),
    Localized {
        en: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        de: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fr: Option<String>,
    },
}

impl TryFrom<RawText> for Text {
    type Error = String;
    fn try_from(raw: RawText) -> Result<Text, String> {
        let text = match raw {
            RawText::Same(s) => Text::Same(s),
            RawText::Localized { en, de, fr } => Text::Localized { en, de, fr },
        };
        if text.variants().any(|v| v.trim().is_empty()) {
            return Err("a text must not be empty in any language".to_owned());
        }
        Ok(text)
    }
}

impl Text {
    pub fn get(&self, language: Language) -> &str {
        match self {
            Text::Same(s) => s,
            Text::Localized { en, de, fr } => match language {
                Language::En => en,
                Language::De => de.as_deref().unwrap_or(en),
                Language::Fr => fr.as_deref().unwrap_or(en),
            },
        }
    }

    /// Every language's variant, for checks that apply to all of them.
    pub fn variants(&self) -> impl Iterator<Item = &str> {
        Language::ALL.into_iter().map(|l| self.get(l))
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

    /// Texts that are rightly the same in English and the given language;
    /// anything else identical to its English text is untranslated.
    const SAME_AS_ENGLISH: &[(Language, &str, &str)] = &[
        (Language::De, "Status", "the German word is Status too"),
        (Language::De, "Kenny Smith", "a person's name"),
        (Language::Fr, "Kenny Smith", "a person's name"),
        (
            Language::Fr,
            "30 minutes",
            "French plural of minute is minutes",
        ),
    ];

    /// Whether a text has anything to translate: a letter outside its
    /// `{placeholders}` (names, amounts and numbers are filled in per language).
    fn has_words(text: &str) -> bool {
        let mut in_placeholder = false;
        text.chars().any(|c| match c {
            '{' => {
                in_placeholder = true;
                false
            }
            '}' => {
                in_placeholder = false;
                false
            }
            c => !in_placeholder && c.is_alphabetic(),
        })
    }

    #[test]
    fn every_embedded_french_and_german_text_is_translated() {
        // Broke: with `Accept-Language: fr`, records answered "Status" (a plain
        // string, so the same in every language) where French is "Statut".
        let (sources, problems) = crate::files::read_all(None);
        assert!(problems.is_empty(), "{problems:?}");
        let generator = crate::generate::Generator::embedded();
        let texts: Vec<&Text> = sources
            .iter()
            .flat_map(|s| &s.content.records)
            .flat_map(crate::data::RecordDef::texts)
            .chain(generator.texts())
            .collect();
        assert!(texts.len() > 100, "the walk found {} texts", texts.len());
        let mut untranslated: Vec<String> = Vec::new();
        for text in &texts {
            let english = text.get(Language::En);
            for language in [Language::De, Language::Fr] {
                let same = text.get(language) == english && has_words(english);
                let allowed = SAME_AS_ENGLISH
                    .iter()
                    .any(|(l, t, _)| *l == language && *t == english);
                if same && !allowed {
                    untranslated.push(format!("{}: {english}", language.tag()));
                }
            }
        }
        untranslated.sort();
        untranslated.dedup();
        assert!(untranslated.is_empty(), "untranslated: {untranslated:#?}");
        // No stale entries: each one excuses a text that exists.
        for (language, same, why) in SAME_AS_ENGLISH {
            assert!(
                texts
                    .iter()
                    .any(|t| t.get(Language::En) == *same && t.get(*language) == *same),
                "{same} ({why}) is listed but no {} text uses it",
                language.tag()
            );
        }
    }

    #[test]
    fn only_letters_outside_placeholders_need_translating() {
        let cases = [
            ("{person}", false),
            ("{amount}", false),
            ("18,400", false),
            ("{days} days", true),
            ("Status", true),
            ("125,000 USD", true),
        ];
        for (text, expected) in cases {
            assert_eq!(has_words(text), expected, "{text}");
        }
    }

    #[test]
    fn text_falls_back_to_english() {
        let text: Text = serde_json::from_str(r#"{"en": "Sent", "de": "Gesendet"}"#).unwrap();
        assert_eq!(text.get(Language::De), "Gesendet");
        assert_eq!(text.get(Language::Fr), "Sent");
        let same: Text = serde_json::from_str(r#""Contoso""#).unwrap();
        assert_eq!(same.get(Language::Fr), "Contoso");
    }
}
