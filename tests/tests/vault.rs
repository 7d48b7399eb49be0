//! The vault through the real `hookline` binary: where the data key lives
//! (the OS keychain, HOOKLINE_MASTER_KEY, a key file), recovery and rotation,
//! guarded hooks over real HTTP, and secrets that never leak.

use std::time::Duration;

use hookline_tests::{add_credential as add, calling, hook_flow, live, transform, Hookline};
use reqwest::blocking::Client;
use serde_json::{json, Value};

/// A data key given as 64 hex characters, as HOOKLINE_MASTER_KEY accepts it.
const MASTER_KEY: &str = "8f1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff0";

/// Makes `hookline` believe no keychain exists.
fn without_keychain(hookline: Hookline) -> Hookline {
    hookline.with_env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/hookline-test-bus")
}

fn guarded(id: &str, slug: &str, credential: Option<&str>, policies: Option<Value>) -> Value {
    let mut config = json!({"slug": slug});
    if let Some(policies) = policies {
        config["policies"] = policies;
    }
    let mut flow = hook_flow(id, config, vec![transform("stp_echo", "body")]);
    if let Some(credential) = credential {
        flow["steps"][0]["credential"] = json!(credential);
    }
    flow
}

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

fn code_of(response: reqwest::blocking::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().unwrap_or(Value::Null);
    (status, body["error"]["code"].as_str().unwrap_or("").to_string())
}

#[test]
fn without_a_keychain_the_vault_says_how_to_get_a_key_and_a_key_file_works() {
    let hookline = without_keychain(Hookline::new());
    let status = hookline.run(&["vault", "status", "--json"]).ok().json();
    assert_eq!(status["source"], Value::Null, "no source answers: {status}");
    let problem = status["problem"].as_str().unwrap_or_default();
    assert!(problem.contains("HOOKLINE_MASTER_KEY") && problem.contains("create-key-file"), "says how: {problem}");

    let refused = hookline.run_with_input(&["vault", "add", "api", "--kind", "bearer"], "token=tok-1\n");
    assert_eq!(refused.code, Some(2), "nothing can be sealed without a key");
    assert!(refused.stderr.contains("create-key-file"), "{}", refused.stderr);

    hookline.run(&["vault", "create-key-file"]).ok();
    let key_file = hookline.data_dir().join("vault.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "only the user may read the key file");
    }
    add(&hookline, "api", "bearer", &[], "token=tok-1\n");
    let status = hookline.run(&["vault", "status", "--json"]).ok().json();
    assert_eq!(status["source"], "key_file", "{status}");
    assert_eq!(status["ready"], true, "{status}");
}

#[test]
fn the_os_keychain_keeps_the_data_key() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs a session D-Bus with an unlocked gnome-keyring: run the suite with `bash scripts/test.sh`"
    );
    let hookline = Hookline::new();
    let fresh = hookline.run(&["vault", "status", "--json"]).ok().json();
    assert_eq!(
        (fresh["ready"].as_bool(), fresh["fingerprint"].as_str()),
        (Some(true), None),
        "nothing made yet: {fresh}"
    );
    add(&hookline, "api", "bearer", &[], "token=tok-1\n");
    let status = hookline.run(&["vault", "status", "--json"]).ok().json();
    assert_eq!(status["source"], "keychain", "the keychain answers, so it keeps the key: {status}");
    assert!(status["fingerprint"].is_string(), "the first credential made the key: {status}");
    assert_eq!(status["ready"], true, "{status}");
    assert!(!hookline.data_dir().join("vault.key").exists(), "no key file is written when the keychain works");
    let listed = hookline.run(&["vault", "list", "--json"]).ok().json();
    assert_eq!(listed[0]["status"], "ok", "a second process opens it with the key from the keychain: {listed}");
}

