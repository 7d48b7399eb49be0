//! Buttons (M8): a started flow whose webhook trigger declares a `button`
//! is offered as something a person presses, in the app's Launcher and on
//! the listener's `/buttons` page.
//!
//! A Button is its hook seen by a person: who sees it is exactly who the
//! hook admits (the same check as the live hook, [`Core::authenticate`]),
//! and pressing it goes through the hook's one intake with a Pydio Cells
//! body, `{JobParameters, Paths}`. The app's owner presses from the
//! Launcher ([`Route::Launcher`], no credential asked); a caller of the
//! `/buttons` page posts to the Cells route with their own credentials.
//! Folder listings for the path picker never leave the hook's allowed
//! folders and show only what the Button's selection rule takes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use hookline_engine::{ButtonSettings, Placement, Plan, Selection, WebhookSettings};
use hookline_model::{ids, timestamp, FieldType, FlowDocument, FlowSummary, HookRequest, InboxEntry};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::intake::{HookReply, Incoming, ReplyBody};
use crate::{ApiError, Core, ErrorCode, Result, Route};

/// The most entries one folder listing returns; a larger folder says it was cut.
const MAX_ENTRIES: usize = 1000;

/// A Button as the Launcher and the `/buttons` page show it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct ButtonView {
    pub flow_id: String,
    pub flow_name: String,
    /// The name the hook answers under (its live slug, else the flow id):
    /// the `/buttons` page posts to `/a/scheduler/hooks/{hook}`.
    pub hook: String,
    /// The published version a press runs.
    pub version: u32,
    pub label: String,
    /// A name from the app's icon set (Lucide).
    pub icon: String,
    pub placement: Vec<Placement>,
    /// The sentence above the form's fields.
    pub legend: String,
    /// The flow parameters the form shows, in order.
    pub fields: Vec<ButtonField>,
    /// Every preset, sent as `JobParameters` under what the person types.
    #[ts(as = "BTreeMap<String, serde_json::Value>")]
    pub presets: Map<String, Value>,
    pub selection: Selection,
    /// The hook's allowed folders that exist, resolved: where paths are picked.
    pub folders: Vec<String>,
    /// Callers must prove who they are (the hook names a credential or access policies).
    pub guarded: bool,
}

/// One flow parameter on a Button's form.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct ButtonField {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub description: String,
    /// The run needs a value, and the parameter has no default.
    pub required: bool,
    /// The person may change it; otherwise it is shown as it will be sent.
    pub editable: bool,
    /// What the form starts with: the preset, else the parameter's default.
    #[ts(as = "serde_json::Value")]
    pub value: Value,
}

/// What pressing a Button started: the hook's answer, as Cells words it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct ButtonPress {
    pub execution_id: String,
    #[serde(rename = "TaskID")]
    pub task_id: String,
    pub status_url: String,
}

/// The contents of a folder, for a Button's path picker.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct FolderListing {
    /// The folder listed, resolved; `null` for the list of allowed folders.
    pub path: Option<String>,
    /// The way up: the enclosing folder, or `null` at an allowed folder
    /// (whose way up is the list of allowed folders).
    pub parent: Option<String>,
    /// Sub-folders (to open, and to pick when the rule takes folders) and
    /// the files the rule takes; folders first, then by name. Hidden
    /// entries (a leading `.`) and links that lead outside are left out.
    pub entries: Vec<FolderEntry>,
    /// More entries than one listing returns: the rest are left out.
    pub truncated: bool,
}

