//! Success bodies: the wire types (`Activity`, `RelatedRecord`, the
//! `{ value, hasMoreResults }` envelope), the records defined in data files,
//! the date window and paging.
//!
//! Records are looked up by recordType and recordId, both compared
//! case-insensitively (CRM system names are lower case, GUIDs come in either
//! case). A record the data does not define is generated (`generate.rs`).
//! Defined records are rendered once per language at start-up; their dates
//! are relative to the reference clock unless written as absolute times.

use std::collections::HashMap;
use std::sync::Arc;

type Records = HashMap<String, HashMap<String, Record, FastHash>, FastHash>;
type FastHash = foldhash::fast::RandomState;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use time::{Duration, OffsetDateTime};

use crate::files::{DefinitionFile, Source};
use crate::generate::Generator;
use crate::lang::{Language, Text};
use bytes::Bytes;

use crate::contract::Operation;
use crate::params::ConnectorQuery;
use crate::trigger::Trigger;

/// Page size when the request has no `top`.
pub const DEFAULT_TOP: u32 = 10;
/// A larger `top` is clamped to this.
pub const MAX_TOP: u32 = 100;

/// Name/value pairs serialized as a JSON object in their written order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Props(pub Vec<(String, String)>);

impl Serialize for Props {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl Props {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An activity item, as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub title: String,
    pub description: String,
    pub date_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Props::is_empty")]
    pub additional_properties: Props,
    #[serde(skip)]
    pub at: OffsetDateTime,
}

/// A related-record item, as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedRecord {
    pub record_id: String,
    pub record_type: String,
    pub record_type_display_name: String,
    pub record_type_plural_display_name: String,
    pub record_title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Props::is_empty")]
    pub additional_properties: Props,
}

/// The success envelope.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<'a, T> {
    pub value: Vec<&'a T>,
    pub has_more_results: bool,
}

/// `skip`, then `top` (default `DEFAULT_TOP`, clamped to `MAX_TOP`).
/// `hasMoreResults` is true exactly when items remain after the page.
pub fn page<'a, T>(
    items: impl IntoIterator<Item = &'a T>,
    skip: u32,
    top: Option<u32>,
) -> Page<'a, T> {
    let top = top.unwrap_or(DEFAULT_TOP).min(MAX_TOP) as usize;
    let mut rest = items.into_iter().skip(skip as usize);
    let value: Vec<&T> = rest.by_ref().take(top).collect();
    Page {
        value,
        has_more_results: rest.next().is_some(),
    }
}

/// Whether a record can be read; `deleted` and `restricted` records answer
/// errors when realistic conditions are on (see the scenarios issue).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordState {
    #[default]
    Active,
    Deleted,
    Restricted,
}

/// What a restricted record's 403 names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Restriction {
    pub resource_type: String,
    pub resource_id: String,
    pub privilege: String,
}

/// When an activity happened: an RFC 3339 date-time, or a time before the
/// reference clock written `-2d`, `-5h30m`, `-1d2h3m`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub enum When {
    At(#[serde(skip)] OffsetDateTime),
    Ago(#[serde(skip)] Duration),
}

/// A relative time reaches back at most this many days (about 10,000
/// years): from any reference clock `--clock` accepts (year 0 on), the date
/// stays in the range `time` represents, so no clock makes it overflow and
/// `validate` needs no clock to decide.
pub const MAX_AGO_DAYS: i64 = 3_650_000;

impl TryFrom<String> for When {
    type Error = String;
    fn try_from(text: String) -> Result<When, String> {
        let problem = || {
            format!(
                "'{text}' {} or a relative time like -2d5h30m",
                crate::rfc3339::MESSAGE
            )
        };
        let Some(relative) = text.strip_prefix('-') else {
            return crate::rfc3339::parse(&text)
                .map(When::At)
                .map_err(|_| problem());
        };
        let too_far = || {
            format!(
                "'{text}' reaches back more than {MAX_AGO_DAYS} days (about 10,000 years), the most a relative time may"
            )
        };
        let max_seconds = MAX_AGO_DAYS * 86_400;
        let mut seconds: i64 = 0;
        let mut digits = String::new();
        for c in relative.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let unit: i64 = match c {
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                _ => return Err(problem()),
            };
            // Digits only, so a failed parse is a number beyond i64.
            let n: i64 = match digits.is_empty() {
                true => return Err(problem()),
                false => digits.parse().map_err(|_| too_far())?,
            };
            digits.clear();
            seconds = n
                .checked_mul(unit)
                .and_then(|s| seconds.checked_add(s))
                .filter(|s| *s <= max_seconds)
                .ok_or_else(too_far)?;
        }
        match digits.is_empty() && !relative.is_empty() {
            true => Ok(When::Ago(Duration::seconds(seconds))),
            false => Err(problem()),
        }
    }
}

