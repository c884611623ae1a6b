//! Steps 2 (under the sessions lock) and 3 of the decision: which trigger
//! answers (the request's, else a sticky scenario, else the record's
//! `simulate`), which of its elements answers this request of the session,
//! and what that element answers (an error, a transport fault, success).
//!
//! It decides from values it is given; it must not lock the sessions itself
//! (the caller holds the one lock per request) nor read the clock.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use super::read::Requested;
use super::{Answer, DEFAULT_SLOW_BODY_INTERVAL_MS};
use crate::definitions::fault::Fault;
use crate::definitions::scenario::{Catalogue, Resolved};
use crate::definitions::schema::scenario::Scenario;
use crate::error::{ApiError, Rendered};
use crate::request::delay::Delay;
use crate::request::trigger::{Single, Trigger};

/// The trigger that answers this request.
#[derive(Debug)]
pub(super) struct Chosen<'d> {
    pub trigger: Arc<Trigger>,
    /// Each element resolved when the request sent the trigger (step 2 did
    /// it); a sticky or record trigger was checked when it was set or loaded.
    pub resolved: Option<Vec<Resolved<'d>>>,
    /// A sticky scenario's `delayMs`.
    pub sticky_delay: Option<Delay>,
}

/// Step 2, under the lock: the request's trigger, else the first sticky
/// scenario for this session (`take_sticky` counts it, so it is asked only
/// when the request sends none), else the record's `simulate`.
pub(super) fn choose_trigger<'d>(
    requested: Option<Requested<'d>>,
    take_sticky: impl FnOnce() -> Option<(Arc<Trigger>, Option<Delay>)>,
    record: Option<&Arc<Trigger>>,
) -> Option<Chosen<'d>> {
    if let Some(requested) = requested {
        return Some(Chosen {
            trigger: requested.trigger,
            resolved: Some(requested.resolved),
            sticky_delay: None,
        });
    }
    let (trigger, sticky_delay) = match take_sticky() {
        Some((trigger, delay)) => (trigger, delay),
        None => (record?.clone(), None),
    };
    Some(Chosen {
        trigger,
        resolved: None,
        sticky_delay,
    })
}

/// Step 3: the element that answers (its index and what it resolves to),
/// given the session's `step`; `None` once a sequence or `times=` is used up.
pub(super) fn element<'d>(
    catalogue: &'d Catalogue,
    chosen: &Chosen<'d>,
    step: Option<(usize, &Single)>,
) -> Result<Option<(usize, Resolved<'d>)>, ApiError> {
    let Some((index, single)) = step else {
        return Ok(None);
    };
    let resolved = match chosen.resolved.as_ref().and_then(|r| r.get(index)) {
        Some(resolved) => *resolved,
        None => catalogue.resolve(single, &chosen.trigger.raw)?,
    };
    Ok(Some((index, resolved)))
}

