//! Schedules in the core: the scheduler that [`Core::start_runner`] starts
//! (so `hookline serve` and the desktop app both fire schedule flows), the
//! designer's preview of a schedule's next fires, and the next fire that the
//! flows list shows.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hookline_engine::components::schedule::{next_fires, ScheduleSettings};
use hookline_engine::{Runner, Scheduler, SchedulerConfig, SystemClock};
use hookline_model::{timestamp, FlowSummary};
use serde::Serialize;
use serde_json::Value;

use crate::{ApiError, Core, ErrorCode, Result};

/// How many fires the designer's preview lists.
const PREVIEW_FIRES: usize = 5;

/// A schedule's next fires, as the designer shows them while its config is
/// typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct SchedulePreview {
    /// The IANA zone the schedule follows: the config's, or this machine's
    /// when it names none.
    pub timezone: String,
    /// The next fires, soonest first, as the zone's clock shows them
    /// (RFC 3339 with the zone's offset, `2026-03-29T03:00:00+02:00`): five
    /// for a cron expression, one for an `at` still to come, none for one
    /// that has passed.
    pub fires: Vec<String>,
}

impl Core {
    /// Starts the scheduler on the system clock; it stops with [`Core::shutdown`].
    pub(crate) fn start_scheduler(&self, runner: Arc<Runner>) {
        let scheduler = Scheduler::new(
            self.engine.clone(),
            self.store.clone(),
            runner,
            Arc::new(SystemClock),
            SchedulerConfig::default(),
        );
        scheduler.start(self.stop.clone());
    }

    /// The next five fires of a Schedule trigger's config (`cron` or `at`,
    /// `timezone`, `missed`) from now, or an `invalid_input` error that says
    /// what is wrong with it (an unreadable cron expression, an unknown
    /// zone, both or neither of `cron` and `at`).
    pub fn preview_schedule(&self, config: &Value) -> Result<SchedulePreview> {
        preview(config, Utc::now())
    }

    /// Gives each started schedule flow in `flows` its next fire. The plans
    /// of live versions are cached by the engine, so once they are compiled
    /// this reads no documents; a version that no longer compiles is left
    /// without one.
    pub(crate) async fn add_next_fires(&self, flows: &mut [FlowSummary]) {
        let now = Utc::now();
        for flow in flows.iter_mut().filter(|flow| flow.live) {
            let Some(version) = flow.latest_version else { continue };
            let Ok(plan) = self.version_plan(&flow.id, version).await else { continue };
            flow.next_fire_at =
                plan.trigger.schedule().and_then(|schedule| schedule.next_after(now)).map(|at| timestamp(at.into()));
        }
    }
}

/// [`Core::preview_schedule`] from `now`.
fn preview(config: &Value, now: DateTime<Utc>) -> Result<SchedulePreview> {
    let settings =
        ScheduleSettings::from_config(config).map_err(|message| ApiError::new(ErrorCode::InvalidInput, message))?;
    let fires = next_fires(&settings, now, PREVIEW_FIRES).into_iter().map(|at| settings.local_text(at)).collect();
    Ok(SchedulePreview { timezone: settings.timezone.name().to_string(), fires })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_preview_lists_five_fires_on_the_zones_clock() {
        let config = json!({"cron": "30 2 * * *", "timezone": "Europe/Berlin"});
        let preview = preview(&config, utc("2026-03-27T12:00:00Z")).unwrap();
        assert_eq!(preview.timezone, "Europe/Berlin");
        assert_eq!(
            preview.fires,
            [
                "2026-03-28T02:30:00+01:00",
                "2026-03-29T03:00:00+02:00",
                "2026-03-30T02:30:00+02:00",
                "2026-03-31T02:30:00+02:00",
                "2026-04-01T02:30:00+02:00",
            ],
            "the night the clocks skip 02:30 shows the fire at 03:00"
        );
    }

    #[test]
    fn an_at_previews_once_until_it_passes() {
        let config = json!({"at": "2026-12-24T18:00:00", "timezone": "UTC"});
        assert_eq!(preview(&config, utc("2026-01-01T00:00:00Z")).unwrap().fires, ["2026-12-24T18:00:00+00:00"]);
        assert!(preview(&config, utc("2026-12-25T00:00:00Z")).unwrap().fires.is_empty());
    }

    #[test]
    fn an_invalid_config_is_invalid_input_that_says_why() {
        let error = preview(&json!({"cron": "0 25 * * *"}), utc("2026-01-01T00:00:00Z")).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert!(error.message.contains("\"0 25 * * *\""), "{}", error.message);
        let error =
            preview(&json!({"cron": "0 9 * * *", "timezone": "Nowhere"}), utc("2026-01-01T00:00:00Z")).unwrap_err();
        assert!(error.message.contains("unknown time zone"), "{}", error.message);
    }
}