/// A non-empty string (ids and system names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct NonEmpty(pub String);

impl TryFrom<String> for NonEmpty {
    type Error = String;
    fn try_from(s: String) -> Result<NonEmpty, String> {
        match s.trim().is_empty() {
            true => Err("must not be empty".to_owned()),
            false => Ok(NonEmpty(s)),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertyDef {
    pub name: Text,
    pub value: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActivityDef {
    pub title: Text,
    pub description: Text,
    pub at: When,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub additional_properties: Vec<PropertyDef>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RelatedRecordDef {
    pub record_id: NonEmpty,
    pub record_type: NonEmpty,
    pub record_type_display_name: Text,
    pub record_type_plural_display_name: Text,
    pub record_title: Text,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub additional_properties: Vec<PropertyDef>,
}

/// One CRM record, as written in a data file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RecordDef {
    pub record_type: NonEmpty,
    pub record_id: NonEmpty,
    #[serde(default)]
    pub state: RecordState,
    #[serde(default)]
    pub restriction: Option<Restriction>,
    /// Absent means generated; `[]` means none.
    #[serde(default)]
    pub activities: Option<Vec<ActivityDef>>,
    /// Absent means generated; `[]` means none.
    #[serde(default)]
    pub related_records: Option<Vec<RelatedRecordDef>>,
    /// A trigger value answered to every session of this record that sends
    /// no trigger of its own, e.g. `"503,503,200"` or `"429; times=2"`.
    #[serde(default)]
    pub simulate: Option<TriggerText>,
}

impl RecordDef {
    /// Every natural-language text of the record, for the translation check
    /// in `lang.rs`.
    #[cfg(test)]
    pub(crate) fn texts(&self) -> Vec<&Text> {
        fn properties(ps: &[PropertyDef]) -> Vec<&Text> {
            ps.iter().flat_map(|p| [&p.name, &p.value]).collect()
        }
        let activities = self.activities.iter().flatten().flat_map(|a| {
            [&a.title, &a.description]
                .into_iter()
                .chain(properties(&a.additional_properties))
        });
        let related = self.related_records.iter().flatten().flat_map(|r| {
            [
                &r.record_type_display_name,
                &r.record_type_plural_display_name,
                &r.record_title,
            ]
            .into_iter()
            .chain(properties(&r.additional_properties))
        });
        activities.chain(related).collect()
    }
}

/// A trigger value checked when the file is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TriggerText(#[serde(skip)] pub Trigger);

impl TryFrom<String> for TriggerText {
    type Error = String;
    fn try_from(value: String) -> Result<TriggerText, String> {
        crate::trigger::parse(value.trim(), crate::error::Input::Field("simulate"))
            .map(TriggerText)
            .map_err(|e| e.message)
    }
}

impl From<TriggerText> for String {
    fn from(t: TriggerText) -> String {
        t.0.raw
    }
}

/// A record ready to serve: items rendered per language, activities newest
/// first.
#[derive(Debug, Clone)]
pub struct Record {
    pub state: RecordState,
    pub restriction: Option<Restriction>,
    pub simulate: Option<Arc<Trigger>>,
    /// `None`: the data does not define them, they are generated.
    activities: Option<[Vec<Activity>; 3]>,
    related: Option<[Vec<RelatedRecord>; 3]>,
}

fn slot(language: Language) -> usize {
    match language {
        Language::En => 0,
        Language::De => 1,
        Language::Fr => 2,
    }
}

fn props(defs: &[PropertyDef], language: Language) -> Props {
    Props(
        defs.iter()
            .map(|p| {
                (
                    p.name.get(language).to_owned(),
                    p.value.get(language).to_owned(),
                )
            })
            .collect(),
    )
}

/// The time as a body writes it: UTC, whole seconds. An activity keeps this
/// value for the window and the order, so `startDateTime`/`endDateTime`
/// compare the very `dateTime` a client reads (a clock or data time with a
/// fraction of a second would otherwise fall outside a window of its own
/// written time).
pub fn written(at: OffsetDateTime) -> OffsetDateTime {
    crate::rfc3339::whole_seconds(at)
}

/// RFC 3339 in UTC, whole seconds: `2026-11-20T14:30:00Z`.
pub fn format_time(at: OffsetDateTime) -> String {
    crate::rfc3339::format(at)
}

/// For `journal.rs` until it names `rfc3339::format_millis` itself.
pub use crate::rfc3339::format_millis as format_time_millis;

impl Record {
    fn from_def(def: &RecordDef, reference: OffsetDateTime) -> Record {
        let activities = def.activities.as_ref().map(|defs| {
            Language::ALL.map(|language| {
                let mut items: Vec<Activity> = defs
                    .iter()
                    .map(|a| {
                        let at = written(match a.at {
                            When::At(at) => at,
                            // Cannot saturate: `MAX_AGO_DAYS` keeps it in range.
                            When::Ago(ago) => reference.saturating_sub(ago),
                        });
                        Activity {
                            title: a.title.get(language).to_owned(),
                            description: a.description.get(language).to_owned(),
                            date_time: format_time(at),
                            url: a.url.clone(),
                            additional_properties: props(&a.additional_properties, language),
                            at,
                        }
                    })
                    .collect();
                sort_newest_first(&mut items);
                items
            })
        });
        let related = def.related_records.as_ref().map(|defs| {
            Language::ALL.map(|language| {
                defs.iter()
                    .map(|r| RelatedRecord {
                        record_id: r.record_id.0.clone(),
                        record_type: r.record_type.0.clone(),
                        record_type_display_name: r
                            .record_type_display_name
                            .get(language)
                            .to_owned(),
                        record_type_plural_display_name: r
                            .record_type_plural_display_name
                            .get(language)
                            .to_owned(),
                        record_title: r.record_title.get(language).to_owned(),
                        url: r.url.clone(),
                        additional_properties: props(&r.additional_properties, language),
                    })
                    .collect()
            })
        });
        Record {
            state: def.state,
            restriction: def.restriction.clone(),
            simulate: def.simulate.clone().map(|t| Arc::new(t.0)),
            activities,
            related,
        }
    }

    /// The defined activities, `None` when they are generated.
    pub fn activities(&self, language: Language) -> Option<&[Activity]> {
        self.activities
            .as_ref()?
            .get(slot(language))
            .map(Vec::as_slice)
    }

    /// The defined related records, `None` when they are generated.
    pub fn related(&self, language: Language) -> Option<&[RelatedRecord]> {
        self.related
            .as_ref()?
            .get(slot(language))
            .map(Vec::as_slice)
    }
}

/// Newest first; ties by title so the order never depends on input order.
pub fn sort_newest_first(items: &mut [Activity]) {
    items.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.title.cmp(&b.title)));
}

/// Every record the data defines, the generator for the rest, and a cache of
/// rendered bodies (the same request gets the same bytes, so repeated pages
/// are served without rendering).
pub struct Dataset {
    /// Lower-cased recordType -> lower-cased recordId -> record: two levels,
    /// so a lookup by `&str` allocates nothing. foldhash rather than SipHash:
    /// the keys come from the data files, not from clients, and the two
    /// lookups are on every request.
    records: Records,
    generator: Generator,
    reference: OffsetDateTime,
    /// Tells this dataset's entries in `connector::recent` from a reloaded
    /// one's.
    id: u64,
    cache: quick_cache::sync::Cache<BodyKey, Bytes, BodyWeight>,
}

impl std::fmt::Debug for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset")
            .field("record_types", &self.records.len())
            .finish_non_exhaustive()
    }
}

