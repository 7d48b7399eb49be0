//! Tester tooling for hooks (M9.1): every way into a flow's hook (its own
//! URL and the seed platforms' routes onto the same intake, M4.10), a ready
//! curl command for each, a Postman collection (v2.1) for the flow and an
//! OpenAPI document of every live hook. URLs and methods are those of the
//! published version (what the listener answers) under the listener's
//! configured address, never a request's `Host`; a flow never published
//! shows its draft's. Bodies come from the trigger's sample, so what a tester
//! sends matches what the designer mapped.
//!
//! Secrets never appear here unless the user asks for them: a command reads
//! them from environment variables (`$HOOKLINE_HOOK_KEY`,
//! `$HOOKLINE_FLOW_TOKEN`, …) and a Postman request from collection variables
//! (`{{hookKey}}`, `{{flowToken}}`). A hook that checks a signature cannot be
//! called with a fixed command: [`Core::signed_call`] signs a chosen body now,
//! and the Postman collection carries a pre-request script that signs each
//! request with the secret from `{{hookSecret}}`.

use hookline_engine::{RespondMode, WebhookSettings};
use hookline_model::{CredentialView, FieldType, FlowRecord, Parameter};
use hookline_vault::signature::{HmacSettings, Preset};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::{ApiError, Core, ErrorCode, Result};

/// Where a flow's hook answers and how to call it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct HookInfo {
    pub flow_id: String,
    /// Started: the URL runs the latest published version.
    pub live: bool,
    /// Methods the hook accepts.
    pub methods: Vec<String>,
    /// The live hook: `http://ADDRESS/hook/{slug or id}`.
    pub url: String,
    /// The capture URL: requests there become the trigger's sample, nothing runs.
    pub test_url: String,
    /// A curl command sending the trigger's sample body to the live hook
    /// (the first route's command).
    pub curl: String,
    /// The same command aimed at the test URL (it captures a sample and
    /// runs nothing).
    pub test_curl: String,
    /// Requests must carry the credential the trigger names.
    pub guarded_by: Option<String>,
    /// The signature scheme (`generic`, `github`, `stripe`,
    /// `standard-webhooks`) when that credential is an HMAC one: requests
    /// must be signed, so the panel offers to sign a body.
    pub signature: Option<String>,
    /// Every way into the hook: Hookline's own URL first, then the routes
    /// clients of Pydio Cells, Boomerang Flow and Cloudomation call.
    pub routes: Vec<HookRoute>,
}

/// Which door of the listener a route is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum RouteKind {
    /// `/hook/{slug or id}`.
    Hook,
    /// `POST /a/scheduler/hooks/{slug or id}` (Pydio Cells).
    Cells,
    /// `POST /webhook/payload` with the flow's token (Boomerang Flow).
    Boomerang,
    /// `GET|POST /api/webhook/{client}/{slug}` (Cloudomation).
    Cloudomation,
}

/// One way into a flow's hook, with a command that calls it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct HookRoute {
    pub kind: RouteKind,
    /// The route for people: `Hookline`, `Pydio Cells`, …
    pub label: String,
    /// Methods the route accepts.
    pub methods: Vec<String>,
    pub url: String,
    /// A curl command calling the route with the trigger's sample. Secrets
    /// are read from the environment variables in `variables`.
    pub curl: String,
    /// The environment variables `curl` reads, each with what to set it to.
    pub variables: Vec<CurlVariable>,
    /// Where a caller of the route follows its run, when the route has a
    /// status URL of its own (`{activityId}` stands for the answer's id).
    pub status_url: Option<String>,
    /// What a caller should know: what the route takes and answers, and how
    /// it authenticates.
    pub note: String,
}

/// A request an HMAC-guarded hook accepts now, signed by
/// [`Core::signed_call`].
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct SignedCall {
    pub method: String,
    /// The hook on the address the listener really serves on.
    pub url: String,
    /// The body that was signed, sent byte for byte.
    pub body: String,
    /// The signature headers.
    pub headers: Vec<SignatureHeader>,
    /// A curl command sending exactly that.
    pub curl: String,
    /// How long the listener accepts the signature, for schemes that sign
    /// the time (Stripe, Standard Webhooks); the others never expire.
    #[ts(type = "number | null")]
    pub valid_for_seconds: Option<u64>,
}

/// A header a signed request carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SignatureHeader {
    pub name: String,
    pub value: String,
}

/// An environment variable a curl command reads a secret from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct CurlVariable {
    /// `HOOKLINE_HOOK_KEY`, `HOOKLINE_FLOW_TOKEN`, …
    pub name: String,
    /// What to set it to.
    pub description: String,
}

/// The body of the Postman pre-request script that signs a request; a
/// `scheme` constant naming the credential's settings is put before it.
const SIGNING_SCRIPT: &str = include_str!("postman-sign.js");

const POSTMAN_SCHEMA: &str = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";

/// The environment variable a route's command reads the flow's token from.
const FLOW_TOKEN_VARIABLE: &str = "HOOKLINE_FLOW_TOKEN";

/// A hook as its tooling sees it: what the UI shows and the requests behind it.
struct Hook {
    info: HookInfo,
    settings: WebhookSettings,
    parameters: Vec<Parameter>,
    /// The sample body the requests send.
    body: Value,
    /// One request per route, in the order of `info.routes`.
    calls: Vec<Call>,
    /// The sample request aimed at the test URL.
    test_call: Call,
    guard: Guard,
}

impl Core {
    /// The hook of a flow whose trigger is a webhook.
    pub async fn hook_info(&self, key: &str) -> Result<HookInfo> {
        let flow = self.get_flow(key).await?;
        let base = self.hook_base()?;
        Ok(self.hook_of(&flow, &base).await?.info)
    }

