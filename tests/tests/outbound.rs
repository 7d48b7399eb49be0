//! A credential goes only where it belongs, tried for real: flows run by the
//! `hookline` binary call real HTTP servers, some of them playing the
//! attacker (a host the credential is not bound to, a redirect to another
//! origin), next to the legitimate calls that must keep working.

use hookline_tests::{add_credential as add, calling, Hookline, Received, Recorder};
use serde_json::{json, Value};

const MASTER_KEY: &str = "8f1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff0";

/// Runs the flow's draft once; the run's JSON and whether it succeeded.
fn run(hookline: &Hookline, flow: &Value) -> (Value, bool) {
    hookline.import(flow);
    let run = hookline.run(&["run", flow["id"].as_str().unwrap(), "--draft"]);
    (run.json(), run.code == Some(0))
}

fn carries_a_secret(request: &Received) -> Vec<String> {
    let mut found = Vec::new();
    for (name, value) in &request.headers {
        if value.contains("canary") || value.starts_with("Basic ") {
            found.push(format!("header {name}"));
        }
    }
    if request.query.as_deref().is_some_and(|q| q.contains("canary")) {
        found.push("query".into());
    }
    if String::from_utf8_lossy(&request.body).contains("canary") {
        found.push("body".into());
    }
    found
}

#[test]
fn a_credential_is_sent_only_to_the_hosts_it_is_bound_to() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    let partner = Recorder::start(200, json!({"ok": true}));
    let attacker = Recorder::start(200, json!({"thanks": true}));
    let bound = format!("allowedHosts={}", partner.url);
    add(&hookline, "partner", "bearer", &[bound.as_str()], "token=canary-partner-token\n");
    let verify = format!("verifyUrl={}/me", partner.url);
    add(&hookline, "by-verify-url", "api_key", &[verify.as_str()], "key=canary-verify-key\n");
    add(&hookline, "unbound", "basic", &["username=ada"], "password=canary-unbound\n");

    // The legitimate calls: the bound host, the verifyUrl's origin, this machine.
    for (id, credential) in
        [("flw_ok_bound", "partner"), ("flw_ok_verify", "by-verify-url"), ("flw_ok_local", "unbound")]
    {
        let (result, ok) = run(&hookline, &calling(id, &format!("{}/{id}", partner.url), credential, json!({})));
        assert!(ok, "{id} reaches its API: {result}");
    }
    assert_eq!(partner.received().len(), 3);

    // A URL that came from a payload points at another origin.
    let (result, ok) =
        run(&hookline, &calling("flw_exfiltrate", &format!("{}/collect", attacker.url), "partner", json!({})));
    assert!(!ok, "the step fails before sending");
    let error = result["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(&format!("may be sent only to {}", partner.url)) && error.contains(&attacker.url),
        "the error names both hosts: {result}"
    );
    let (result, ok) =
        run(&hookline, &calling("flw_exfiltrate_2", &format!("{}/collect", attacker.url), "by-verify-url", json!({})));
    assert!(!ok, "the verifyUrl binds it: {result}");
    // An unbound credential stays on this machine.
    let (result, ok) = run(&hookline, &calling("flw_far", "https://api.example.invalid/x", "unbound", json!({})));
    assert!(!ok);
    let error = result["error"].as_str().unwrap_or_default();
    assert!(error.contains("bound to no host") && error.contains("api.example.invalid"), "{result}");
    // Plain http to another machine needs the credential's consent.
    let far = "allowedHosts=api.example.invalid";
    add(&hookline, "far", "bearer", &[far], "token=canary-far\n");
    let (result, ok) = run(&hookline, &calling("flw_plain", "http://api.example.invalid/x", "far", json!({})));
    assert!(!ok);
    assert!(result["error"].as_str().unwrap_or_default().contains("allowInsecureHttp"), "{result}");
    assert!(attacker.received().is_empty(), "the attacker's server heard nothing");

    // Verification follows the same binding.
    let elsewhere = format!("verifyUrl={}/me", attacker.url);
    add(&hookline, "verify-elsewhere", "bearer", &[bound.as_str(), elsewhere.as_str()], "token=canary-v\n");
    let verified = hookline.run(&["vault", "verify", "verify-elsewhere"]);
    assert_eq!(verified.code, Some(2), "{}", verified.stdout);
    assert!(verified.stderr.contains("may be sent only to"), "{}", verified.stderr);
    assert!(attacker.received().is_empty(), "verification did not call the unlisted host");

    // An entry that is not a host is refused when the credential is added.
    let bad = hookline.run_with_input(
        &["vault", "add", "bad", "--kind", "bearer", "--set", "allowedHosts=https://x.org/v1"],
        "token=t\n",
    );
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("an origin is a scheme, a host and a port only"), "{}", bad.stderr);
}

#[test]
fn a_redirect_to_another_origin_carries_no_credential_and_no_referer() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    let elsewhere = Recorder::start(200, json!({"landed": "elsewhere"}));
    let api = Recorder::with_redirects(
        200,
        json!({"landed": "home"}),
        vec![("/away".into(), 307, format!("{}/caught", elsewhere.url)), ("/moved".into(), 308, "/here".into())],
    );
    let bound = format!("allowedHosts={}", api.url);
    add(&hookline, "bearer", "bearer", &[bound.as_str()], "token=canary-bearer\n");
    add(&hookline, "basic", "basic", &["username=ada", bound.as_str()], "password=canary-basic\n");
    add(&hookline, "header", "api_key", &["name=X-Partner-Key", bound.as_str()], "key=canary-header\n");
    add(&hookline, "query", "api_key", &["in=query", "name=token", bound.as_str()], "key=canary-query\n");
    add(&hookline, "body", "api_key", &["in=body", bound.as_str()], "key=canary-body\n");

    for credential in ["bearer", "basic", "header", "query", "body"] {
        let id = format!("flw_away_{credential}");
        let (result, ok) = run(&hookline, &calling(&id, &format!("{}/away", api.url), credential, json!({"n": 1})));
        assert!(ok, "the redirect is followed: {result}");
        assert_eq!(result["output"]["body"]["landed"], "elsewhere", "{result}");
    }
    let first_hops = api.received();
    assert_eq!(first_hops.len(), 5);
    for hop in &first_hops {
        assert!(!carries_a_secret(hop).is_empty(), "the bound origin gets the credential: {hop:?}");
    }
    let caught = elsewhere.received();
    assert_eq!(caught.len(), 5, "every call was followed to the other origin");
    for request in &caught {
        assert_eq!(carries_a_secret(request), Vec::<String>::new(), "nothing secret reached the other origin");
        assert_eq!(request.header("referer"), None, "no Referer tells it where the call came from");
        assert_eq!(request.method, "POST", "a 307 keeps the method");
        assert_eq!(request.json(), json!({"n": 1}), "and the body, without the key");
    }

    // A redirect within the origin keeps the credential.
    let (result, ok) = run(&hookline, &calling("flw_moved", &format!("{}/moved", api.url), "bearer", json!({})));
    assert!(ok, "{result}");
    let here = api.received().into_iter().find(|r| r.path == "/here").expect("the redirect was followed");
    assert_eq!(here.header("authorization"), Some("Bearer canary-bearer"));
}
