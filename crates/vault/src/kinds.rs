//! The credential kinds and their fields, as flow files and the command line
//! name them. Each field is secret or not; secret fields are only ever sealed,
//! masked or injected, never shown.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::destination::AllowedHost;
use crate::Sensitive;

/// A kind of credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    None,
    Basic,
    ApiKey,
    Bearer,
    Hmac,
    OAuth2ClientCredentials,
    DatabaseUrl,
}

/// How a field's value is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    /// One of a fixed list.
    Choice(&'static [&'static str]),
    /// A list of strings (`roles`).
    TextList,
    /// A whole number of seconds.
    Seconds,
    /// An `http(s)://` URL.
    Url,
    /// `true` or `false`.
    Flag,
    /// A list of hosts or origins (`allowedHosts`).
    HostList,
}

/// One field of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub secret: bool,
    pub required: bool,
    pub kind: FieldType,
    pub description: &'static str,
}

const fn field(name: &'static str, kind: FieldType, description: &'static str) -> Field {
    Field { name, secret: false, required: false, kind, description }
}

const fn required(name: &'static str, kind: FieldType, description: &'static str) -> Field {
    Field { name, secret: false, required: true, kind, description }
}

const fn secret(name: &'static str, description: &'static str) -> Field {
    Field { name, secret: true, required: true, kind: FieldType::Text, description }
}

/// Fields that let a credential identify a caller for access policies.
const CALLER: [Field; 2] = [
    field("profile", FieldType::Text, "the caller's profile for access policies, e.g. admin or standard"),
    field("roles", FieldType::TextList, "the caller's roles for access policies, e.g. [\"reviewers\"]"),
];

const VERIFY: Field =
    field("verifyUrl", FieldType::Url, "a URL that must answer 2xx to this credential when it is verified");

/// Where a credential that steps send out may go (see `destination`).
const BINDING: [Field; 2] = [
    field(
        "allowedHosts",
        FieldType::HostList,
        "the hosts steps may send this credential to, e.g. [\"api.example.com\", \"*.example.com\", \"https://x.org:8443\"] (default: the origin of verifyUrl or tokenUrl; with neither, this machine only)",
    ),
    field(
        "allowInsecureHttp",
        FieldType::Flag,
        "send this credential over plain http to other machines (default false: https only, except to this machine)",
    ),
];

const BASIC: [Field; 7] = [
    required("username", FieldType::Text, "the user name"),
    secret("password", "the password"),
    CALLER[0],
    CALLER[1],
    VERIFY,
    BINDING[0],
    BINDING[1],
];

const API_KEY: [Field; 8] = [
    field(
        "in",
        FieldType::Choice(&["header", "query", "body"]),
        "where the key travels: a header, a query parameter, or the JSON body field `key` (default header)",
    ),
    field(
        "name",
        FieldType::Text,
        "the header or query parameter name (default X-API-Key for a header, api_key for a query parameter)",
    ),
    secret("key", "the key"),
    CALLER[0],
    CALLER[1],
    VERIFY,
    BINDING[0],
    BINDING[1],
];

const BEARER: [Field; 6] = [secret("token", "the token"), CALLER[0], CALLER[1], VERIFY, BINDING[0], BINDING[1]];

const HMAC: [Field; 7] = [
    field(
        "preset",
        FieldType::Choice(&["generic", "github", "stripe", "standard-webhooks"]),
        "a sender's scheme: generic (default), github, stripe or standard-webhooks",
    ),
    field("algorithm", FieldType::Choice(&["sha256", "sha1", "sha512"]), "the hash (default sha256)"),
    field("header", FieldType::Text, "the header carrying the signature (generic preset)"),
    field("encoding", FieldType::Choice(&["hex", "base64"]), "how the signature is written (default hex)"),
    field("prefix", FieldType::Text, "text before the signature, e.g. sha256="),
    field("toleranceSeconds", FieldType::Seconds, "how far a signed timestamp may be from now (default 300)"),
    secret("secret", "the shared signing secret (whsec_… for Standard Webhooks)"),
];

const OAUTH2: [Field; 7] = [
    required("tokenUrl", FieldType::Url, "the token endpoint"),
    required("clientId", FieldType::Text, "the client id"),
    field("scope", FieldType::Text, "the scopes to ask for, space-separated"),
    secret("clientSecret", "the client secret"),
    VERIFY,
    BINDING[0],
    BINDING[1],
];

const DATABASE_URL: [Field; 1] =
    [secret("url", "the connection URL, e.g. postgres://user:password@host/db or sqlite:///path/file.db")];

