//! The vault as the designer reaches it: through `ops::dispatch`, with JSON
//! in and JSON out, exactly as the Tauri command and browser mode's `/api`
//! call it. No answer may carry a secret.

use std::sync::Arc;
use std::time::Duration;

use hookline_api::ops::{dispatch, Request};
use hookline_api::{Core, CoreConfig, VaultSettings};
use hookline_model::CoreEvent;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const MASTER_KEY: &str = "8f1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff0";
const PASSWORD: &str = "canary-pw-51e7";

async fn core() -> (tempfile::TempDir, Arc<Core>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = CoreConfig::new(dir.path());
    config.vault = VaultSettings::new(dir.path().to_path_buf(), Some(MASTER_KEY.to_string().into()));
    (dir, Arc::new(Core::open(config).await.unwrap()))
}

async fn call(core: &Core, op: &str, args: Value) -> Result<Value, hookline_api::ApiError> {
    dispatch(core, Request::from_parts(op, Some(args))?).await
}

/// A server that answers 200 to Basic `ada:<password>` and 401 to anything
/// else, or, with `password` None, never answers at all.
async fn basic_server(password: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    // reqwest writes the header the way the vault's own request will.
    let expected = password.map(|p| {
        let request = reqwest::Client::new().get("http://x/").basic_auth("ada", Some(p)).build().unwrap();
        request.headers()["authorization"].to_str().unwrap().to_string()
    });
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let expected = expected.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let Some(expected) = expected else {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    return;
                };
                let text = String::from_utf8_lossy(&request).to_lowercase();
                let status = if text.contains(&format!("authorization: {}", expected.to_lowercase())) {
                    "200 OK"
                } else {
                    "401 Unauthorized"
                };
                let reply = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    format!("http://{address}/check")
}

