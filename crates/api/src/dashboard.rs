//! The dashboard: per flow, whether it is live, how today went, its last run,
//! its next scheduled fire and its last 24 hours, hour by hour.

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, Local, SecondsFormat, TimeZone, Utc};
use hookline_model::ExecutionSummary;
use hookline_store::{ActivityCount, ExecutionFilter};
use serde::Serialize;

use crate::{Core, Result};

/// Hours in a flow's sparkline.
const HOURS: usize = 24;

/// One flow on the dashboard.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct FlowActivity {
    pub flow_id: String,
    pub name: String,
    /// Started: its hooks and schedule run the latest published version.
    pub live: bool,
    /// Executions created since local midnight.
    pub runs_today: u32,
    pub failed_today: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub last_run: Option<ExecutionSummary>,
    /// RFC 3339, for a started flow that runs on a schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub next_fire: Option<String>,
    /// The last 24 hours, oldest first; the last one is the current hour.
    pub hours: Vec<HourActivity>,
}

/// Executions of one flow in one hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct HourActivity {
    /// The hour's start, RFC 3339 UTC.
    pub start: String,
    pub runs: u32,
    pub failed: u32,
}

impl Core {
    /// Every flow's activity, in the order of the flow list.
    pub async fn dashboard(&self) -> Result<Vec<FlowActivity>> {
        let now = Utc::now();
        let flows = self.list_flows().await?;
        let first_hour = now.duration_trunc(Duration::hours(1)).expect("an hour divides time") - hours(HOURS - 1);
        let by_hour = self.store.activity_by_hour(&stamp(first_hour)).await?;
        let today = self.store.activity_since(&stamp(local_midnight(now))).await?;
        let today: HashMap<&str, &ActivityCount> = today.iter().map(|row| (row.flow_id.as_str(), row)).collect();
        let mut activity = Vec::with_capacity(flows.len());
        for flow in flows {
            // One indexed lookup per flow (flow, newest first).
            let filter = ExecutionFilter { flow_id: Some(flow.id.clone()), limit: Some(1), ..Default::default() };
            let last_run = self.store.list_executions(&filter).await?.into_iter().next();
            let (runs_today, failed_today) =
                today.get(flow.id.as_str()).map(|row| (count(row.runs), count(row.failed))).unwrap_or((0, 0));
            activity.push(FlowActivity {
                hours: sparkline(&flow.id, first_hour, &by_hour),
                flow_id: flow.id,
                name: flow.name,
                live: flow.live,
                runs_today,
                failed_today,
                last_run,
                next_fire: flow.next_fire_at,
            });
        }
        Ok(activity)
    }
}

/// The 24 hours from `first_hour` for `flow_id`, empty hours included.
fn sparkline(flow_id: &str, first_hour: DateTime<Utc>, rows: &[ActivityCount]) -> Vec<HourActivity> {
    (0..HOURS)
        .map(|n| {
            let start = first_hour + hours(n);
            // The store groups by the first 13 characters of its timestamps.
            let key = start.format("%Y-%m-%dT%H").to_string();
            let row = rows.iter().find(|row| row.flow_id == flow_id && row.period == key);
            HourActivity {
                start: stamp(start),
                runs: row.map(|r| count(r.runs)).unwrap_or(0),
                failed: row.map(|r| count(r.failed)).unwrap_or(0),
            }
        })
        .collect()
}

/// The start of today on this machine's clock, in UTC.
fn local_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    let midnight = now.with_timezone(&Local).date_naive().and_hms_opt(0, 0, 0).expect("midnight exists");
    // A day that starts in a DST gap has no midnight: its first instant is
    // the earliest local time there is.
    Local.from_local_datetime(&midnight).earliest().map(|at| at.with_timezone(&Utc)).unwrap_or(now)
}

fn hours(n: usize) -> Duration {
    Duration::hours(n as i64)
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sparkline_has_every_hour_and_places_counts_by_utc_hour() {
        let first = Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap();
        let rows = vec![
            ActivityCount { flow_id: "flw_a".into(), period: "2026-12-03T10".into(), runs: 3, failed: 1 },
            ActivityCount { flow_id: "flw_a".into(), period: "2026-12-04T09".into(), runs: 2, failed: 0 },
            ActivityCount { flow_id: "flw_b".into(), period: "2026-12-03T11".into(), runs: 7, failed: 7 },
        ];
        let line = sparkline("flw_a", first, &rows);
        assert_eq!(line.len(), 24);
        assert_eq!(line[0], HourActivity { start: "2026-12-03T10:00:00.000Z".into(), runs: 3, failed: 1 });
        assert_eq!((line[1].runs, line[1].failed), (0, 0), "another flow's hour is not counted");
        assert_eq!(line[23], HourActivity { start: "2026-12-04T09:00:00.000Z".into(), runs: 2, failed: 0 });
    }

    #[test]
    fn today_starts_at_local_midnight() {
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 15, 30, 0).unwrap();
        let midnight = local_midnight(now).with_timezone(&Local);
        assert_eq!(midnight.date_naive(), now.with_timezone(&Local).date_naive());
        assert_eq!(midnight.time(), chrono::NaiveTime::MIN);
    }
}
