//! What the hook tooling (Hooks tab, OpenAPI) says about a hook's guard.

use hookline_api::{Core, CoreConfig, NewCredential, VaultSettings};
use serde_json::json;

const MASTER_KEY: &str = "8f1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff0";

async fn core() -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = CoreConfig::new(dir.path());
    config.vault = VaultSettings::new(dir.path().to_path_buf(), Some(MASTER_KEY.to_string().into()));
    (dir, Core::open(config).await.unwrap())
}

fn credential(name: &str, kind: &str, secrets: &[(&str, &str)]) -> NewCredential {
    NewCredential {
        name: name.into(),
        kind: kind.into(),
        fields: serde_json::Map::new(),
        secrets: secrets.iter().map(|(k, v)| (k.to_string(), v.to_string().into())).collect(),
        replace: false,
    }
}

/// The elastic.io tutorial picks a "No Auth" credential for its webhook: the
/// hook is then open to anyone, and the Hooks tab must not say otherwise.
#[tokio::test]
async fn a_no_auth_credential_leaves_the_hook_open_in_its_tooling() {
    let (_dir, core) = core().await;
    core.add_credential(credential("No Auth", "none", &[])).await.unwrap();
    core.add_credential(credential("Hook token", "bearer", &[("token", "tok-1")])).await.unwrap();
    for (id, name) in [("flw_open", "No Auth"), ("flw_guarded", "Hook token")] {
        let flow = json!({"schemaVersion": 1, "id": id, "name": id,
            "steps": [{"id": "stp_hook", "component": "webhook", "name": "Hook", "credential": name, "config": {"slug": id}}],
            "edges": []});
        core.import_flow(&flow.to_string()).await.unwrap();
    }
    assert_eq!(core.hook_info("flw_open").await.unwrap().guarded_by, None);
    assert_eq!(core.hook_info("flw_guarded").await.unwrap().guarded_by.as_deref(), Some("Hook token"));
}

/// Boomerang's route looks a token up on every delivery and keeps the answer
/// a moment; rotating in this process must still stop the old token at once.
#[tokio::test]
async fn a_token_rotated_here_stops_working_at_once_though_lookups_are_cached() {
    let (_dir, core) = core().await;
    let flow = json!({"schemaVersion": 1, "id": "flw_b", "name": "B",
        "steps": [{"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"slug": "b"}}], "edges": []});
    core.import_flow(&flow.to_string()).await.unwrap();
    let old = core.create_flow_token("flw_b", false).await.unwrap().token;
    // A known token reaches the activity lookup (and is now cached).
    let unknown_activity = core.boomerang_status("exe_none", Some(&old)).await.unwrap_err();
    assert_eq!(unknown_activity.code.as_str(), "execution_not_found");

    let new = core.create_flow_token("flw_b", true).await.unwrap().token;
    let refused = core.boomerang_status("exe_none", Some(&old)).await.unwrap_err();
    assert_eq!(refused.code.as_str(), "auth_failed", "{refused:?}");
    let known = core.boomerang_status("exe_none", Some(&new)).await.unwrap_err();
    assert_eq!(known.code.as_str(), "execution_not_found");
}
