//! `Template`: a message, `details` value or header value of a scenario,
//! with `{placeholder}`s from a closed set (`Var`) checked when the file is
//! read, and `Vars`, one request's values for them.
//!
//! It renders; which values a request has is decided by the connector, and
//! which scenario answers by the catalogue (`scenario.rs`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The placeholders a template may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    Operation,
    RecordType,
    RecordId,
    RequestedCrmType,
    RequestedCrmOrgUrl,
    ConnectedCrmType,
    ConnectedCrmOrgUrl,
    RetryAfter,
    Reason,
    ResourceType,
    ResourceId,
    Privilege,
}

impl Var {
    const ALL: [(&'static str, Var); 12] = [
        ("operation", Var::Operation),
        ("recordType", Var::RecordType),
        ("recordId", Var::RecordId),
        ("requestedCrmType", Var::RequestedCrmType),
        ("requestedCrmOrgUrl", Var::RequestedCrmOrgUrl),
        ("connectedCrmType", Var::ConnectedCrmType),
        ("connectedCrmOrgUrl", Var::ConnectedCrmOrgUrl),
        ("retryAfter", Var::RetryAfter),
        ("reason", Var::Reason),
        ("resourceType", Var::ResourceType),
        ("resourceId", Var::ResourceId),
        ("privilege", Var::Privilege),
    ];
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Var(Var),
}

/// A string with `{placeholder}`s from the closed set of `Var`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Template {
    source: String,
    #[serde(skip)]
    segments: Vec<Segment>,
}

impl TryFrom<String> for Template {
    type Error = String;
    fn try_from(source: String) -> Result<Self, String> {
        let mut segments = Vec::new();
        let mut rest = source.as_str();
        while let Some(open) = rest.find('{') {
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("unclosed '{{' in template '{source}'"))?;
            let name = &rest[open + 1..open + close];
            let var = Var::ALL
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
                .ok_or_else(|| {
                    let known: Vec<_> = Var::ALL.iter().map(|(n, _)| *n).collect();
                    format!(
                        "unknown placeholder '{{{name}}}'; known: {}",
                        known.join(", ")
                    )
                })?;
            if open > 0 {
                segments.push(Segment::Literal(rest[..open].to_owned()));
            }
            segments.push(Segment::Var(var));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Literal(rest.to_owned()));
        }
        Ok(Template { source, segments })
    }
}

impl From<Template> for String {
    fn from(t: Template) -> String {
        t.source
    }
}

/// Values for the placeholders of one request, borrowed from the request,
/// the configuration and the data (nothing is copied until rendered).
#[derive(Debug, Clone, Default)]
pub struct Vars<'a> {
    pub operation: &'a str,
    pub record_type: &'a str,
    pub record_id: &'a str,
    pub requested_crm_type: Option<&'a str>,
    pub requested_crm_org_url: Option<&'a str>,
    pub connected_crm_type: Option<&'a str>,
    pub connected_crm_org_url: Option<&'a str>,
    pub retry_after: Option<u32>,
    pub reason: Option<&'a str>,
    pub resource_type: Option<&'a str>,
    pub resource_id: Option<&'a str>,
    pub privilege: Option<&'a str>,
}

/// One placeholder's value.
enum Piece<'v> {
    Text(&'v str),
    Number(u32),
}

impl<'a> Vars<'a> {
    fn piece(&self, var: Var) -> Option<Piece<'a>> {
        let text = |s: Option<&'a str>| s.map(Piece::Text);
        match var {
            Var::Operation => Some(Piece::Text(self.operation)),
            Var::RecordType => Some(Piece::Text(self.record_type)),
            Var::RecordId => Some(Piece::Text(self.record_id)),
            Var::RequestedCrmType => text(self.requested_crm_type),
            Var::RequestedCrmOrgUrl => text(self.requested_crm_org_url),
            Var::ConnectedCrmType => text(self.connected_crm_type),
            Var::ConnectedCrmOrgUrl => text(self.connected_crm_org_url),
            Var::RetryAfter => self.retry_after.map(Piece::Number),
            Var::Reason => text(self.reason),
            Var::ResourceType => text(self.resource_type),
            Var::ResourceId => text(self.resource_id),
            Var::Privilege => text(self.privilege),
        }
    }
}

impl Var {
    /// The placeholder's name as a template writes it.
    pub fn name(self) -> &'static str {
        Var::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("placeholder", |(n, _)| n)
    }
}

impl Template {
    /// The template as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The first placeholder, if any.
    pub fn first_var(&self) -> Option<Var> {
        self.segments.iter().find_map(|s| match s {
            Segment::Var(v) => Some(*v),
            Segment::Literal(_) => None,
        })
    }

    /// Interpolates; an absent value renders as `(not given)`.
    pub fn render(&self, vars: &Vars) -> String {
        let mut out = String::with_capacity(self.source.len() + 32);
        for segment in &self.segments {
            match segment {
                Segment::Literal(s) => out.push_str(s),
                Segment::Var(v) => match vars.piece(*v) {
                    Some(Piece::Text(s)) => out.push_str(s),
                    Some(Piece::Number(n)) => out.push_str(itoa::Buffer::new().format(n)),
                    None => out.push_str("(not given)"),
                },
            }
        }
        out
    }

    /// For `details`: a template that is exactly one placeholder keeps the
    /// value's JSON type (a number for `{retryAfter}`, `null` when absent).
    pub fn render_value(&self, vars: &Vars) -> Value {
        match self.segments.as_slice() {
            [Segment::Var(v)] => match vars.piece(*v) {
                Some(Piece::Text(s)) => Value::from(s),
                Some(Piece::Number(n)) => Value::from(n),
                None => Value::Null,
            },
            _ => Value::String(self.render(vars)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_reject_unknown_placeholders() {
        let err = Template::try_from("Hello {nobody}".to_owned()).unwrap_err();
        assert!(err.contains("unknown placeholder '{nobody}'"), "{err}");
        assert!(Template::try_from("open {recordId".to_owned()).is_err());
    }

    #[test]
    fn single_placeholder_details_keep_their_json_type() {
        let t = Template::try_from("{retryAfter}".to_owned()).unwrap();
        let vars = Vars {
            retry_after: Some(7),
            ..Vars::default()
        };
        assert_eq!(t.render_value(&vars), Value::from(7));
        assert_eq!(t.render_value(&Vars::default()), Value::Null);
    }

    #[test]
    fn a_template_renders_its_values_and_names_an_absent_one() {
        let vars = Vars {
            record_type: "account",
            record_id: "A-1",
            retry_after: Some(30),
            ..Vars::default()
        };
        let cases = [
            ("plain", "plain"),
            ("{recordType} {recordId}", "account A-1"),
            ("wait {retryAfter}s", "wait 30s"),
            ("why: {reason}", "why: (not given)"),
        ];
        for (source, rendered) in cases {
            let t = Template::try_from(source.to_owned()).unwrap();
            assert_eq!(t.render(&vars), rendered, "{source}");
            assert_eq!(t.source(), source);
        }
    }

    #[test]
    fn every_placeholder_is_named_by_its_own_name() {
        for (name, var) in Var::ALL {
            assert_eq!(var.name(), name);
            let t = Template::try_from(format!("x {{{name}}}")).unwrap();
            assert_eq!(t.first_var(), Some(var));
        }
    }
}
