//! Deterministic data for records the data files do not define.
//!
//! The seed is a stable hash (FNV-1a) of the lower-cased recordType and
//! recordId, so the same request gives a byte-identical body in every run with
//! the same reference clock. Each record gets 25-40 activities spread over the
//! 90 days before the reference clock and 12-20 related records: more than
//! the default page, so `hasMoreResults` is true without any setup.
//! Templates and vocabulary live in `scenarios/generator.json` (embedded).

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::definitions::schema::text::Text;
use crate::definitions::wire::{Activity, Props, RelatedRecord};
use crate::request::lang::Language;
use crate::rfc3339;

const GENERATOR_JSON: &str = include_str!("../../scenarios/generator.json");
const WINDOW_SECONDS: u64 = 90 * 24 * 3600;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GenProperty {
    name: Text,
    values: Vec<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ActivityKind {
    title: Text,
    description: Text,
    url: String,
    id_prefix: String,
    properties: Vec<GenProperty>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RecordKind {
    record_type: String,
    record_type_display_name: Text,
    record_type_plural_display_name: Text,
    record_title: Text,
    url: String,
    id_prefix: String,
    properties: Vec<GenProperty>,
}

/// Vocabulary and templates. Templates use `{id}`, `{number}`, `{person}`,
/// `{company}`, `{amount}` and `{days}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Generator {
    people: Vec<String>,
    companies: Vec<String>,
    activities: Vec<ActivityKind>,
    related_records: Vec<RecordKind>,
}

/// The values one generated item fills its template with.
struct Fill {
    id: String,
    number: u64,
    person: String,
    company: String,
    amount: u64,
    days: u64,
}

impl Fill {
    fn apply(&self, template: &str, language: Language) -> String {
        template
            .replace("{id}", &self.id)
            .replace("{number}", &self.number.to_string())
            .replace("{person}", &self.person)
            .replace("{company}", &self.company)
            .replace("{amount}", &format_amount(self.amount, language))
            .replace("{days}", &self.days.to_string())
    }
}

/// `12,500` / `12.500` / `12 500` (narrow no-break space), then ` USD`.
fn format_amount(amount: u64, language: Language) -> String {
    let separator = match language {
        Language::En => ",",
        Language::De => ".",
        Language::Fr => "\u{202f}",
    };
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    out + " USD"
}

/// FNV-1a, 64 bit: stable across Rust releases, unlike `DefaultHasher`.
fn seed(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.to_lowercase().bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> Option<&'a T> {
    let len = items.len() as u64;
    (len > 0)
        .then(|| items.get((rng.next_u64() % len) as usize))
        .flatten()
}

fn between(rng: &mut ChaCha8Rng, low: u64, high: u64) -> u64 {
    low + rng.next_u64() % (high - low + 1)
}

impl Generator {
    /// The embedded generator; a unit test proves it parses.
    pub fn embedded() -> Generator {
        serde_json::from_str(GENERATOR_JSON).unwrap_or_else(|e| {
            // Unreachable with the checked-in file: `embedded_generator_parses`
            // fails `cargo test` first.
            panic!("scenarios/generator.json is invalid: {e}")
        })
    }

    /// Every natural-language text of the templates, for the translation
    /// check (`data/translations.rs`).
    #[cfg(test)]
    pub(crate) fn texts(&self) -> Vec<&Text> {
        fn properties(ps: &[GenProperty]) -> Vec<&Text> {
            ps.iter()
                .flat_map(|p| std::iter::once(&p.name).chain(&p.values))
                .collect()
        }
        let activities = self.activities.iter().flat_map(|a| {
            [&a.title, &a.description]
                .into_iter()
                .chain(properties(&a.properties))
        });
        let records = self.related_records.iter().flat_map(|r| {
            [
                &r.record_type_display_name,
                &r.record_type_plural_display_name,
                &r.record_title,
            ]
            .into_iter()
            .chain(properties(&r.properties))
        });
        activities.chain(records).collect()
    }

    fn fill(&self, rng: &mut ChaCha8Rng, prefix: &str) -> Fill {
        let number = between(rng, 10_000, 99_999);
        Fill {
            id: format!("{prefix}-{number}"),
            number,
            person: pick(rng, &self.people).cloned().unwrap_or_default(),
            company: pick(rng, &self.companies).cloned().unwrap_or_default(),
            amount: between(rng, 5, 500) * 250,
            days: between(rng, 7, 60),
        }
    }

    fn props(rng: &mut ChaCha8Rng, defs: &[GenProperty], fill: &Fill, language: Language) -> Props {
        Props(
            defs.iter()
                .filter_map(|p| {
                    let value = pick(rng, &p.values)?;
                    Some((
                        fill.apply(p.name.get(language), language),
                        fill.apply(value.get(language), language),
                    ))
                })
                .collect(),
        )
    }

    /// 25-40 activities in the 90 days before `reference`, newest first.
    pub fn activities(
        &self,
        record_type: &str,
        record_id: &str,
        language: Language,
        reference: OffsetDateTime,
    ) -> Vec<Activity> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed(&["activities", record_type, record_id]));
        let count = between(&mut rng, 25, 40);
        let mut items: Vec<Activity> = (0..count)
            .filter_map(|_| {
                let kind = pick(&mut rng, &self.activities)?;
                let fill = self.fill(&mut rng, &kind.id_prefix);
                let at = reference - Duration::seconds((rng.next_u64() % WINDOW_SECONDS) as i64);
                Some(Activity {
                    title: fill.apply(kind.title.get(language), language),
                    description: fill.apply(kind.description.get(language), language),
                    date_time: rfc3339::format(at),
                    url: Some(fill.apply(&kind.url, language)),
                    additional_properties: Self::props(&mut rng, &kind.properties, &fill, language),
                    at: rfc3339::whole_seconds(at),
                })
            })
            .collect();
        Activity::sort_newest_first(&mut items);
        items
    }

    /// 12-20 related records.
    pub fn related(
        &self,
        record_type: &str,
        record_id: &str,
        language: Language,
    ) -> Vec<RelatedRecord> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed(&["records", record_type, record_id]));
        let count = between(&mut rng, 12, 20);
        (0..count)
            .filter_map(|_| {
                let kind = pick(&mut rng, &self.related_records)?;
                let fill = self.fill(&mut rng, &kind.id_prefix);
                Some(RelatedRecord {
                    record_id: fill.id.clone(),
                    record_type: kind.record_type.clone(),
                    record_type_display_name: kind
                        .record_type_display_name
                        .get(language)
                        .to_owned(),
                    record_type_plural_display_name: kind
                        .record_type_plural_display_name
                        .get(language)
                        .to_owned(),
                    record_title: fill.apply(kind.record_title.get(language), language),
                    url: Some(fill.apply(&kind.url, language)),
                    additional_properties: Self::props(&mut rng, &kind.properties, &fill, language),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> OffsetDateTime {
        crate::rfc3339::parse("2026-11-25T12:00:00Z").unwrap()
    }

    #[test]
    fn embedded_generator_parses_and_fills_every_placeholder() {
        let g = Generator::embedded();
        for language in Language::ALL {
            let activities = g.activities("account", "A-1", language, reference());
            let records = g.related("account", "A-1", language);
            let json = serde_json::to_string(&(activities, records)).unwrap();
            for placeholder in [
                "{id}",
                "{number}",
                "{person}",
                "{company}",
                "{amount}",
                "{days}",
            ] {
                assert!(
                    !json.contains(placeholder),
                    "{placeholder} left in {language:?}"
                );
            }
        }
    }

    #[test]
    fn generation_is_deterministic_and_case_insensitive() {
        let g = Generator::embedded();
        let a = g.activities("account", "abc", Language::De, reference());
        let b = g.activities("Account", "ABC", Language::De, reference());
        assert_eq!(a, b);
        assert_ne!(a, g.activities("account", "abd", Language::De, reference()));
    }

    #[test]
    fn generated_sets_exceed_the_default_page_and_stay_in_the_window() {
        let g = Generator::embedded();
        for id in ["1", "2", "x", "0065g00000AbCdE"] {
            let activities = g.activities("opportunity", id, Language::En, reference());
            assert!((25..=40).contains(&activities.len()), "{id}");
            assert!(
                activities.windows(2).all(|w| w[0].at >= w[1].at),
                "newest first"
            );
            assert!(
                activities
                    .iter()
                    .all(|a| a.at <= reference() && a.at > reference() - Duration::days(90))
            );
            assert!((12..=20).contains(&g.related("opportunity", id, Language::En).len()));
        }
    }

    #[test]
    fn natural_language_differs_by_language() {
        let g = Generator::embedded();
        let en = g.related("account", "1", Language::En);
        let de = g.related("account", "1", Language::De);
        assert_eq!(en.len(), de.len());
        assert!(
            en.iter()
                .zip(&de)
                .any(|(e, d)| e.record_type_display_name != d.record_type_display_name)
        );
    }

    #[test]
    fn amounts_use_the_language_separator() {
        assert_eq!(format_amount(1_234_500, Language::En), "1,234,500 USD");
        assert_eq!(format_amount(1_234_500, Language::De), "1.234.500 USD");
        assert_eq!(format_amount(500, Language::Fr), "500 USD");
    }
}