    /// The hook the listener serves for the flow: the latest published
    /// version's webhook settings under its live slug; a flow never
    /// published shows its draft's.
    async fn hook_of(&self, flow: &FlowRecord, base: &str) -> Result<Hook> {
        let id = &flow.summary.id;
        let (settings, slug, parameters) = match flow.summary.latest_version {
            Some(version) => {
                let plan = self.version_plan(id, version).await?;
                (plan.trigger.webhook().cloned(), flow.summary.live_slug.clone(), plan.document.parameters.clone())
            }
            None => {
                let settings = self.engine.catalog().trigger_settings(&flow.draft);
                let slug = settings.as_ref().and_then(|s| s.slug().map(str::to_string));
                (settings.and_then(|s| s.webhook().cloned()), slug, flow.draft.parameters.clone())
            }
        };
        let mut settings = settings.ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidInput, format!("{id} has no Webhook trigger, so it has no hook"))
        })?;
        let guard = match &settings.credential {
            None => Guard::Open,
            Some(name) => match self.get_credential(name).await {
                // A "No Auth" credential admits every caller: the hook is
                // open, and its tooling must not tell testers to authenticate.
                Ok(credential) if credential.kind == "none" => {
                    settings.credential = None;
                    Guard::Open
                }
                Ok(credential) => Guard::of(&credential),
                Err(_) => Guard::Other { credential: name.clone(), kind: None },
            },
        };
        let key = slug.clone().unwrap_or_else(|| id.clone());
        let body = self.sample_body(flow).await?;
        let rules = settings.policies.join(", ");
        let guard_note = guard.note(&key, &rules);
        let with_guard = |text: &str| match &guard_note {
            Some(note) => format!("{text} {note}"),
            None => text.to_string(),
        };

        let mut drafts = Vec::new();
        let hook_url = format!("{base}/hook/{key}");
        let method = settings.methods.first().map(String::as_str).unwrap_or("POST");
        let mut call = Call::new(method, &hook_url, Some(body.clone()));
        guard.apply(&mut call, false);
        let answer = if settings.respond == RespondMode::Sync {
            "It waits for the flow and answers its result (?async answers 202 at once)."
        } else {
            "It answers 202 with the execution id and status URL (?wait waits for the flow)."
        };
        drafts.push(RouteDraft {
            kind: RouteKind::Hook,
            label: "Hookline",
            methods: settings.methods.clone(),
            url: hook_url.clone(),
            call,
            status_url: None,
            note: with_guard(answer),
        });

        let cells_url = format!("{base}/a/scheduler/hooks/{key}");
        let mut call = Call::new("POST", &cells_url, Some(cells_body(&body, &parameters)));
        guard.apply(&mut call, false);
        drafts.push(RouteDraft {
            kind: RouteKind::Cells,
            label: "Pydio Cells",
            methods: vec!["POST".into()],
            url: cells_url,
            call,
            status_url: None,
            note: with_guard(
                "JobParameters sets the flow's overridable parameters; Paths (files or folders in the hook's allowed folders) and a TaskID to follow the run by are optional. It answers 202 with the TaskID.",
            ),
        });

        let payload_url = format!("{base}/webhook/payload");
        let mut call = Call::new("POST", &payload_url, Some(body.clone()));
        call.body_secrets.push(("token", Secret::FlowToken));
        drafts.push(RouteDraft {
            kind: RouteKind::Boomerang,
            label: "Boomerang Flow",
            methods: vec!["POST".into()],
            url: payload_url,
            call,
            status_url: Some(format!("{base}/webhook/status/{{activityId}}")),
            note: "The flow's token in the body names the flow and stands for its credential (Build webhook URL makes one). It answers an activityId, whose status the same token reads at the status URL.".into(),
        });

        // Cloudomation names a hook by its client and slug; a flow whose
        // hook has no slug has no such URL.
        if let Some(slug) = &slug {
            let url = format!("{base}/api/webhook/{}/{slug}", settings.client);
            let mut call = Call::new("POST", &url, Some(body.clone()));
            guard.apply(&mut call, true);
            let note = match &guard {
                Guard::ApiKey { .. } => "It waits for the flow and answers the execution with its input and output; ?async answers its id at once. The hook's API key travels as key in the JSON payload (or the query string).".to_string(),
                _ => with_guard("It waits for the flow and answers the execution with its input and output; ?async answers its id at once."),
            };
            drafts.push(RouteDraft {
                kind: RouteKind::Cloudomation,
                label: "Cloudomation",
                methods: vec!["GET".into(), "POST".into()],
                url,
                call,
                status_url: None,
                note,
            });
        }

        let test_url = format!("{base}/hook-test/{}", flow.summary.slug.as_deref().unwrap_or(id));
        let mut test_call = Call::new(method, &test_url, Some(body.clone()));
        guard.apply(&mut test_call, false);
        let routes: Vec<HookRoute> = drafts.iter().map(|draft| draft.route(&guard)).collect();
        let calls = drafts.into_iter().map(|draft| draft.call).collect();
        let info = HookInfo {
            flow_id: id.clone(),
            live: flow.summary.live,
            curl: routes[0].curl.clone(),
            test_curl: test_call.curl(),
            test_url,
            url: hook_url,
            methods: settings.methods.clone(),
            guarded_by: settings.credential.clone(),
            signature: match &guard {
                Guard::Hmac { settings, .. } => Some(settings.preset.as_str().to_string()),
                _ => None,
            },
            routes,
        };
        Ok(Hook { info, settings, parameters, body, calls, test_call, guard })
    }

    /// Signs `body` (the trigger's current sample when `None`) as the
    /// flow's HMAC-guarded hook checks it, and gives the request with a curl
    /// command on the listener's real address. Nothing is sent.
    pub async fn signed_call(&self, key: &str, body: Option<String>) -> Result<SignedCall> {
        let body = match body {
            Some(body) => body,
            None => {
                let flow = self.get_flow(key).await?;
                serde_json::to_string(&self.sample_body(&flow).await?).expect("a sample serializes")
            }
        };
        let signed = self.sign_request(key, body.as_bytes()).await?;
        let url = format!("{}{}", self.hook_base()?, signed.path);
        let method = signed.method().to_string();
        let json = serde_json::from_str::<Value>(&body).is_ok();
        let curl = signed_curl(&method, &url, &signed.headers, json, &format!("--data-binary {}", shell_quote(&body)));
        Ok(SignedCall {
            method,
            url,
            body,
            headers: signed.headers.into_iter().map(|(name, value)| SignatureHeader { name, value }).collect(),
            curl,
            valid_for_seconds: signed.valid_for_seconds,
        })
    }

    /// The body of the trigger's current sample, or an empty object.
    async fn sample_body(&self, flow: &FlowRecord) -> Result<Value> {
        let sample = self.trigger_sample(&flow.summary.id, &flow.draft).await?;
        Ok(sample.and_then(|s| s.get("body").cloned()).unwrap_or_else(|| Value::Object(Map::new())))
    }

    /// A Postman collection (v2.1) for the flow's hook: one request per
    /// method of `/hook`, one per compatibility route (and Boomerang's
    /// status), and the capture URL, each carrying the sample body. Secrets
    /// are collection variables, empty unless `with_secrets` asks for the
    /// hook credential's own values; a hook that checks a signature gets a
    /// pre-request script on each of its requests that signs it with
    /// `{{hookSecret}}`. Boomerang's start request keeps the `activityId` it
    /// answers for the status request.
    pub async fn postman_collection(&self, key: &str, with_secrets: bool) -> Result<Value> {
        let flow = self.get_flow(key).await?;
        let base = self.hook_base()?;
        let hook = self.hook_of(&flow, &base).await?;
        let name = &flow.summary.name;
        let signing = hook.guard.signing_event();
        let signed = |mut item: Value| {
            if let Some(event) = &signing {
                item["event"] = json!([event]);
            }
            item
        };
        let mut items = Vec::new();
        for method in &hook.info.methods {
            let mut call = Call::new(method, &hook.info.url, Some(hook.body.clone()));
            hook.guard.apply(&mut call, false);
            items.push(signed(call.postman(&format!("{method} {name}"))));
        }
        for (route, call) in hook.info.routes.iter().zip(&hook.calls).skip(1) {
            let path = route.url.strip_prefix(&base).unwrap_or(&route.url);
            let mut item = call.postman(&format!("{}: {} {path}", route.label, call.method));
            // Boomerang Flow's token stands for the hook's credential: its
            // requests carry no signature.
            if route.kind == RouteKind::Boomerang {
                item["event"] = json!([{
                    "listen": "test",
                    "script": {"type": "text/javascript", "exec": [
                        "if (pm.response.code === 200) { pm.collectionVariables.set('activityId', pm.response.json().activityId); }"
                    ]}
                }]);
                items.push(item);
                let mut status = Call::new("GET", &format!("{base}/webhook/status/{{{{activityId}}}}"), None);
                status.headers.push(("Authorization".into(), Template::text("Bearer ").with(Secret::FlowToken)));
                items.push(status.postman(&format!("{}: activity status", route.label)));
            } else {
                items.push(signed(item));
            }
        }
        items.push(signed(hook.test_call.postman("Send sample (capture, runs nothing)")));

        let mut secrets: Vec<Secret> = hook.calls.iter().flat_map(Call::secrets).collect();
        secrets.extend(hook.test_call.secrets());
        if signing.is_some() {
            secrets.push(Secret::SigningKey);
        }
        secrets.sort();
        secrets.dedup();
        let credential = match (with_secrets, hook.guard.credential()) {
            (true, Some(credential)) => {
                tracing::info!(flow_id = %flow.summary.id, credential, "a Postman collection was exported with the hook credential's secrets");
                Some(self.engine.credentials().open(credential).await?)
            }
            _ => None,
        };
        let value_of = |secret: Secret| {
            let field = secret.field()?;
            credential.as_ref()?.secret(field).map(|value| value.expose().clone())
        };
        let mut variables: Vec<Value> = secrets
            .iter()
            .map(|secret| {
                json!({
                    "key": secret.postman(),
                    "value": value_of(*secret).unwrap_or_default(),
                    "type": "string",
                    "description": hook.guard.describe(*secret),
                })
            })
            .collect();
        variables.push(json!({
            "key": "activityId", "value": "", "type": "string",
            "description": "The activityId Boomerang Flow's start request answered (kept by its test script)."
        }));
        Ok(json!({
            "info": {
                "name": format!("Hookline: {name}"),
                "description": flow.summary.description,
                "schema": POSTMAN_SCHEMA,
            },
            "item": items,
            "variable": variables,
        }))
    }

    /// An OpenAPI 3.0 document of every live flow's hook: `/hook/{flow}`,
    /// its Pydio Cells and Cloudomation routes, and Boomerang Flow's routes,
    /// which every flow shares (the token names the flow). Each operation
    /// lists every status the intake answers it with.
    pub async fn openapi(&self) -> Result<Value> {
        let base = self.hook_base()?;
        let mut paths = Map::new();
        let mut any_live = false;
        for summary in self.list_flows().await?.into_iter().filter(|f| f.live) {
            let flow = self.get_flow(&summary.id).await?;
            let Ok(hook) = self.hook_of(&flow, &base).await else { continue };
            any_live = true;
            for route in &hook.info.routes {
                let path = route.url.strip_prefix(&base).unwrap_or(&route.url).to_string();
                let mut operations = Map::new();
                match route.kind {
                    RouteKind::Hook => {
                        for method in &hook.info.methods {
                            let operation = hook_operation(&flow, &hook.settings, method, &hook.body);
                            operations.insert(method.to_ascii_lowercase(), operation);
                        }
                    }
                    RouteKind::Cells => {
                        operations.insert("post".into(), cells_operation(&flow, &hook));
                    }
                    RouteKind::Cloudomation => {
                        for method in ["GET", "POST"] {
                            let operation = cloudomation_operation(&flow, &hook, method);
                            operations.insert(method.to_ascii_lowercase(), operation);
                        }
                    }
                    // Shared by every flow: documented once, below.
                    RouteKind::Boomerang => continue,
                }
                paths.insert(path, Value::Object(operations));
            }
        }
        if any_live {
            paths.insert("/webhook/payload".into(), json!({"post": boomerang_payload_operation()}));
            paths.insert(
                "/webhook/status/{activityId}".into(),
                json!({"get": boomerang_status_operation("get"), "post": boomerang_status_operation("post")}),
            );
        }
        Ok(json!({
            "openapi": "3.0.3",
            "info": {
                "title": "Hookline live hooks",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "Every started flow's webhook on this machine, under Hookline's own URL and the routes clients of Pydio Cells, Boomerang Flow and Cloudomation call.",
            },
            "servers": [{"url": base}],
            "paths": paths,
            "components": {
                "schemas": {"Error": {
                    "type": "object",
                    "properties": {"error": {"type": "object", "properties": {
                        "code": {"type": "string"}, "message": {"type": "string"},
                        "requestId": {"type": "string", "description": "On a 5xx: the id the server's log names the failure by."}
                    }}}
                }},
                "securitySchemes": {"flowToken": {
                    "type": "http", "scheme": "bearer",
                    "description": "A flow's token (Build webhook URL, or hookline flows token FLOW)."
                }},
            },
        }))
    }
}

