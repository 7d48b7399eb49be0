//! The Schedule trigger: a cron expression (5 fields, or 6 with seconds
//! first) or one date-time, read in an IANA time zone. Its settings are
//! parsed once, when a version is compiled; [`next_fires`] is the one place
//! that says when a schedule fires (for the scheduler, the designer's preview
//! and the flows list alike), and [`output`] is the one function that builds
//! what a fire hands the flow: `{firedAt, scheduledFor}`.
//!
//! Cron expressions are read and matched by `croner`; this module only
//! decides how the wall clock maps to instants around daylight-saving
//! changes (see [`CronRule`]).

use std::sync::OnceLock;

use chrono::{DateTime, LocalResult, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;
use hookline_model::{ComponentKind, Step};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{empty_object_schema, Describe};
use crate::catalog::Component;
use crate::trigger::TriggerSettings;

/// The catalog id of this component.
const ID: &str = "schedule";

/// What a schedule does with fires that fell due while nothing ran it
/// (Hookline was closed, the machine asleep).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missed {
    /// Missed fires are dropped; the schedule goes on with the next one.
    #[default]
    Skip,
    /// One run for the most recent missed fire, then on as usual.
    RunOnce,
}

/// When a schedule fires.
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    /// Whenever the cron expression matches the zone's wall clock.
    Cron(Box<CronRule>),
    /// Once, at this instant.
    At(DateTime<Utc>),
}

/// A parsed cron expression and how it meets daylight-saving changes.
///
/// An expression whose hour field matches every hour (`*/10 * * * * *`,
/// `15 * * * *`) runs by the hour as it is lived: the hour repeated when the
/// clocks go back runs again, and the hour skipped when they go forward has
/// nothing to run, so fires stay evenly spaced in real time (croner's own
/// handling). Any other expression names wall-clock times of the day
/// (`30 2 * * *`), and each such time fires exactly once per day: when the
/// clocks go back, at its first occurrence only; when they go forward past
/// it, at the first instant after the jump. croner would fire a time named
/// by a list or range of hours (`0 1-3 * * *`) twice, or not at all, so
/// those times are found on the wall clock by croner and mapped to instants
/// here.
#[derive(Debug, Clone, PartialEq)]
pub struct CronRule {
    /// The expression as written.
    pub expression: String,
    cron: Cron,
    every_hour: bool,
}

/// The Schedule trigger's settings, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleSettings {
    pub when: When,
    /// The zone whose wall clock the cron expression (or an `at` without an
    /// offset) is read in.
    pub timezone: Tz,
    pub missed: Missed,
}

/// The config as a flow file writes it; checked into [`ScheduleSettings`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    cron: Option<String>,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    missed: Missed,
}

/// A date far enough back that a search from it meets every pattern croner
/// can match; the check that an expression ever fires starts here, so its
/// answer does not depend on today's date.
fn reference_date() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2000-01-01T00:00:00", "%Y-%m-%dT%H:%M:%S").expect("a valid literal date")
}

/// Offsets of every zone lie within this many hours of UTC, which bounds the
/// search for the instant a wall-clock time falls in.
const MAX_OFFSET_HOURS: i64 = 26;

/// Most wall-clock matches passed over in one search for the next fire: the
/// named times of a repeated hour that already went by (at most one per
/// second of it), with room to spare.
const MAX_PASSED_OVER: usize = 10_000;

impl ScheduleSettings {
    /// Reads a schedule step's config (already checked against the schema).
    pub fn from_step(step: &Step) -> Result<ScheduleSettings, String> {
        ScheduleSettings::from_config(step.config.as_ref().unwrap_or(&json!({})))
    }