impl Dataset {
    /// Builds from parsed files in order; a later file's record with the same
    /// key replaces an earlier one (a user's data overrides the embedded).
    pub fn build(sources: &[Source<DefinitionFile>], reference: OffsetDateTime) -> Dataset {
        let mut records = Records::default();
        for source in sources {
            for def in &source.content.records {
                records
                    .entry(crate::params::lower(&def.record_type.0).into_owned())
                    .or_default()
                    .insert(
                        crate::params::lower(&def.record_id.0).into_owned(),
                        Record::from_def(def, reference),
                    );
            }
        }
        static DATASETS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Dataset {
            records,
            id: DATASETS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            generator: Generator::embedded(),
            reference,
            cache: quick_cache::sync::Cache::with_weighter(1024, BODY_CACHE_BYTES, BodyWeight),
        }
    }

    /// Unique to this dataset among every one the process built.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The defined record of a query, if any.
    pub fn defined(&self, query: &ConnectorQuery) -> Option<&Record> {
        self.records
            .get(query.type_key.as_ref())?
            .get(query.id_key.as_ref())
    }

    /// Every defined record's (recordType, recordId, state), sorted.
    pub fn defined_keys(&self) -> Vec<(String, String, RecordState)> {
        let mut keys: Vec<_> = self
            .records
            .iter()
            .flat_map(|(t, ids)| {
                ids.iter()
                    .map(move |(i, r)| (t.clone(), i.clone(), r.state))
            })
            .collect();
        keys.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        keys
    }