/// A route while its request is being put together.
struct RouteDraft {
    kind: RouteKind,
    label: &'static str,
    methods: Vec<String>,
    url: String,
    call: Call,
    status_url: Option<String>,
    note: String,
}

impl RouteDraft {
    fn route(&self, guard: &Guard) -> HookRoute {
        HookRoute {
            kind: self.kind,
            label: self.label.to_string(),
            methods: self.methods.clone(),
            url: self.url.clone(),
            curl: self.call.curl(),
            variables: self
                .call
                .secrets()
                .into_iter()
                .map(|secret| CurlVariable { name: secret.env().to_string(), description: guard.describe(secret) })
                .collect(),
            status_url: self.status_url.clone(),
            note: self.note.clone(),
        }
    }
}

/// A secret a request needs and tooling never holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Secret {
    /// The flow's token (Boomerang Flow's route).
    FlowToken,
    /// The hook credential's API key.
    HookKey,
    /// The hook credential's bearer token.
    HookToken,
    /// The hook credential's password (Basic authentication).
    HookPassword,
    /// The hook credential's signing secret (HMAC); only Postman's
    /// pre-request script reads it.
    SigningKey,
}

impl Secret {
    /// The environment variable a curl command reads it from.
    fn env(self) -> &'static str {
        match self {
            Secret::FlowToken => FLOW_TOKEN_VARIABLE,
            Secret::HookKey => "HOOKLINE_HOOK_KEY",
            Secret::HookToken => "HOOKLINE_HOOK_TOKEN",
            Secret::HookPassword => "HOOKLINE_HOOK_PASSWORD",
            Secret::SigningKey => "HOOKLINE_HOOK_SECRET",
        }
    }

    /// The Postman collection variable standing for it.
    fn postman(self) -> &'static str {
        match self {
            Secret::FlowToken => "flowToken",
            Secret::HookKey => "hookKey",
            Secret::HookToken => "hookToken",
            Secret::HookPassword => "hookPassword",
            Secret::SigningKey => "hookSecret",
        }
    }

    /// The credential field holding it; the flow's token is kept only as a
    /// hash, so nothing can fill it in.
    fn field(self) -> Option<&'static str> {
        match self {
            Secret::FlowToken => None,
            Secret::HookKey => Some("key"),
            Secret::HookToken => Some("token"),
            Secret::HookPassword => Some("password"),
            Secret::SigningKey => Some("secret"),
        }
    }
}

/// How the hook's credential asks callers to authenticate.
#[derive(Debug, Clone, PartialEq)]
enum Guard {
    Open,
    Basic {
        credential: String,
        user: String,
    },
    Bearer {
        credential: String,
    },
    /// `location`: `header`, `query` or `body`; `name`: the header or query parameter.
    ApiKey {
        credential: String,
        location: String,
        name: String,
    },
    /// An HMAC signature over each request's body, made as `settings` say.
    Hmac {
        credential: String,
        settings: HmacSettings,
    },
    /// A credential that cannot be read, or of a kind no caller presents:
    /// nothing a placeholder can stand for.
    Other {
        credential: String,
        kind: Option<String>,
    },
}

