//! Native notifications for finished complaints, grouped when many finish together so a
//! burst of 50 enrichments is one "50 complaints analysed", not 50 pop-ups.
//!
//! The grouping ([`Grouper`], [`summarise`]) is pure and takes the clock as an argument,
//! so it is tested without timers; [`show`] is the only part that talks to the OS.

use std::time::{Duration, Instant};

/// How long to wait after a complaint finishes for others to join its notification.
pub const GROUP_WINDOW: Duration = Duration::from_secs(2);
/// At most this many references are listed in a grouped notification's body.
const MAX_LISTED: usize = 5;

/// How a complaint's processing ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `complaint.enriched`: the analysis is ready.
    Analysed,
    /// `complaint.status_changed` to `failed`: attempts exhausted.
    Failed,
    /// `complaint.message` from the reporter of a portal complaint whose case is the user's.
    ReporterReplied,
}

/// One finished complaint worth telling the user about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub id: uuid::Uuid,
    pub reference: String,
    pub outcome: Outcome,
}

/// The text of one notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
    /// What activating it opens: the one complaint, or (`None`) the complaint list.
    pub open: Option<uuid::Uuid>,
}

/// Collects finished complaints and says when a group is due: [`GROUP_WINDOW`] after the
/// first one of the group, so a steady trickle still yields a notice every ~2 s.
#[derive(Debug, Default)]
pub struct Grouper {
    items: Vec<Finished>,
    due: Option<Instant>,
}

impl Grouper {
    /// An empty grouper.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an item finished at `now`; returns when the current group is due.
    pub fn push(&mut self, now: Instant, item: Finished) -> Instant {
        self.items.push(item);
        *self.due.get_or_insert(now + GROUP_WINDOW)
    }

    /// When the current group is due, if one is open.
    pub fn due(&self) -> Option<Instant> {
        self.due
    }

    /// The group, if it is due at `now`; the grouper is then empty again.
    pub fn take_due(&mut self, now: Instant) -> Option<Vec<Finished>> {
        match self.due {
            Some(due) if now >= due => {
                self.due = None;
                Some(std::mem::take(&mut self.items))
            }
            _ => None,
        }
    }
}

/// The notification for a group of finished complaints; `None` for an empty group.
pub fn summarise(items: &[Finished]) -> Option<Notice> {
    let analysed = items
        .iter()
        .filter(|i| i.outcome == Outcome::Analysed)
        .count();
    let failed = items
        .iter()
        .filter(|i| i.outcome == Outcome::Failed)
        .count();
    let replied = items.len() - analysed - failed;
    let notice = match (items, analysed, failed) {
        ([], _, _) => return None,
        ([one], 0, 0) => Notice {
            title: "Reporter replied".into(),
            body: format!("The reporter of {} wrote back.", one.reference),
            open: Some(one.id),
        },
        (_, 0, 0) => Notice {
            title: format!("{replied} reporters replied"),
            body: list(items),
            open: None,
        },
        ([one], 1, 0) => Notice {
            title: "Complaint analysed".into(),
            body: format!("{} is ready to review.", one.reference),
            open: Some(one.id),
        },
        ([one], 0, 1) => Notice {
            title: "Complaint analysis failed".into(),
            body: format!(
                "{} could not be analysed. It can be reprocessed.",
                one.reference
            ),
            open: Some(one.id),
        },
        (_, a, 0) => Notice {
            title: format!("{a} complaints analysed"),
            body: list(items),
            open: None,
        },
        (_, 0, f) => Notice {
            title: format!("{f} complaints failed"),
            body: list(items),
            open: None,
        },
        (_, a, f) => Notice {
            title: format!("{a} complaints analysed, {f} failed"),
            body: list(items),
            open: None,
        },
    };
    Some(notice)
}

/// "ADU-1, ADU-2, ADU-3 and 9 more", failures listed first because they need action.
fn list(items: &[Finished]) -> String {
    let mut refs: Vec<&Finished> = items.iter().collect();
    refs.sort_by_key(|i| i.outcome != Outcome::Failed);
    let shown: Vec<String> = refs
        .iter()
        .take(MAX_LISTED)
        .map(|i| match i.outcome {
            Outcome::Failed => format!("{} (failed)", i.reference),
            Outcome::ReporterReplied => format!("{} (reporter replied)", i.reference),
            Outcome::Analysed => i.reference.clone(),
        })
        .collect();
    let rest = items.len().saturating_sub(MAX_LISTED);
    if rest > 0 {
        format!("{} and {rest} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Show a native notification and, where the platform reports it (freedesktop servers
/// such as GNOME, KDE or dunst), call `on_open` when the user activates it. Blocking (D-Bus
/// on Linux, until the notification closes), so call it off the async runtime.
pub fn show(
    notice: &Notice,
    on_open: impl FnOnce() + Send + 'static,
) -> Result<(), notify_rust::error::Error> {
    let mut n = notify_rust::Notification::new();
    n.appname("Aduan").summary(&notice.title).body(&notice.body);
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        // "default" is the action a click on the notification's body triggers.
        let handle = n.action("default", "Open").show()?;
        handle.wait_for_action(|action| {
            if action == "default" {
                on_open();
            }
        });
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    {
        // Windows and macOS toasts do not report activation through notify-rust.
        drop(on_open);
        n.show()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