    /// The success body of `operation` for a query: from the cache when the
    /// same page was rendered before, else rendered and cached.
    pub fn body(&self, operation: Operation, query: &ConnectorQuery, language: Language) -> Bytes {
        let key = BodyKeyRef::new(operation, query, language);
        if let Some(body) = self.cache.get(&key) {
            return body;
        }
        let body = Bytes::from(match operation {
            Operation::RelatedActivities => self.activities_body(query, language),
            Operation::RelatedRecords => self.records_body(query, language),
        });
        self.cache.insert(key.to_owned(), body.clone());
        body
    }

    fn activities_body(&self, query: &ConnectorQuery, language: Language) -> Vec<u8> {
        let in_window = |a: &&Activity| {
            query.start.is_none_or(|start| a.at >= start) && query.end.is_none_or(|end| a.at <= end)
        };
        let render = |items: &[Activity]| {
            let page = page(items.iter().filter(in_window), query.skip, query.top);
            serde_json::to_vec(&page).unwrap_or_default()
        };
        let defined = self.defined(query);
        match defined.and_then(|r| r.activities(language)) {
            Some(items) => render(items),
            None => render(&self.generator.activities(
                query.record_type,
                query.record_id,
                language,
                self.reference,
            )),
        }
    }

    fn records_body(&self, query: &ConnectorQuery, language: Language) -> Vec<u8> {
        let render = |items: &[RelatedRecord]| {
            serde_json::to_vec(&page(items, query.skip, query.top)).unwrap_or_default()
        };
        let defined = self.defined(query);
        match defined.and_then(|r| r.related(language)) {
            Some(items) => render(items),
            None => render(
                &self
                    .generator
                    .related(query.record_type, query.record_id, language),
            ),
        }
    }
}

/// What a success body depends on: the cache key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct BodyKey {
    operation: Operation,
    language: Language,
    type_key: String,
    id_key: String,
    skip: u32,
    top: Option<u32>,
    start: Option<i128>,
    end: Option<i128>,
}

/// A `BodyKey` borrowing the query, so a cache hit allocates nothing. Its
/// fields are `BodyKey`'s in the same order and hash alike (a `String`
/// hashes as its `str`).
#[derive(Hash)]
struct BodyKeyRef<'q> {
    operation: Operation,
    language: Language,
    type_key: &'q str,
    id_key: &'q str,
    skip: u32,
    top: Option<u32>,
    start: Option<i128>,
    end: Option<i128>,
}

impl<'q> BodyKeyRef<'q> {
    fn new(operation: Operation, query: &'q ConnectorQuery, language: Language) -> Self {
        BodyKeyRef {
            operation,
            language,
            type_key: &query.type_key,
            id_key: &query.id_key,
            skip: query.skip,
            // Pages above the maximum are the same page.
            top: query.top.map(|t| t.min(MAX_TOP)),
            start: query.start.map(OffsetDateTime::unix_timestamp_nanos),
            end: query.end.map(OffsetDateTime::unix_timestamp_nanos),
        }
    }

    fn to_owned(&self) -> BodyKey {
        BodyKey {
            operation: self.operation,
            language: self.language,
            type_key: self.type_key.to_owned(),
            id_key: self.id_key.to_owned(),
            skip: self.skip,
            top: self.top,
            start: self.start,
            end: self.end,
        }
    }
}

impl quick_cache::Equivalent<BodyKey> for BodyKeyRef<'_> {
    fn equivalent(&self, key: &BodyKey) -> bool {
        self.operation == key.operation
            && self.language == key.language
            && self.type_key == key.type_key
            && self.id_key == key.id_key
            && self.skip == key.skip
            && self.top == key.top
            && self.start == key.start
            && self.end == key.end
    }
}

/// Rendered bodies are cached up to this many bytes in all; the least
/// recently useful are evicted first.
pub const BODY_CACHE_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Clone)]
struct BodyWeight;

