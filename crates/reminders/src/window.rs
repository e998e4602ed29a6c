//! The reminder window's state machine (docs/reminders.md#window-semantics): whether the window
//! should be visible, what it lists, and when it hides by itself. Events go in with the current
//! instant; the desired [`WindowView`] comes out. The shell makes the real window follow the view
//! and arms a timer for [`WindowView::hide_at`].

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::scheduler::Reminder;
use crate::state::{ReminderId, SnoozeChoice};

/// Default `reminders.autohide_seconds`.
pub const DEFAULT_AUTOHIDE_SECONDS: u32 = 15;

/// `reminders.autohide` and `reminders.autohide_seconds`. Whether the user may edit them
/// (policy lock) is the caller's business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowSettings {
    pub autohide: bool,
    pub autohide_seconds: u32,
}

impl Default for WindowSettings {
    fn default() -> Self {
        WindowSettings {
            autohide: false,
            autohide_seconds: DEFAULT_AUTOHIDE_SECONDS,
        }
    }
}

impl WindowSettings {
    /// The autohide delay; 0 is read as 1 second (a window that hides before it is drawn
    /// would be a reminder nobody sees).
    pub fn delay(&self) -> TimeDelta {
        TimeDelta::seconds(i64::from(self.autohide_seconds.max(1)))
    }
}

/// What happens to the window.
#[derive(Debug, Clone, PartialEq)]
pub enum WindowEvent {
    /// Reminders became due ([`crate::scheduler::Poll::newly_due`]). A reminder already listed
    /// is updated in place; either way the window is shown.
    ReminderDue(Vec<Reminder>),
    /// A listed reminder is no longer due without the user answering it (the item was deleted
    /// or moved, or its calendar's switch turned off). While the window is visible the row stays,
    /// marked withdrawn, until the user dismisses it; a hidden window drops it.
    ReminderWithdrawn(Vec<ReminderId>),
    UserDismiss(ReminderId),
    UserSnooze(ReminderId, SnoozeChoice),
    UserDismissAll,
    /// Any other touch of the window: a click, scrolling, hovering a row, "Open".
    UserInteracted,
    /// Time passes (the shell's timer for `hide_at`, or any periodic tick).
    Tick,
    FocusChanged,
    SyncCompleted,
    Suspended,
    Resumed,
    SettingsChanged {
        autohide: bool,
        autohide_seconds: u32,
    },
}

/// One row of the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedReminder {
    pub reminder: Reminder,
    /// The item was deleted or moved since the reminder was shown.
    pub withdrawn: bool,
}

/// What the window should look like now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowView {
    pub visible: bool,
    /// The listed (active) reminders, also when the window is hidden (tray badge, main window).
    pub reminders: Vec<ListedReminder>,
    /// When the window hides by itself (autohide on and visible); `None` otherwise.
    pub hide_at: Option<DateTime<Utc>>,
}

/// The state machine. See the crate documentation for the exact rules.
#[derive(Debug, Clone)]
pub struct ReminderWindow {
    settings: WindowSettings,
    listed: Vec<ListedReminder>,
    visible: bool,
    /// When the window was last shown or interacted with (the autohide clock starts here).
    touched_at: Option<DateTime<Utc>>,
    suspended: bool,
}

impl ReminderWindow {
    pub fn new(settings: WindowSettings) -> Self {
        ReminderWindow {
            settings,
            listed: Vec::new(),
            visible: false,
            touched_at: None,
            suspended: false,
        }
    }

    pub fn settings(&self) -> WindowSettings {
        self.settings
    }

    pub fn is_suspended(&self) -> bool {
        self.suspended
    }

    /// The current desired view.
    pub fn view(&self) -> WindowView {
        WindowView {
            visible: self.visible,
            reminders: self.listed.clone(),
            hide_at: self.hide_at(),
        }
    }

    /// When the window hides by itself, if it does.
    pub fn hide_at(&self) -> Option<DateTime<Utc>> {
        if self.visible && self.settings.autohide {
            self.touched_at.map(|t| t + self.settings.delay())
        } else {
            None
        }
    }

    fn touch(&mut self, now: DateTime<Utc>) {
        self.touched_at = Some(now);
    }

    fn remove(&mut self, id: &ReminderId) -> bool {
        let before = self.listed.len();
        self.listed.retain(|l| &l.reminder.id != id);
        before != self.listed.len()
    }

    fn after_user_answer(&mut self, now: DateTime<Utc>) {
        if self.listed.is_empty() {
            self.visible = false;
            self.touched_at = None;
        } else if self.visible {
            self.touch(now);
        }
    }

    /// Applies an event at `now` and returns the desired view.
    pub fn handle(&mut self, now: DateTime<Utc>, event: WindowEvent) -> WindowView {
        // A pending autohide deadline is honoured before anything else happens at `now`, so the
        // outcome does not depend on whether a Tick arrived first.
        self.expire(now);
        match event {
            WindowEvent::ReminderDue(reminders) => {
                if !reminders.is_empty() {
                    for r in reminders {
                        match self.listed.iter_mut().find(|l| l.reminder.id == r.id) {
                            Some(l) => {
                                l.reminder = r;
                                l.withdrawn = false;
                            }
                            None => self.listed.push(ListedReminder {
                                reminder: r,
                                withdrawn: false,
                            }),
                        }
                    }
                    self.listed.sort_by(|a, b| {
                        (a.reminder.alarm_at, a.reminder.start, &a.reminder.id).cmp(&(
                            b.reminder.alarm_at,
                            b.reminder.start,
                            &b.reminder.id,
                        ))
                    });
                    self.visible = true;
                    self.touch(now);
                }
            }
            WindowEvent::ReminderWithdrawn(ids) => {
                for id in ids {
                    if self.visible {
                        if let Some(l) = self.listed.iter_mut().find(|l| l.reminder.id == id) {
                            l.withdrawn = true;
                        }
                    } else {
                        self.remove(&id);
                    }
                }
            }
            WindowEvent::UserDismiss(id) | WindowEvent::UserSnooze(id, _) => {
                self.remove(&id);
                self.after_user_answer(now);
            }
            WindowEvent::UserDismissAll => {
                self.listed.clear();
                self.after_user_answer(now);
            }
            WindowEvent::UserInteracted => {
                if self.visible {
                    self.touch(now);
                }
            }
            WindowEvent::Tick | WindowEvent::FocusChanged | WindowEvent::SyncCompleted => {}
            WindowEvent::Suspended => self.suspended = true,
            WindowEvent::Resumed => self.suspended = false,
            WindowEvent::SettingsChanged {
                autohide,
                autohide_seconds,
            } => {
                let was_autohide = self.settings.autohide;
                self.settings = WindowSettings {
                    autohide,
                    autohide_seconds,
                };
                if autohide && !was_autohide && self.visible {
                    // The delay starts when autohide is switched on, not retroactively.
                    self.touch(now);
                }
                // A changed delay applies to the running countdown; it may already be over.
                self.expire(now);
            }
        }
        self.view()
    }

    fn expire(&mut self, now: DateTime<Utc>) {
        if self.hide_at().is_some_and(|h| now >= h) {
            self.visible = false;
            self.touched_at = None;
        }
    }
}