    /// Reads a schedule's config: `cron` or `at` (exactly one), `timezone`
    /// (default: this machine's) and `missed`. Errors say what to write.
    pub fn from_config(config: &Value) -> Result<ScheduleSettings, String> {
        let config: Config =
            serde_json::from_value(config.clone()).map_err(|e| format!("the schedule's settings do not read: {e}"))?;
        let present =
            |text: &Option<String>| text.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(String::from);
        let timezone = match present(&config.timezone) {
            Some(name) => parse_zone(&name)?,
            None => machine_zone(),
        };
        let when = match (present(&config.cron), present(&config.at)) {
            (Some(_), Some(_)) => return Err("a schedule has either cron or at, not both; remove one".into()),
            (None, None) => {
                return Err("a schedule needs cron (a repeating time such as 0 9 * * MON-FRI) or at (one date-time such as 2026-12-24T18:00:00+01:00)".into())
            }
            (Some(cron), None) => When::Cron(Box::new(CronRule::parse(&cron)?)),
            (None, Some(at)) => When::At(parse_at(&at, timezone)?),
        };
        Ok(ScheduleSettings { when, timezone, missed: config.missed })
    }

    /// The first fire strictly after `after`; `None` when there is none (an
    /// `at` that has passed).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match &self.when {
            When::At(at) => (*at > after).then_some(*at),
            When::Cron(rule) if rule.every_hour => rule.next_by_the_hour(self.timezone, after),
            When::Cron(rule) => rule.next_by_the_wall_clock(self.timezone, after),
        }
    }

    /// The most recent fire in `(after, until]`, if any. It looks back from
    /// `until` in widening windows, so a one-second schedule after a week of
    /// downtime reads a minute of fires, not a week of them.
    pub fn latest_fire_between(&self, after: DateTime<Utc>, until: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if until <= after {
            return None;
        }
        let mut window = chrono::Duration::minutes(1);
        loop {
            let start = until.checked_sub_signed(window).filter(|start| *start > after).unwrap_or(after);
            let mut latest = None;
            let mut cursor = start;
            while let Some(next) = self.next_after(cursor).filter(|next| *next <= until) {
                latest = Some(next);
                cursor = next;
            }
            if latest.is_some() || start == after {
                return latest;
            }
            window = window.checked_mul(8).unwrap_or(chrono::Duration::MAX);
        }
    }

    /// `at` as the schedule's zone shows it (`2026-03-29T03:00:00+02:00`).
    pub fn local_text(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.timezone).to_rfc3339_opts(SecondsFormat::Secs, false)
    }
}

/// The next `n` fires of a schedule strictly after `after`, in order. An
/// `at` schedule has at most one; a cron expression always has `n`.
pub fn next_fires(settings: &ScheduleSettings, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
    let mut fires = Vec::with_capacity(n.min(64));
    let mut cursor = after;
    while fires.len() < n {
        let Some(next) = settings.next_after(cursor) else { break };
        fires.push(next);
        cursor = next;
    }
    fires
}

/// The trigger's output for a fire: when it was due and when it fired, as
/// RFC 3339 UTC timestamps with milliseconds, like every timestamp Hookline
/// stores.
pub fn output(scheduled_for: DateTime<Utc>, fired_at: DateTime<Utc>) -> Value {
    json!({"firedAt": hookline_model::timestamp(fired_at.into()), "scheduledFor": hookline_model::timestamp(scheduled_for.into())})
}

impl CronRule {
    /// Reads a 5-field expression, or a 6-field one with seconds first.
    /// Years are not taken (they are no part of the flow file contract), and
    /// an expression that can never match (February 30) is refused.
    pub fn parse(expression: &str) -> Result<CronRule, String> {
        let parser = CronParser::builder().seconds(Seconds::Optional).year(Year::Disallowed).build();
        let cron = parser.parse(expression).map_err(|error| {
            format!(
                "the cron expression {expression:?} does not read ({error}); write 5 fields, minute hour \
                 day-of-month month day-of-week (0 9 * * MON-FRI), or 6 with seconds first (*/10 * * * * *)"
            )
        })?;
        if cron.find_next_occurrence(&reference_date(), false).is_err() {
            return Err(format!("the cron expression {expression:?} never matches a date (such as February 30)"));
        }
        let every_hour = (0..24).all(|hour| cron.pattern.hour_match(hour).unwrap_or(false));
        Ok(CronRule { expression: expression.to_string(), cron, every_hour })
    }

