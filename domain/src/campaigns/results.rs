//! What a phishing campaign's results are, and how they are counted.
//!
//! Per recipient, the first time of each milestone — opened, clicked,
//! submitted, reported — by a person (`*_at`) and by anyone, machines
//! included (`*_any_at`), and how many events of each kind people and
//! machines caused. A recipient's milestones are a pure function of its
//! events ([`milestones`]); late events (after the campaign completed) are
//! kept and shown, never counted.
//!
//! Per campaign (and per department and scenario), counters updated with
//! each event by the difference it made ([`Tally`]), so that a summary at
//! 100,000 recipients costs what it costs at 10. The rates, all over the
//! recipients **delivered** (accepted by the relay):
//!
//! - open, click, submit rate: recipients with a human open, click,
//!   submission;
//! - **phish-prone percentage**: recipients with a human click or a human
//!   submission;
//! - **report rate**: recipients who reported the message.

use chrono::{DateTime, Utc};

use super::classify::{Classification, EventKind};
use crate::spelling::spelled_enum;

spelled_enum! {
    /// Where a recipient's message stands.
    pub enum DeliveryStatus {
        /// Not sent yet (waiting for its time, or for a retry).
        Pending => "pending",
        /// Claimed by a sender that is sending it now.
        Sending => "sending",
        /// Accepted by the relay.
        Sent => "sent",
        /// Refused by the relay for good (5xx, or every retry used).
        Failed => "failed",
        /// Never sent: its account was deactivated or deleted after launch.
        Skipped => "skipped",
        /// Never sent: the campaign was cancelled first.
        Cancelled => "cancelled",
    }
}

spelled_enum! {
    /// What a row of a campaign's counters counts.
    pub enum Breakdown {
        /// The whole campaign.
        All => "all",
        /// One department (recipients without one are counted under "").
        Department => "department",
        /// One scenario.
        Scenario => "scenario",
    }
}

spelled_enum! {
    /// The recipient filter of results. The filters overlap: a recipient
    /// who clicked and then reported is found by both.
    pub enum Outcome {
        /// A human click.
        Clicked => "clicked",
        /// A human submission of the landing form.
        Submitted => "submitted",
        /// Reported the message.
        Reported => "reported",
        /// Delivered, and no human click, submission or report.
        NoAction => "no_action",
        /// The relay refused the message.
        Failed => "failed",
    }
}

/// One event of a recipient, as milestones read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackedEvent {
    /// What happened.
    pub kind: EventKind,
    /// By whom.
    pub classification: Classification,
    /// When.
    pub at: DateTime<Utc>,
    /// After the campaign completed: kept, not counted.
    pub late: bool,
}

/// A recipient's milestones and event counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Milestones {
    /// First human open.
    pub opened_at: Option<DateTime<Utc>>,
    /// First open by anyone.
    pub opened_any_at: Option<DateTime<Utc>>,
    /// First human click.
    pub clicked_at: Option<DateTime<Utc>>,
    /// First click by anyone.
    pub clicked_any_at: Option<DateTime<Utc>>,
    /// First human submission.
    pub submitted_at: Option<DateTime<Utc>>,
    /// First submission by anyone.
    pub submitted_any_at: Option<DateTime<Utc>>,
    /// First report.
    pub reported_at: Option<DateTime<Utc>>,
    /// First human click or submission: the recipient is phish-prone.
    pub prone_at: Option<DateTime<Utc>>,
    /// Human opens.
    pub opens_human: i64,
    /// Automated opens.
    pub opens_automated: i64,
    /// Human clicks.
    pub clicks_human: i64,
    /// Automated clicks.
    pub clicks_automated: i64,
    /// Human submissions.
    pub submissions_human: i64,
    /// Automated submissions.
    pub submissions_automated: i64,
    /// Reports (human ones; a report from a denied source is automated and not counted here).
    pub reports: i64,
    /// Human events of every kind.
    pub events_human: i64,
    /// Automated events of every kind (honeypot hits included).
    pub events_automated: i64,
}

fn earliest(current: &mut Option<DateTime<Utc>>, at: DateTime<Utc>) {
    if current.is_none_or(|c| at < c) {
        *current = Some(at);
    }
}