#[tokio::test]
async fn a_credential_created_from_the_designer_is_answered_masked_everywhere() {
    let (_dir, core) = core().await;
    let created = call(
        &core,
        "createCredential",
        json!({"name": "Pets", "kind": "basic", "fields": {"username": "ada"}, "secrets": {"password": PASSWORD}}),
    )
    .await
    .unwrap();
    assert_eq!(created["fields"], json!({"username": "ada"}), "non-secret fields come back as saved");
    assert_eq!(created["secrets"]["password"], json!(hookline_vault::MASK), "the password comes back as a mask");
    for (op, args) in [
        ("createCredential", created.clone()),
        ("listCredentials", call(&core, "listCredentials", json!({})).await.unwrap()),
        ("getCredential", call(&core, "getCredential", json!({"name": "Pets"})).await.unwrap()),
        ("vaultStatus", call(&core, "vaultStatus", json!({})).await.unwrap()),
    ] {
        assert!(!args.to_string().contains(PASSWORD), "{op} answered the secret: {args}");
    }
    let request = Request::from_parts(
        "createCredential",
        Some(json!({"name": "X", "kind": "bearer", "secrets": {"token": PASSWORD}})),
    )
    .unwrap();
    assert!(!format!("{request:?}").contains(PASSWORD), "a request's Debug (a log line) masks its secrets");
    let taken = call(
        &core,
        "createCredential",
        json!({"name": "Pets", "kind": "basic", "fields": {"username": "bob"}, "secrets": {"password": "x"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(taken.code.as_str(), "conflict", "creating never replaces: {taken:?}");
}

#[tokio::test]
async fn an_edit_keeps_the_secrets_it_leaves_out_and_replaces_those_it_gives() {
    let (_dir, core) = core().await;
    let url = basic_server(Some(PASSWORD)).await;
    call(
        &core,
        "createCredential",
        json!({"name": "Pets", "kind": "basic", "fields": {"username": "ada", "verifyUrl": url}, "secrets": {"password": PASSWORD}}),
    )
    .await
    .unwrap();
    let passed = call(&core, "verifyCredential", json!({"name": "Pets"})).await.unwrap();
    assert_eq!(passed["ok"], json!(true), "the right password verifies: {passed}");

    // An edit form leaves the password blank: it is kept, the fields replaced.
    let edited = call(
        &core,
        "editCredential",
        json!({"name": "Pets", "fields": {"username": "ada", "verifyUrl": url, "profile": "admin"}, "secrets": {"password": ""}}),
    )
    .await
    .unwrap();
    assert_eq!(edited["fields"]["profile"], json!("admin"), "the new field is saved: {edited}");
    assert_eq!(edited["verification"], Value::Null, "the old verification checked other values");
    let kept = call(&core, "verifyCredential", json!({"name": "Pets"})).await.unwrap();
    assert_eq!(kept["ok"], json!(true), "the password left out is the stored one: {kept}");

    call(
        &core,
        "editCredential",
        json!({"name": "Pets", "fields": {"username": "ada", "verifyUrl": url}, "secrets": {"password": "wrong"}}),
    )
    .await
    .unwrap();
    let failed = call(&core, "verifyCredential", json!({"name": "Pets"})).await.unwrap();
    assert_eq!(failed["ok"], json!(false), "a failed check is an answer, not an error: {failed}");
    assert!(failed["message"].as_str().unwrap().contains("401"), "and says why: {failed}");
    let listed = call(&core, "listCredentials", json!({})).await.unwrap();
    assert_eq!(listed[0]["verification"]["ok"], json!(false), "the list shows the last result: {listed}");

    let missing = call(&core, "editCredential", json!({"name": "Nope", "fields": {}})).await.unwrap_err();
    assert_eq!(missing.code.as_str(), "credential_not_found");
    let invalid = call(&core, "editCredential", json!({"name": "Pets", "fields": {"username": 5}})).await.unwrap_err();
    assert_eq!(invalid.code.as_str(), "invalid_input", "fields are checked as on create: {invalid:?}");
}

#[tokio::test]
async fn a_verification_that_hangs_can_be_cancelled_and_records_nothing() {
    let (_dir, core) = core().await;
    let url = basic_server(None).await;
    call(
        &core,
        "createCredential",
        json!({"name": "Slow", "kind": "basic", "fields": {"username": "ada", "verifyUrl": url}, "secrets": {"password": "pw"}}),
    )
    .await
    .unwrap();
    let waiting = tokio::spawn({
        let core = core.clone();
        async move { call(&core, "verifyCredential", json!({"name": "Slow"})).await }
    });
    let mut cancelled = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if call(&core, "cancelVerification", json!({"name": "Slow"})).await.unwrap() == json!(true) {
            cancelled = true;
            break;
        }
    }
    assert!(cancelled, "the check was under way and could be cancelled");
    let answer = tokio::time::timeout(Duration::from_secs(5), waiting).await.expect("answered at once").unwrap();
    assert_eq!(answer.unwrap_err().code.as_str(), "cancelled");
    let view = call(&core, "getCredential", json!({"name": "Slow"})).await.unwrap();
    assert_eq!(view["verification"], Value::Null, "a cancelled check records no result");
    assert_eq!(call(&core, "cancelVerification", json!({"name": "Slow"})).await.unwrap(), json!(false));
}

#[tokio::test]
async fn removing_a_credential_in_use_needs_force_and_names_the_flows_it_breaks() {
    let (_dir, core) = core().await;
    let mut events = core.subscribe();
    call(&core, "createCredential", json!({"name": "Hook token", "kind": "bearer", "secrets": {"token": "t"}}))
        .await
        .unwrap();
    assert_eq!(
        events.recv().await.unwrap(),
        CoreEvent::CredentialChanged { name: Some("Hook token".into()) },
        "the designer is told, so every page and picker refreshes"
    );
    let flow = json!({"schemaVersion": 1, "id": "flw_guarded", "name": "Guarded",
        "steps": [{"id": "stp_hook", "component": "webhook", "name": "Hook", "credential": "Hook token", "config": {"slug": "g"}}],
        "edges": []});
    call(&core, "importFlow", json!({"text": flow.to_string()})).await.unwrap();
    let refused = call(&core, "removeCredential", json!({"name": "Hook token"})).await.unwrap_err();
    assert_eq!(refused.code.as_str(), "conflict");
    assert!(refused.message.contains("Guarded"), "the refusal names the flow: {}", refused.message);
    let broken = call(&core, "removeCredential", json!({"name": "Hook token", "force": true})).await.unwrap();
    assert_eq!(broken, json!([{"id": "flw_guarded", "name": "Guarded"}]));
    assert_eq!(call(&core, "listCredentials", json!({})).await.unwrap(), json!([]));
}

#[tokio::test]
async fn the_recovery_kit_is_shown_once_and_only_when_confirmed() {
    let (_dir, core) = core().await;
    let unconfirmed = call(&core, "recoveryKit", json!({"confirm": false})).await.unwrap_err();
    assert_eq!(unconfirmed.code.as_str(), "confirmation_required", "{unconfirmed:?}");
    let status = call(&core, "vaultStatus", json!({})).await.unwrap();
    assert_eq!(status["recoveryKitShownAt"], Value::Null, "asking without confirming shows nothing");
    assert_eq!(status["source"], json!("environment"), "{status}");

    let kit = call(&core, "recoveryKit", json!({"confirm": true})).await.unwrap();
    let restored = hookline_vault::DataKey::from_phrase(kit["phrase"].as_str().unwrap()).expect("a recovery phrase");
    assert_eq!(
        kit["fingerprint"],
        json!(restored.fingerprint()),
        "the phrase restores the vault's key, whose fingerprint comes with it: {kit}"
    );
    let again = call(&core, "recoveryKit", json!({"confirm": true})).await.unwrap_err();
    assert_eq!(again.code.as_str(), "conflict", "never twice for one key: {again:?}");
    let status = call(&core, "vaultStatus", json!({})).await.unwrap();
    assert!(status["recoveryKitShownAt"].is_string(), "the status says when it was shown: {status}");

    let key_file = call(&core, "createKeyFile", json!({})).await.unwrap_err();
    assert_eq!(key_file.code.as_str(), "conflict", "a vault with a key gets no second one: {key_file:?}");
}

#[tokio::test]
async fn every_kind_describes_its_fields_for_a_generated_form() {
    let (_dir, core) = core().await;
    let kinds = call(&core, "credentialKinds", json!({})).await.unwrap();
    let kind = |name: &str| kinds.as_array().unwrap().iter().find(|k| k["kind"] == name).cloned().unwrap();
    let field =
        |kind: &Value, name: &str| kind["fields"].as_array().unwrap().iter().find(|f| f["name"] == name).cloned();
    let basic = kind("basic");
    assert_eq!(basic["title"], json!("Basic Auth"));
    let password = field(&basic, "password").unwrap();
    assert_eq!((password["secret"].clone(), password["required"].clone()), (json!(true), json!(true)));
    assert_eq!(field(&basic, "username").unwrap()["secret"], json!(false));
    let placement = field(&kind("api_key"), "in").unwrap();
    assert_eq!(placement["type"], json!("choice"));
    assert_eq!(placement["options"], json!(["header", "query", "body"]));
    assert_eq!(field(&kind("hmac"), "toleranceSeconds").unwrap()["type"], json!("seconds"));
    assert_eq!(field(&kind("bearer"), "roles").unwrap()["advanced"], json!(true));
    assert_eq!(kind("none")["fields"], json!([]));
    assert_eq!(kinds.as_array().unwrap().len(), 7, "every kind of the vault");
}