impl Guard {
    fn of(view: &CredentialView) -> Guard {
        let field = |name: &str| view.fields.get(name).and_then(Value::as_str).filter(|v| !v.is_empty());
        let credential = view.name.clone();
        match view.kind.as_str() {
            "basic" => Guard::Basic { credential, user: field("username").unwrap_or_default().to_string() },
            "bearer" => Guard::Bearer { credential },
            "api_key" => {
                let location = field("in").unwrap_or("header").to_string();
                let name = match (location.as_str(), field("name")) {
                    (_, Some(name)) => name.to_string(),
                    ("query", None) => "api_key".to_string(),
                    _ => "X-API-Key".to_string(),
                };
                Guard::ApiKey { credential, location, name }
            }
            "hmac" => match HmacSettings::from_fields(&view.fields) {
                Ok(settings) => Guard::Hmac { credential, settings },
                Err(_) => Guard::Other { credential, kind: Some("hmac".into()) },
            },
            kind => Guard::Other { credential, kind: Some(kind.to_string()) },
        }
    }

    /// The credential it names, if any.
    fn credential(&self) -> Option<&str> {
        match self {
            Guard::Open => None,
            Guard::Basic { credential, .. }
            | Guard::Bearer { credential }
            | Guard::ApiKey { credential, .. }
            | Guard::Hmac { credential, .. }
            | Guard::Other { credential, .. } => Some(credential),
        }
    }

    /// Postman's pre-request event that signs each request as the
    /// credential checks it, for a hook that checks a signature.
    fn signing_event(&self) -> Option<Value> {
        let Guard::Hmac { credential, settings } = self else { return None };
        let scheme = json!({
            "credential": credential,
            "preset": settings.preset.as_str(),
            "algorithm": settings.algorithm.as_str(),
            "header": settings.header,
            "encoding": settings.encoding.as_str(),
            "prefix": settings.prefix.clone().unwrap_or_default(),
        });
        let mut exec = vec![format!("const scheme = {scheme};")];
        exec.extend(SIGNING_SCRIPT.lines().map(str::to_string));
        Some(json!({"listen": "prerequest", "script": {"type": "text/javascript", "exec": exec}}))
    }

    /// Puts the credential's placeholder where the hook looks for it;
    /// `key_in_body` puts an API key in the JSON payload's `key` whatever
    /// the credential says (Cloudomation's route reads it there).
    fn apply(&self, call: &mut Call, key_in_body: bool) {
        match self {
            Guard::Open | Guard::Hmac { .. } | Guard::Other { .. } => {}
            Guard::Basic { user, .. } => call.basic = Some((user.clone(), Secret::HookPassword)),
            Guard::Bearer { .. } => {
                call.headers.push(("Authorization".into(), Template::text("Bearer ").with(Secret::HookToken)))
            }
            Guard::ApiKey { location, name, .. } => match location.as_str() {
                _ if key_in_body => call.body_secrets.push(("key", Secret::HookKey)),
                "body" => call.body_secrets.push(("key", Secret::HookKey)),
                "query" => call.query.push((name.clone(), Template::default().with(Secret::HookKey))),
                _ => call.headers.push((name.clone(), Template::default().with(Secret::HookKey))),
            },
        }
    }

    /// What to set a secret's variable to.
    fn describe(&self, secret: Secret) -> String {
        let credential = self.credential().unwrap_or_default();
        match secret {
            Secret::FlowToken => {
                "The flow's token, shown once when made (Build webhook URL, or hookline flows token FLOW).".into()
            }
            Secret::HookKey => format!("The API key of the credential {credential}."),
            Secret::HookToken => format!("The bearer token of the credential {credential}."),
            Secret::HookPassword => match self {
                Guard::Basic { user, .. } => format!("The password of {user} in the credential {credential}."),
                _ => format!("The password in the credential {credential}."),
            },
            Secret::SigningKey => match self {
                Guard::Hmac { settings, .. } if settings.preset == Preset::StandardWebhooks => format!(
                    "The signing secret of the credential {credential} (whsec_…); the pre-request script signs each request with it."
                ),
                _ => format!(
                    "The signing secret of the credential {credential}; the pre-request script signs each request with it."
                ),
            },
        }
    }

    /// What a caller must know that the command cannot carry.
    fn note(&self, key: &str, rules: &str) -> Option<String> {
        let credential = match self {
            Guard::Hmac { credential, .. } => Some(format!(
                "Requests must be signed with the credential {credential}: Sign in the hook panel (or hookline sign {key} --body FILE) gives a command with fresh signature headers, and the Postman collection signs each request."
            )),
            Guard::Other { credential, kind: Some(kind) } if kind == "hmac" => Some(format!(
                "Requests must be signed with the credential {credential}: hookline sign {key} --body FILE prints a signed command."
            )),
            Guard::Other { credential, .. } => Some(format!("Callers must present the credential {credential}.")),
            _ => None,
        };
        let rules = (!rules.is_empty()).then(|| format!("Only callers its access rules admit may call it ({rules})."));
        match (credential, rules) {
            (None, None) => None,
            (Some(one), None) | (None, Some(one)) => Some(one),
            (Some(credential), Some(rules)) => Some(format!("{credential} {rules}")),
        }
    }
}

/// Text with secrets left as placeholders, written for a shell or Postman.
#[derive(Debug, Clone, Default, PartialEq)]
struct Template(Vec<Part>);

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Secret(Secret),
}

impl Template {
    fn text(text: &str) -> Template {
        Template(vec![Part::Text(text.to_string())])
    }

    fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some(Part::Text(last)) => last.push_str(text),
            _ => self.0.push(Part::Text(text.to_string())),
        }
    }

    fn with(mut self, secret: Secret) -> Template {
        self.0.push(Part::Secret(secret));
        self
    }

    fn append(&mut self, other: &Template) {
        for part in &other.0 {
            match part {
                Part::Text(text) => self.push_text(text),
                Part::Secret(secret) => self.0.push(Part::Secret(*secret)),
            }
        }
    }

    /// One shell word: text single-quoted, each secret a double-quoted
    /// variable (`'{"token":"'"$HOOKLINE_FLOW_TOKEN"'"}'`), so nothing in
    /// the text can run and the variable's value is taken as it is.
    fn shell(&self) -> String {
        if self.0.is_empty() {
            return "''".into();
        }
        self.0
            .iter()
            .map(|part| match part {
                Part::Text(text) => shell_quote(text),
                Part::Secret(secret) => format!("\"${}\"", secret.env()),
            })
            .collect()
    }

    /// Postman's spelling: `{{variable}}` for each secret.
    fn postman(&self) -> String {
        self.0
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.clone(),
                Part::Secret(secret) => format!("{{{{{}}}}}", secret.postman()),
            })
            .collect()
    }

    fn secrets(&self) -> impl Iterator<Item = Secret> + '_ {
        self.0.iter().filter_map(|part| match part {
            Part::Secret(secret) => Some(*secret),
            Part::Text(_) => None,
        })
    }
}