    /// For expressions that run every hour: croner's search in the zone,
    /// which runs both passes of a repeated hour and skips a missing one.
    fn next_by_the_hour(&self, zone: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // croner counts whole seconds; from the second `after` lies in, an
        // exclusive search lands strictly after it.
        let start = whole_second(after).with_timezone(&zone);
        self.cron.find_next_occurrence(&start, false).ok().map(|next| next.with_timezone(&Utc))
    }

    /// For expressions that name times of the day: the next wall-clock time
    /// croner matches, placed on the time line once (see [`CronRule`]).
    fn next_by_the_wall_clock(&self, zone: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut wall = whole_second(after).with_timezone(&zone).naive_local();
        // A start in the second pass of a repeated hour meets that hour's
        // named times again on the wall clock; they ran in the first pass
        // and are passed over.
        for _ in 0..MAX_PASSED_OVER {
            let named = self.cron.find_next_occurrence(&wall, false).ok()?;
            let instant = match zone.from_local_datetime(&named) {
                LocalResult::Single(instant) => instant.with_timezone(&Utc),
                LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
                LocalResult::None => first_instant_from(zone, named),
            };
            if instant > after {
                return Some(instant);
            }
            wall = named;
        }
        None
    }
}

/// The first instant at which the zone's wall clock shows `wall` or later:
/// for a time the clocks skip, the instant they jump past it.
fn first_instant_from(zone: Tz, wall: NaiveDateTime) -> DateTime<Utc> {
    // The wall clock only moves forward within a day of a gap (no zone goes
    // back and forward within hours), so a binary search over whole seconds
    // finds the instant.
    let target = wall.and_utc().timestamp();
    let (mut low, mut high) = (target - MAX_OFFSET_HOURS * 3600, target + MAX_OFFSET_HOURS * 3600);
    let shows = |second: i64| DateTime::from_timestamp(second, 0).map(|t| t.with_timezone(&zone).naive_local());
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if shows(middle).is_some_and(|shown| shown < wall) {
            low = middle;
        } else {
            high = middle;
        }
    }
    DateTime::from_timestamp(high, 0).expect("within a day of a valid date")
}

/// `at` with its fraction of a second dropped.
fn whole_second(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).expect("the same second is a valid instant")
}

/// Reads an IANA zone name; a near miss (`europe/berlin`, `Europe/Berln`) is
/// named in the error.
fn parse_zone(name: &str) -> Result<Tz, String> {
    if let Ok(zone) = name.parse::<Tz>() {
        return Ok(zone);
    }
    let lower = name.to_ascii_lowercase();
    let closest = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|zone| (strsim::jaro_winkler(&lower, &zone.name().to_ascii_lowercase()), zone.name()))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score > 0.9);
    Err(match closest {
        Some((_, suggestion)) => format!("unknown time zone {name:?}; did you mean {suggestion}?"),
        None => format!("unknown time zone {name:?}; use an IANA name such as Europe/Berlin, America/New_York or UTC"),
    })
}

/// This machine's zone, read once; UTC when the system names none that the
/// zone database knows (a container without /etc/localtime, say).
pub fn machine_zone() -> Tz {
    static ZONE: OnceLock<Tz> = OnceLock::new();
    *ZONE.get_or_init(|| match iana_time_zone::get_timezone() {
        Ok(name) => name.parse::<Tz>().unwrap_or_else(|_| {
            tracing::warn!(zone = %name, "this machine's time zone is not in the zone database; schedules without a timezone use UTC");
            Tz::UTC
        }),
        Err(error) => {
            tracing::debug!(%error, "this machine names no time zone; schedules without a timezone use UTC");
            Tz::UTC
        }
    })
}

/// Reads `at`: RFC 3339 with an offset, or a date-time without one, read on
/// the wall clock of the schedule's zone (the first time the clock shows it
/// when the clocks go back; refused when they skip it).
fn parse_at(text: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let wall = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or_else(|| {
            format!(
                "at {text:?} is not a date-time; write it as RFC 3339, such as 2026-12-24T18:00:00+01:00, \
                 or without the offset (2026-12-24T18:00:00) for the schedule's time zone"
            )
        })?;
    match zone.from_local_datetime(&wall) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Ok(at.with_timezone(&Utc)),
        LocalResult::None => Err(format!(
            "at {text:?} does not exist in {zone}: the clocks skip it when daylight saving time starts; \
             pick a time outside the jump or give an offset"
        )),
    }
}

