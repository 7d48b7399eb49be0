//! The Custom Event trigger: starts the flow whenever its event is emitted,
//! by an Emit Event step of another flow or by `POST /events/{name}`. Its
//! output is the event: `{name, payload, emittedBy}`.

use hookline_model::{ComponentKind, Step};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{empty_object_schema, Describe};
use crate::catalog::Component;
use crate::trigger::TriggerSettings;

/// What an event name may be: it travels in a URL (`/events/{name}`).
pub const NAME_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$";

/// Whether `name` is a usable event name (see [`NAME_PATTERN`]).
pub fn is_event_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'))
}

/// The Event trigger's settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSettings {
    /// The event that starts the flow.
    pub name: String,
}

impl EventSettings {
    fn from_step(step: &Step) -> Result<EventSettings, String> {
        let config = step.config.clone().unwrap_or_else(|| json!({}));
        let settings: EventSettings =
            serde_json::from_value(config).map_err(|e| format!("the event trigger's settings do not read: {e}"))?;
        if !is_event_name(&settings.name) {
            return Err(format!(
                "{:?} is not an event name: use letters, digits, '.', '_', ':' and '-', up to 128",
                settings.name
            ));
        }
        Ok(settings)
    }
}

pub(crate) fn component() -> Component {
    let descriptor = Describe {
        id: "event",
        kind: ComponentKind::Trigger,
        title: "Custom event",
        description: "Starts the flow whenever an event of this name is emitted: by an Emit Event step of another flow, or by POST /events/{name}.",
        icon: "radio",
    }
    .build(
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["name"],
            "properties": {
                "name": {
                    "title": "Event name",
                    "description": "The event that starts the flow, such as order.created.",
                    "type": "string", "pattern": NAME_PATTERN
                }
            }
        }),
        empty_object_schema(),
        json!({
            "name": "order.created",
            "payload": {"orderId": 1042, "total": 99.5},
            "emittedBy": {"source": "flow", "flowId": "flw_shop", "executionId": "exe_01", "stepId": "stp_emit", "depth": 1}
        }),
    );
    let mut component = Component::new(descriptor, None);
    component.output_schema = Some(output_schema);
    component.trigger_settings = Some(|step| EventSettings::from_step(step).map(TriggerSettings::Event));
    component
}

/// `{name, payload, emittedBy}`, with the configured name.
fn output_schema(config: &Value, _hook_path: &str, example: &Value) -> Value {
    let name = config.get("name").cloned().unwrap_or_else(|| example["name"].clone());
    json!({
        "type": "object",
        "required": ["name", "payload", "emittedBy"],
        "properties": {
            "name": {"const": name},
            "payload": {"default": example["payload"]},
            "emittedBy": {
                "type": "object",
                "properties": {
                    "source": {"enum": ["flow", "listener"]},
                    "flowId": {"type": "string"},
                    "executionId": {"type": "string"},
                    "stepId": {"type": "string"},
                    "depth": {"type": "integer", "minimum": 1}
                },
                "default": example["emittedBy"]
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_travel_in_urls() {
        for good in ["order.created", "a", "build:done", "x-1_2"] {
            assert!(is_event_name(good), "{good}");
        }
        for bad in ["", ".hidden", "has space", "a/b", "ü", &"a".repeat(129)] {
            assert!(!is_event_name(bad), "{bad}");
        }
    }
}