/// A recipient's milestones from all its events (in any order).
pub fn milestones(events: &[TrackedEvent]) -> Milestones {
    let mut m = Milestones::default();
    for event in events.iter().filter(|e| !e.late) {
        let human = event.classification == Classification::Human;
        if human {
            m.events_human += 1;
        } else {
            m.events_automated += 1;
        }
        let (first_human, first_any, human_count, automated_count) = match event.kind {
            EventKind::Opened => (&mut m.opened_at, &mut m.opened_any_at, &mut m.opens_human, &mut m.opens_automated),
            EventKind::Clicked => {
                (&mut m.clicked_at, &mut m.clicked_any_at, &mut m.clicks_human, &mut m.clicks_automated)
            }
            EventKind::Submitted => {
                (&mut m.submitted_at, &mut m.submitted_any_at, &mut m.submissions_human, &mut m.submissions_automated)
            }
            EventKind::Reported => {
                if human {
                    earliest(&mut m.reported_at, event.at);
                    m.reports += 1;
                }
                continue;
            }
            EventKind::Honeypot => continue,
        };
        earliest(first_any, event.at);
        if human {
            earliest(first_human, event.at);
            *human_count += 1;
            if matches!(event.kind, EventKind::Clicked | EventKind::Submitted) {
                earliest(&mut m.prone_at, event.at);
            }
        } else {
            *automated_count += 1;
        }
    }
    m
}

/// What one recipient adds to a campaign's counters: 1 per milestone
/// reached, plus its event counts. The difference of two tallies is what a
/// counter changes by when a recipient's events change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Recipients with a human open.
    pub opened: i64,
    /// Recipients with an open by anyone.
    pub opened_any: i64,
    /// Recipients with a human click.
    pub clicked: i64,
    /// Recipients with a click by anyone.
    pub clicked_any: i64,
    /// Recipients with a human submission.
    pub submitted: i64,
    /// Recipients with a submission by anyone.
    pub submitted_any: i64,
    /// Recipients who reported.
    pub reported: i64,
    /// Recipients with a human click or submission.
    pub phish_prone: i64,
    /// Human events.
    pub events_human: i64,
    /// Automated events.
    pub events_automated: i64,
}

impl Milestones {
    /// This recipient's share of the counters.
    pub fn tally(&self) -> Tally {
        let one = |at: Option<DateTime<Utc>>| i64::from(at.is_some());
        Tally {
            opened: one(self.opened_at),
            opened_any: one(self.opened_any_at),
            clicked: one(self.clicked_at),
            clicked_any: one(self.clicked_any_at),
            submitted: one(self.submitted_at),
            submitted_any: one(self.submitted_any_at),
            reported: one(self.reported_at),
            phish_prone: one(self.prone_at),
            events_human: self.events_human,
            events_automated: self.events_automated,
        }
    }
}

impl Tally {
    /// `self − before`, field by field.
    #[must_use]
    pub fn minus(&self, before: &Self) -> Self {
        Self {
            opened: self.opened - before.opened,
            opened_any: self.opened_any - before.opened_any,
            clicked: self.clicked - before.clicked,
            clicked_any: self.clicked_any - before.clicked_any,
            submitted: self.submitted - before.submitted,
            submitted_any: self.submitted_any - before.submitted_any,
            reported: self.reported - before.reported,
            phish_prone: self.phish_prone - before.phish_prone,
            events_human: self.events_human - before.events_human,
            events_automated: self.events_automated - before.events_automated,
        }
    }

    /// Whether nothing changes.
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }
}

/// The counters of a campaign (or of one department or scenario of it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Recipients planned.
    pub recipients: i64,
    /// Messages accepted by the relay.
    pub sent: i64,
    /// Messages the relay refused for good.
    pub failed: i64,
    /// Milestones and events.
    pub tally: Tally,
}

/// The rates of a campaign, each a percentage of the recipients delivered
/// (rounded to one decimal); `None` while nothing was delivered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// Recipients with a human open.
    pub open_rate: Option<f64>,
    /// Recipients with a human click.
    pub click_rate: Option<f64>,
    /// Recipients with a human submission.
    pub submit_rate: Option<f64>,
    /// Recipients with a human click or a human submission.
    pub phish_prone_percentage: Option<f64>,
    /// Recipients who reported.
    pub report_rate: Option<f64>,
}

/// `part` of `whole` in percent, to one decimal; `None` when `whole` is 0.
pub fn percentage(part: i64, whole: i64) -> Option<f64> {
    if whole <= 0 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let exact = part as f64 * 100.0 / whole as f64;
    Some((exact * 10.0).round() / 10.0)
}