/// One request a tester sends, secrets as placeholders; written as a curl
/// command or a Postman request.
#[derive(Debug, Clone)]
struct Call {
    method: String,
    /// Without the query string.
    url: String,
    query: Vec<(String, Template)>,
    headers: Vec<(String, Template)>,
    /// Basic authentication: the user name and the password's placeholder.
    basic: Option<(String, Secret)>,
    /// The JSON body.
    body: Option<Value>,
    /// Fields written first in the JSON body, each a secret's placeholder.
    body_secrets: Vec<(&'static str, Secret)>,
}

impl Call {
    fn new(method: &str, url: &str, body: Option<Value>) -> Call {
        Call {
            method: method.to_string(),
            url: url.to_string(),
            query: vec![],
            headers: vec![],
            basic: None,
            body,
            body_secrets: vec![],
        }
    }

    /// A GET sends a body only when a secret must travel in it.
    fn sends_body(&self) -> bool {
        self.body.is_some() && (self.method != "GET" || !self.body_secrets.is_empty())
    }

    fn url_template(&self) -> Template {
        let mut url = Template::text(&self.url);
        for (index, (name, value)) in self.query.iter().enumerate() {
            let name: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
            url.push_text(&format!("{}{name}=", if index == 0 { '?' } else { '&' }));
            url.append(value);
        }
        url
    }

    /// The JSON body: the secret fields first, then the sample's other
    /// fields (a sample that is not an object gives way to the secrets).
    fn body_template(&self) -> Template {
        let body = self.body.clone().unwrap_or_else(|| json!({}));
        if self.body_secrets.is_empty() {
            return Template::text(&body.to_string());
        }
        let mut template = Template::text("{");
        for (index, (field, secret)) in self.body_secrets.iter().enumerate() {
            if index > 0 {
                template.push_text(",");
            }
            template.push_text(&format!("{}:\"", Value::String(field.to_string())));
            template = template.with(*secret);
            template.push_text("\"");
        }
        let rest: Map<String, Value> = match body {
            Value::Object(fields) => {
                fields.into_iter().filter(|(name, _)| !self.body_secrets.iter().any(|(f, _)| f == name)).collect()
            }
            _ => Map::new(),
        };
        if rest.is_empty() {
            template.push_text("}");
        } else {
            // `{"a":1}` without its opening brace follows the secret fields.
            template.push_text(",");
            template.push_text(&Value::Object(rest).to_string()[1..]);
        }
        template
    }

    /// The JSON body as Postman shows it: pretty, each secret a variable.
    fn postman_body(&self) -> String {
        let mut body = self.body.clone().unwrap_or_else(|| json!({}));
        if !self.body_secrets.is_empty() {
            if !body.is_object() {
                body = json!({});
            }
            for (field, secret) in &self.body_secrets {
                body[*field] = Value::String(format!("{{{{{}}}}}", secret.postman()));
            }
        }
        serde_json::to_string_pretty(&body).expect("JSON values serialize")
    }

    fn secrets(&self) -> Vec<Secret> {
        let mut secrets: Vec<Secret> = self.query.iter().chain(&self.headers).flat_map(|(_, v)| v.secrets()).collect();
        secrets.extend(self.basic.iter().map(|(_, secret)| *secret));
        secrets.extend(self.body_secrets.iter().map(|(_, secret)| *secret));
        secrets.sort();
        secrets.dedup();
        secrets
    }

    /// A curl command. Every part is quoted: a slug or body taken from an
    /// imported flow must not be able to run anything in the shell of the
    /// tester who pastes it.
    fn curl(&self) -> String {
        let sends_body = self.sends_body();
        let mut words = vec!["curl".to_string(), "-i".to_string()];
        if self.method != "GET" || sends_body {
            words.push("-X".into());
            words.push(shell_quote(&self.method));
        }
        words.push(self.url_template().shell());
        if let Some((user, secret)) = &self.basic {
            words.push("-u".into());
            words.push(Template::text(&format!("{user}:")).with(*secret).shell());
        }
        for (name, value) in &self.headers {
            let mut header = Template::text(&format!("{name}: "));
            header.append(value);
            words.push("-H".into());
            words.push(header.shell());
        }
        if sends_body {
            words.push("-H".into());
            words.push(shell_quote("Content-Type: application/json"));
            words.push("--data".into());
            words.push(self.body_template().shell());
        }
        words.join(" ")
    }

