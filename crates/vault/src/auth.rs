//! Who may call a webhook: the guard credential on the hook, the callers'
//! credentials and the hook's access policies. Everything here reads the raw
//! request (headers, query, body bytes) before anything parses it, and every
//! secret comparison is constant-time.

use base64::Engine as _;
use subtle::ConstantTimeEq;

use crate::signature::{self, HmacSettings};
use crate::{Kind, OpenCredential};

/// The parts of a request authentication looks at.
pub struct Request<'a> {
    /// A header by case-insensitive name.
    pub header: &'a dyn Fn(&str) -> Option<String>,
    /// Decoded query parameters.
    pub query: &'a [(String, String)],
    /// The raw body.
    pub body: &'a [u8],
    /// Now, in Unix seconds (for signed timestamps).
    pub now: i64,
    /// A key the route carries in a place of its own (Cloudomation's `key`,
    /// in the query or the JSON payload), taken out of the request before
    /// anything is kept. It stands for an API key wherever the credential
    /// would otherwise look.
    pub routed_key: Option<&'a str>,
}

/// Why a request was refused. Messages name no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// No credential, or a wrong one: 401 `auth_failed`; for Basic, the
    /// `WWW-Authenticate` challenge to send.
    AuthFailed { message: String, challenge: Option<String> },
    /// An HMAC signature is missing, wrong or too old: 401 `signature_invalid`.
    SignatureInvalid(String),
    /// The caller authenticated, but no access rule admits it: 403 `forbidden`.
    Forbidden(String),
}

impl Denied {
    pub fn code(&self) -> &'static str {
        match self {
            Denied::AuthFailed { .. } => "auth_failed",
            Denied::SignatureInvalid(_) => "signature_invalid",
            Denied::Forbidden(_) => "forbidden",
        }
    }

    /// What the caller is told: whether to retry with other credentials,
    /// and nothing about which credentials, key sources or roles the hook
    /// knows (an attacker would learn where to aim). A signature problem is
    /// the sender's own and is told as it is.
    pub fn public_message(&self) -> &str {
        match self {
            Denied::AuthFailed { .. } => "missing or wrong credentials",
            Denied::SignatureInvalid(message) => message,
            Denied::Forbidden(_) => "this caller is not admitted by the hook's access rules",
        }
    }

    /// The whole reason, for the hook's owner (the log), never for the caller.
    pub fn message(&self) -> &str {
        match self {
            Denied::AuthFailed { message, .. } | Denied::SignatureInvalid(message) | Denied::Forbidden(message) => {
                message
            }
        }
    }
}

const BASIC_CHALLENGE: &str = "Basic realm=\"hookline\", charset=\"UTF-8\"";

/// Decides whether a request may run the hook. `guard` is the hook's own
/// credential (`None`: the hook names none). With `policies`, any of
/// `callers` (the vault's basic, API key and bearer credentials) may
/// authenticate, and must then match one rule (`profile:NAME` or
/// `role:NAME`). Returns the name of the caller's credential, if one was
/// presented.
pub fn admit(
    guard: Option<&OpenCredential>,
    callers: &[&OpenCredential],
    policies: &[String],
    request: &Request<'_>,
) -> Result<Option<String>, Denied> {
    if let Some(guard) = guard.filter(|g| g.kind == Kind::Hmac) {
        check_signature(guard, request)?;
        if policies.is_empty() {
            return Ok(None);
        }
    }
    if policies.is_empty() {
        return match guard {
            None => Ok(None),
            Some(guard) if guard.kind == Kind::None => Ok(None),
            Some(guard) if presents(guard, request) => Ok(Some(guard.name.clone())),
            Some(guard) => Err(refusal(&[guard])),
        };
    }
    let mut candidates: Vec<&OpenCredential> = guard.filter(|g| g.kind.identifies_callers()).into_iter().collect();
    candidates.extend(callers.iter().copied().filter(|c| c.kind.identifies_callers()));
    // Every candidate is compared, even after a match, so the time taken does
    // not tell which credential (or how many) a caller's secret resembles.
    let mut matched = None;
    for candidate in &candidates {
        if presents(candidate, request) && matched.is_none() {
            matched = Some(*candidate);
        }
    }
    let Some(caller) = matched else {
        return Err(refusal(&candidates));
    };
    if policies.iter().any(|rule| rule_admits(rule, caller)) {
        return Ok(Some(caller.name.clone()));
    }
    let profile = caller.profile().map(|p| format!("profile {p}")).unwrap_or_else(|| "no profile".into());
    let roles = caller.roles();
    let roles = if roles.is_empty() { "no roles".to_string() } else { format!("roles {}", roles.join(", ")) };
    Err(Denied::Forbidden(format!(
        "credential {:?} ({profile}, {roles}) is not admitted by this hook's access policies ({})",
        caller.name,
        policies.join(", ")
    )))
}

