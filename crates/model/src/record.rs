use serde::{Deserialize, Serialize};

use crate::{ExecutionStatus, FlowDocument};
use ts_rs::TS;

/// A flow as the flows list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct FlowSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The webhook trigger's slug in the draft, if it has one.
    pub slug: Option<String>,
    /// The slug of the latest published version: live hooks answer under it
    /// (a slug changed in the draft takes effect when it is published).
    pub live_slug: Option<String>,
    /// Started: live hooks run the latest published version.
    pub live: bool,
    pub latest_version: Option<u32>,
    /// The draft differs from the latest published version (or nothing is
    /// published yet).
    pub draft_changed: bool,
    pub last_execution: Option<ExecutionStatus>,
    pub created_at: String,
    pub updated_at: String,
    /// For a started flow whose live version runs on a schedule: its next
    /// fire (an RFC 3339 UTC timestamp). Filled by the core, which reads
    /// schedules; the store leaves it empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub next_fire_at: Option<String>,
}

/// A stored flow with its draft document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct FlowRecord {
    #[serde(flatten)]
    pub summary: FlowSummary,
    pub draft: FlowDocument,
}

/// A published, immutable version of a flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub flow_id: String,
    pub version: u32,
    pub created_at: String,
    /// Said when the version was published: what did not block it but may
    /// not be meant (an optional field that maps to nothing over the samples).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub warnings: Vec<String>,
}