/// The Schedule trigger: starts a started flow at the times of a cron
/// expression or once at a date-time.
pub(crate) fn component() -> Component {
    let mut descriptor = Describe {
        id: ID,
        kind: ComponentKind::Trigger,
        title: "Schedule",
        description: "Starts the flow on a schedule: a cron expression in a time zone, or once at a date and time.",
        icon: "clock",
    }
    .build(
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "cron": {
                    "title": "Cron expression",
                    "description": "When it repeats: 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first. 0 9 * * MON-FRI is 9:00 on weekdays; */10 * * * * * is every 10 seconds. Set cron or Once at, not both.",
                    "type": "string"
                },
                "at": {
                    "title": "Once at",
                    "description": "One date and time, RFC 3339 such as 2026-12-24T18:00:00+01:00; without an offset it is read in the time zone. Set cron or Once at, not both.",
                    "type": "string"
                },
                "timezone": {
                    "title": "Time zone",
                    "description": "The IANA zone whose clock the schedule follows, such as Europe/Berlin; this machine's zone when empty.",
                    "type": "string"
                },
                "missed": {
                    "title": "Missed fires",
                    "description": "Fires that fell due while Hookline was not running: skip them, or run once for the most recent.",
                    "enum": ["skip", "run_once"], "default": "skip"
                }
            }
        }),
        empty_object_schema(),
        json!({"firedAt": "2026-01-05T09:00:00.004Z", "scheduledFor": "2026-01-05T09:00:00.000Z"}),
    );
    descriptor.fires_on_schedule = true;
    let mut component = Component::new(descriptor, None);
    component.output_schema = Some(output_schema);
    component.trigger_settings = Some(|step| ScheduleSettings::from_step(step).map(TriggerSettings::Schedule));
    component
}