    fn postman(&self, name: &str) -> Value {
        let mut header = vec![json!({"key": "Content-Type", "value": "application/json"})];
        for (key, value) in &self.headers {
            header.push(json!({"key": key, "value": value.postman()}));
        }
        let query: Vec<(String, String)> = self.query.iter().map(|(k, v)| (k.clone(), v.postman())).collect();
        let mut request = json!({
            "method": self.method,
            "header": header,
            "url": postman_url(&self.url, &query),
        });
        if let Some((user, secret)) = &self.basic {
            request["auth"] = json!({"type": "basic", "basic": [
                {"key": "username", "value": user, "type": "string"},
                {"key": "password", "value": format!("{{{{{}}}}}", secret.postman()), "type": "string"}
            ]});
        }
        if self.sends_body() {
            request["body"] = json!({
                "mode": "raw",
                "raw": self.postman_body(),
                "options": {"raw": {"language": "json"}},
            });
        }
        json!({"name": name, "request": request})
    }
}

/// A curl command sending a signed request: `data` is curl's body argument
/// (`--data-binary 'TEXT'` or `--data-binary @FILE`), already quoted.
pub fn signed_curl(method: &str, url: &str, headers: &[(String, String)], json: bool, data: &str) -> String {
    let mut words = vec!["curl".to_string(), "-i".to_string(), "-X".to_string(), shell_quote(method), shell_quote(url)];
    if json {
        words.extend(["-H".to_string(), shell_quote("Content-Type: application/json")]);
    }
    for (name, value) in headers {
        words.extend(["-H".to_string(), shell_quote(&format!("{name}: {value}"))]);
    }
    words.push(data.to_string());
    words.join(" ")
}

/// A Pydio Cells caller's body: the sample's fields and `JobParameters`
/// with every overridable parameter at its default (values the sample
/// already sends win), so a tester sees what the flow lets them set.
fn cells_body(sample: &Value, parameters: &[Parameter]) -> Value {
    let mut body = match sample {
        Value::Object(fields) => fields.clone(),
        _ => Map::new(),
    };
    let mut job: Map<String, Value> =
        parameters.iter().filter(|p| p.overridable).map(|p| (p.name.clone(), p.default.clone())).collect();
    if let Some(Value::Object(sent)) = body.get("JobParameters") {
        job.extend(sent.clone());
    }
    body.insert("JobParameters".into(), Value::Object(job));
    Value::Object(body)
}

/// Single-quotes a word for a POSIX shell (a quote inside becomes `'\''`).
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Postman keeps both the raw URL and its parts; clients read either.
fn postman_url(url: &str, query: &[(String, String)]) -> Value {
    let (protocol, rest) = url.split_once("://").unwrap_or(("http", url));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let mut raw = url.to_string();
    for (index, (key, value)) in query.iter().enumerate() {
        raw.push_str(&format!("{}{key}={value}", if index == 0 { '?' } else { '&' }));
    }
    let mut value = json!({
        "raw": raw,
        "protocol": protocol,
        "host": host.split('.').collect::<Vec<_>>(),
        "path": path.split('/').filter(|p| !p.is_empty()).collect::<Vec<_>>(),
    });
    if let Some(port) = port {
        value["port"] = json!(port);
    }
    if !query.is_empty() {
        value["query"] = query.iter().map(|(key, value)| json!({"key": key, "value": value})).collect();
    }
    value
}

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The refusals every route onto the intake shares, worded for `kind`: what
/// `receive` in intake.rs, the listener's body reading and its host check
/// answer before or instead of running the flow.
fn refusals(kind: RouteKind, settings: &WebhookSettings) -> Map<String, Value> {
    let checks_credential = kind != RouteKind::Boomerang && settings.is_guarded();
    let mut responses = Map::new();
    responses.insert(
        "400".into(),
        error_response("The body says it is JSON but does not parse (invalid_json); a JobParameters value is unknown, locked or mistyped (unknown_parameter, parameter_not_overridable, invalid_parameter); or JobParameters, Paths or TaskID has the wrong shape (invalid_envelope)."),
    );
    if kind == RouteKind::Boomerang {
        responses.insert("401".into(), error_response("The token is missing or belongs to no flow (auth_failed)."));
    } else if checks_credential {
        let what = if kind == RouteKind::Cloudomation {
            "The key (in the query string or the JSON payload) or other credentials are missing or wrong (auth_failed, signature_invalid)."
        } else {
            "Missing or wrong credentials (auth_failed, signature_invalid)."
        };
        responses.insert("401".into(), error_response(what));
    }
    let mut forbidden = vec!["a web page from an origin the hook does not list called it (cross_origin)"];
    if checks_credential {
        forbidden.insert(0, "the caller is not admitted by the hook's policies (forbidden)");
    }
    forbidden.push("a path in Paths lies outside the hook's allowed folders (path_not_allowed)");
    let forbidden = forbidden.join("; or ");
    responses.insert("403".into(), error_response(&format!("{}{}.", forbidden[..1].to_uppercase(), &forbidden[1..])));
    let not_found = match kind {
        RouteKind::Boomerang => "The token's flow is stopped (flow_not_started) or has no live webhook (flow_not_found).",
        RouteKind::Cloudomation => "No such flow, or its hook answers under another client name (flow_not_found); or the flow is stopped (flow_not_started).",
        RouteKind::Hook | RouteKind::Cells => "No such flow (flow_not_found), or the flow is stopped (flow_not_started).",
    };
    responses.insert("404".into(), error_response(not_found));
    let methods = match kind {
        RouteKind::Hook => "The hook does not accept this method (method_not_allowed); Allow lists those it does.",
        RouteKind::Cells | RouteKind::Boomerang => "Only POST is accepted (method_not_allowed); Allow says so.",
        RouteKind::Cloudomation => "Only GET and POST are accepted (method_not_allowed); Allow says so.",
    };
    responses.insert("405".into(), error_response(methods));
    responses.insert("408".into(), error_response("The body did not arrive in time (body_timeout)."));
    responses.insert(
        "409".into(),
        error_response("The TaskID already names a run (task_id_taken); Location gives its status URL."),
    );
    responses.insert("413".into(), error_response("The body is over the listener's limit (payload_too_large)."));
    responses.insert(
        "421".into(),
        error_response("The Host header names a host this listener does not serve (host_not_allowed); allow a tunnel's host in Settings or with --allowed-host."),
    );
    responses.insert(
        "500".into(),
        error_response("Hookline failed inside (internal); requestId names the cause in its log."),
    );
    responses.insert(
        "503".into(),
        error_response("Too many executions are waiting (overloaded); retry after Retry-After seconds."),
    );
    responses
}

fn accepted_schema(fields: &[&str]) -> Value {
    let properties: Map<String, Value> =
        fields.iter().map(|field| (field.to_string(), json!({"type": "string"}))).collect();
    let mut properties = properties;
    properties.insert(
        "duplicate".into(),
        json!({"type": "boolean", "description": "Set when a repeated Idempotency-Key or webhook-id found the original run: nothing ran again."}),
    );
    json!({"type": "object", "properties": properties})
}

fn hook_operation(flow: &FlowRecord, settings: &WebhookSettings, method: &str, body: &Value) -> Value {
    let mut responses = refusals(RouteKind::Hook, settings);
    if settings.respond == RespondMode::Sync {
        responses.insert(
            "200".into(),
            json!({"description": "The flow ran; the reply is what its Respond step sent, or the execution's result."}),
        );
        responses.insert(
            "500".into(),
            json!({"description": "The flow ran and failed: the failed step and its error; or Hookline failed inside (internal, with a requestId)."}),
        );
        responses.insert(
            "504".into(),
            json!({"description": "The flow did not finish within the hook's timeout; it goes on running (sync_timeout)."}),
        );
    } else {
        responses.insert(
            "202".into(),
            json!({
                "description": "Accepted: the execution is durably stored and queued.",
                "content": {"application/json": {"schema": accepted_schema(&["executionId", "statusUrl"])}}
            }),
        );
        responses.insert(
            "200".into(),
            json!({"description": "A repeated Idempotency-Key or webhook-id: the original execution, nothing runs again."}),
        );
    }
    let mut operation = json!({
        "operationId": format!("{}_{}", flow.summary.id, method.to_ascii_lowercase()),
        "summary": flow.summary.name,
        "description": flow.summary.description,
        "responses": responses,
    });
    if method != "GET" {
        operation["requestBody"] = json!({
            "content": {"application/json": {"schema": schema_of(body), "example": body}}
        });
    }
    operation
}

/// Pydio Cells' `POST /a/scheduler/hooks/{slug}`: the envelope, typed by the
/// flow's overridable parameters.
fn cells_operation(flow: &FlowRecord, hook: &Hook) -> Value {
    let mut responses = refusals(RouteKind::Cells, &hook.settings);
    let accepted = json!({"application/json": {"schema": accepted_schema(&["TaskID", "executionId", "statusUrl"])}});
    responses.insert(
        "202".into(),
        json!({"description": "Accepted: the execution is durably stored and queued; TaskID is its id.", "content": accepted}),
    );
    responses.insert(
        "200".into(),
        json!({"description": "A repeated Idempotency-Key: the original run's TaskID, nothing runs again.", "content": accepted}),
    );
    let job: Map<String, Value> = hook
        .parameters
        .iter()
        .filter(|p| p.overridable)
        .map(|p| {
            let mut schema = type_schema(p.param_type);
            if !p.default.is_null() {
                schema["default"] = p.default.clone();
            }
            if !p.description.is_empty() {
                schema["description"] = json!(p.description);
            }
            (p.name.clone(), schema)
        })
        .collect();
    let example = cells_body(&hook.body, &hook.parameters);
    json!({
        "operationId": format!("{}_cells", flow.summary.id),
        "summary": format!("{} (Pydio Cells)", flow.summary.name),
        "description": "Starts the flow as a Pydio Cells webhook does. Fields beside the envelope reach the trigger as the body.",
        "requestBody": {"required": false, "content": {"application/json": {
            "schema": {"type": "object", "properties": {
                "JobParameters": {
                    "type": "object", "properties": job, "additionalProperties": false,
                    "description": "Values for the flow's overridable parameters; the others keep their defaults."
                },
                "Paths": {"type": "array", "items": {"type": "string"}, "description": "Files or folders the run is about, within the hook's allowed folders."},
                "TaskID": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,128}$", "description": "The id to follow the run by; 409 if taken."}
            }},
            "example": example
        }}},
        "responses": responses,
    })
}

