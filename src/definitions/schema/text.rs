//! `Text`: a natural-language string of a definitions file, in every
//! supported language, checked non-empty when the file is read.
//!
//! It only picks a language's variant; which language a request gets is
//! negotiated in `lang.rs`, which must not know about texts.

use serde::{Deserialize, Serialize};

use crate::request::lang::Language;

/// A natural-language string as written. In data files either a plain string
/// (the same in every language, e.g. a product name) or an object with an
/// `en` entry and optional `de` and `fr` entries; a missing language falls
/// back to English.
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
    fn text_falls_back_to_english() {
        let text: Text = serde_json::from_str(r#"{"en": "Sent", "de": "Gesendet"}"#).unwrap();
        assert_eq!(text.get(Language::De), "Gesendet");
        assert_eq!(text.get(Language::Fr), "Sent");
        let same: Text = serde_json::from_str(r#""Contoso""#).unwrap();
        assert_eq!(same.get(Language::Fr), "Contoso");
    }

    #[test]
    fn a_text_empty_in_any_language_is_refused() {
        let cases = [
            (r#""""#, false),
            (r#"" ""#, false),
            (r#"{"en": "Sent", "de": " "}"#, false),
            (r#"{"en": "", "fr": "Envoyé"}"#, false),
            (r#"{"en": "Sent", "fr": "Envoyé"}"#, true),
        ];
        for (json, ok) in cases {
            assert_eq!(serde_json::from_str::<Text>(json).is_ok(), ok, "{json}");
        }
    }
}
