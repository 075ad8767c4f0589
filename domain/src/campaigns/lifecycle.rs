//! The campaign state machine and what may be edited in each state.
//!
//! ```text
//! draft ──launch──▶ scheduled ──(start is due)──▶ sending ◀──resume── paused
//!   │                  │                          │  └──pause──▶  │
//!   │ launch (start due)                          │ (last message out)
//!   └──────────────────────────────────────────▶  ▼
//!                                              tracking ──(tracking_days over, or complete)──▶ completed
//! cancel: from draft, scheduled, sending or paused ──▶ cancelled
//! complete: from sending, paused or tracking (ends it early; nothing more is sent)
//! ```
//!
//! People move a campaign only through [`Command`]s; the system moves it
//! through [`SystemEvent`]s (the job runner starting a scheduled campaign,
//! the sender finishing, the tracking period ending).

use crate::spelling::spelled_enum;

spelled_enum! {
    /// Where a campaign stands.
    pub enum CampaignStatus {
        /// Being written; nothing is planned.
        Draft => "draft",
        /// Launched; recipients and send times are planned; sending starts when due.
        Scheduled => "scheduled",
        /// Messages are going out.
        Sending => "sending",
        /// Sending is held; resume continues where it stopped.
        Paused => "paused",
        /// Every message is out; results are still collected.
        Tracking => "tracking",
        /// Over; results are final.
        Completed => "completed",
        /// Stopped for good; nothing more is sent.
        Cancelled => "cancelled",
    }
}

/// The groups the console counts campaigns in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Draft or scheduled.
    NotStarted,
    /// Under way: sending or tracking.
    Active,
    /// Paused.
    Paused,
    /// Completed or cancelled.
    Ended,
}

spelled_enum! {
    /// What a person can ask of a campaign (`POST …/campaigns/{id}/<command>`).
    pub enum Command {
        /// Plan it and start it (now, or when its start is due).
        Launch => "launch",
        /// Hold sending.
        Pause => "pause",
        /// Continue sending.
        Resume => "resume",
        /// Stop it for good.
        Cancel => "cancel",
        /// End it now: nothing more is sent, results become final.
        Complete => "complete",
    }
}

/// What the system does to a campaign on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemEvent {
    /// A scheduled campaign's start is due.
    StartDue,
    /// The last planned message is out.
    SendingFinished,
    /// `tracking_days` after the last send have passed.
    TrackingOver,
}

/// A command the machine does not allow in the campaign's state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} campaign cannot {command}")]
pub struct IllegalTransition {
    /// The state the campaign is in.
    pub from: CampaignStatus,
    /// What was asked.
    pub command: Command,
    /// The commands that state allows.
    pub allowed: Vec<Command>,
}

impl CampaignStatus {
    /// The commands a person may give a campaign in this state.
    pub fn allowed_commands(self) -> Vec<Command> {
        Command::ALL.iter().copied().filter(|command| self.after(*command, false).is_some()).collect()
    }

    /// How the console counts a campaign in this state ("Active campaigns:
    /// 11 · 2 paused · 1 not started").
    pub fn phase(self) -> Phase {
        match self {
            Self::Draft | Self::Scheduled => Phase::NotStarted,
            Self::Sending | Self::Tracking => Phase::Active,
            Self::Paused => Phase::Paused,
            Self::Completed | Self::Cancelled => Phase::Ended,
        }
    }

    /// Whether it has not started: draft or scheduled.
    pub fn is_not_started(self) -> bool {
        self.phase() == Phase::NotStarted
    }

    fn after(self, command: Command, start_due: bool) -> Option<Self> {
        use CampaignStatus::*;
        match (self, command) {
            (Draft, Command::Launch) => Some(if start_due { Sending } else { Scheduled }),
            (Sending, Command::Pause) => Some(Paused),
            (Paused, Command::Resume) => Some(Sending),
            (Draft | Scheduled | Sending | Paused, Command::Cancel) => Some(Cancelled),
            (Sending | Paused | Tracking, Command::Complete) => Some(Completed),
            _ => None,
        }
    }

    /// The state after `command`; `start_due` says whether a launched
    /// campaign's start has come (then it sends at once, else it is
    /// scheduled).
    pub fn apply(self, command: Command, start_due: bool) -> Result<Self, IllegalTransition> {
        self.after(command, start_due).ok_or_else(|| IllegalTransition {
            from: self,
            command,
            allowed: self.allowed_commands(),
        })
    }

    /// The state after a system event; `None` when the event does not apply
    /// (a start that comes after the campaign was cancelled, say), which is
    /// not an error: the system simply has nothing to do.
    pub fn on(self, event: SystemEvent) -> Option<Self> {
        match (self, event) {
            (Self::Scheduled, SystemEvent::StartDue) => Some(Self::Sending),
            (Self::Sending, SystemEvent::SendingFinished) => Some(Self::Tracking),
            (Self::Tracking, SystemEvent::TrackingOver) => Some(Self::Completed),
            _ => None,
        }
    }
}