/// Whether an access rule admits the caller.
pub fn rule_admits(rule: &str, caller: &OpenCredential) -> bool {
    match rule.split_once(':') {
        Some(("profile", profile)) => caller.profile() == Some(profile),
        Some(("role", role)) => caller.roles().contains(&role),
        _ => false,
    }
}

fn refusal(candidates: &[&OpenCredential]) -> Denied {
    let basic = candidates.iter().any(|c| c.kind == Kind::Basic);
    let expected: Vec<String> = candidates.iter().map(|c| describe_expected(c)).collect();
    let mut expected_text = expected;
    expected_text.dedup();
    Denied::AuthFailed {
        message: if expected_text.is_empty() {
            "this hook admits no caller: no credential can identify one".into()
        } else {
            format!("missing or wrong credentials: this hook expects {}", expected_text.join(" or "))
        },
        challenge: basic.then(|| BASIC_CHALLENGE.to_string()),
    }
}

fn describe_expected(credential: &OpenCredential) -> String {
    match credential.kind {
        Kind::Basic => "Basic authentication (Authorization: Basic …)".into(),
        Kind::Bearer => "a bearer token (Authorization: Bearer …)".into(),
        Kind::ApiKey => match credential.api_key_location() {
            "query" => format!("an API key in the query parameter {}", credential.api_key_name()),
            "body" => "an API key in the JSON body field \"key\"".into(),
            _ => format!("an API key in the {} header", credential.api_key_name()),
        },
        _ => credential.kind.title().to_string(),
    }
}

fn check_signature(guard: &OpenCredential, request: &Request<'_>) -> Result<(), Denied> {
    let settings = HmacSettings::from_fields(&guard.fields).map_err(|e| Denied::SignatureInvalid(e.to_string()))?;
    let secret = guard
        .secret("secret")
        .ok_or_else(|| Denied::SignatureInvalid("this hook has no signing secret to check against".into()))?;
    signature::verify(&settings, secret, request.header, request.body, request.now)
        .map_err(|e| Denied::SignatureInvalid(e.to_string()))
}

/// Whether the request carries this credential's secret, compared in
/// constant time.
fn presents(credential: &OpenCredential, request: &Request<'_>) -> bool {
    let same = |presented: &str, field: &str| {
        credential
            .secret(field)
            .is_some_and(|secret| bool::from(presented.as_bytes().ct_eq(secret.expose().as_bytes())))
    };
    match credential.kind {
        Kind::Basic => {
            let Some((user, password)) = basic_pair(request) else { return false };
            let user_ok = credential.text("username").is_some_and(|u| bool::from(user.as_bytes().ct_eq(u.as_bytes())));
            let password_ok = same(&password, "password");
            user_ok & password_ok
        }
        Kind::Bearer => bearer_token(request).is_some_and(|token| same(&token, "token")),
        Kind::ApiKey => presented_api_key(credential, request).is_some_and(|key| same(&key, "key")),
        _ => false,
    }
}