/// One file or folder of a [`FolderListing`].
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct FolderEntry {
    pub name: String,
    /// Resolved and absolute: what a press sends in `Paths`.
    pub path: String,
    pub folder: bool,
    /// The Button's selection rule takes it.
    pub selectable: bool,
    /// A file's size in bytes (a JavaScript number holds any real file's).
    #[ts(optional, type = "number")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// A started flow's Button: its summary, the live version and its plan.
struct LiveButton {
    summary: FlowSummary,
    version: u32,
    plan: Arc<Plan>,
}

impl LiveButton {
    fn settings(&self) -> &WebhookSettings {
        self.plan.trigger.webhook().expect("a live Button's plan starts with a webhook")
    }

    fn button(&self) -> &ButtonSettings {
        self.settings().button.as_deref().expect("a live Button's settings declare it")
    }

    fn view(&self) -> ButtonView {
        let settings = self.settings();
        let button = self.button();
        ButtonView {
            flow_id: self.summary.id.clone(),
            flow_name: self.summary.name.clone(),
            hook: self.summary.live_slug.clone().unwrap_or_else(|| self.summary.id.clone()),
            version: self.version,
            label: button.label.clone(),
            icon: button.icon.clone(),
            placement: button.placement.clone(),
            legend: button.form.legend.clone(),
            fields: fields(button, &self.plan.document),
            presets: button
                .form
                .presets
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            selection: button.selection.clone(),
            folders: resolved_folders(settings),
            guarded: settings.is_guarded(),
        }
    }
}

/// The form's fields: each shown parameter with its preset or default.
/// Publishing checked that each names a declared parameter; one that does
/// not (a version published before the check) is left out.
fn fields(button: &ButtonSettings, document: &FlowDocument) -> Vec<ButtonField> {
    let form = &button.form;
    form.parameters
        .iter()
        .filter_map(|name| document.parameters.iter().find(|p| &p.name == name))
        .map(|parameter| {
            let value = form.presets.get(&parameter.name).filter(|v| !v.is_null()).unwrap_or(&parameter.default);
            ButtonField {
                name: parameter.name.clone(),
                field_type: parameter.param_type,
                description: parameter.description.clone(),
                required: parameter.required && value.is_null(),
                editable: parameter.overridable && form.editable.contains(&parameter.name),
                value: value.clone(),
            }
        })
        .collect()
}

/// The hook's allowed folders that exist, resolved, in their order.
fn resolved_folders(settings: &WebhookSettings) -> Vec<String> {
    let mut folders: Vec<String> = Vec::new();
    for folder in &settings.allowed_folders {
        if let Ok(real) = std::fs::canonicalize(folder) {
            let real = real.to_string_lossy().into_owned();
            if !folders.contains(&real) {
                folders.push(real);
            }
        }
    }
    folders
}

impl Core {
    /// The Buttons of every started flow, for the app's owner (the Launcher):
    /// the latest published version's, in the order of the flows list.
    pub async fn list_buttons(&self) -> Result<Vec<ButtonView>> {
        Ok(self.live_buttons().await?.iter().map(LiveButton::view).collect())
    }

    /// The Buttons a caller of the `/buttons` page may press: those whose
    /// hook admits the credentials `request` carries, exactly as the live
    /// hook would. Hooks guarded by an HMAC signature are left out: a
    /// browser cannot sign what it sends.
    pub async fn caller_buttons(&self, request: &HookRequest) -> Result<Vec<ButtonView>> {
        crate::origin::check_browser(request, &WebhookSettings::default())?;
        let mut admitted = vec![];
        for button in self.live_buttons().await? {
            if self.admit_caller(&button, request).await.is_ok() {
                admitted.push(button.view());
            }
        }
        Ok(admitted)
    }

    /// A folder's contents for the path picker of the Button of flow `key`,
    /// for the app's owner; `path: None` lists the allowed folders.
    pub async fn list_button_folder(&self, key: &str, path: Option<&str>) -> Result<FolderListing> {
        let button = self.live_button(key).await?;
        list_folder(button.settings().clone(), path.map(str::to_string)).await
    }

    /// The same for a caller of the `/buttons` page, who must be admitted
    /// by the Button's hook (`401`/`403` as the hook answers otherwise).
    pub async fn caller_button_folder(
        &self,
        request: &HookRequest,
        key: &str,
        path: Option<&str>,
    ) -> Result<FolderListing> {
        crate::origin::check_browser(request, &WebhookSettings::default())?;
        let button = self.live_button(key).await?;
        self.admit_caller(&button, request).await?;
        list_folder(button.settings().clone(), path.map(str::to_string)).await
    }

    /// Presses the Button of flow `key` from the app: the presets with the
    /// editable values given over them as `JobParameters`, and the picked
    /// `paths`, checked against the Button's selection rule, as `Paths`.
    /// The request goes through the hook's intake like any other (inbox,
    /// durable accept, parameters checked, paths inside the allowed
    /// folders); the owner at their own desk is not asked for the hook's
    /// credential.
    pub async fn press_button(&self, key: &str, values: Map<String, Value>, paths: Vec<String>) -> Result<ButtonPress> {
        let button = self.live_button(key).await?;
        let settings = button.settings().clone();
        let spec = button.button().clone();
        let mut parameters: Map<String, Value> =
            spec.form.presets.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect();
        for (name, value) in values {
            if !spec.form.editable.contains(&name) {
                return Err(ApiError::new(
                    ErrorCode::ParameterNotOverridable,
                    format!("parameter {name:?} may not be changed on the Button {:?}", spec.label),
                ));
            }
            // An emptied field sends nothing, so the parameter's default applies.
            if value.is_null() {
                parameters.remove(&name);
            } else {
                parameters.insert(name, value);
            }
        }
        let paths = check_selection(&settings, &spec.selection, paths).await?;
        let mut body = json!({"JobParameters": parameters});
        if spec.selection.picks() && !paths.is_empty() {
            body["Paths"] = json!(paths);
        }
        let flow_id = button.summary.id.clone();
        let request = HookRequest {
            method: "POST".into(),
            path: format!("/launcher/{flow_id}"),
            query: None,
            headers: BTreeMap::from([("content-type".to_string(), "application/json".to_string())]),
            body: serde_json::to_vec(&body).expect("a JSON value serialises"),
        };
        let reply = self.receive(Route::Launcher, Incoming { key: flow_id, request, too_large: None }).await;
        pressed(reply)
    }

    /// Every started flow whose latest published version has a Button.
    async fn live_buttons(&self) -> Result<Vec<LiveButton>> {
        let mut buttons = vec![];
        for summary in self.store.list_flows().await? {
            let (true, Some(version)) = (summary.live, summary.latest_version) else { continue };
            // A version that no longer compiles is logged where it is read,
            // and offers no Button.
            let Ok(plan) = self.version_plan(&summary.id, version).await else { continue };
            if plan.trigger.webhook().is_some_and(|w| w.button.is_some()) {
                buttons.push(LiveButton { summary, version, plan });
            }
        }
        Ok(buttons)
    }

    /// The Button of flow `key` (id or slug), if the flow is started and its
    /// latest published version declares one.
    async fn live_button(&self, key: &str) -> Result<LiveButton> {
        let summary = self.get_flow(key).await?.summary;
        let Some(version) = summary.latest_version else {
            return Err(ApiError::new(
                ErrorCode::NotPublished,
                format!("flow {} is not published, so it offers no Button yet", summary.id),
            ));
        };
        if !summary.live {
            return Err(ApiError::new(
                ErrorCode::FlowNotStarted,
                format!("flow {} is stopped, so its Button is hidden; start it to offer it", summary.id),
            ));
        }
        let plan = self.version_plan(&summary.id, version).await?;
        if plan.trigger.webhook().is_none_or(|w| w.button.is_none()) {
            return Err(ApiError::new(
                ErrorCode::FlowNotFound,
                format!("flow {} has no Button: its webhook trigger declares none", summary.id),
            ));
        }
        Ok(LiveButton { summary, version, plan })
    }

    /// Whether the Button's hook admits the caller that sent `request`:
    /// the hook's own credential and access policies, through the check the
    /// live hook makes. An HMAC-guarded hook admits no browser.
    async fn admit_caller(&self, button: &LiveButton, request: &HookRequest) -> Result<()> {
        let settings = button.settings();
        if !settings.is_guarded() {
            return Ok(());
        }
        if let Some(name) = &settings.credential {
            if self.get_credential(name).await.is_ok_and(|credential| credential.kind == "hmac") {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "this Button's hook takes signed requests only, which a browser cannot send",
                ));
            }
        }
        // Only the credentials matter; the body is the caller's own business.
        let mut entry = InboxEntry {
            id: ids::generate(ids::INBOX_PREFIX),
            flow_key: button.summary.id.clone(),
            flow_id: Some(button.summary.id.clone()),
            request: HookRequest { body: vec![], ..request.clone() },
            received_at: timestamp(SystemTime::now()),
            status: 200,
            reason: None,
            execution_id: None,
        };
        self.authenticate(settings, &mut entry, None).await.map(|_| ())
    }
}