/// Cloudomation's `GET|POST /api/webhook/{client}/{slug}`.
fn cloudomation_operation(flow: &FlowRecord, hook: &Hook, method: &str) -> Value {
    let mut responses = refusals(RouteKind::Cloudomation, &hook.settings);
    responses.insert(
        "200".into(),
        json!({"description": "The flow ran: the execution with its inputs and outputs (id, flow_id, name, status, input_value, output_value, params, created_at, ended_at, duration_ms, steps), or the reply its Respond step built. With ?async, {id, executionId, statusUrl} at once; a repeated Idempotency-Key answers the original with duplicate: true."}),
    );
    responses.insert(
        "500".into(),
        json!({"description": "The flow failed: the execution with failed_step and error; or Hookline failed inside (internal, with a requestId)."}),
    );
    responses.insert(
        "504".into(),
        json!({"description": "The flow did not finish within the hook's timeout; it goes on running (sync_timeout)."}),
    );
    let mut parameters = vec![json!({
        "name": "async", "in": "query", "required": false, "allowEmptyValue": true, "schema": {"type": "boolean"},
        "description": "Answer the execution's id at once instead of waiting for the flow."
    })];
    if matches!(hook.guard, Guard::ApiKey { .. }) {
        parameters.push(json!({
            "name": "key", "in": "query", "required": false, "schema": {"type": "string"},
            "description": "The hook's API key, unless the JSON payload carries it as key."
        }));
    }
    let mut operation = json!({
        "operationId": format!("{}_cloudomation_{}", flow.summary.id, method.to_ascii_lowercase()),
        "summary": format!("{} (Cloudomation)", flow.summary.name),
        "description": "Runs the flow as a Cloudomation webhook does: waits for it and answers the execution.",
        "parameters": parameters,
        "responses": responses,
    });
    if method == "POST" {
        let mut schema = schema_of(&hook.body);
        let mut example = hook.body.clone();
        if matches!(hook.guard, Guard::ApiKey { .. }) {
            if schema.get("properties").is_none() {
                schema = json!({"type": "object", "properties": {}});
                example = json!({});
            }
            schema["properties"]["key"] = json!({"type": "string", "description": "The hook's API key."});
            example["key"] = json!("…");
        }
        operation["requestBody"] = json!({"content": {"application/json": {"schema": schema, "example": example}}});
    }
    operation
}

/// Boomerang Flow's `POST /webhook/payload`, shared by every flow.
fn boomerang_payload_operation() -> Value {
    let settings = WebhookSettings::default();
    let mut responses = refusals(RouteKind::Boomerang, &settings);
    responses.insert(
        "200".into(),
        json!({
            "description": "Accepted: the execution is durably stored and queued; activityId is its id. A repeated Idempotency-Key answers the original with duplicate: true.",
            "content": {"application/json": {"schema": accepted_schema(&["activityId"])}}
        }),
    );
    json!({
        "operationId": "boomerang_payload",
        "summary": "Start a flow by its token (Boomerang Flow)",
        "description": "The token names the flow and stands for its hook's credential; the other fields reach the trigger as the body.",
        "requestBody": {"required": true, "content": {"application/json": {
            "schema": {"type": "object", "required": ["token"], "properties": {
                "token": {"type": "string", "description": "The flow's token (Build webhook URL, or hookline flows token FLOW)."}
            }, "additionalProperties": true},
            "example": {"token": "hlw_…"}
        }}},
        "responses": responses,
    })
}

/// Boomerang Flow's `GET|POST /webhook/status/{activityId}`.
fn boomerang_status_operation(method: &str) -> Value {
    let step = json!({"type": "object", "properties": {
        "activityId": {"type": "string"}, "id": {"type": "string"}, "order": {"type": "integer"},
        "taskId": {"type": "string"}, "taskName": {"type": "string"},
        "flowTaskStatus": {"type": "string", "enum": ["inProgress", "completed", "failure", "skipped", "cancelled"]},
        "startTime": {"type": "string", "nullable": true}, "duration": {"type": "integer"},
        "outputs": {"type": "object"}
    }});
    let mut operation = json!({
        "operationId": format!("boomerang_status_{method}"),
        "summary": "An activity's status (Boomerang Flow)",
        "description": "Read with the token of the activity's flow: in a JSON body {\"token\": …}, as ?token= or as Authorization: Bearer.",
        "parameters": [
            {"name": "activityId", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "token", "in": "query", "required": false, "schema": {"type": "string"}}
        ],
        "security": [{"flowToken": []}, {}],
        "responses": {
            "200": {"description": "The activity: its status and each task's.", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "id": {"type": "string"}, "workflowId": {"type": "string"},
                    "workflowRevisionid": {"type": "string", "nullable": true},
                    "creationDate": {"type": "string"}, "duration": {"type": "integer"},
                    "status": {"type": "string", "enum": ["inProgress", "completed", "failure", "cancelled"]},
                    "trigger": {"type": "string"},
                    "steps": {"type": "array", "items": step}
                }
            }}}},
            "401": error_response("The token is missing or belongs to no flow (auth_failed)."),
            "404": error_response("The token's flow has no activity with this id (execution_not_found)."),
            "421": error_response("The Host header names a host this listener does not serve (host_not_allowed)."),
            "500": error_response("Hookline failed inside (internal)."),
        },
    });
    if method == "post" {
        operation["requestBody"] = json!({"required": false, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"token": {"type": "string"}}
        }}}});
    }
    operation
}

/// The JSON Schema of a parameter's type.
fn type_schema(field_type: FieldType) -> Value {
    match field_type {
        FieldType::Any => json!({}),
        other => json!({"type": other.as_str()}),
    }
}

