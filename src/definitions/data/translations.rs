//! The translation check: every natural-language text of the embedded data
//! file and of the generator's templates has a French and a German variant
//! (test only). It lives with the dataset because that is where both kinds of
//! text meet; `lang.rs` negotiates languages and must not know about texts.

use crate::definitions::schema::text::Text;
use crate::request::lang::Language;

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
    let (sources, problems) = crate::definitions::files::read_all(None);
    assert!(problems.is_empty(), "{problems:?}");
    let generator = crate::definitions::generate::Generator::embedded();
    let texts: Vec<&Text> = sources
        .iter()
        .flat_map(|s| &s.content.records)
        .flat_map(crate::definitions::schema::record::RecordDef::texts)
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
