//! The query rules, case by case, and the parameter list's own shape.

use super::*;

#[test]
fn each_param_sits_at_its_own_index_in_all_and_its_name_reads_back() {
    assert_eq!(Param::COUNT, Param::ALL.len());
    for (position, param) in Param::ALL.iter().enumerate() {
        assert_eq!(param.index(), position, "{param:?}");
        assert_eq!(Param::from_name(param.name()), Some(*param), "{param:?}");
    }
}

#[test]
fn a_parameter_given_twice_is_refused_and_an_empty_one_reads_as_absent() {
    let params = Params::parse("top=1&top=2&skip=&simulateSession=s").unwrap();
    let err = params.get(Param::Top).unwrap_err();
    assert_eq!(err.details.unwrap()["parameter"], "top");
    assert_eq!(params.get(Param::Skip).unwrap(), None);
    assert_eq!(params.given(Param::Skip), 1);
    assert_eq!(params.get(Param::SimulateSession).unwrap(), Some("s"));
    assert_eq!(params.given(Param::RecordId), 0);
}

fn error(op: Operation, raw: &str) -> ApiError {
    match Params::parse(raw) {
        Ok(params) => ConnectorQuery::parse(op, &params).expect_err(raw),
        Err(error) => error,
    }
}

#[test]
fn every_rule_names_its_parameter() {
    let base = "recordType=account&recordId=1";
    let cases = [
        ("recordId=1", "recordType"),
        ("recordType=account", "recordId"),
        ("recordType=&recordId=1", "recordType"),
        ("recordType=account&recordId=&recordId=", "recordId"),
        (&*format!("{base}&top=-1"), "top"),
        (&*format!("{base}&top=abc"), "top"),
        (&*format!("{base}&top=2147483648"), "top"),
        (&*format!("{base}&skip=1.5"), "skip"),
        (&*format!("{base}&crmType=SAP"), "crmType"),
        (
            &*format!("{base}&startDateTime=2024-01-01"),
            "startDateTime",
        ),
        (&*format!("{base}&endDateTime=yesterday"), "endDateTime"),
        (
            &*format!("{base}&startDateTime=2024-02-01T00:00:00Z&endDateTime=2024-01-01T00:00:00Z"),
            "startDateTime",
        ),
        (&*format!("{base}&top=1&top=2"), "top"),
        (&*format!("{base}&crmOrgUrl=%zz"), "crmOrgUrl"),
        (&*format!("{base}&x=%FF"), "x"),
    ];
    for (raw, parameter) in cases {
        let err = error(Operation::RelatedActivities, raw);
        assert_eq!(err.code, "INVALID_REQUEST", "{raw}");
        let details = err.details.expect("details");
        assert_eq!(details["parameter"], parameter, "{raw}");
        assert!(
            details["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "{raw}"
        );
    }
}

#[test]
fn valid_queries_are_typed() {
    let params = Params::parse(
        "recordType=account&recordId=a+b&top=0&skip=&crmType=Dynamics%20365&extra=1&startDateTime=2024-01-01T00:00:00%2B02:00",
    )
    .unwrap();
    let q = ConnectorQuery::parse(Operation::RelatedActivities, &params).unwrap();
    assert_eq!(q.record_id, "a b");
    assert_eq!(q.top, Some(0));
    assert_eq!(q.skip, 0);
    assert_eq!(q.crm_type, Some(CrmType::Dynamics365));
    assert!(q.start.is_some());
}

#[test]
fn date_times_with_the_upstream_seven_fractional_digits_parse() {
    let params = Params::parse(
        "recordType=a&recordId=1&startDateTime=2024-05-07T03:28:38.0667701Z&endDateTime=2024-05-07T05:28:38.0667701%2B02:00",
    )
    .unwrap();
    let q = ConnectorQuery::parse(Operation::RelatedActivities, &params).unwrap();
    let start = q.start.unwrap();
    assert_eq!((start.second(), start.nanosecond()), (38, 66_770_100));
    assert_eq!(q.end, q.start, "the same instant, written in +02:00");
}

#[test]
fn dates_are_ignored_on_related_records() {
    let params = Params::parse("recordType=a&recordId=1&startDateTime=nonsense").unwrap();
    let q = ConnectorQuery::parse(Operation::RelatedRecords, &params).unwrap();
    assert_eq!(q.start, None);
}