impl Counters {
    /// The rates these counters give.
    pub fn rates(&self) -> Rates {
        let of = |part| percentage(part, self.sent);
        Rates {
            open_rate: of(self.tally.opened),
            click_rate: of(self.tally.clicked),
            submit_rate: of(self.tally.submitted),
            phish_prone_percentage: of(self.tally.phish_prone),
            report_rate: of(self.tally.reported),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap_or_default()
    }

    fn event(kind: EventKind, classification: Classification, seconds: i64) -> TrackedEvent {
        TrackedEvent { kind, classification, at: at(seconds), late: false }
    }

    #[test]
    fn a_scanner_click_counts_as_raw_but_not_as_a_person() {
        let events = [
            event(EventKind::Clicked, Classification::Automated, 2),
            event(EventKind::Honeypot, Classification::Automated, 2),
            event(EventKind::Opened, Classification::Human, 600),
        ];
        let m = milestones(&events);
        assert_eq!((m.clicked_at, m.clicked_any_at, m.prone_at), (None, Some(at(2)), None));
        assert_eq!((m.opened_at, m.events_human, m.events_automated), (Some(at(600)), 1, 2));
        assert_eq!(m.tally().phish_prone, 0);
    }

    #[test]
    fn first_times_are_the_earliest_whatever_the_order_and_late_events_do_not_count() {
        let events = [
            event(EventKind::Submitted, Classification::Human, 500),
            event(EventKind::Clicked, Classification::Human, 400),
            event(EventKind::Clicked, Classification::Human, 450),
            TrackedEvent { late: true, ..event(EventKind::Reported, Classification::Human, 900) },
        ];
        let m = milestones(&events);
        assert_eq!((m.clicked_at, m.submitted_at, m.prone_at), (Some(at(400)), Some(at(500)), Some(at(400))));
        assert_eq!((m.clicks_human, m.submissions_human, m.reports, m.reported_at), (2, 1, 0, None));
    }

    #[test]
    fn rates_are_of_the_delivered_and_absent_before_any_delivery() {
        let counters = Counters {
            recipients: 50,
            sent: 48,
            failed: 2,
            tally: Tally { clicked: 3, submitted: 1, phish_prone: 3, reported: 1, ..Tally::default() },
        };
        let rates = counters.rates();
        assert_eq!(rates.phish_prone_percentage, Some(6.3));
        assert_eq!(rates.report_rate, Some(2.1));
        assert_eq!(Counters::default().rates().click_rate, None);
    }

    fn any_event() -> impl Strategy<Value = TrackedEvent> {
        (0_usize..5, any::<bool>(), 0_i64..10_000, any::<bool>()).prop_map(|(kind, human, seconds, late)| {
            let kinds =
                [EventKind::Opened, EventKind::Clicked, EventKind::Submitted, EventKind::Reported, EventKind::Honeypot];
            let classification = if human { Classification::Human } else { Classification::Automated };
            TrackedEvent { kind: kinds[kind], classification, at: at(seconds), late }
        })
    }

    proptest! {
        /// Counters kept by adding each change's difference equal the
        /// counters recounted from scratch, whatever the order events came in.
        #[test]
        fn adding_differences_equals_recounting(events in proptest::collection::vec(any_event(), 0..30)) {
            let mut kept = Tally::default();
            let mut before = Milestones::default().tally();
            for n in 1..=events.len() {
                let after = milestones(&events[..n]).tally();
                let delta = after.minus(&before);
                kept = Tally {
                    opened: kept.opened + delta.opened,
                    clicked_any: kept.clicked_any + delta.clicked_any,
                    phish_prone: kept.phish_prone + delta.phish_prone,
                    events_automated: kept.events_automated + delta.events_automated,
                    ..kept
                };
                before = after;
            }
            let recount = milestones(&events).tally();
            prop_assert_eq!(kept.opened, recount.opened);
            prop_assert_eq!(kept.clicked_any, recount.clicked_any);
            prop_assert_eq!(kept.phish_prone, recount.phish_prone);
            prop_assert_eq!(kept.events_automated, recount.events_automated);
            prop_assert!(recount.phish_prone <= 1 && recount.clicked <= recount.clicked_any);
        }
    }
}