fn authorization(request: &Request<'_>, scheme: &str) -> Option<String> {
    let value = (request.header)("authorization")?;
    let (given, rest) = value.trim().split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| rest.trim().to_string())
}

fn basic_pair(request: &Request<'_>) -> Option<(String, String)> {
    let encoded = authorization(request, "basic")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

fn bearer_token(request: &Request<'_>) -> Option<String> {
    authorization(request, "bearer")
}

/// The API key a request carries where `credential` says it travels.
pub fn presented_api_key(credential: &OpenCredential, request: &Request<'_>) -> Option<String> {
    if let Some(key) = request.routed_key {
        return Some(key.to_string());
    }
    match credential.api_key_location() {
        "query" => {
            let name = credential.api_key_name();
            request.query.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone())
        }
        "body" => {
            let body: serde_json::Value = serde_json::from_slice(request.body).ok()?;
            body.get("key").and_then(|key| key.as_str()).map(str::to_string)
        }
        _ => (request.header)(credential.api_key_name()),
    }
}

/// Everything secret a request carries for these credentials, whether or not
/// it matched (a near miss is as secret as the real thing): the values to
/// scrub from the inbox, the run log and the trigger's output.
pub fn presented_secrets(credentials: &[&OpenCredential], request: &Request<'_>) -> Vec<String> {
    let mut found = Vec::new();
    for credential in credentials {
        match credential.kind {
            Kind::Basic => {
                if let Some(encoded) = authorization(request, "basic") {
                    if let Some((_, password)) = basic_pair(request) {
                        found.push(password);
                    }
                    found.push(encoded);
                }
            }
            Kind::Bearer => found.extend(bearer_token(request)),
            Kind::ApiKey => found.extend(presented_api_key(credential, request)),
            _ => {}
        }
    }
    found.retain(|value| !value.is_empty());
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::{json, Map, Value};

    use super::*;
    use crate::Sensitive;

    fn credential(name: &str, kind: Kind, fields: Value, secrets: &[(&str, &str)]) -> OpenCredential {
        OpenCredential {
            id: format!("crd_{name}"),
            name: name.into(),
            kind,
            fields: fields.as_object().cloned().unwrap_or_else(Map::new),
            secrets: secrets.iter().map(|(k, v)| (k.to_string(), Sensitive::from(*v))).collect::<BTreeMap<_, _>>(),
        }
    }

    fn check(
        guard: Option<&OpenCredential>,
        callers: &[&OpenCredential],
        policies: &[&str],
        headers: &[(&str, &str)],
        query: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Option<String>, Denied> {
        let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_lowercase(), v.to_string())).collect();
        let lookup = move |name: &str| headers.iter().find(|(k, _)| *k == name.to_lowercase()).map(|(_, v)| v.clone());
        let query: Vec<(String, String)> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let policies: Vec<String> = policies.iter().map(|p| p.to_string()).collect();
        admit(
            guard,
            callers,
            &policies,
            &Request { header: &lookup, query: &query, body, now: 1_700_000_000, routed_key: None },
        )
    }

    #[test]
    fn basic_bearer_and_api_keys_admit_the_right_secret_only() {
        let basic = credential("b", Kind::Basic, json!({"username": "ada"}), &[("password", "s3cret!")]);
        let good = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("ada:s3cret!"));
        let bad = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("ada:guess"));
        assert_eq!(check(Some(&basic), &[], &[], &[("Authorization", &good)], &[], b""), Ok(Some("b".into())));
        let refused = check(Some(&basic), &[], &[], &[("Authorization", &bad)], &[], b"").unwrap_err();
        assert_eq!(refused.code(), "auth_failed");
        assert!(matches!(refused, Denied::AuthFailed { challenge: Some(_), .. }), "Basic sends a challenge");

        let bearer = credential("t", Kind::Bearer, json!({}), &[("token", "tok-123")]);
        assert!(check(Some(&bearer), &[], &[], &[("authorization", "Bearer tok-123")], &[], b"").is_ok());
        assert!(check(Some(&bearer), &[], &[], &[("authorization", "Bearer tok-124")], &[], b"").is_err());

        let header_key = credential("h", Kind::ApiKey, json!({"name": "X-Token"}), &[("key", "k-1")]);
        assert!(check(Some(&header_key), &[], &[], &[("x-token", "k-1")], &[], b"").is_ok());
        let query_key = credential("q", Kind::ApiKey, json!({"in": "query"}), &[("key", "k-2")]);
        assert!(check(Some(&query_key), &[], &[], &[], &[("api_key", "k-2")], b"").is_ok());
        assert!(check(Some(&query_key), &[], &[], &[("x-api-key", "k-2")], &[], b"").is_err(), "only where configured");
        let body_key = credential("j", Kind::ApiKey, json!({"in": "body"}), &[("key", "k-3")]);
        assert!(check(Some(&body_key), &[], &[], &[], &[], br#"{"key": "k-3", "a": 1}"#).is_ok());
        let refused = check(Some(&body_key), &[], &[], &[], &[], b"not json").unwrap_err();
        assert!(refused.message().contains("JSON body field"), "says where the key belongs: {refused:?}");
    }

    #[test]
    fn policies_admit_callers_by_profile_or_role_and_forbid_the_rest() {
        let admin = credential("admin", Kind::Bearer, json!({"profile": "admin"}), &[("token", "t-admin")]);
        let reviewer = credential(
            "rev",
            Kind::Bearer,
            json!({"profile": "standard", "roles": ["reviewers"]}),
            &[("token", "t-rev")],
        );
        let other = credential("other", Kind::Bearer, json!({"profile": "standard"}), &[("token", "t-other")]);
        let callers = [&admin, &reviewer, &other];
        let policies = ["profile:admin", "role:reviewers"];
        let call =
            |token: &str| check(None, &callers, &policies, &[("authorization", &format!("Bearer {token}"))], &[], b"");
        assert_eq!(call("t-admin"), Ok(Some("admin".into())), "profile:admin admits the admin");
        assert_eq!(call("t-rev"), Ok(Some("rev".into())), "role:reviewers admits a reviewer");
        let forbidden = call("t-other").unwrap_err();
        assert_eq!(forbidden.code(), "forbidden", "authenticated but not admitted: {forbidden:?}");
        assert_eq!(call("t-nobody").unwrap_err().code(), "auth_failed", "unknown callers are not authenticated");
    }

    #[test]
    fn presented_secrets_include_near_misses() {
        let key = credential("h", Kind::ApiKey, json!({}), &[("key", "real-key")]);
        let headers = [("x-api-key".to_string(), "almost-real-key".to_string())];
        let lookup = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        let request = Request { header: &lookup, query: &[], body: b"", now: 0, routed_key: None };
        assert_eq!(presented_secrets(&[&key], &request), ["almost-real-key"], "a wrong key is still masked");
    }

    #[test]
    fn a_routed_key_stands_for_the_api_key_wherever_it_is_configured() {
        let key = credential("h", Kind::ApiKey, json!({"name": "X-Token"}), &[("key", "real-key")]);
        let lookup = |_: &str| None;
        let with = |routed_key| Request { header: &lookup, query: &[], body: b"", now: 0, routed_key };
        assert_eq!(admit(Some(&key), &[], &[], &with(Some("real-key"))), Ok(Some("h".into())));
        assert_eq!(admit(Some(&key), &[], &[], &with(Some("wrong"))).unwrap_err().code(), "auth_failed");
        assert_eq!(admit(Some(&key), &[], &[], &with(None)).unwrap_err().code(), "auth_failed");
        assert_eq!(presented_secrets(&[&key], &with(Some("wrong"))), ["wrong"], "a wrong routed key is masked too");
    }
}