impl Field {
    /// The field's label in a form: every field of every kind has one (a
    /// test checks), so the designer never shows a raw key such as `in`.
    pub fn title(&self) -> &'static str {
        match self.name {
            "username" => "Username",
            "password" => "Password",
            "in" => "Send the key in",
            "name" => "Header or parameter name",
            "key" => "API key",
            "token" => "Token",
            "preset" => "Sender preset",
            "algorithm" => "Algorithm",
            "header" => "Signature header",
            "encoding" => "Signature encoding",
            "prefix" => "Signature prefix",
            "toleranceSeconds" => "Timestamp tolerance (seconds)",
            "secret" => "Signing secret",
            "tokenUrl" => "Token URL",
            "clientId" => "Client ID",
            "scope" => "Scope",
            "clientSecret" => "Client secret",
            "url" => "Connection URL",
            "profile" => "Caller profile",
            "roles" => "Caller roles",
            "verifyUrl" => "Verify URL",
            "allowedHosts" => "Allowed hosts",
            "allowInsecureHttp" => "Allow plain HTTP",
            other => other,
        }
    }

    /// Fields most credentials leave alone: the caller identity for access
    /// policies and where the credential may be sent (defaults are safe).
    pub fn advanced(&self) -> bool {
        matches!(self.name, "profile" | "roles" | "allowedHosts" | "allowInsecureHttp")
    }
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::None,
        Kind::Basic,
        Kind::ApiKey,
        Kind::Bearer,
        Kind::Hmac,
        Kind::OAuth2ClientCredentials,
        Kind::DatabaseUrl,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::None => "none",
            Kind::Basic => "basic",
            Kind::ApiKey => "api_key",
            Kind::Bearer => "bearer",
            Kind::Hmac => "hmac",
            Kind::OAuth2ClientCredentials => "oauth2_client_credentials",
            Kind::DatabaseUrl => "database_url",
        }
    }

    /// The kind called `name`; the error lists the kinds there are.
    pub fn parse(name: &str) -> Result<Kind, String> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name).ok_or_else(|| {
            let names: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
            format!("unknown credential kind {name:?}; the kinds are {}", names.join(", "))
        })
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::None => "No Auth",
            Kind::Basic => "Basic Auth",
            Kind::ApiKey => "API Key",
            Kind::Bearer => "Bearer Token",
            Kind::Hmac => "HMAC verification",
            Kind::OAuth2ClientCredentials => "OAuth2 client credentials",
            Kind::DatabaseUrl => "Database URL",
        }
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            Kind::None => &[],
            Kind::Basic => &BASIC,
            Kind::ApiKey => &API_KEY,
            Kind::Bearer => &BEARER,
            Kind::Hmac => &HMAC,
            Kind::OAuth2ClientCredentials => &OAUTH2,
            Kind::DatabaseUrl => &DATABASE_URL,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|field| field.name == name)
    }

    /// Whether a caller can present this credential to a webhook (and so carry
    /// a profile and roles).
    pub fn identifies_callers(self) -> bool {
        matches!(self, Kind::Basic | Kind::ApiKey | Kind::Bearer)
    }

    /// Checks non-secret `fields` and `secrets` against the kind: every
    /// problem at once, each naming its field. Secrets given as plain fields
    /// are refused, so they cannot end up stored in clear.
    pub fn check(self, fields: &Map<String, Value>, secrets: &BTreeMap<String, Sensitive<String>>) -> Vec<String> {
        let mut problems = Vec::new();
        let known: Vec<&str> = self.fields().iter().map(|field| field.name).collect();
        for (name, value) in fields {
            match self.field(name) {
                None => problems.push(format!(
                    "{name}: not a field of {} credentials (fields: {})",
                    self.as_str(),
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                )),
                Some(field) if field.secret => problems.push(format!(
                    "{name}: a secret field; give it on standard input (FIELD=VALUE lines) or at the prompt, never as an argument"
                )),
                Some(field) => {
                    if let Err(why) = check_value(field.kind, value) {
                        problems.push(format!("{name}: {why}"));
                    }
                }
            }
        }
        for name in secrets.keys() {
            match self.field(name) {
                Some(field) if field.secret => {}
                Some(_) => problems.push(format!("{name}: not a secret field; give it with --set {name}=VALUE")),
                None => problems.push(format!("{name}: not a field of {} credentials", self.as_str())),
            }
        }
        for field in self.fields().iter().filter(|field| field.required) {
            let given = if field.secret {
                secrets.get(field.name).is_some_and(|value| !value.expose().is_empty())
            } else {
                fields.get(field.name).is_some_and(|value| !value.is_null())
            };
            if !given {
                problems.push(format!("{}: required ({})", field.name, field.description));
            }
        }
        problems
    }
}