spelled_enum! {
    /// The parts of a campaign an edit can touch.
    pub enum CampaignField {
        /// Its name.
        Name => "name",
        /// Its scenarios.
        Scenarios => "scenario_ids",
        /// Its language.
        Language => "language",
        /// Whom it targets.
        Targets => "targets",
        /// When and how fast it sends (all of the schedule but `tracking_days`).
        Schedule => "schedule",
        /// Days of tracking after the last send.
        TrackingDays => "tracking_days",
    }
}

/// An edit the campaign's state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} cannot be changed in a {status} campaign{}", reason_suffix(*.status))]
pub struct EditRefused {
    /// The campaign's state.
    pub status: CampaignStatus,
    /// The first field that may not change.
    pub field: CampaignField,
}

fn reason_suffix(status: CampaignStatus) -> &'static str {
    match status {
        CampaignStatus::Scheduled => " (a scheduled campaign takes changes to its schedule and targets only)",
        CampaignStatus::Sending | CampaignStatus::Paused | CampaignStatus::Tracking => {
            " (after launch, only tracking_days can be extended)"
        }
        _ => "",
    }
}

/// Checks an edit of `fields`; `tracking_days` is `(current, asked)` when it
/// changes. Anything goes in a draft; a scheduled campaign takes its
/// schedule and targets (its recipients and send times are planned again);
/// once sending has started only a longer tracking period; an ended one
/// nothing.
pub fn check_edit(
    status: CampaignStatus,
    fields: &[CampaignField],
    tracking_days: Option<(u8, u8)>,
) -> Result<(), EditRefused> {
    use CampaignStatus::*;
    for &field in fields {
        let allowed = match (status, field) {
            (Draft, _) => true,
            (Scheduled, CampaignField::Schedule | CampaignField::Targets | CampaignField::TrackingDays) => true,
            (Sending | Paused | Tracking, CampaignField::TrackingDays) => {
                tracking_days.is_some_and(|(current, asked)| asked >= current)
            }
            _ => false,
        };
        if !allowed {
            return Err(EditRefused { status, field });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use CampaignStatus::*;

    #[test]
    fn launching_schedules_or_sends_by_whether_the_start_is_due() {
        assert_eq!(Draft.apply(Command::Launch, false), Ok(Scheduled));
        assert_eq!(Draft.apply(Command::Launch, true), Ok(Sending));
        assert_eq!(Scheduled.on(SystemEvent::StartDue), Some(Sending));
        assert_eq!(Cancelled.on(SystemEvent::StartDue), None);
    }

    #[test]
    fn pause_and_resume_alternate_and_cancel_stops_before_tracking() {
        assert_eq!(Sending.apply(Command::Pause, false), Ok(Paused));
        assert_eq!(Paused.apply(Command::Resume, false), Ok(Sending));
        for from in [Draft, Scheduled, Sending, Paused] {
            assert_eq!(from.apply(Command::Cancel, false), Ok(Cancelled));
        }
        let refused = Tracking.apply(Command::Cancel, false).unwrap_err();
        assert_eq!(refused.allowed, vec![Command::Complete]);
        assert_eq!(Completed.allowed_commands(), vec![]);
        assert_eq!(Draft.allowed_commands(), vec![Command::Launch, Command::Cancel]);
        assert_eq!(Sending.allowed_commands(), vec![Command::Pause, Command::Cancel, Command::Complete]);
    }

    #[test]
    fn the_console_counts_sending_and_tracking_as_active() {
        let phases: Vec<Phase> = CampaignStatus::ALL.iter().map(|s| s.phase()).collect();
        use Phase::*;
        assert_eq!(phases, [NotStarted, NotStarted, Active, Paused, Active, Ended, Ended]);
    }

    #[test]
    fn the_system_moves_sending_to_tracking_to_completed() {
        assert_eq!(Sending.on(SystemEvent::SendingFinished), Some(Tracking));
        assert_eq!(Tracking.on(SystemEvent::TrackingOver), Some(Completed));
        assert_eq!(Paused.on(SystemEvent::TrackingOver), None);
    }

    #[test]
    fn edits_narrow_as_the_campaign_advances() {
        use CampaignField::*;
        assert!(check_edit(Draft, &[Name, Scenarios, Language, Targets, Schedule], None).is_ok());
        assert!(check_edit(Scheduled, &[Schedule, Targets], None).is_ok());
        assert_eq!(check_edit(Scheduled, &[Targets, Name], None), Err(EditRefused { status: Scheduled, field: Name }));
        assert!(check_edit(Sending, &[TrackingDays], Some((7, 14))).is_ok());
        assert!(check_edit(Tracking, &[TrackingDays], Some((7, 3))).is_err());
        assert!(check_edit(Paused, &[Targets], None).is_err());
        assert!(check_edit(Completed, &[TrackingDays], Some((7, 14))).is_err());
    }
}