/// The picked paths, checked against the Button's rule: how many, inside
/// the allowed folders, existing, of a kind and extension the rule takes.
/// Returns them resolved.
async fn check_selection(settings: &WebhookSettings, selection: &Selection, paths: Vec<String>) -> Result<Vec<String>> {
    if let Some(problem) = selection.count_problem(paths.len()) {
        return Err(ApiError::new(ErrorCode::InvalidInput, problem));
    }
    let folders = settings.folders();
    let selection = selection.clone();
    blocking(move || {
        let mut resolved = Vec::with_capacity(paths.len());
        for path in paths {
            let real = folders
                .resolve(&path)
                .map_err(|refused| ApiError::new(ErrorCode::PathNotAllowed, refused.to_string()))?;
            let metadata = std::fs::metadata(&real)
                .map_err(|_| ApiError::new(ErrorCode::InvalidInput, format!("{path:?} does not exist")))?;
            let name = real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if !selection.admits(&name, metadata.is_dir()) {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("{path:?} cannot be picked: this Button takes {}", selection.describe()),
                ));
            }
            let real = real.to_string_lossy().into_owned();
            if !resolved.contains(&real) {
                resolved.push(real);
            }
        }
        Ok(resolved)
    })
    .await
}

/// Lists `path` (or the allowed folders) as the Button's picker shows it.
async fn list_folder(settings: WebhookSettings, path: Option<String>) -> Result<FolderListing> {
    let selection = settings.button.as_ref().map(|b| b.selection.clone()).unwrap_or_default();
    if !selection.picks() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "this Button picks no files or folders"));
    }
    blocking(move || {
        let roots: Vec<PathBuf> = resolved_folders(&settings).into_iter().map(PathBuf::from).collect();
        let Some(path) = path.filter(|p| !p.is_empty()) else {
            let entries = roots
                .iter()
                .map(|root| FolderEntry {
                    name: root.to_string_lossy().into_owned(),
                    path: root.to_string_lossy().into_owned(),
                    folder: true,
                    selectable: selection.admits(&display_name(root), true),
                    size: None,
                })
                .collect();
            return Ok(FolderListing { path: None, parent: None, entries, truncated: false });
        };
        let folders = settings.folders();
        let dir =
            folders.resolve(&path).map_err(|refused| ApiError::new(ErrorCode::PathNotAllowed, refused.to_string()))?;
        if !dir.is_dir() {
            return Err(ApiError::new(ErrorCode::InvalidInput, format!("{path:?} is not a folder")));
        }
        let listing = std::fs::read_dir(&dir)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("{path:?} cannot be listed: {e}")))?;
        let mut entries = vec![];
        for item in listing.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            // A link is followed, and one leading outside the folders is left out.
            let Ok(real) = folders.resolve(&dir.join(&name).to_string_lossy()) else { continue };
            let Ok(metadata) = std::fs::metadata(&real) else { continue };
            let folder = metadata.is_dir();
            let selectable = selection.admits(&name, folder);
            if !folder && !selectable {
                continue;
            }
            entries.push(FolderEntry {
                name,
                path: real.to_string_lossy().into_owned(),
                folder,
                selectable,
                size: (!folder).then_some(metadata.len()),
            });
        }
        entries.sort_by(|a, b| b.folder.cmp(&a.folder).then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase())));
        let truncated = entries.len() > MAX_ENTRIES;
        entries.truncate(MAX_ENTRIES);
        let parent = if roots.contains(&dir) { None } else { dir.parent().map(|p| p.to_string_lossy().into_owned()) };
        Ok(FolderListing { path: Some(dir.to_string_lossy().into_owned()), parent, entries, truncated })
    })
    .await
}