/// `{firedAt, scheduledFor}`, both timestamps, whatever the config.
fn output_schema(_config: &Value, _hook_path: &str, example: &Value) -> Value {
    json!({
        "type": "object",
        "required": ["firedAt", "scheduledFor"],
        "properties": {
            "firedAt": {"type": "string", "format": "date-time", "default": example.get("firedAt")},
            "scheduledFor": {"type": "string", "format": "date-time", "default": example.get("scheduledFor")}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn settings(config: Value) -> ScheduleSettings {
        ScheduleSettings::from_config(&config).unwrap_or_else(|e| panic!("{config} reads: {e}"))
    }

    fn texts(fires: &[DateTime<Utc>]) -> Vec<String> {
        fires.iter().map(|t| hookline_model::timestamp((*t).into())).collect()
    }

    #[test]
    fn six_fields_take_seconds_first_and_five_start_on_the_minute() {
        let every_ten = settings(json!({"cron": "*/10 * * * * *", "timezone": "UTC"}));
        assert_eq!(
            texts(&next_fires(&every_ten, utc("2026-01-05T09:00:03.500Z"), 3)),
            ["2026-01-05T09:00:10.000Z", "2026-01-05T09:00:20.000Z", "2026-01-05T09:00:30.000Z"]
        );
        let weekdays = settings(json!({"cron": "0 9 * * MON-FRI", "timezone": "UTC"}));
        assert_eq!(
            texts(&next_fires(&weekdays, utc("2026-01-09T09:00:00Z"), 2)),
            ["2026-01-12T09:00:00.000Z", "2026-01-13T09:00:00.000Z"],
            "Friday 9:00 itself is not after itself; the weekend is skipped"
        );
    }

    #[test]
    fn a_fire_a_fraction_of_a_second_before_its_slot_is_still_that_slot() {
        let every_second = settings(json!({"cron": "* * * * * *", "timezone": "UTC"}));
        assert_eq!(every_second.next_after(utc("2026-01-05T09:00:00.999Z")), Some(utc("2026-01-05T09:00:01Z")));
        assert_eq!(every_second.next_after(utc("2026-01-05T09:00:01Z")), Some(utc("2026-01-05T09:00:02Z")));
    }

    #[test]
    fn cron_is_read_in_its_time_zone() {
        let nine = settings(json!({"cron": "0 9 * * *", "timezone": "America/New_York"}));
        assert_eq!(
            texts(&next_fires(&nine, utc("2026-07-01T00:00:00Z"), 1)),
            ["2026-07-01T13:00:00.000Z"],
            "9:00 in New York in summer is 13:00 UTC"
        );
        assert_eq!(nine.local_text(utc("2026-07-01T13:00:00Z")), "2026-07-01T09:00:00-04:00");
    }

    /// Berlin moves from 02:00 CET to 03:00 CEST on 2026-03-29 and from 03:00
    /// CEST back to 02:00 CET on 2026-10-25.
    #[test]
    fn a_time_named_once_fires_once_across_both_daylight_saving_changes() {
        for cron in ["30 2 * * *", "30 1-3 * * *", "0 30 2 * * *"] {
            let schedule = settings(json!({"cron": cron, "timezone": "Europe/Berlin"}));
            let fall = next_fires(&schedule, utc("2026-10-23T12:00:00Z"), 12);
            let on_the_day: Vec<_> = fall
                .iter()
                .filter(|t| {
                    t.with_timezone(&Tz::Europe__Berlin).format("%Y-%m-%d %H:%M").to_string() == "2026-10-25 02:30"
                })
                .collect();
            assert_eq!(on_the_day.len(), 1, "{cron}: 02:30 on the day the clocks go back fires once: {fall:?}");
            assert_eq!(*on_the_day[0], utc("2026-10-25T00:30:00Z"), "{cron}: at its first occurrence (CEST)");
        }
        let daily = settings(json!({"cron": "30 2 * * *", "timezone": "Europe/Berlin"}));
        assert_eq!(
            texts(&next_fires(&daily, utc("2026-03-27T12:00:00Z"), 3)),
            ["2026-03-28T01:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"],
            "02:30 does not exist on 2026-03-29: it fires once, at 03:00 CEST, when the clocks jump past it"
        );
        let ranged = settings(json!({"cron": "30 1-3 * * *", "timezone": "Europe/Berlin"}));
        assert_eq!(
            texts(&next_fires(&ranged, utc("2026-03-28T23:00:00Z"), 3)),
            ["2026-03-29T00:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T01:30:00.000Z"],
            "01:30 CET, then 02:30 moved to the jump (03:00 CEST), then 03:30 CEST: none skipped, none doubled"
        );
        assert_eq!(
            texts(&next_fires(&ranged, utc("2026-10-24T23:00:00Z"), 3)),
            ["2026-10-24T23:30:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-25T02:30:00.000Z"],
            "01:30 CEST, 02:30 CEST, then 03:30 CET: the repeated 02:30 CET does not fire again"
        );
        let from_inside_the_repeat = ranged.next_after(utc("2026-10-25T01:10:00Z"));
        assert_eq!(
            from_inside_the_repeat,
            Some(utc("2026-10-25T02:30:00Z")),
            "a start in the repeated hour passes its times over"
        );
    }

    #[test]
    fn an_hourly_expression_keeps_real_time_spacing_across_both_changes() {
        let half_hourly = settings(json!({"cron": "*/30 * * * *", "timezone": "Europe/Berlin"}));
        for start in ["2026-03-28T23:00:00Z", "2026-10-24T23:00:00Z"] {
            let fires = next_fires(&half_hourly, utc(start), 12);
            for pair in fires.windows(2) {
                assert_eq!((pair[1] - pair[0]).num_minutes(), 30, "every 30 real minutes from {start}: {fires:?}");
            }
        }
    }

    #[test]
    fn at_fires_once_and_reads_offsets_or_the_zones_wall_clock() {
        let once = settings(json!({"at": "2026-12-24T18:00:00+01:00"}));
        assert_eq!(texts(&next_fires(&once, utc("2026-01-01T00:00:00Z"), 5)), ["2026-12-24T17:00:00.000Z"]);
        assert!(
            next_fires(&once, utc("2026-12-24T17:00:00Z"), 5).is_empty(),
            "an at that has passed never fires again"
        );
        let wall = settings(json!({"at": "2026-12-24T18:00:00", "timezone": "America/New_York"}));
        assert_eq!(wall.next_after(utc("2026-01-01T00:00:00Z")), Some(utc("2026-12-24T23:00:00Z")));
        let skipped = ScheduleSettings::from_config(&json!({"at": "2026-03-29T02:30", "timezone": "Europe/Berlin"}));
        assert!(skipped.unwrap_err().contains("does not exist in Europe/Berlin"));
    }

    #[test]
    fn bad_settings_say_what_to_write() {
        let error = |config: Value| ScheduleSettings::from_config(&config).unwrap_err();
        let e = error(json!({"cron": "61 * * * *", "timezone": "UTC"}));
        assert!(e.contains("\"61 * * * *\"") && e.contains("5 fields"), "{e}");
        let e = error(json!({"cron": "* * * *", "timezone": "UTC"}));
        assert!(e.contains("does not read"), "four fields: {e}");
        let e = error(json!({"cron": "0 0 0 * * * 2030", "timezone": "UTC"}));
        assert!(e.contains("does not read"), "no year field: {e}");
        let e = error(json!({"cron": "0 0 30 2 *", "timezone": "UTC"}));
        assert!(e.contains("never matches"), "{e}");
        let e = error(json!({"cron": "0 9 * * *", "timezone": "Europe/Berln"}));
        assert!(e.contains("did you mean Europe/Berlin"), "{e}");
        let e = error(json!({"cron": "0 9 * * *", "timezone": "Mars/Olympus"}));
        assert!(e.contains("unknown time zone \"Mars/Olympus\""), "{e}");
        let e = error(json!({"cron": "0 9 * * *", "at": "2026-12-24T18:00:00Z"}));
        assert!(e.contains("not both"), "{e}");
        let e = error(json!({"timezone": "UTC"}));
        assert!(e.contains("needs cron") && e.contains("or at"), "{e}");
        let e = error(json!({"at": "next tuesday"}));
        assert!(e.contains("not a date-time") && e.contains("RFC 3339"), "{e}");
        let e = error(json!({"cron": "0 9 * * *", "missed": "always"}));
        assert!(e.contains("always"), "{e}");
    }

    #[test]
    fn a_zone_and_the_missed_policy_default() {
        let plain = settings(json!({"cron": "0 9 * * *"}));
        assert_eq!(plain.timezone, machine_zone(), "no timezone: this machine's");
        assert_eq!(plain.missed, Missed::Skip);
        assert_eq!(settings(json!({"cron": "0 9 * * *", "missed": "run_once"})).missed, Missed::RunOnce);
        assert_eq!(
            settings(json!({"cron": "0 9 * * *", "at": "", "timezone": " "})).timezone,
            machine_zone(),
            "blank fields are absent"
        );
    }

    #[test]
    fn the_latest_fire_in_a_long_downtime_is_found_without_reading_every_fire() {
        let every_second = settings(json!({"cron": "* * * * * *", "timezone": "UTC"}));
        let started = std::time::Instant::now();
        let latest = every_second.latest_fire_between(utc("2025-01-01T00:00:00Z"), utc("2026-01-01T12:00:00.500Z"));
        assert_eq!(latest, Some(utc("2026-01-01T12:00:00Z")));
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "a year of one-second fires is not walked");
        let weekly = settings(json!({"cron": "0 9 * * MON", "timezone": "UTC"}));
        assert_eq!(
            weekly.latest_fire_between(utc("2026-01-01T00:00:00Z"), utc("2026-01-31T00:00:00Z")),
            Some(utc("2026-01-26T09:00:00Z"))
        );
        assert_eq!(
            weekly.latest_fire_between(utc("2026-01-26T09:00:00Z"), utc("2026-01-31T00:00:00Z")),
            None,
            "the lower end is excluded"
        );
    }

    #[test]
    fn the_output_is_two_utc_timestamps_with_milliseconds() {
        let output = output(utc("2026-01-05T09:00:00Z"), utc("2026-01-05T09:00:00.0123Z"));
        assert_eq!(output, json!({"firedAt": "2026-01-05T09:00:00.012Z", "scheduledFor": "2026-01-05T09:00:00.000Z"}));
    }
}
