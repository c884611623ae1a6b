//! The recording in memory: successful upstream answers merged per record
//! (recordType and recordId, case-insensitively), per operation and per
//! language, a page at `skip=S` filling items S.. of the record's list, and
//! rendered as a data file in the format `--scenarios` loads (`schema/`).
//!
//! It holds body data only (texts, dates, ids, urls), never a header, a
//! token or a query value other than recordType and recordId, and it bounds
//! what it holds (`MAX_BYTES`, `MAX_RECORDS`). Threads and files are the
//! recorder's (`record/mod.rs`); this is plain data.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::proxy::record::body::{Neutral, items};

use crate::contract::Operation;
use crate::definitions::schema::text::Text;
use crate::request::lang::Language;
use crate::request::params::{ConnectorQuery, Params, lower};

/// The most text the recording holds: 10 MiB, counted as the answers'
/// body bytes before they are merged.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most records the recording holds.
pub const MAX_RECORDS: usize = 10_000;

/// One successful upstream answer, as the recorder hands it over.
#[derive(Debug)]
pub struct Answer {
    pub operation: Operation,
    pub query: String,
    pub language: Language,
    pub body: bytes::Bytes,
}

/// What merging one answer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    Changed,
    /// Not recordable; the reason.
    Skipped(&'static str),
    /// The bound is reached: nothing more is recorded.
    Full(&'static str),
}

/// Every record recorded so far.
#[derive(Debug, Default)]
pub struct Recording {
    /// (lower-cased recordType, lower-cased recordId) -> the record.
    records: BTreeMap<(String, String), Entry>,
    bytes: usize,
}

#[derive(Debug)]
struct Entry {
    record_type: String,
    record_id: String,
    /// Activities, then related records.
    lists: [List; 2],
}

/// One record's list of one operation: the items seen, by position.
#[derive(Debug, Default)]
struct List {
    slots: BTreeMap<u32, Slot>,
    /// A page at skip 0 was merged, so the list is written.
    started: bool,
    /// Where the furthest page ended, and whether it said more remain.
    end: u64,
    more: bool,
}

/// One item: what is the same in every language, then its texts per
/// language (title, description, or the display names and title, then each
/// property's name and value).
#[derive(Debug)]
struct Slot {
    neutral: Neutral,
    texts: [Option<Vec<String>>; 3],
}

fn slot_bytes(slot: &Slot) -> usize {
    let strings = |v: &[String]| v.iter().map(String::len).sum::<usize>();
    strings(&slot.neutral.fields)
        + slot.neutral.url.as_ref().map_or(0, String::len)
        + slot
            .texts
            .iter()
            .flatten()
            .map(|t| strings(t))
            .sum::<usize>()
}

fn index(language: Language) -> usize {
    match language {
        Language::En => 0,
        Language::De => 1,
        Language::Fr => 2,
    }
}

impl Recording {
    pub fn records(&self) -> usize {
        self.records.len()
    }

    /// Merges one answer: its page fills the record's items from its
    /// `skip` on, in its language.
    pub fn merge(&mut self, answer: &Answer) -> Merged {
        let Ok(params) = Params::parse(&answer.query) else {
            return Merged::Skipped("the query does not parse");
        };
        let Ok(query) = ConnectorQuery::parse(answer.operation, &params) else {
            return Merged::Skipped("the query is not a connector query");
        };
        if query.start.is_some() || query.end.is_some() {
            return Merged::Skipped("a page of a time window does not say where its items sit");
        }
        if self.bytes + answer.body.len() > MAX_BYTES {
            return Merged::Full("the recording holds 10 MiB of answers");
        }
        let key = (
            lower(query.record_type).into_owned(),
            lower(query.record_id).into_owned(),
        );
        if !self.records.contains_key(&key) && self.records.len() >= MAX_RECORDS {
            return Merged::Full("the recording holds 10000 records");
        }
        let (items, more) = match items(answer.operation, &answer.body) {
            Ok(parsed) => parsed,
            Err(reason) => return Merged::Skipped(reason),
        };
        let entry = self.records.entry(key).or_insert_with(|| Entry {
            record_type: query.record_type.to_owned(),
            record_id: query.record_id.to_owned(),
            lists: Default::default(),
        });
        let list = match answer.operation {
            Operation::RelatedActivities => &mut entry.lists[0],
            Operation::RelatedRecords => &mut entry.lists[1],
        };
        let language = index(answer.language);
        let end = u64::from(query.skip) + items.len() as u64;
        if end >= list.end {
            (list.end, list.more) = (end, more);
        }
        list.started |= query.skip == 0;
        for (at, (neutral, texts)) in (query.skip..).zip(items) {
            let before = list.slots.get(&at).map_or(0, slot_bytes);
            let slot = list.slots.entry(at).or_insert_with(|| Slot {
                neutral: neutral.clone(),
                texts: Default::default(),
            });
            if slot.neutral != neutral {
                // The item at this position changed: the new one replaces it.
                *slot = Slot {
                    neutral,
                    texts: Default::default(),
                };
            }
            slot.texts[language] = Some(texts);
            self.bytes = self.bytes.saturating_sub(before) + slot_bytes(slot);
        }
        Merged::Changed
    }

    /// The data file: every record with the lists it started, in key order.
    pub fn render(&self) -> Vec<u8> {
        let records: Vec<RecordOut> = self
            .records
            .values()
            .map(|e| {
                let [activities, related] = &e.lists;
                let (activities, more_activities) = written(activities, activity);
                let (related_records, more_related_records) = written(related, related_record);
                RecordOut {
                    record_type: &e.record_type,
                    record_id: &e.record_id,
                    activities,
                    more_activities,
                    related_records,
                    more_related_records,
                }
            })
            .collect();
        let mut text = serde_json::to_vec_pretty(&FileOut { records }).unwrap_or_default();
        text.push(b'\n');
        text
    }
}

/// A list's items from 0 up to the first gap, and whether the connector has
/// more (it said so, or items past a gap are held).
fn written<'a, T>(list: &'a List, item: fn(&'a Slot) -> T) -> (Option<Vec<T>>, bool) {
    if !list.started {
        return (None, false);
    }
    let prefix = (0..)
        .zip(list.slots.keys())
        .take_while(|(i, k)| i == *k)
        .count();
    let items = list.slots.values().take(prefix).map(item).collect();
    (Some(items), list.more || list.slots.len() > prefix)
}

/// The `n`th text of a slot in every language seen: one string when they
/// agree, else per language (English, or the first seen, for the rest).
fn text(slot: &Slot, n: usize) -> Text {
    let [en, de, fr] = slot
        .texts
        .each_ref()
        .map(|t| t.as_ref().and_then(|t| t.get(n)).cloned());
    let seen: Vec<&String> = [&en, &de, &fr].into_iter().flatten().collect();
    let first = seen.first().map(|s| (*s).clone()).unwrap_or_default();
    if seen.iter().all(|s| **s == first) {
        return Text::Same(first);
    }
    Text::Localized {
        en: en.unwrap_or(first),
        de,
        fr,
    }
}

fn properties(slot: &Slot, from: usize) -> Vec<PropertyOut> {
    (0..slot.neutral.properties)
        .map(|p| PropertyOut {
            name: text(slot, from + 2 * p),
            value: text(slot, from + 2 * p + 1),
        })
        .collect()
}

fn activity(slot: &Slot) -> ActivityOut<'_> {
    ActivityOut {
        title: text(slot, 0),
        description: text(slot, 1),
        at: slot.neutral.fields.first().map_or("", String::as_str),
        url: slot.neutral.url.as_deref(),
        additional_properties: properties(slot, 2),
    }
}

fn related_record(slot: &Slot) -> RelatedOut<'_> {
    let field = |n: usize| slot.neutral.fields.get(n).map_or("", String::as_str);
    RelatedOut {
        record_id: field(0),
        record_type: field(1),
        record_type_display_name: text(slot, 0),
        record_type_plural_display_name: text(slot, 1),
        record_title: text(slot, 2),
        url: slot.neutral.url.as_deref(),
        additional_properties: properties(slot, 3),
    }
}

#[derive(Serialize)]
struct FileOut<'a> {
    records: Vec<RecordOut<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordOut<'a> {
    record_type: &'a str,
    record_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    activities: Option<Vec<ActivityOut<'a>>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    more_activities: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    related_records: Option<Vec<RelatedOut<'a>>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    more_related_records: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ActivityOut<'a> {
    title: Text,
    description: Text,
    at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    additional_properties: Vec<PropertyOut>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedOut<'a> {
    record_id: &'a str,
    record_type: &'a str,
    record_type_display_name: Text,
    record_type_plural_display_name: Text,
    record_title: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    additional_properties: Vec<PropertyOut>,
}

#[derive(Serialize)]
struct PropertyOut {
    name: Text,
    value: Text,
}

#[cfg(test)]
mod tests;
