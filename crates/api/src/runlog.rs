//! The run log: executions of every flow, filtered and paged the same way
//! for the designer's Runs page, browser mode and `hookline executions list`.

use std::time::SystemTime;

use chrono::{DateTime, Local, NaiveDate, SecondsFormat, TimeZone, Utc};
use hookline_model::{ExecutionStatus, ExecutionSummary, TriggerSource};
use hookline_store::ExecutionFilter;
use serde::Deserialize;

use crate::{ApiError, Core, ErrorCode, Result};

/// Which executions to list, newest first. Every filter is optional.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListExecutionsArgs {
    /// Only this flow's executions (id or slug).
    #[ts(optional)]
    pub flow: Option<String>,
    #[ts(optional)]
    pub status: Option<ExecutionStatus>,
    /// Only executions started this way.
    #[ts(optional)]
    pub trigger: Option<TriggerSource>,
    /// Created at or after: an RFC 3339 time, a date (midnight, local time)
    /// or an age such as `90s`, `15m`, `2h`, `7d`, `2w`.
    #[ts(optional)]
    pub since: Option<String>,
    /// Created before; the same forms as `since`.
    #[ts(optional)]
    pub until: Option<String>,
    /// The beginning of an execution id, `exe_` optional (a Pydio Cells
    /// TaskID is one).
    #[ts(optional)]
    pub search: Option<String>,
    /// The id of the last execution of the page before: the page after it.
    #[ts(optional)]
    pub before: Option<String>,
    /// At most this many (default 50, at most 1,000).
    #[ts(optional)]
    pub limit: Option<u32>,
}

impl Core {
    /// A page of the run log. A bad time or an unknown `before` is refused by
    /// name rather than answered with an empty page.
    pub async fn list_executions(&self, args: ListExecutionsArgs) -> Result<Vec<ExecutionSummary>> {
        let now = SystemTime::now();
        let flow_id = match &args.flow {
            Some(key) => Some(self.get_flow(key).await?.summary.id),
            None => None,
        };
        let before = match &args.before {
            Some(id) => {
                let created_at = self.store.execution_created_at(id).await?.ok_or_else(|| {
                    ApiError::new(ErrorCode::InvalidInput, format!("before: no execution {id:?} to page on from"))
                })?;
                Some((created_at, id.clone()))
            }
            None => None,
        };
        let limit = args.limit.unwrap_or(50);
        if !(1..=hookline_store::MAX_PAGE).contains(&limit) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("limit {limit}: a page holds 1 to {} executions", hookline_store::MAX_PAGE),
            ));
        }
        let filter = ExecutionFilter {
            flow_id,
            status: args.status,
            trigger: args.trigger,
            since: args.since.as_deref().map(|t| instant("since", t, now)).transpose()?,
            until: args.until.as_deref().map(|t| instant("until", t, now)).transpose()?,
            search: args.search.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
            before,
            limit: Some(limit),
        };
        Ok(self.store.list_executions(&filter).await?)
    }
}

/// Reads a point in time as the store writes it (UTC, milliseconds).
fn instant(name: &str, text: &str, now: SystemTime) -> Result<String> {
    let text = text.trim();
    let refused = || {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "{name} {text:?}: give a time (2026-12-01T09:30:00Z), a date (2026-12-01) or an age (90s, 15m, 2h, 7d, 2w)"
            ),
        )
    };
    let at: DateTime<Utc> = if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        at.with_timezone(&Utc)
    } else if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        // A day that starts in a DST gap has no local midnight: take the earliest.
        Local.from_local_datetime(&midnight).earliest().ok_or_else(refused)?.with_timezone(&Utc)
    } else {
        let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(refused)?;
        let (count, unit) = text.split_at(split);
        let count: i64 = count.parse().map_err(|_| refused())?;
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 60 * 60,
            "d" => 24 * 60 * 60,
            "w" => 7 * 24 * 60 * 60,
            _ => return Err(refused()),
        };
        let age = count.checked_mul(seconds).and_then(chrono::TimeDelta::try_seconds).ok_or_else(refused)?;
        DateTime::<Utc>::from(now).checked_sub_signed(age).ok_or_else(refused)?
    };
    Ok(at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn times_are_read_as_instants_dates_or_ages() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_000_000);
        let at = |text| instant("since", text, now);
        assert_eq!(at("2026-12-01T10:30:00+01:00").unwrap(), "2026-12-01T09:30:00.000Z");
        assert_eq!(at("2h").unwrap(), hookline_model::timestamp(now - Duration::from_secs(7200)));
        assert_eq!(at("7d").unwrap(), hookline_model::timestamp(now - Duration::from_secs(7 * 86_400)));
        let midnight = Local.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(at("2026-12-01").unwrap(), midnight.to_rfc3339_opts(SecondsFormat::Millis, true));
        for bad in ["yesterday", "2h ago", "-3d", "5y", "", "99999999999999w"] {
            let error = at(bad).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidInput);
            assert!(error.message.contains("since"), "{}", error.message);
        }
    }
}