#[test]
fn the_recovery_kit_restores_the_vault_elsewhere_and_rotation_retires_it() {
    let first = without_keychain(Hookline::new());
    first.run(&["vault", "create-key-file"]).ok();
    add(&first, "stripe", "hmac", &["preset=stripe"], "secret=whsec_canary_rotation\n");
    let phrase = first.run(&["vault", "recovery-kit"]).ok().stdout.trim().to_string();
    assert!(phrase.starts_with("HKL1-"), "a printable phrase: {phrase}");
    let again = first.run(&["vault", "recovery-kit"]);
    assert_eq!(again.code, Some(2), "the kit is shown once");
    assert!(again.stderr.contains("rotate-key"), "says how to get a new one: {}", again.stderr);

    // Another machine with a copy of the database but not the key.
    let second = without_keychain(Hookline::new());
    for suffix in ["", "-wal", "-shm"] {
        let from = first.data_dir().join(format!("hookline.db{suffix}"));
        if from.exists() {
            std::fs::copy(&from, second.data_dir().join(format!("hookline.db{suffix}"))).unwrap();
        }
    }
    let locked = second.run(&["vault", "status", "--json"]);
    assert_eq!(locked.code, Some(2), "a vault with credentials it cannot open is an error status");
    assert_eq!(locked.json()["ready"], false, "without the key nothing opens: {}", locked.stdout);
    second.run_with_input(&["vault", "recover", "--key-file"], &format!("{phrase}\n")).ok();
    let listed = second.run(&["vault", "list", "--json"]).ok().json();
    assert_eq!(listed[0]["status"], "ok", "recovered: {listed}");

    // The same phrase as HOOKLINE_MASTER_KEY opens a third copy.
    let third = Hookline::new().with_env("HOOKLINE_MASTER_KEY", &phrase);
    for suffix in ["", "-wal", "-shm"] {
        let from = second.data_dir().join(format!("hookline.db{suffix}"));
        if from.exists() {
            std::fs::copy(&from, third.data_dir().join(format!("hookline.db{suffix}"))).unwrap();
        }
    }
    let status = third.run(&["vault", "status", "--json"]).ok().json();
    assert_eq!((status["source"].as_str(), status["ready"].as_bool()), (Some("environment"), Some(true)), "{status}");

    let rotated = second.run(&["vault", "rotate-key"]).ok();
    assert!(rotated.stdout.contains("sealed 1 credential"), "{}", rotated.stdout);
    assert_eq!(second.run(&["vault", "list", "--json"]).ok().json()[0]["status"], "ok", "opens under the new key");
    let refused = second.run_with_input(&["vault", "recover"], &format!("{phrase}\n"));
    assert_eq!(refused.code, Some(2), "the old phrase no longer fits this vault");
    assert!(refused.stderr.contains("another vault"), "{}", refused.stderr);
}

#[test]
fn secret_fields_come_from_standard_input_never_from_arguments() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    let refused =
        hookline.run(&["vault", "add", "db", "--kind", "basic", "--set", "username=ada", "--set", "password=oops"]);
    assert_eq!(refused.code, Some(2));
    assert!(refused.stderr.contains("password: a secret field"), "{}", refused.stderr);
    assert!(!refused.stderr.contains("oops"), "the value is not repeated: {}", refused.stderr);
    add(&hookline, "db", "basic", &["username=ada"], "password=canary-stdin-pw\n");
    let shown = hookline.run(&["vault", "show", "db"]).ok();
    assert!(!shown.stdout.contains("canary-stdin-pw"), "{}", shown.stdout);
    assert_eq!(shown.json()["secrets"]["password"], "••••••", "a mask stands in for the secret");
}

#[test]
fn a_credential_that_cannot_be_decrypted_is_listed_and_does_not_stop_serve() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    add(&hookline, "hook-token", "bearer", &[], "token=tok-good\n");
    live(&hookline, &[guarded("flw_guarded", "guarded", Some("hook-token"), None)]);
    tamper_with(&hookline, "hook-token");

    let listed = hookline.run(&["vault", "list", "--json"]).ok().json();
    assert_eq!(listed[0]["status"], "undecryptable", "{listed}");
    let problem = listed[0]["problem"].as_str().unwrap_or_default();
    assert!(
        problem.contains("hookline vault add hook-token --kind bearer --replace"),
        "says how to re-enter: {problem}"
    );

    let server = hookline.serve(&[]);
    let url = format!("{}/hook/guarded", server.url);
    let (status, code) = code_of(client().post(&url).bearer_auth("tok-good").json(&json!({})).send().unwrap());
    assert_eq!((status, code.as_str()), (401, "auth_failed"), "a hook whose guard cannot be opened admits nobody");

    hookline.run_with_input(&["vault", "add", "hook-token", "--kind", "bearer", "--replace"], "token=tok-good\n").ok();
    std::thread::sleep(Duration::from_millis(1100));
    let response = client().post(&url).bearer_auth("tok-good").json(&json!({})).send().unwrap();
    assert_eq!(response.status(), 202, "re-entered, the hook works again without a restart");
}