/// A JSON Schema describing `value`'s shape, for documentation.
fn schema_of(value: &Value) -> Value {
    match value {
        Value::Null => json!({"nullable": true}),
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!({"type": "integer"}),
        Value::Number(_) => json!({"type": "number"}),
        Value::String(_) => json!({"type": "string"}),
        Value::Array(items) => match items.first() {
            Some(first) => json!({"type": "array", "items": schema_of(first)}),
            None => json!({"type": "array", "items": {}}),
        },
        Value::Object(fields) => {
            let properties: Map<String, Value> = fields.iter().map(|(k, v)| (k.clone(), schema_of(v))).collect();
            json!({"type": "object", "properties": properties})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curl(method: &str, url: &str, body: &Value) -> String {
        Call::new(method, url, Some(body.clone())).curl()
    }

    #[test]
    fn curl_quotes_the_body_for_a_shell() {
        let line = curl("POST", "http://127.0.0.1:8787/hook/pets", &json!({"name": "O'Neil"}));
        assert_eq!(
            line,
            r#"curl -i -X 'POST' 'http://127.0.0.1:8787/hook/pets' -H 'Content-Type: application/json' --data '{"name":"O'\''Neil"}'"#,
            "a quote in the body must not end the shell argument"
        );
    }

    #[test]
    fn curl_quotes_the_url_and_method_too() {
        let line = curl("GET", "http://127.0.0.1:8787/hook/x';touch pwned;'", &json!({}));
        assert_eq!(line, r#"curl -i 'http://127.0.0.1:8787/hook/x'\'';touch pwned;'\'''"#);
    }

    #[test]
    fn a_secret_in_the_body_is_read_from_the_environment_and_comes_first() {
        let mut call =
            Call::new("POST", "http://127.0.0.1:8787/webhook/payload", Some(json!({"b": "x'y", "order": 7})));
        call.body_secrets.push(("token", Secret::FlowToken));
        assert_eq!(
            call.curl(),
            r#"curl -i -X 'POST' 'http://127.0.0.1:8787/webhook/payload' -H 'Content-Type: application/json' --data '{"token":"'"$HOOKLINE_FLOW_TOKEN"'","b":"x'\''y","order":7}'"#,
            "the variable sits outside the single quotes so the shell expands it, and only it"
        );
        assert_eq!(call.secrets(), vec![Secret::FlowToken]);
        let postman: Value = serde_json::from_str(&call.postman_body()).unwrap();
        assert_eq!(postman, json!({"token": "{{flowToken}}", "b": "x'y", "order": 7}), "Postman reads a variable");

        let mut bare = Call::new("POST", "http://h/webhook/payload", Some(json!(["not", "an", "object"])));
        bare.body_secrets.push(("token", Secret::FlowToken));
        assert_eq!(bare.body_template().postman(), r#"{"token":"{{flowToken}}"}"#, "a list cannot hold a token");
    }

    #[test]
    fn each_kind_of_hook_credential_has_its_placeholder_where_the_hook_reads_it() {
        let call = |guard: Guard, key_in_body: bool| {
            let mut call = Call::new("POST", "http://h/hook/x", Some(json!({"a": 1})));
            guard.apply(&mut call, key_in_body);
            call
        };
        let header = Guard::ApiKey { credential: "k".into(), location: "header".into(), name: "X-Token".into() };
        assert_eq!(
            call(header.clone(), false).curl(),
            r#"curl -i -X 'POST' 'http://h/hook/x' -H 'X-Token: '"$HOOKLINE_HOOK_KEY" -H 'Content-Type: application/json' --data '{"a":1}'"#
        );
        assert!(
            call(header, true).curl().ends_with(r#"--data '{"key":"'"$HOOKLINE_HOOK_KEY"'","a":1}'"#),
            "Cloudomation's route reads the key from the payload, wherever the credential puts it"
        );
        let query = Guard::ApiKey { credential: "k".into(), location: "query".into(), name: "api key".into() };
        let query = call(query, false);
        assert!(query.curl().contains(r#"'http://h/hook/x?api+key='"$HOOKLINE_HOOK_KEY""#), "{}", query.curl());
        assert_eq!(query.postman("q")["request"]["url"]["raw"], "http://h/hook/x?api key={{hookKey}}");
        let bearer = call(Guard::Bearer { credential: "b".into() }, false);
        assert!(bearer.curl().contains(r#"-H 'Authorization: Bearer '"$HOOKLINE_HOOK_TOKEN""#), "{}", bearer.curl());
        let basic = call(Guard::Basic { credential: "p".into(), user: "ada".into() }, false);
        assert!(basic.curl().contains(r#"-u 'ada:'"$HOOKLINE_HOOK_PASSWORD""#), "{}", basic.curl());
        let auth = &basic.postman("b")["request"]["auth"];
        assert_eq!(auth["basic"][1]["value"], "{{hookPassword}}", "Postman's own Basic auth, password a variable");
        let hmac = Guard::Hmac { credential: "s".into(), settings: HmacSettings::github() };
        let signed = call(hmac.clone(), false);
        assert!(signed.secrets().is_empty(), "a signature cannot be a placeholder");
        let note = hmac.note("pets", "").unwrap();
        assert!(note.contains("hookline sign pets --body FILE"), "the signer is named instead: {note}");
        assert!(note.contains("Sign in the hook panel"), "{note}");
        let unreadable = Guard::Other { credential: "s".into(), kind: Some("hmac".into()) }.note("pets", "");
        assert!(unreadable.unwrap().contains("hookline sign pets --body FILE"));
    }

    #[test]
    fn only_a_signature_guard_gets_a_signing_script_naming_its_scheme() {
        assert_eq!(Guard::Bearer { credential: "b".into() }.signing_event(), None);
        let guard = Guard::Hmac { credential: "gh".into(), settings: HmacSettings::github() };
        let event = guard.signing_event().unwrap();
        assert_eq!(event["listen"], "prerequest");
        let exec: Vec<&str> = event["script"]["exec"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        let scheme: Value =
            serde_json::from_str(exec[0].strip_prefix("const scheme = ").unwrap().trim_end_matches(';'))
                .expect("the first line declares the scheme as JSON");
        assert_eq!(
            scheme,
            json!({"credential": "gh", "preset": "github", "algorithm": "sha256",
                   "header": "X-Hub-Signature-256", "encoding": "hex", "prefix": "sha256="})
        );
        assert!(exec.iter().any(|line| line.contains("pm.variables.get('hookSecret')")), "{exec:?}");
    }

    #[test]
    fn cells_bodies_offer_every_overridable_parameter_at_its_default() {
        let parameters: Vec<Parameter> = serde_json::from_value(json!([
            {"name": "limit", "type": "integer", "default": 10, "overridable": true},
            {"name": "mode", "type": "string", "default": "safe"},
            {"name": "region", "type": "string", "overridable": true}
        ]))
        .unwrap();
        let body = cells_body(&json!({"pet": "Gromit", "JobParameters": {"region": "EU"}}), &parameters);
        assert_eq!(
            body,
            json!({"pet": "Gromit", "JobParameters": {"limit": 10, "region": "EU"}}),
            "locked parameters stay out; what the sample sends wins over a default"
        );
        assert_eq!(cells_body(&json!("text"), &[]), json!({"JobParameters": {}}));
    }

    #[test]
    fn postman_urls_keep_host_port_path_and_query_parts() {
        let url = postman_url("http://127.0.0.1:8787/hook/pets", &[]);
        assert_eq!(
            url,
            json!({"raw": "http://127.0.0.1:8787/hook/pets", "protocol": "http", "host": ["127", "0", "0", "1"], "port": "8787", "path": ["hook", "pets"]})
        );
        let url = postman_url("http://localhost:1/a", &[("key".into(), "{{hookKey}}".into())]);
        assert_eq!(url["raw"], "http://localhost:1/a?key={{hookKey}}");
        assert_eq!(url["query"], json!([{"key": "key", "value": "{{hookKey}}"}]));
    }

    #[test]
    fn schemas_describe_nested_samples() {
        let schema = schema_of(&json!({"pet": {"name": "Gromit", "age": 3, "tags": ["dog"]}}));
        assert_eq!(schema["properties"]["pet"]["properties"]["age"]["type"], "integer");
        assert_eq!(schema["properties"]["pet"]["properties"]["tags"]["items"]["type"], "string");
    }

    #[test]
    fn every_route_onto_the_intake_documents_its_refusals() {
        let open = WebhookSettings::default();
        let guarded = WebhookSettings { credential: Some("key".into()), ..WebhookSettings::default() };
        for kind in [RouteKind::Hook, RouteKind::Cells, RouteKind::Boomerang, RouteKind::Cloudomation] {
            let responses = refusals(kind, &guarded);
            for status in ["400", "401", "403", "404", "405", "408", "409", "413", "421", "500", "503"] {
                assert!(responses.contains_key(status), "{kind:?} answers {status}");
            }
        }
        assert!(!refusals(RouteKind::Cells, &open).contains_key("401"), "an open hook refuses no credentials");
        assert!(refusals(RouteKind::Boomerang, &open).contains_key("401"), "a token is always needed");
        let forbidden = refusals(RouteKind::Boomerang, &guarded)["403"]["description"].as_str().unwrap().to_string();
        assert!(!forbidden.contains("policies"), "a token bypasses the hook's policies: {forbidden}");
    }
}