/// Step 3: what the element answers. A used-up trigger or an explicit 200 is
/// success, and the realistic conditions are skipped too; `error` renders a
/// scenario for the element at that index.
pub(super) fn answer<'d>(
    found: Option<(usize, Resolved<'d>)>,
    trigger: &Trigger,
    timeout_delay_ms: u64,
    error: impl FnOnce(&'d Scenario, usize) -> Rc<Rendered>,
) -> Answer {
    match found {
        Some((index, Resolved::Error(scenario))) => Answer {
            error: Some(error(scenario, index)),
            ..Answer::default()
        },
        Some((index, Resolved::Fault(fault))) => {
            let options = trigger.options_for(index);
            Answer {
                fault: Some(fault),
                fault_delay: (fault == Fault::Timeout)
                    .then(|| Duration::from_millis(timeout_delay_ms)),
                interval: match fault {
                    Fault::SlowBody => Duration::from_millis(u64::from(
                        options.interval_ms.unwrap_or(DEFAULT_SLOW_BODY_INTERVAL_MS),
                    )),
                    _ => Duration::ZERO,
                },
                ..Answer::default()
            }
        }
        Some((_, Resolved::Success)) | None => Answer::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Input;
    use crate::request::trigger;

    fn t(raw: &str) -> Arc<Trigger> {
        Arc::new(trigger::parse(raw, Input::Header("test")).unwrap())
    }

    #[test]
    fn the_request_s_trigger_wins_over_a_sticky_one_which_wins_over_the_record_s() {
        let record = t("404");
        let requested = || Requested {
            trigger: t("429"),
            resolved: vec![Resolved::Success],
        };
        let sticky = || Some((t("500"), Some(Delay::fixed(5))));
        let mut asked = false;
        let chosen = choose_trigger(
            Some(requested()),
            || {
                asked = true;
                sticky()
            },
            Some(&record),
        )
        .unwrap();
        assert_eq!(chosen.trigger.raw, "429");
        assert!(chosen.resolved.is_some());
        assert!(
            !asked,
            "a sticky scenario is not counted when the request sends one"
        );
        let chosen = choose_trigger(None, sticky, Some(&record)).unwrap();
        assert_eq!(
            (chosen.trigger.raw.as_str(), chosen.sticky_delay),
            ("500", Some(Delay::fixed(5)))
        );
        let chosen = choose_trigger(None, || None, Some(&record)).unwrap();
        assert_eq!(
            (chosen.trigger.raw.as_str(), chosen.sticky_delay),
            ("404", None)
        );
        assert!(choose_trigger(None, || None, None).is_none());
    }

    #[test]
    fn an_element_comes_from_the_requested_resolution_else_from_the_catalogue() {
        let (sources, problems) = crate::definitions::files::read_all(None);
        assert!(problems.is_empty(), "{problems:?}");
        let catalogue =
            Catalogue::build(&sources, crate::definitions::files::EMBEDDED.len()).unwrap();
        let trigger = t("TIMEOUT,500");
        let single = Single::Status(500);
        // Resolved already (as step 2 does): the kept resolution answers.
        let requested = Chosen {
            trigger: trigger.clone(),
            resolved: Some(vec![Resolved::Success, Resolved::Success]),
            sticky_delay: None,
        };
        let found = element(&catalogue, &requested, Some((1, &single))).unwrap();
        assert!(matches!(found, Some((1, Resolved::Success))));
        // A sticky or record trigger: the catalogue answers.
        let sticky = Chosen {
            resolved: None,
            ..requested
        };
        let found = element(&catalogue, &sticky, Some((1, &single))).unwrap();
        assert!(
            matches!(found, Some((1, Resolved::Error(s))) if s.code() == "INTERNAL_SERVER_ERROR")
        );
        assert!(
            element(&catalogue, &sticky, None).unwrap().is_none(),
            "used up"
        );
    }

    #[test]
    fn a_fault_element_sets_its_wait_or_interval_and_success_sets_nothing() {
        let trigger = t("SLOW_BODY; interval=50,TIMEOUT,SLOW_BODY");
        let no_error = |_: &Scenario, _: usize| -> Rc<Rendered> { unreachable!() };
        let timeout = answer(
            Some((1, Resolved::Fault(Fault::Timeout))),
            &trigger,
            7000,
            no_error,
        );
        assert_eq!(
            (timeout.fault, timeout.fault_delay, timeout.interval),
            (
                Some(Fault::Timeout),
                Some(Duration::from_millis(7000)),
                Duration::ZERO
            )
        );
        let slow = answer(
            Some((0, Resolved::Fault(Fault::SlowBody))),
            &trigger,
            7000,
            no_error,
        );
        assert_eq!(
            (slow.fault_delay, slow.interval),
            (None, Duration::from_millis(50))
        );
        let default = answer(
            Some((2, Resolved::Fault(Fault::SlowBody))),
            &trigger,
            7000,
            no_error,
        );
        assert_eq!(
            default.interval,
            Duration::from_millis(u64::from(DEFAULT_SLOW_BODY_INTERVAL_MS))
        );
        for found in [Some((0, Resolved::Success)), None] {
            let success = answer(found, &trigger, 7000, no_error);
            assert!(success.error.is_none() && success.fault.is_none());
        }
    }
}
