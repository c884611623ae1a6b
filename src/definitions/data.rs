//! The dataset: every record the data files define, rendered once per
//! language at start-up, the generator for the rest, and a cache of rendered
//! success bodies.
//!
//! Records are looked up by recordType and recordId, both compared
//! case-insensitively (CRM system names are lower case, GUIDs come in either
//! case). A record the data does not define is generated (`generate.rs`).
//! Defined records' dates are relative to the reference clock unless written
//! as absolute times. It builds from files already parsed (`files.rs`,
//! `schema/`) and must not read or check them itself.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use time::OffsetDateTime;

use crate::contract::Operation;
use crate::definitions::data::cache::Bodies;
use crate::definitions::files::Source;
use crate::definitions::generate::Generator;
use crate::definitions::paging::page;
use crate::definitions::schema::DefinitionFile;
use crate::definitions::schema::record::{PropertyDef, RecordDef, RecordState, Restriction};
use crate::definitions::schema::when::When;
use crate::definitions::wire::{Activity, Props, RelatedRecord};
use crate::request::lang::Language;
use crate::request::params::ConnectorQuery;
use crate::request::trigger::Trigger;
use crate::rfc3339;

type Records = HashMap<String, HashMap<String, Record, FastHash>, FastHash>;
type FastHash = foldhash::fast::RandomState;

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
    /// `moreActivities`, `moreRelatedRecords`: the connector has more than
    /// the list holds, so a page that reaches its end has more results.
    more: [bool; 2],
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

impl Record {
    fn from_def(def: &RecordDef, reference: OffsetDateTime) -> Record {
        let activities = def.activities.as_ref().map(|defs| {
            Language::ALL.map(|language| {
                let mut items: Vec<Activity> = defs
                    .iter()
                    .map(|a| {
                        let at = rfc3339::whole_seconds(match a.at {
                            When::At(at) => at,
                            // Cannot saturate: `MAX_AGO_DAYS` keeps it in range.
                            When::Ago(ago) => reference.saturating_sub(ago),
                        });
                        Activity {
                            title: a.title.get(language).to_owned(),
                            description: a.description.get(language).to_owned(),
                            date_time: rfc3339::format(at),
                            url: a.url.clone(),
                            additional_properties: props(&a.additional_properties, language),
                            at,
                        }
                    })
                    .collect();
                Activity::sort_newest_first(&mut items);
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
            more: [def.more_activities, def.more_related_records],
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
    /// Tells this dataset's entries in `connector::kept` from a reloaded
    /// one's.
    id: u64,
    bodies: Bodies,
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
                    .entry(crate::request::params::lower(&def.record_type.0).into_owned())
                    .or_default()
                    .insert(
                        crate::request::params::lower(&def.record_id.0).into_owned(),
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
            bodies: Bodies::new(),
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
        self.bodies
            .get_or_render(operation, query, language, || match operation {
                Operation::RelatedActivities => self.activities_body(query, language),
                Operation::RelatedRecords => self.records_body(query, language),
            })
    }

    fn activities_body(&self, query: &ConnectorQuery, language: Language) -> Vec<u8> {
        let in_window = |a: &&Activity| {
            query.start.is_none_or(|start| a.at >= start) && query.end.is_none_or(|end| a.at <= end)
        };
        let render = |items: &[Activity], more: bool| {
            let mut page = page(items.iter().filter(in_window), query.skip, query.top);
            page.has_more_results |= more;
            serde_json::to_vec(&page).unwrap_or_default()
        };
        let defined = self.defined(query);
        match defined.and_then(|r| Some((r.activities(language)?, r.more[0]))) {
            Some((items, more)) => render(items, more),
            None => render(
                &self.generator.activities(
                    query.record_type,
                    query.record_id,
                    language,
                    self.reference,
                ),
                false,
            ),
        }
    }

    fn records_body(&self, query: &ConnectorQuery, language: Language) -> Vec<u8> {
        let render = |items: &[RelatedRecord], more: bool| {
            let mut page = page(items, query.skip, query.top);
            page.has_more_results |= more;
            serde_json::to_vec(&page).unwrap_or_default()
        };
        let defined = self.defined(query);
        match defined.and_then(|r| Some((r.related(language)?, r.more[1]))) {
            Some((items, more)) => render(items, more),
            None => render(
                &self
                    .generator
                    .related(query.record_type, query.record_id, language),
                false,
            ),
        }
    }
}

mod cache;
#[cfg(test)]
mod translations;

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded(reference: OffsetDateTime) -> Dataset {
        let (sources, problems) = crate::definitions::files::read_all(None);
        assert!(problems.is_empty(), "{problems:?}");
        Dataset::build(&sources, reference)
    }

    /// A query for a test's lifetime (leaked: its parameters borrow it).
    fn query(operation: Operation, text: &'static str) -> ConnectorQuery<'static> {
        let params = Box::leak(Box::new(
            crate::request::params::Params::parse(text).unwrap(),
        ));
        ConnectorQuery::parse(operation, params).unwrap()
    }

    #[test]
    fn a_reloaded_dataset_never_serves_the_bodies_cached_for_the_old_one() {
        let old = embedded(time::macros::datetime!(2024-01-01 00:00 UTC));
        let new = embedded(time::macros::datetime!(2025-06-01 00:00 UTC));
        let query = query(
            Operation::RelatedActivities,
            "recordType=account&recordId=Near-1",
        );
        let body = |d: &Dataset| d.body(Operation::RelatedActivities, &query, Language::DEFAULT);

        let old_first = body(&old);
        let new_first = body(&new);
        // The two reference clocks give different dates, so different bytes.
        assert_ne!(old_first, new_first);
        // Served again (from each dataset's cache now): the same bytes each.
        assert_eq!(body(&old), old_first);
        assert_eq!(body(&new), new_first);
        assert_ne!(old.id(), new.id());
    }

    #[test]
    fn a_top_above_the_maximum_is_the_same_page_as_the_maximum() {
        let data = embedded(time::macros::datetime!(2024-01-01 00:00 UTC));
        let body = |text: &'static str| {
            let q = query(Operation::RelatedActivities, text);
            data.body(Operation::RelatedActivities, &q, Language::DEFAULT)
        };
        let most = body("recordType=account&recordId=A-1&top=100");
        assert_eq!(body("recordType=account&recordId=A-1&top=5000"), most);
        assert_ne!(body("recordType=account&recordId=A-1&top=3"), most);
    }
}
