//! The exposition formats of `/metrics` and how one is chosen.
//!
//! Two formats, by the request's `Accept` (`Format::negotiate`): the
//! Prometheus text format 0.0.4 by default, OpenMetrics 1.0 when the client
//! asks for `application/openmetrics-text` (as Prometheus itself does).
//! Rationale: prometheus-client encodes only OpenMetrics, which names a
//! counter family `x` in `# HELP`/`# TYPE` and its sample `x_total`; a text
//! 0.0.4 parser (promtool, older scrapers) then finds a sample with no help
//! and no type. `to_text_0_0_4` renames the counter families' HELP and TYPE
//! lines to the sample name and drops `# EOF` (and `# UNIT`), the only
//! differences for the families encoded here.

/// The two exposition formats `/metrics` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The Prometheus text format 0.0.4: the default.
    Text,
    /// OpenMetrics 1.0, for a client that asks for it.
    OpenMetrics,
}

impl Format {
    /// OpenMetrics when `Accept` names `application/openmetrics-text` with a
    /// weight above zero and no lower than any range that covers
    /// `text/plain`; text 0.0.4 otherwise (also with no `Accept`, or `*/*`).
    pub fn negotiate(accept: Option<&str>) -> Format {
        let (mut openmetrics, mut text) = (0.0f32, 0.0f32);
        for range in accept.unwrap_or_default().split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim();
            let weight = parts
                .filter_map(|p| p.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, q)| q.trim().parse::<f32>().ok())
                .filter(|q| (0.0..=1.0).contains(q))
                .unwrap_or(0.0);
            if media.eq_ignore_ascii_case("application/openmetrics-text") {
                openmetrics = openmetrics.max(weight);
            } else if ["text/plain", "text/*", "*/*"]
                .iter()
                .any(|m| media.eq_ignore_ascii_case(m))
            {
                text = text.max(weight);
            }
        }
        match openmetrics > 0.0 && openmetrics >= text {
            true => Format::OpenMetrics,
            false => Format::Text,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// prometheus-client's OpenMetrics text, as the Prometheus text format
/// 0.0.4: a counter family's `# HELP` and `# TYPE` name its `_total`
/// sample, and there is no `# EOF` or `# UNIT` line.
pub(super) fn to_text_0_0_4(openmetrics: &str) -> String {
    let mut out = String::with_capacity(openmetrics.len());
    let mut lines = openmetrics.lines().peekable();
    while let Some(line) = lines.next() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let counter = line
            .strip_prefix("# HELP ")
            .and_then(|rest| rest.split_once(' '))
            .filter(|(name, _)| {
                lines
                    .peek()
                    .and_then(|next| next.strip_prefix("# TYPE "))
                    .and_then(|rest| rest.strip_prefix(*name))
                    == Some(" counter")
            });
        if let Some((name, help)) = counter {
            lines.next();
            out.push_str(&format!(
                "# HELP {name}_total {help}\n# TYPE {name}_total counter\n"
            ));
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_picks_openmetrics_only_when_asked_for() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        let cases: [(Option<&str>, Format); 10] = [
            (None, Format::Text),
            (Some(""), Format::Text),
            (Some("*/*"), Format::Text),
            (Some("text/plain; version=0.0.4"), Format::Text),
            (Some("application/json"), Format::Text),
            (Some("application/openmetrics-text"), Format::OpenMetrics),
            (
                Some("Application/OpenMetrics-Text; q=0.3"),
                Format::OpenMetrics,
            ),
            (Some("application/openmetrics-text;q=0"), Format::Text),
            (
                Some("text/plain, application/openmetrics-text;q=0.9"),
                Format::Text,
            ),
            (Some(prometheus), Format::OpenMetrics),
        ];
        for (accept, expected) in cases {
            assert_eq!(Format::negotiate(accept), expected, "{accept:?}");
        }
    }

    #[test]
    fn text_0_0_4_names_counter_families_by_their_sample_and_has_no_eof() {
        let openmetrics = "# HELP x_requests Requests.\n# TYPE x_requests counter\nx_requests_total{a=\"1\"} 2\n# HELP x_seconds Time.\n# TYPE x_seconds histogram\nx_seconds_sum 0.5\n# HELP x_up Up.\n# TYPE x_up gauge\nx_up 1\n# EOF\n";
        assert_eq!(
            to_text_0_0_4(openmetrics),
            "# HELP x_requests_total Requests.\n# TYPE x_requests_total counter\nx_requests_total{a=\"1\"} 2\n# HELP x_seconds Time.\n# TYPE x_seconds histogram\nx_seconds_sum 0.5\n# HELP x_up Up.\n# TYPE x_up gauge\nx_up 1\n"
        );
    }
}