fn check_value(kind: FieldType, value: &Value) -> Result<(), String> {
    match (kind, value) {
        (FieldType::Text, Value::String(_)) => Ok(()),
        (FieldType::Choice(choices), Value::String(text)) if choices.contains(&text.as_str()) => Ok(()),
        (FieldType::Choice(choices), _) => Err(format!("must be one of {}", choices.join(", "))),
        (FieldType::TextList, Value::Array(items)) if items.iter().all(Value::is_string) => Ok(()),
        (FieldType::TextList, _) => Err("must be a list of strings, e.g. [\"reviewers\"]".into()),
        (FieldType::Seconds, Value::Number(n)) if n.as_u64().is_some() => Ok(()),
        (FieldType::Seconds, _) => Err("must be a whole number of seconds".into()),
        (FieldType::Url, Value::String(url)) if url.starts_with("http://") || url.starts_with("https://") => Ok(()),
        (FieldType::Url, _) => Err("must be an http:// or https:// URL".into()),
        (FieldType::Flag, Value::Bool(_)) => Ok(()),
        (FieldType::Flag, _) => Err("must be true or false".into()),
        (FieldType::HostList, Value::Array(items)) => {
            let problems: Vec<String> = items
                .iter()
                .map(|item| item.as_str().ok_or_else(|| "every entry must be text".to_string()))
                .filter_map(|entry| entry.and_then(AllowedHost::parse).err())
                .collect();
            if problems.is_empty() {
                Ok(())
            } else {
                Err(problems.join("; "))
            }
        }
        (FieldType::HostList, _) => Err("must be a list of hosts, e.g. [\"api.example.com\"]".into()),
        (FieldType::Text, _) => Err("must be text".into()),
    }
}

/// Turns a `--set FIELD=VALUE` value into JSON for the field: lists are
/// comma-separated, seconds are numbers, the rest is text.
pub fn field_value(kind: Kind, name: &str, text: &str) -> Value {
    match kind.field(name).map(|field| field.kind) {
        Some(FieldType::TextList | FieldType::HostList) => {
            Value::Array(text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(Value::from).collect())
        }
        Some(FieldType::Seconds) => text.trim().parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::from(text)),
        Some(FieldType::Flag) => match text.trim() {
            "true" | "yes" | "1" => Value::Bool(true),
            "false" | "no" | "0" => Value::Bool(false),
            _ => Value::from(text),
        },
        _ => Value::from(text),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn secrets(pairs: &[(&str, &str)]) -> BTreeMap<String, Sensitive<String>> {
        pairs.iter().map(|(k, v)| (k.to_string(), Sensitive::from(*v))).collect()
    }

    #[test]
    fn every_field_of_every_kind_has_a_title_for_forms() {
        for kind in Kind::ALL {
            for field in kind.fields() {
                assert_ne!(field.title(), field.name, "{}.{} needs a title in Field::title", kind.as_str(), field.name);
            }
        }
    }

    #[test]
    fn kinds_are_named_as_in_flow_files() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Ok(kind), "every kind parses back from its name");
        }
        let unknown = Kind::parse("jwt").unwrap_err();
        assert!(unknown.contains("oauth2_client_credentials"), "the error lists the kinds: {unknown}");
    }

    #[test]
    fn a_complete_credential_has_no_problems() {
        let fields = json!({"username": "ada", "profile": "admin", "roles": ["reviewers"]});
        let problems = Kind::Basic.check(fields.as_object().unwrap(), &secrets(&[("password", "pw")]));
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn every_problem_names_its_field_and_secrets_are_refused_as_arguments() {
        let fields = json!({"password": "in-clear", "colour": "red", "roles": "reviewers", "verifyUrl": "ftp://x"});
        let problems = Kind::Basic.check(fields.as_object().unwrap(), &secrets(&[("username", "ada")]));
        let text = problems.join("\n");
        for expected in [
            "password: a secret field",
            "colour: not a field of basic credentials",
            "roles: must be a list",
            "verifyUrl: must be an http",
            "username: not a secret field",
            "username: required",
            "password: required",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
    }

    #[test]
    fn set_values_become_lists_and_numbers_where_the_field_wants_them() {
        assert_eq!(field_value(Kind::Bearer, "roles", "a, b"), json!(["a", "b"]));
        assert_eq!(field_value(Kind::Hmac, "toleranceSeconds", "60"), json!(60));
        assert_eq!(field_value(Kind::Hmac, "prefix", "sha256="), json!("sha256="));
        assert_eq!(field_value(Kind::Bearer, "allowInsecureHttp", "true"), json!(true));
        assert_eq!(
            field_value(Kind::Bearer, "allowedHosts", "api.example.com, *.x.io"),
            json!(["api.example.com", "*.x.io"])
        );
    }

    #[test]
    fn allowed_hosts_are_checked_when_the_credential_is_added() {
        let fields = json!({"allowedHosts": ["api.example.com", "https://x.org/v1"], "allowInsecureHttp": "yes"});
        let text = Kind::Bearer.check(fields.as_object().unwrap(), &secrets(&[("token", "t")])).join("\n");
        assert!(text.contains("allowedHosts: \"https://x.org/v1\": an origin is"), "{text}");
        assert!(text.contains("allowInsecureHttp: must be true or false"), "{text}");
    }
}
