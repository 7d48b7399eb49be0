//! How the command line prints: JSON for machines, aligned columns for people.

use hookline_api::ApiError;
use hookline_model::{ComponentDescriptor, ExecutionSummary, FlowSummary, InboxView, VersionInfo};
use serde::Serialize;

pub fn print_json<T: Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: cannot print the result as JSON: {e}"),
    }
}

/// One line per error; an invalid flow lists its problems below, indented.
pub fn print_error(error: &ApiError) {
    eprintln!("error: {}", error.message);
    for problem in &error.problems {
        eprintln!("  {problem}");
    }
}

/// Columns aligned under a header, for people; `--json` is for machines.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells.iter().enumerate().map(|(i, c)| format!("{c:<w$}", w = widths[i])).collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row);
    }
}

pub fn print_flows(flows: &[FlowSummary]) {
    if flows.is_empty() {
        println!("no flows yet: import one with `hookline flows import FILE`");
        return;
    }
    table(
        &["ID", "NAME", "SLUG", "STATE", "VERSION", "DRAFT", "LAST RUN", "NEXT FIRE"],
        flows
            .iter()
            .map(|f| {
                vec![
                    f.id.clone(),
                    f.name.clone(),
                    f.slug.clone().unwrap_or_else(|| "-".into()),
                    if f.live { "live".into() } else { "stopped".into() },
                    f.latest_version.map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
                    if f.draft_changed { "changed".into() } else { "published".into() },
                    f.last_execution.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                    f.next_fire_at.clone().unwrap_or_else(|| "-".into()),
                ]
            })
            .collect(),
    );
}

pub fn print_versions(versions: &[VersionInfo]) {
    if versions.is_empty() {
        println!("no published versions");
        return;
    }
    table(
        &["VERSION", "PUBLISHED"],
        versions.iter().map(|v| vec![v.version.to_string(), v.created_at.clone()]).collect(),
    );
}

pub fn print_executions(executions: &[ExecutionSummary]) {
    if executions.is_empty() {
        println!("no executions");
        return;
    }
    table(
        &["ID", "FLOW", "VERSION", "TRIGGER", "STATUS", "CREATED", "DURATION", "ERROR"],
        executions
            .iter()
            .map(|e| {
                vec![
                    e.id.clone(),
                    e.flow_id.clone(),
                    e.version.map(|v| v.to_string()).unwrap_or_else(|| "draft".into()),
                    e.trigger.to_string(),
                    e.status.to_string(),
                    e.created_at.clone(),
                    e.duration_ms.map(|d| format!("{d} ms")).unwrap_or_else(|| "-".into()),
                    e.error.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    );
}

pub fn print_components(components: &[ComponentDescriptor]) {
    table(
        &["ID", "KIND", "TITLE", "DESCRIPTION"],
        components
            .iter()
            .map(|c| vec![c.id.clone(), format!("{:?}", c.kind).to_lowercase(), c.title.clone(), c.description.clone()])
            .collect(),
    );
}

pub fn print_inbox(entries: &[InboxView]) {
    if entries.is_empty() {
        println!("no requests");
        return;
    }
    table(
        &["ID", "RECEIVED", "METHOD", "PATH", "STATUS", "REASON", "BYTES", "EXECUTION"],
        entries
            .iter()
            .map(|e| {
                vec![
                    e.id.clone(),
                    e.received_at.clone(),
                    e.method.clone(),
                    e.path.clone(),
                    e.status.to_string(),
                    e.reason.clone().unwrap_or_else(|| "-".into()),
                    e.body_bytes.to_string(),
                    e.execution_id.clone().unwrap_or_else(|| "-".into()),
                ]
            })
            .collect(),
    );
}

pub fn print_credentials(credentials: &[hookline_model::CredentialView]) {
    if credentials.is_empty() {
        println!("no credentials");
        return;
    }
    table(
        &["NAME", "KIND", "STATUS", "USED BY", "VERIFIED"],
        credentials
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.kind.clone(),
                    serde_json::to_value(c.status)
                        .ok()
                        .and_then(|s| s.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    c.used_by.iter().map(|f| f.name.clone()).collect::<Vec<_>>().join(", "),
                    c.verification
                        .as_ref()
                        .map(|v| format!("{} {}", if v.ok { "ok" } else { "failed" }, v.at))
                        .unwrap_or_else(|| "-".into()),
                ]
            })
            .collect(),
    );
    for credential in credentials {
        if let Some(problem) = &credential.problem {
            println!("{}: {problem}", credential.name);
        }
    }
}

pub fn print_vault_status(status: &hookline_model::VaultStatus) {
    let source = match &status.source {
        Some(kind) => format!("{kind}: {}", status.description),
        None => "none".to_string(),
    };
    println!("key source:   {source}");
    println!("fingerprint:  {}", status.fingerprint.as_deref().unwrap_or("-"));
    println!("ready:        {}", if status.ready { "yes" } else { "no" });
    println!("credentials:  {} ({} undecryptable)", status.credentials, status.undecryptable);
    println!(
        "recovery kit: {}",
        status
            .recovery_kit_shown_at
            .as_deref()
            .map(|at| format!("shown {at}"))
            .unwrap_or_else(|| "not shown yet".into())
    );
    if let Some(problem) = &status.problem {
        println!("problem:      {problem}");
    }
}

/// A size as people read it: bytes, KiB, MiB or GiB.
pub fn bytes(count: u64) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if count < 1024 {
        return format!("{count} B");
    }
    let mut size = count as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

pub fn print_storage(status: &hookline_api::StorageStatus) {
    println!(
        "database  {} ({} free inside, not yet given back)",
        bytes(status.database_bytes),
        bytes(status.free_bytes)
    );
    println!("wal       {}", bytes(status.wal_bytes));
    println!("keeps     {} days, {} finished executions per flow", status.retention_days, status.executions_per_flow);
    match &status.last_prune {
        Some(prune) => println!(
            "pruned    {}: {} rows in {} ms, {} given back",
            prune.at,
            prune.deleted,
            prune.duration_ms,
            bytes(prune.freed_bytes)
        ),
        None => println!("pruned    never"),
    }
    println!();
    table(&["KIND", "ROWS"], status.rows.iter().map(|kind| vec![kind.table.clone(), kind.rows.to_string()]).collect());
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(super::bytes(512), "512 B");
        assert_eq!(super::bytes(1536), "1.5 KiB");
        assert_eq!(super::bytes(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(super::bytes(3 * 1024 * 1024 * 1024 * 1024), "3072.0 GiB");
    }
}