impl quick_cache::Weighter<BodyKey, Bytes> for BodyWeight {
    fn weight(&self, key: &BodyKey, body: &Bytes) -> u64 {
        (std::mem::size_of::<BodyKey>() + key.type_key.len() + key.id_key.len() + body.len()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_sets_has_more_results_exactly_when_items_remain() {
        let items: Vec<u32> = (0..25).collect();
        let cases = [
            (0, None, 10, true),
            (0, Some(25), 25, false),
            (0, Some(24), 24, true),
            (20, Some(5), 5, false),
            (20, Some(4), 4, true),
            (30, Some(5), 0, false),
            (0, Some(0), 0, true),
            (25, Some(0), 0, false),
            (0, Some(1000), 25, false),
        ];
        for (skip, top, len, more) in cases {
            let p = page(&items, skip, top);
            assert_eq!(
                (p.value.len(), p.has_more_results),
                (len, more),
                "skip={skip} top={top:?}"
            );
        }
    }

    #[test]
    fn top_is_clamped_to_the_maximum() {
        let items: Vec<u32> = (0..500).collect();
        let p = page(&items, 0, Some(i32::MAX as u32));
        assert_eq!(p.value.len(), MAX_TOP as usize);
        assert!(p.has_more_results);
    }

    #[test]
    fn a_reloaded_dataset_never_serves_the_bodies_cached_for_the_old_one() {
        let (sources, problems) = crate::files::read_all(None);
        assert!(problems.is_empty(), "{problems:?}");
        let old = Dataset::build(&sources, time::macros::datetime!(2024-01-01 00:00 UTC));
        let new = Dataset::build(&sources, time::macros::datetime!(2025-06-01 00:00 UTC));
        let params = crate::params::Params::parse("recordType=account&recordId=Near-1").unwrap();
        let query = ConnectorQuery::parse(Operation::RelatedActivities, &params).unwrap();
        let body = |d: &Dataset| d.body(Operation::RelatedActivities, &query, Language::DEFAULT);

        let old_first = body(&old);
        let new_first = body(&new);
        // The two reference clocks give different dates, so different bytes.
        assert_ne!(old_first, new_first);
        // Served again (from each dataset's cache now): the same bytes each.
        assert_eq!(body(&old), old_first);
        assert_eq!(body(&new), new_first);
    }

    #[test]
    fn relative_and_absolute_times_parse() {
        assert_eq!(
            When::try_from("-1d2h".to_owned()),
            Ok(When::Ago(Duration::hours(26)))
        );
        assert!(matches!(
            When::try_from("2024-05-01T10:00:00Z".to_owned()),
            Ok(When::At(_))
        ));
        for bad in ["-", "-5", "-2x", "yesterday", "2024-05-01"] {
            assert!(When::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_item_keeps_the_whole_second_its_body_writes() {
        let cases = [
            ("2024-05-07T03:28:38.0667701Z", "2024-05-07T03:28:38Z"),
            (
                "2024-05-07T05:28:38.999999999+02:00",
                "2024-05-07T03:28:38Z",
            ),
            ("2024-05-07T03:28:38Z", "2024-05-07T03:28:38Z"),
        ];
        for (text, body) in cases {
            let Ok(When::At(at)) = When::try_from(text.to_owned()) else {
                panic!("{text} parses");
            };
            assert_eq!(format_time(at), body, "{text}");
            assert_eq!(written(at), crate::rfc3339::parse(body).unwrap(), "{text}");
        }
    }

    #[test]
    fn a_relative_time_beyond_the_bound_is_a_problem_not_a_panic() {
        // Broke: `-106751991167301d` overflowed `Duration::days` (a panic), and
        // `-4400000d` parsed but overflowed the date when subtracted.
        let cases = [
            ("-3650000d", true),
            ("-3649999d23h60m", true),
            ("-3650000d1m", false),
            ("-4400000d", false),
            ("-106751991167301d", false),
            ("-9223372036854775807m", false),
            ("-99999999999999999999h", false),
            ("-3650000d3650000d", false),
        ];
        for (text, ok) in cases {
            let parsed = When::try_from(text.to_owned());
            assert_eq!(parsed.is_ok(), ok, "{text}: {parsed:?}");
            if let Err(message) = parsed {
                assert!(message.contains("3650000 days"), "{text}: {message}");
            }
        }
        // The earliest reference clock `--clock` accepts still reaches back
        // that far without leaving time's range.
        let earliest = crate::rfc3339::parse("0000-01-01T00:00:00+23:59").unwrap();
        assert!(earliest.checked_sub(Duration::days(MAX_AGO_DAYS)).is_some());
    }
}