fn display_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.to_string_lossy().into_owned())
}

/// Runs file system work off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("a folder listing stopped: {e}")))?
}

/// The hook's answer to a press, as the Launcher takes it: the accepted
/// execution, or the refusal as the error it was.
fn pressed(reply: HookReply) -> Result<ButtonPress> {
    let ReplyBody::Json(body) = reply.body else {
        return Err(ApiError::new(ErrorCode::Internal, format!("the hook answered {} without a body", reply.status)));
    };
    if (200..300).contains(&reply.status) {
        let field = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_string);
        return match (field("executionId"), field("statusUrl")) {
            (Some(execution_id), Some(status_url)) => Ok(ButtonPress {
                task_id: field("TaskID").unwrap_or_else(|| execution_id.clone()),
                execution_id,
                status_url,
            }),
            _ => Err(ApiError::new(ErrorCode::Internal, format!("the hook's answer names no execution: {body}"))),
        };
    }
    let error = &body["error"];
    let code = serde_json::from_value::<ErrorCode>(error["code"].clone()).unwrap_or(ErrorCode::Internal);
    let message = error["message"].as_str().unwrap_or("the hook refused the press").to_string();
    Err(ApiError::new(code, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_of_the_hook_comes_back_as_its_error_and_an_acceptance_as_the_task() {
        let refused =
            HookReply::error(&ApiError::new(ErrorCode::InvalidParameter, "parameter \"n\" must be an integer"));
        let error = pressed(refused).unwrap_err();
        assert_eq!(
            (error.code, error.message.as_str()),
            (ErrorCode::InvalidParameter, "parameter \"n\" must be an integer")
        );
        let accepted = Route::Launcher.accepted("exe_1", "http://127.0.0.1:1/executions/exe_1", false);
        assert_eq!(
            pressed(accepted).unwrap(),
            ButtonPress {
                execution_id: "exe_1".into(),
                task_id: "exe_1".into(),
                status_url: "http://127.0.0.1:1/executions/exe_1".into()
            }
        );
    }
}