/// Flips a byte of a credential's sealed secrets in the database, as damage
/// or a foreign key would leave them.
fn tamper_with(hookline: &Hookline, name: &str) {
    let path = hookline.data_dir().join("hookline.db");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = hookline_store::Store::open(&path).await.unwrap();
        let mut row = store.credential(name).await.unwrap().expect("the credential exists");
        let last = row.sealed.len() - 1;
        row.sealed[last] ^= 0x01;
        store.put_credential(&row).await.unwrap();
    });
}

#[test]
fn guarded_hooks_admit_the_right_callers_and_keep_their_secrets_out_of_every_record() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    add(&hookline, "basic", "basic", &["username=ada"], "password=canary-basic-pw\n");
    add(&hookline, "bearer", "bearer", &[], "token=canary-bearer-tok\n");
    add(&hookline, "header-key", "api_key", &["name=X-Token"], "key=canary-header-key\n");
    add(&hookline, "query-key", "api_key", &["in=query"], "key=canary-query-key\n");
    add(&hookline, "body-key", "api_key", &["in=body"], "key=canary-body-key\n");
    add(&hookline, "github", "hmac", &["preset=github"], "secret=canary-github-secret\n");
    add(&hookline, "stripe", "hmac", &["preset=stripe"], "secret=whsec_canarystripesecret\n");
    add(
        &hookline,
        "standard",
        "hmac",
        &["preset=standard-webhooks"],
        "secret=whsec_Y2FuYXJ5LXN0YW5kYXJkLXNlY3JldA==\n",
    );
    add(&hookline, "admin", "bearer", &["profile=admin"], "token=canary-admin-tok\n");
    add(&hookline, "reviewer", "bearer", &["profile=standard", "roles=reviewers"], "token=canary-reviewer-tok\n");
    add(&hookline, "visitor", "bearer", &["profile=standard"], "token=canary-visitor-tok\n");
    live(
        &hookline,
        &[
            guarded("flw_basic", "basic", Some("basic"), None),
            guarded("flw_bearer", "bearer", Some("bearer"), None),
            guarded("flw_header", "header", Some("header-key"), None),
            guarded("flw_query", "query", Some("query-key"), None),
            guarded("flw_body", "body", Some("body-key"), None),
            guarded("flw_github", "github", Some("github"), None),
            guarded("flw_stripe", "stripe", Some("stripe"), None),
            guarded("flw_standard", "standard", Some("standard"), None),
            guarded("flw_policy", "policy", None, Some(json!(["profile:admin", "role:reviewers"]))),
        ],
    );
    let mut server = hookline.serve(&[]);
    let client = client();
    let hook = |slug: &str| format!("{}/hook/{slug}", server.url);

    // Basic, bearer and API keys: the right secret is admitted, a wrong one refused.
    let right = client.post(hook("basic")).basic_auth("ada", Some("canary-basic-pw")).json(&json!({"n": 1})).send();
    assert_eq!(right.unwrap().status(), 202, "the right password is admitted");
    let wrong =
        client.post(hook("basic")).basic_auth("ada", Some("canary-basic-guess")).json(&json!({})).send().unwrap();
    assert!(wrong.headers().get("www-authenticate").is_some(), "Basic refusals carry a challenge");
    assert_eq!(code_of(wrong), (401, "auth_failed".into()));
    assert_eq!(code_of(client.post(hook("basic")).json(&json!({})).send().unwrap()), (401, "auth_failed".into()));
    assert_eq!(
        client.post(hook("bearer")).bearer_auth("canary-bearer-tok").json(&json!({})).send().unwrap().status(),
        202
    );
    assert_eq!(code_of(client.post(hook("bearer")).bearer_auth("nope").json(&json!({})).send().unwrap()).0, 401);
    let header = client.post(hook("header")).header("X-Token", "canary-header-key").json(&json!({})).send().unwrap();
    assert_eq!(header.status(), 202, "the key in its header is admitted");
    let misplaced = client.post(hook("header")).query(&[("api_key", "canary-header-key")]).json(&json!({})).send();
    assert_eq!(misplaced.unwrap().status(), 401, "only where the credential says the key travels");
    let query = client.post(hook("query")).query(&[("api_key", "canary-query-key")]).json(&json!({"n": 2})).send();
    assert_eq!(query.unwrap().status(), 202);
    let body = client.post(hook("body")).json(&json!({"key": "canary-body-key", "n": 3})).send().unwrap();
    assert_eq!(body.status(), 202, "the key in the JSON body field `key` is admitted");

    // HMAC presets: `hookline sign` builds a request each hook accepts.
    let payload = hookline.file("payload.json", r#"{"event":"push","n":4}"#);
    for slug in ["github", "stripe", "standard"] {
        let headers = signed_headers(&hookline, slug, &payload, &server.url);
        let send = |body: &str| {
            let mut request = client.post(hook(slug)).header("content-type", "application/json").body(body.to_string());
            for (name, value) in &headers {
                request = request.header(name.as_str(), value.as_str());
            }
            request.send().unwrap()
        };
        let accepted = send(r#"{"event":"push","n":4}"#);
        assert!(accepted.status() == 202, "{slug}: the signed request is admitted: {}", accepted.status());
        assert_eq!(code_of(send(r#"{"event":"push","n":5}"#)), (401, "signature_invalid".into()), "{slug}: tampered");
        if slug == "standard" {
            let replay = send(r#"{"event":"push","n":4}"#);
            assert_eq!(replay.status(), 200, "a replayed webhook-id answers with the original execution");
            let body: Value = replay.json().unwrap();
            assert_eq!(body["duplicate"], true, "and runs nothing again: {body}");
        }
    }
    let unsigned = client.post(hook("github")).json(&json!({"event": "push"})).send().unwrap();
    assert_eq!(code_of(unsigned), (401, "signature_invalid".into()), "a missing signature is refused");

    // Access policies: any rule admits; an authenticated caller matching none is forbidden.
    let policy = |token: &str| client.post(hook("policy")).bearer_auth(token).json(&json!({})).send().unwrap();
    assert_eq!(policy("canary-admin-tok").status(), 202, "profile:admin");
    assert_eq!(policy("canary-reviewer-tok").status(), 202, "role:reviewers");
    assert_eq!(code_of(policy("canary-visitor-tok")), (403, "forbidden".into()), "authenticated, not admitted");
    assert_eq!(code_of(policy("canary-stranger-tok")), (401, "auth_failed".into()), "not authenticated");

    // Refusals are kept in the inbox with their reason and create no execution.
    let inbox = hookline.run(&["inbox", "list", "basic", "--json"]).ok().json();
    let reasons: Vec<&str> = inbox.as_array().unwrap().iter().filter_map(|e| e["reason"].as_str()).collect();
    assert_eq!(reasons, ["auth_failed", "auth_failed"], "{inbox}");
    let executions = hookline.run(&["executions", "list", "--flow", "basic", "--json"]).ok().json();
    assert_eq!(executions.as_array().unwrap().len(), 1, "only the admitted request ran");

    // Nothing the callers sent as a secret, nor any stored secret, is in any record.
    std::thread::sleep(Duration::from_millis(500));
    let _ = server.child.kill();
    let _ = server.child.wait();
    let mut records = server.lines().join("\n");
    for flow in ["basic", "bearer", "header", "query", "body", "github", "stripe", "standard", "policy"] {
        records.push_str(&hookline.run(&["flows", "export", flow]).ok().stdout);
        let inbox = hookline.run(&["inbox", "list", flow, "--json"]).ok();
        for entry in inbox.json().as_array().unwrap() {
            records.push_str(&hookline.run(&["inbox", "show", entry["id"].as_str().unwrap()]).ok().stdout);
            records.push_str(&hookline.run(&["inbox", "show", entry["id"].as_str().unwrap(), "--raw"]).ok().stdout);
        }
        records.push_str(&inbox.stdout);
    }
    for execution in hookline.run(&["executions", "list", "--all", "--json"]).ok().json().as_array().unwrap() {
        records.push_str(&hookline.run(&["executions", "show", execution["id"].as_str().unwrap()]).ok().stdout);
    }
    records.push_str(&hookline.run(&["vault", "list", "--json"]).ok().stdout);
    assert!(records.contains("••••••"), "masks stand where secrets were");
    let mut database = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(bytes) = std::fs::read(hookline.data_dir().join(format!("hookline.db{suffix}"))) {
            database.extend(bytes);
        }
    }
    let basic_header = "YWRhOmNhbmFyeS1iYXNpYy1wdw"; // base64 of "ada:canary-basic-pw", without padding
    for canary in ["canary-", "canarystripe", "Y2FuYXJ5", basic_header] {
        assert!(!records.contains(canary), "{canary:?} leaked into a record:\n{}", excerpt(&records, canary));
        assert!(
            !database.windows(canary.len()).any(|w| w == canary.as_bytes()),
            "{canary:?} is in the SQLite file's bytes"
        );
    }
}

/// The headers of the curl command `hookline sign` prints for a flow.
fn signed_headers(hookline: &Hookline, flow: &str, body: &str, url: &str) -> Vec<(String, String)> {
    let command = hookline.run(&["sign", flow, "--body", body, "--url", url]).ok().stdout;
    assert!(command.starts_with("curl -i -X 'POST'"), "a curl command: {command}");
    command
        .split(" -H '")
        .skip(1)
        .map(|part| part.split('\'').next().unwrap())
        .filter_map(|header| header.split_once(": "))
        .filter(|(name, _)| !name.eq_ignore_ascii_case("content-type"))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

fn excerpt(text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap_or(0);
    let start = text[..at].char_indices().rev().nth(120).map(|(i, _)| i).unwrap_or(0);
    text[start..].chars().take(300).collect()
}

#[test]
fn steps_call_apis_with_their_credentials_and_the_run_log_keeps_none_of_them() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    let api = hookline_tests::Recorder::start(200, json!({"ok": true}));
    // This one echoes the bearer token back, as careless services do.
    let echo = hookline_tests::Recorder::start(200, json!({"echo": "canary-out-bearer", "ok": true}));
    let tokens =
        hookline_tests::Recorder::start(200, json!({"access_token": "canary-access-token", "expires_in": 3600}));
    let verify_url = format!("verifyUrl={}/whoami", echo.url);
    add(&hookline, "out-basic", "basic", &["username=ada"], "password=canary-out-basic\n");
    add(&hookline, "out-bearer", "bearer", &[verify_url.as_str()], "token=canary-out-bearer\n");
    add(&hookline, "out-header", "api_key", &["name=X-Api-Key"], "key=canary-out-header\n");
    add(&hookline, "out-query", "api_key", &["in=query", "name=token"], "key=canary-out-query\n");
    add(&hookline, "out-body", "api_key", &["in=body"], "key=canary-out-body\n");
    let token_url = format!("tokenUrl={}/oauth/token", tokens.url);
    // The API is another origin than the token endpoint: it must be listed.
    let api_host = format!("allowedHosts={}", api.url);
    add(
        &hookline,
        "out-oauth",
        "oauth2_client_credentials",
        &[token_url.as_str(), api_host.as_str(), "clientId=hookline", "scope=pets:write"],
        "clientSecret=canary-client-secret\n",
    );
    add(&hookline, "warehouse", "database_url", &[], "url=postgres://ada:canary-db-pw@127.0.0.1:9/stock\n");
    let database = hookline.run(&["vault", "verify", "warehouse"]);
    assert_eq!(database.code, Some(2), "nothing listens on port 9");
    assert!(database.stderr.contains("cannot connect to postgres://ada:***@127.0.0.1:9/stock"), "{}", database.stderr);
    let flows = [
        ("flw_basic", "out-basic"),
        ("flw_bearer", "out-bearer"),
        ("flw_header", "out-header"),
        ("flw_query", "out-query"),
        ("flw_body", "out-body"),
        ("flw_oauth", "out-oauth"),
    ];
    for (id, credential) in flows {
        let base = if id == "flw_bearer" { &echo.url } else { &api.url };
        hookline.import(&calling(id, &format!("{base}/{id}"), credential, json!({"n": 1})));
        hookline.run(&["flows", "publish", id]).ok();
        hookline.run(&["run", id]).ok();
    }
    // A call that fails: its error names the URL, which carries the key.
    hookline.import(&calling("flw_down", "http://127.0.0.1:9/down", "out-query", json!({})));
    let failed = hookline.run(&["run", "flw_down", "--draft"]);
    assert_eq!(failed.code, Some(1), "the unreachable API fails the run");

    let mut received = api.received();
    received.extend(echo.received());
    let at = |path: &str| received.iter().find(|r| r.path == path).unwrap_or_else(|| panic!("{path} was called"));
    let basic = at("/flw_basic").header("authorization").unwrap_or_default().to_string();
    assert_eq!(basic, "Basic YWRhOmNhbmFyeS1vdXQtYmFzaWM=", "Basic ada:canary-out-basic is sent");
    assert_eq!(at("/flw_bearer").header("authorization"), Some("Bearer canary-out-bearer"));
    assert_eq!(at("/flw_header").header("x-api-key"), Some("canary-out-header"));
    assert_eq!(at("/flw_query").query.as_deref(), Some("token=canary-out-query"));
    assert_eq!(at("/flw_body").json(), json!({"n": 1, "key": "canary-out-body"}), "the key joins the JSON body");
    assert_eq!(at("/flw_oauth").header("authorization"), Some("Bearer canary-access-token"), "OAuth2 token used");
    let token_request = &tokens.received()[0];
    assert_eq!(token_request.path, "/oauth/token");
    let form = String::from_utf8_lossy(&token_request.body).to_string();
    assert!(form.contains("grant_type=client_credentials") && form.contains("scope=pets%3Awrite"), "{form}");
    assert!(token_request.header("authorization").is_some_and(|a| a.starts_with("Basic ")), "client auth");

    // Verification calls the real service and records the result.
    let verified = hookline.run(&["vault", "verify", "out-bearer"]).ok();
    assert!(verified.stdout.contains("answered 200"), "{}", verified.stdout);
    assert_eq!(echo.received().last().unwrap().path, "/whoami", "the verifyUrl was called");
    let unverifiable = hookline.run(&["vault", "verify", "out-basic"]);
    assert_eq!(unverifiable.code, Some(2), "nothing to call is a failed verification");
    assert!(unverifiable.stderr.contains("set verifyUrl"), "{}", unverifiable.stderr);
    hookline.run(&["vault", "verify", "out-oauth"]).ok();
    let oauth = hookline.run(&["vault", "show", "out-oauth"]).ok().json();
    assert!(oauth["token"]["expiresAt"].is_string(), "the vault shows the token's expiry: {oauth}");
    assert_eq!(oauth["verification"]["ok"], true, "{oauth}");

    let mut records = String::new();
    for execution in hookline.run(&["executions", "list", "--json"]).ok().json().as_array().unwrap() {
        records.push_str(&hookline.run(&["executions", "show", execution["id"].as_str().unwrap()]).ok().stdout);
    }
    records.push_str(&hookline.run(&["vault", "list", "--json"]).ok().stdout);
    records.push_str(&failed.stdout);
    records.push_str(&failed.stderr);
    records.push_str(&database.stderr);
    for (id, _) in flows {
        records.push_str(&hookline.run(&["flows", "export", id]).ok().stdout);
    }
    assert!(records.contains("\"echo\": \"••••••\""), "the echoed secret is masked in the run log");
    let mut database = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(bytes) = std::fs::read(hookline.data_dir().join(format!("hookline.db{suffix}"))) {
            database.extend(bytes);
        }
    }
    for canary in ["canary-", "YWRhOmNhbmFyeS1vdXQtYmFzaWM"] {
        assert!(!records.contains(canary), "{canary:?} leaked into a record:\n{}", excerpt(&records, canary));
        assert!(!database.windows(canary.len()).any(|w| w == canary.as_bytes()), "{canary:?} is in the database file");
    }
}

#[test]
fn a_credential_in_use_is_removed_only_with_force_and_then_publishing_names_it() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    add(&hookline, "partner", "bearer", &[], "token=tok-partner\n");
    hookline.import(&calling("flw_partner", "http://127.0.0.1:9/x", "partner", json!({})));
    hookline.run(&["flows", "publish", "flw_partner"]).ok();
    let listed = hookline.run(&["vault", "list", "--json"]).ok().json();
    assert_eq!(listed[0]["usedBy"][0]["id"], "flw_partner", "the credential lists the flow using it: {listed}");

    let refused = hookline.run(&["vault", "remove", "partner"]);
    assert_eq!(refused.code, Some(2), "in use: not removed without --force");
    assert!(refused.stderr.contains("flw_partner") && refused.stderr.contains("--force"), "{}", refused.stderr);
    hookline.run(&["vault", "remove", "partner", "--force"]).ok();
    let publish = hookline.run(&["flows", "publish", "flw_partner"]);
    assert_eq!(publish.code, Some(2), "the flow is invalid without its credential");
    assert!(publish.stderr.contains("steps[1].credential") && publish.stderr.contains("partner"), "{}", publish.stderr);

    add(&hookline, "partner", "hmac", &["preset=github"], "secret=s\n");
    let wrong_kind = hookline.run(&["flows", "publish", "flw_partner"]);
    assert!(
        wrong_kind.stderr.contains("accepts basic, api_key, bearer, oauth2_client_credentials"),
        "{}",
        wrong_kind.stderr
    );
}

#[test]
fn an_oauth2_token_refused_by_the_api_is_fetched_again_once_and_failures_are_shown_in_the_vault() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    let tokens = hookline_tests::Recorder::start(200, json!({"access_token": "tok-revoked", "expires_in": 3600}));
    let api = hookline_tests::Recorder::start(401, json!({"error": "invalid_token"}));
    let token_url = format!("tokenUrl={}/token", tokens.url);
    let api_host = format!("allowedHosts={}", api.url);
    let fields = [token_url.as_str(), api_host.as_str(), "clientId=c"];
    add(&hookline, "svc", "oauth2_client_credentials", &fields, "clientSecret=s3\n");
    hookline.import(&calling("flw_svc", &format!("{}/items", api.url), "svc", json!({})));
    let run = hookline.run(&["run", "flw_svc", "--draft"]);
    assert_eq!(run.code, Some(1), "the API keeps refusing, so the step fails");
    assert_eq!(tokens.received().len(), 2, "a 401 fetches a new token once, and only once");
    assert_eq!(api.received().len(), 2, "the call is tried again with the new token");

    let down = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    let refusing = hookline_tests::Recorder::start(400, json!({"error": "invalid_client"}));
    let token_url = format!("tokenUrl={}/token", refusing.url);
    let fields = [token_url.as_str(), api_host.as_str(), "clientId=c"];
    add(&down, "svc", "oauth2_client_credentials", &fields, "clientSecret=s3\n");
    down.import(&calling("flw_svc", &format!("{}/items", api.url), "svc", json!({})));
    let failed = down.run(&["run", "flw_svc", "--draft"]).json();
    let error = failed["error"].as_str().unwrap_or_default();
    assert!(error.contains("answered 400 Bad Request invalid_client"), "the token endpoint's reason: {error}");
    let shown = down.run(&["vault", "show", "svc"]).ok().json();
    let last = shown["token"]["lastError"].as_str().unwrap_or_default();
    assert!(last.contains("invalid_client"), "the vault shows the last token error: {shown}");
}

#[test]
fn sign_prints_the_address_the_running_listener_serves_on() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    add(&hookline, "gh", "hmac", &["preset=github"], "secret=sign-here\n");
    live(&hookline, &[guarded("flw_gh", "gh-push", Some("gh"), None)]);
    let body = hookline.file("push.json", r#"{"ref":"main"}"#);
    let settings_address = hookline.run(&["sign", "gh-push", "--body", &body]).ok().stdout;
    assert!(settings_address.contains("'http://127.0.0.1:8787/hook/gh-push'"), "no listener: {settings_address}");

    // `--listen 127.0.0.1:0` serves on a port only the server knows.
    let server = hookline.serve(&[]);
    let command = hookline.run(&["sign", "gh-push", "--body", &body]).ok().stdout;
    assert!(command.contains(&format!("'{}/hook/gh-push'", server.url)), "{command} names {}", server.url);
    let headers = signed_headers(&hookline, "gh-push", &body, &server.url);
    let mut request = client().post(format!("{}/hook/gh-push", server.url)).body(r#"{"ref":"main"}"#);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    assert_eq!(request.send().unwrap().status(), 202, "the printed signature is accepted");
    drop(server);
    let after = hookline.run(&["sign", "gh-push", "--body", &body]).ok().stdout;
    assert!(after.contains("127.0.0.1:8787"), "a stopped listener is forgotten: {after}");
}
