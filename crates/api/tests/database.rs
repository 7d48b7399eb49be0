//! Retrieving a sample of a Database step through `Core`: a query runs at
//! once, a statement that may change the database asks first, like a POST.

use hookline_api::{Core, CoreConfig, ErrorCode, NewCredential, VaultSettings};
use serde_json::{json, Value};

const MASTER_KEY: &str = "8f1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff0";

async fn core() -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = CoreConfig::new(dir.path());
    config.vault = VaultSettings::new(dir.path().to_path_buf(), Some(MASTER_KEY.to_string().into()));
    let core = Core::open(config).await.unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("pets.db").display());
    core.add_credential(NewCredential {
        name: "pets".into(),
        kind: "database_url".into(),
        fields: serde_json::Map::new(),
        secrets: [("url".to_string(), url.into())].into_iter().collect(),
        replace: false,
    })
    .await
    .unwrap();
    (dir, core)
}

/// A flow of a webhook and one Database step running `sql` with `params`.
fn flow(sql: &str, params: Value) -> String {
    json!({
        "schemaVersion": 1, "id": "flw_db", "name": "Pets",
        "steps": [
            {"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"slug": "pets"}},
            {"id": "stp_sql", "component": "database", "name": "SQL", "credential": "pets",
             "inputs": {"sql": {"value": sql}, "params": {"expr": params.to_string()}}}
        ],
        "edges": [{"from": "stp_hook", "to": "stp_sql"}]
    })
    .to_string()
}

#[tokio::test]
async fn a_query_sample_runs_at_once_and_a_writing_statement_asks_first() {
    let (_dir, core) = core().await;
    core.import_flow(&flow("CREATE TABLE pets (name TEXT)", json!([]))).await.unwrap();
    core.add_sample("flw_db", "stp_hook", Some(json!({"body": {"name": "Gromit"}})), None, None).await.unwrap();
    let err = core.retrieve_sample("flw_db", "stp_sql", false, false).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ConfirmationRequired, "CREATE TABLE changes the database");
    assert!(err.message.contains("run a statement that changes the database: CREATE TABLE pets"), "{}", err.message);
    core.retrieve_sample("flw_db", "stp_sql", true, false).await.unwrap();

    let mut draft = core.get_flow("flw_db").await.unwrap().draft;
    let insert = json!({"id": "stp_sql", "component": "database", "name": "SQL", "credential": "pets",
        "inputs": {"sql": {"value": "INSERT INTO pets (name) VALUES (?)"}, "params": {"expr": "[body.name]"}}});
    draft.steps[1] = serde_json::from_value(insert).unwrap();
    core.save_draft(draft).await.unwrap();
    let err = core.retrieve_sample("flw_db", "stp_sql", false, false).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ConfirmationRequired, "an INSERT asks before it runs");
    let inserted = core.retrieve_sample("flw_db", "stp_sql", true, false).await.unwrap();
    assert_eq!(inserted.value, json!({"rows": [], "rowsAffected": 1}), "confirmed, it runs");

    let mut draft = core.get_flow("flw_db").await.unwrap().draft;
    let select = json!({"id": "stp_sql", "component": "database", "name": "SQL", "credential": "pets",
        "inputs": {"sql": {"value": "SELECT name FROM pets"}}});
    draft.steps[1] = serde_json::from_value(select).unwrap();
    core.save_draft(draft).await.unwrap();
    let listed = core.retrieve_sample("flw_db", "stp_sql", false, false).await.unwrap();
    assert_eq!(listed.value, json!({"rows": [{"name": "Gromit"}], "rowsAffected": 0}), "a query runs without asking");
}
