//! The cache of rendered success bodies: the same request gets the same
//! bytes, so a repeated page is served without rendering. It keys and weighs
//! bodies and must not know how one is rendered (the dataset passes that in).

use bytes::Bytes;
use time::OffsetDateTime;

use crate::contract::Operation;
use crate::definitions::paging::MAX_TOP;
use crate::request::lang::Language;
use crate::request::params::ConnectorQuery;

/// Rendered bodies are cached up to this many bytes in all; the least
/// recently useful are evicted first.
pub const BODY_CACHE_BYTES: u64 = 8 * 1024 * 1024;

/// One dataset's rendered bodies.
pub struct Bodies(quick_cache::sync::Cache<BodyKey, Bytes, BodyWeight>);

impl Bodies {
    pub fn new() -> Bodies {
        Bodies(quick_cache::sync::Cache::with_weighter(
            1024,
            BODY_CACHE_BYTES,
            BodyWeight,
        ))
    }

    /// The cached body of this page, else `render`'s, cached.
    pub fn get_or_render(
        &self,
        operation: Operation,
        query: &ConnectorQuery,
        language: Language,
        render: impl FnOnce() -> Vec<u8>,
    ) -> Bytes {
        let key = BodyKeyRef::new(operation, query, language);
        if let Some(body) = self.0.get(&key) {
            return body;
        }
        let body = Bytes::from(render());
        self.0.insert(key.to_owned(), body.clone());
        body
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
    use crate::request::params::Params;

    #[test]
    fn a_page_is_rendered_once_and_then_served_from_the_cache() {
        let bodies = Bodies::new();
        let cases = [
            ("recordType=account&recordId=A-1", Language::En, "first"),
            ("recordType=account&recordId=A-1", Language::En, "first"),
            ("recordType=ACCOUNT&recordId=a-1", Language::En, "first"),
            (
                "recordType=account&recordId=A-1&top=500",
                Language::En,
                "second",
            ),
            (
                "recordType=account&recordId=A-1&top=100",
                Language::En,
                "second",
            ),
            ("recordType=account&recordId=A-1", Language::De, "third"),
            (
                "recordType=account&recordId=A-1&skip=1",
                Language::En,
                "fourth",
            ),
        ];
        let mut renders = 0;
        let mut next = ["first", "second", "third", "fourth"].into_iter();
        for (text, language, expected) in cases {
            let params = Params::parse(text).unwrap();
            let query = ConnectorQuery::parse(Operation::RelatedRecords, &params).unwrap();
            let body = bodies.get_or_render(Operation::RelatedRecords, &query, language, || {
                renders += 1;
                next.next().unwrap_or("more").as_bytes().to_vec()
            });
            assert_eq!(&body[..], expected.as_bytes(), "{text} {language:?}");
        }
        assert_eq!(renders, 4);
    }
}
