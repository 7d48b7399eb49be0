//! What a compiled flow knows about its trigger. Each trigger component parses
//! its own config into its variant here, once, when a version is compiled;
//! callers match on the variant, never on a component id.

use hookline_model::{FlowDocument, Step};

use crate::catalog::Catalog;
pub use crate::components::event::EventSettings;
pub use crate::components::manual::ManualSettings;
pub use crate::components::schedule::{Missed, ScheduleSettings, When};
pub use crate::components::webhook::{
    ButtonForm, ButtonSettings, Pick, Placement, RespondMode, Selection, WebhookSettings,
};

/// A trigger's typed settings.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerSettings {
    Webhook(WebhookSettings),
    Manual(ManualSettings),
    Schedule(ScheduleSettings),
    Event(EventSettings),
}

impl TriggerSettings {
    /// The webhook's settings, when the flow starts from a hook.
    pub fn webhook(&self) -> Option<&WebhookSettings> {
        match self {
            TriggerSettings::Webhook(settings) => Some(settings),
            TriggerSettings::Manual(_) | TriggerSettings::Schedule(_) | TriggerSettings::Event(_) => None,
        }
    }

    /// The schedule's settings, when the flow starts on a schedule.
    pub fn schedule(&self) -> Option<&ScheduleSettings> {
        match self {
            TriggerSettings::Schedule(settings) => Some(settings),
            TriggerSettings::Webhook(_) | TriggerSettings::Manual(_) | TriggerSettings::Event(_) => None,
        }
    }

    /// The event's settings, when the flow starts on a custom event.
    pub fn event(&self) -> Option<&EventSettings> {
        match self {
            TriggerSettings::Event(settings) => Some(settings),
            TriggerSettings::Webhook(_) | TriggerSettings::Manual(_) | TriggerSettings::Schedule(_) => None,
        }
    }

    /// The slug naming the flow's hook URL, when it has one.
    pub fn slug(&self) -> Option<&str> {
        self.webhook().and_then(|w| w.slug.as_deref())
    }
}

/// Parses a trigger component's settings through the catalog.
pub type ParseSettings = fn(&Step) -> Result<TriggerSettings, String>;

impl Catalog {
    /// The document's trigger step (the first step whose component is a trigger).
    pub fn trigger_step<'d>(&self, document: &'d FlowDocument) -> Option<&'d Step> {
        document.steps.iter().find(|s| self.get(&s.component).is_some_and(|c| c.is_trigger()))
    }

    /// The document's trigger settings, read by its component; `None` when it
    /// has no trigger or its config does not read (a draft may be unfinished).
    pub fn trigger_settings(&self, document: &FlowDocument) -> Option<TriggerSettings> {
        let step = self.trigger_step(document)?;
        let parse = self.get(&step.component)?.trigger_settings?;
        parse(step).ok()
    }
}
