//! Samples and the mapping preview through `Core`: the preview shows what a
//! run sends, samples stay in step with the draft, and publishing refuses
//! mappings that do not fit their fields over the samples.

use hookline_api::{Core, CoreConfig, ErrorCode, RunOptions, SampleFrom};
use hookline_model::{FieldCheck, SampleSource};
use serde_json::{json, Value};

async fn core() -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(CoreConfig::new(dir.path())).await.unwrap();
    (dir, core)
}

fn flow(send_inputs: Value) -> Value {
    json!({
        "schemaVersion": 1, "id": "flw_map", "name": "Map",
        "parameters": [{"name": "region", "default": "eu-west"}],
        "steps": [
            {"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"methods": ["POST"], "slug": "map"}},
            {"id": "stp_lookup", "component": "transform", "name": "Lookup",
             "inputs": {"value": {"expr": "{'id': $length(body.name), 'tags': body.tags}"}}},
            {"id": "stp_send", "component": "transform", "name": "Send", "inputs": send_inputs}
        ],
        "edges": [{"from": "stp_hook", "to": "stp_lookup"}, {"from": "stp_lookup", "to": "stp_send"}]
    })
}

/// The value at a dotted path of an object; `None` when absent.
fn at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

#[tokio::test]
async fn the_preview_of_each_sample_equals_the_input_a_draft_run_records() {
    let (_dir, core) = core().await;
    let inputs = json!({
        "value.name": {"expr": "$uppercase(body.name)"},
        "value.first": {"expr": "$trigger.body.tags[0]"},
        "value.count": {"expr": "$count(body.tags) * 1.5"},
        "value.lookup": {"expr": "$steps.stp_lookup.id"},
        "value.hookSeen": {"expr": "$steps.stp_hook.body.name"},
        "value.region": {"expr": "$params.region & '/' & $string(body.missing)"},
        "value.absent": {"expr": "body.nothing.here"},
        "value.fixed": {"value": {"n": [1, 2]}},
        "value.shape": {"expr": "body.tags.{'t': $}"}
    });
    core.import_flow(&flow(inputs.clone()).to_string()).await.unwrap();
    let samples = [
        json!({"body": {"name": "Gromit", "tags": ["dog", "clever"]}}),
        json!({"body": {"name": "Shaun", "tags": []}}),
        json!({"body": {"name": "Feathers", "tags": ["penguin"], "missing": 3}}),
    ];
    for sample in &samples {
        let added = core.add_sample("flw_map", "stp_hook", Some(sample.clone()), None, None).await.unwrap();
        assert!(added.current, "an added sample is current");
        let lookup = core.retrieve_sample("flw_map", "stp_lookup", false, false).await.unwrap();
        assert_eq!(lookup.source, SampleSource::Execution);

        let preview = core.preview_step("flw_map", "stp_send", None, None).await.unwrap();
        let options = RunOptions { input: Some(sample.clone()), draft: true, ..Default::default() };
        let execution = core.run_flow("flw_map", options).await.unwrap();
        let recorded = execution.steps.iter().find(|s| s.step_id == "stp_send").unwrap().input.clone().unwrap();
        for key in inputs.as_object().unwrap().keys() {
            let field = preview.fields.iter().find(|f| &f.field == key).unwrap();
            assert_eq!(
                field.value.as_ref(),
                at(&recorded, key),
                "{key}: the preview over {sample} shows what the run sent ({recorded})"
            );
        }
    }
    // Sample 0 is the newest: previewing it by number equals previewing the current one.
    let by_number = core.preview_step("flw_map", "stp_send", Some(0), None).await.unwrap();
    assert_eq!(by_number, core.preview_step("flw_map", "stp_send", None, None).await.unwrap());
    let oldest = core.preview_step("flw_map", "stp_send", Some(2), None).await.unwrap();
    let name = oldest.fields.iter().find(|f| f.field == "value.name").unwrap();
    assert_eq!(name.value, Some(json!("GROMIT")), "sample number 2 is the first one added");
}

/// The trigger's current sample; the draft must never carry a copy of it.
async fn draft_sample(core: &Core) -> Option<Value> {
    let draft = core.get_flow("flw_map").await.unwrap().draft;
    assert_eq!(draft.step("stp_hook").unwrap().sample, None, "samples live in the samples table only");
    let listed = core.list_samples("flw_map", "stp_hook").await.unwrap();
    listed.into_iter().find(|s| s.current).map(|s| s.value)
}

#[tokio::test]
async fn the_current_sample_follows_adding_choosing_and_removing_and_the_draft_carries_none() {
    let (_dir, core) = core().await;
    core.import_flow(&flow(json!({"value": {"expr": "body"}})).to_string()).await.unwrap();
    let one = core.add_sample("flw_map", "stp_hook", Some(json!({"n": 1})), None, None).await.unwrap();
    let two = core.add_sample("flw_map", "stp_hook", None, Some("{\"n\": 2}"), None).await.unwrap();
    let body = |sample: Option<Value>| sample.map(|value| value["body"].clone());
    assert_eq!(body(draft_sample(&core).await), Some(json!({"n": 2})), "the newest added is current");
    core.set_current_sample("flw_map", "stp_hook", &one.id).await.unwrap();
    assert_eq!(body(draft_sample(&core).await), Some(json!({"n": 1})), "choosing a sample makes it current");
    let listed = core.list_samples("flw_map", "stp_hook").await.unwrap();
    assert_eq!(
        listed.iter().map(|s| (s.id.clone(), s.current)).collect::<Vec<_>>(),
        [(two.id.clone(), false), (one.id.clone(), true)]
    );

    let now = core.remove_sample("flw_map", "stp_hook", &one.id).await.unwrap().unwrap();
    assert_eq!(now.id, two.id, "removing the current one makes the newest remaining current");
    assert_eq!(body(draft_sample(&core).await), Some(json!({"n": 2})));
    assert_eq!(core.remove_sample("flw_map", "stp_hook", &two.id).await.unwrap(), None);
    assert_eq!(draft_sample(&core).await, None, "no samples left: none is current");

    let err = core.add_sample("flw_map", "stp_hook", None, Some("{\n  \"a\": 1,\n  oops\n}"), None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("line 3 column 3"), "the typo is located: {}", err.message);
    let err = core.set_current_sample("flw_map", "stp_hook", "smp_nope").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::SampleNotFound);
    let err = core.list_samples("flw_map", "stp_gone").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::StepNotFound);
}

/// The elastic.io tutorial's own step: the payload pasted as the webhook's
/// sample. The mapper then reads it where a real request carries it.
#[tokio::test]
async fn a_typed_webhook_sample_is_the_request_body_so_the_preview_reads_what_a_call_sends() {
    let (_dir, core) = core().await;
    core.import_flow(&flow(json!({"value": {"expr": "$trigger.body.petname"}})).to_string()).await.unwrap();
    let added = core
        .add_sample("flw_map", "stp_hook", None, Some(r#"{"petname": "Gromit", "petstatus": "Sold"}"#), None)
        .await
        .unwrap();
    assert_eq!(
        added.value,
        json!({"method": "POST", "path": "/hook/map", "headers": {"content-type": "application/json"}, "query": {},
               "body": {"petname": "Gromit", "petstatus": "Sold"}}),
        "the typed payload is kept as the request a caller would send"
    );
    let preview = core.preview_step("flw_map", "stp_send", None, None).await.unwrap();
    assert_eq!(preview.fields[0].value, Some(json!("Gromit")), "{preview:?}");
    let options = RunOptions { input: Some(json!({"body": {"petname": "Gromit"}})), draft: true, ..Default::default() };
    let run = core.run_flow("flw_map", options).await.unwrap();
    assert_eq!(run.output, Some(json!("Gromit")), "a run reads the same field the preview showed");

    let err = core.add_sample("flw_map", "stp_hook", Some(json!({"method": "GET", "body": {}})), None, None).await;
    let err = err.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("/method"), "a request the hook refuses is not a sample of it: {}", err.message);
    let generated = core.generate_sample("flw_map", "stp_hook", SampleFrom::Schema).await.unwrap();
    assert_eq!(generated.source, SampleSource::Generated, "only typed samples are reshaped");
}

/// No silent nulls: a typo in a required field's path blocks publishing with
/// the path it probably meant; an optional one publishes with a warning.
#[tokio::test]
async fn publishing_refuses_a_required_field_mapped_to_nothing_and_warns_for_an_optional_one() {
    let (_dir, core) = core().await;
    let mut doc = flow(json!({}));
    doc["steps"][2] = json!({"id": "stp_send", "component": "http_request", "name": "Create pet",
        "inputs": {"url": {"expr": "$trigger.body.petnmae"}, "method": {"value": "POST"},
                   "body.status": {"expr": "$trigger.petstatus"}}});
    core.import_flow(&doc.to_string()).await.unwrap();
    core.add_sample("flw_map", "stp_hook", Some(json!({"petname": "Gromit", "petstatus": "Sold"})), None, None)
        .await
        .unwrap();
    let refused = core.publish("flw_map").await.unwrap_err();
    let messages: Vec<&str> = refused.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 1, "only the required field blocks: {messages:?}");
    assert!(messages[0].starts_with("step stp_send (Create pet), field url: "), "{messages:?}");
    assert!(messages[0].ends_with("did you mean $trigger.body.petname?"), "{messages:?}");

    let mut doc = core.get_flow("flw_map").await.unwrap().draft;
    doc.steps[2]
        .inputs
        .insert("url".into(), hookline_model::Input::Expr("'http://pets.example/' & $trigger.body.petname".into()));
    core.save_draft(doc).await.unwrap();
    let published = core.publish("flw_map").await.unwrap();
    assert_eq!(published.warnings.len(), 1, "{published:?}");
    assert!(
        published.warnings[0].starts_with("step stp_send (Create pet), field body.status: ")
            && published.warnings[0].ends_with("did you mean $trigger.body.petstatus?"),
        "{published:?}"
    );
}

/// A required field is refused only when no sample fills it: one the
/// current sample lacks but another carries publishes with a warning, and the
/// field still says a run with data like the current sample fails.
#[tokio::test]
async fn a_required_field_some_samples_fill_publishes_with_a_warning() {
    let (_dir, core) = core().await;
    let mut doc = flow(json!({}));
    doc["steps"][2] = json!({"id": "stp_send", "component": "http_request", "name": "Create pet",
        "inputs": {"url": {"expr": "$trigger.body.callback"}, "method": {"value": "POST"}}});
    core.import_flow(&doc.to_string()).await.unwrap();
    let add = |value| core.add_sample("flw_map", "stp_hook", Some(value), None, None);
    add(json!({"callback": "http://pets.example/a"})).await.unwrap();
    add(json!({"petname": "Gromit"})).await.unwrap();

    let preview = core.preview_step("flw_map", "stp_send", None, None).await.unwrap();
    let url = preview.fields.iter().find(|f| f.field == "url").unwrap();
    assert_eq!(url.check, FieldCheck::MissingRequired, "the current sample lacks it: {url:?}");
    let message = url.message.as_deref().unwrap();
    assert!(message.contains("1 of the trigger's 2 samples give it a value"), "{message}");

    let published = core.publish("flw_map").await.expect("another sample fills the field");
    assert_eq!(published.warnings.len(), 1, "{published:?}");
    assert!(
        published.warnings[0]
            .starts_with("step stp_send (Create pet), field url: it maps to nothing for the current sample"),
        "{published:?}"
    );

    core.import_flow(&doc.to_string().replace("body.callback", "body.calback")).await.unwrap();
    let refused = core.publish("flw_map").await.unwrap_err();
    assert!(refused.problems[0].message.contains("it maps to nothing for any of the trigger's samples"), "{refused:?}");
}

/// The tutorial's failure as a user met it: every call answered 400 and the
/// run log said only that. It now names the mapped fields that were empty.
#[tokio::test]
async fn a_refused_call_names_the_mapped_fields_that_yielded_nothing() {
    let (dir, core) = core().await;
    let (api, _shutdown) = petstore(dir.path()).await;
    let mut doc = flow(json!({}));
    doc["steps"][2] = json!({"id": "stp_send", "component": "http_request", "name": "Create pet",
        "inputs": {"url": {"value": format!("{api}/pet")}, "method": {"value": "POST"},
                   "body.name": {"expr": "$trigger.petname"}, "body.status": {"expr": "$trigger.petstatus"}}});
    core.import_flow(&doc.to_string()).await.unwrap();
    let options = RunOptions {
        input: Some(json!({"body": {"petname": "Gromit", "petstatus": "Sold"}})),
        draft: true,
        ..Default::default()
    };
    let run = core.run_flow("flw_map", options).await.unwrap();
    let error = run.error.expect("the pet store refuses a pet without a name");
    assert!(error.contains("answered 400"), "{error}");
    assert!(
        error.ends_with(
            "the mapped fields body.name, body.status yielded nothing for this run's data, so they were left out"
        ),
        "{error}"
    );
}

/// A field some samples carry and others do not is what optional means: it
/// is flagged only when it yields nothing over every sample.
#[tokio::test]
async fn an_optional_field_is_flagged_only_when_no_sample_gives_it_a_value() {
    let (_dir, core) = core().await;
    core.import_flow(&flow(json!({"value.status": {"expr": "$trigger.body.petstatus"}})).to_string()).await.unwrap();
    core.add_sample("flw_map", "stp_hook", Some(json!({"petname": "Gromit", "petstatus": "Sold"})), None, None)
        .await
        .unwrap();
    core.add_sample("flw_map", "stp_hook", Some(json!({"petname": "Shaun"})), None, None).await.unwrap();
    let preview = core.preview_step("flw_map", "stp_send", None, None).await.unwrap();
    let field = &preview.fields[0];
    assert_eq!((field.check, field.value.clone()), (FieldCheck::Ok, None), "{field:?}");
    assert!(field.message.as_deref().unwrap().contains("1 of the trigger's 2 samples give it a value"), "{field:?}");
    assert!(core.publish("flw_map").await.unwrap().warnings.is_empty(), "nothing to warn about");

    core.import_flow(&flow(json!({"value.status": {"expr": "$trigger.body.status"}})).to_string()).await.unwrap();
    let preview = core.preview_step("flw_map", "stp_send", None, None).await.unwrap();
    assert_eq!(preview.fields[0].check, FieldCheck::Empty, "no sample has it: {preview:?}");
}

/// Run once asks before a side effect exactly as Retrieve sample does: a
/// POST mapped over the samples asks, a GET runs at once.
#[tokio::test]
async fn a_run_that_asks_first_refuses_a_side_effect_until_confirmed() {
    let (dir, core) = core().await;
    let (api, _shutdown) = petstore(dir.path()).await;
    let mut doc = flow(json!({}));
    doc["steps"][2] = json!({"id": "stp_send", "component": "http_request", "name": "Create pet",
        "inputs": {"url": {"value": format!("{api}/pet")}, "method": {"expr": "$trigger.body.verb"},
                   "body.name": {"expr": "$trigger.body.petname"}}});
    core.import_flow(&doc.to_string()).await.unwrap();
    core.add_sample("flw_map", "stp_hook", Some(json!({"petname": "Gromit", "verb": "POST"})), None, None)
        .await
        .unwrap();
    let ask = RunOptions { draft: true, ask_first: true, ..Default::default() };
    let asked = core.run_flow("flw_map", ask.clone()).await.unwrap_err();
    assert_eq!(asked.code, ErrorCode::ConfirmationRequired);
    assert!(
        asked.message.contains(&format!("step stp_send (Create pet) would send a POST request to {api}/pet")),
        "the question says what would change where: {}",
        asked.message
    );
    assert!(core.list_executions(Default::default()).await.unwrap().is_empty(), "nothing ran while asking");
    let confirmed = core.run_flow("flw_map", RunOptions { draft: true, ..Default::default() }).await.unwrap();
    assert_eq!(confirmed.status, hookline_model::ExecutionStatus::Succeeded, "{confirmed:?}");

    let get = RunOptions { input: Some(json!({"body": {"verb": "GET"}})), ..ask };
    let ran = core.run_flow("flw_map", get).await.unwrap();
    assert_eq!(ran.steps.len(), 3, "a GET changes nothing: it runs without asking");
}

#[tokio::test]
async fn a_sample_in_an_imported_file_is_listed_as_the_current_sample() {
    let (_dir, core) = core().await;
    let mut doc = flow(json!({"value": {"expr": "body"}}));
    doc["steps"][0]["sample"] = json!({"body": {"name": "Gromit"}});
    core.import_flow(&doc.to_string()).await.unwrap();
    let listed = core.list_samples("flw_map", "stp_hook").await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0].current && listed[0].value == doc["steps"][0]["sample"]);
}

#[tokio::test]
async fn generated_samples_come_from_the_trigger_settings_and_earlier_executions() {
    let (_dir, core) = core().await;
    core.import_flow(&flow(json!({"value": {"expr": "body"}})).to_string()).await.unwrap();
    let generated = core.generate_sample("flw_map", "stp_hook", SampleFrom::Schema).await.unwrap();
    assert_eq!(generated.source, SampleSource::Generated);
    assert_eq!((&generated.value["method"], &generated.value["path"]), (&json!("POST"), &json!("/hook/map")));
    assert!(generated.value["body"].is_object() && generated.value["query"] == json!({}), "{}", generated.value);

    let input = json!({"body": {"name": "Shaun", "tags": ["sheep"]}});
    let run = core
        .run_flow("flw_map", RunOptions { input: Some(input.clone()), draft: true, ..Default::default() })
        .await
        .unwrap();
    let from_run =
        core.generate_sample("flw_map", "stp_hook", SampleFrom::Execution { id: run.id.clone() }).await.unwrap();
    assert_eq!(from_run.value, input, "the trigger's sample is the execution's input");
    let lookup = core.generate_sample("flw_map", "stp_lookup", SampleFrom::Execution { id: run.id }).await.unwrap();
    assert_eq!(lookup.value, json!({"id": 5, "tags": ["sheep"]}), "an action's sample is its output in the run");
    let err =
        core.generate_sample("flw_map", "stp_hook", SampleFrom::Inbox { id: "inb_nope".into() }).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InboxEntryNotFound);
}

#[tokio::test]
async fn the_inferred_schema_covers_every_sample_of_the_step() {
    let (_dir, core) = core().await;
    core.import_flow(&flow(json!({"value": {"expr": "body"}})).to_string()).await.unwrap();
    for value in [json!({"body": {"name": "A", "age": 3}}), json!({"body": {"name": null}})] {
        core.add_sample("flw_map", "stp_hook", Some(value), None, None).await.unwrap();
    }
    let schema = core.infer_schema("flw_map", "stp_hook").await.unwrap();
    let body = &schema["properties"]["body"];
    assert_eq!(body["required"], json!(["name"]), "age is absent from one sample: {schema}");
    assert_eq!(body["properties"]["name"]["nullable"], true, "{schema}");
}

#[tokio::test]
async fn publishing_refuses_a_mapping_that_does_not_fit_its_field_over_the_samples() {
    let (_dir, core) = core().await;
    let mut doc = flow(json!({"value": {"expr": "body"}}));
    doc["steps"][2] = json!({"id": "stp_send", "component": "http_request", "name": "Send",
        "inputs": {"url": {"expr": "body.age"}, "method": {"value": "POST"}}});
    core.import_flow(&doc.to_string()).await.unwrap();
    core.publish("flw_map").await.expect("without samples nothing can be evaluated, so nothing blocks");

    core.add_sample("flw_map", "stp_hook", Some(json!({"body": {"name": "A", "age": 3}})), None, None).await.unwrap();
    let preview = core.preview_step("flw_map", "stp_send", None, None).await.unwrap();
    assert_eq!(preview.fields.iter().find(|f| f.field == "url").unwrap().check, FieldCheck::TypeMismatch);
    let err = core.publish("flw_map").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidFlow);
    assert!(
        err.problems.iter().any(|p| p.path == "steps[2].inputs[\"url\"]" && p.message.contains("string")),
        "the field and the reason are named: {:?}",
        err.problems
    );

    // An unsaved edit is previewed without saving it.
    let mut edited = core.get_flow("flw_map").await.unwrap().draft;
    edited.steps[2].inputs.insert("url".into(), hookline_model::Input::Expr("'http://x/' & body.name".into()));
    let preview = core.preview_step("flw_map", "stp_send", None, Some(edited)).await.unwrap();
    assert!(preview.is_ok(), "{preview:?}");
}

#[tokio::test]
async fn a_step_with_side_effects_runs_for_a_sample_only_when_confirmed_or_reuses_a_stored_output() {
    let (_dir, core) = core().await;
    let mut doc = flow(json!({"value": {"expr": "body"}}));
    doc["steps"][2] = json!({"id": "stp_send", "component": "http_request", "name": "Send",
        "inputs": {"url": {"value": "http://127.0.0.1:9/pet"}, "method": {"value": "POST"}}});
    core.import_flow(&doc.to_string()).await.unwrap();
    let err = core.retrieve_sample("flw_map", "stp_send", false, false).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ConfirmationRequired);
    assert!(
        err.message.contains("send a POST request to http://127.0.0.1:9/pet"),
        "says what it would do: {}",
        err.message
    );

    let input = json!({"body": {"name": "Gromit", "tags": []}});
    let run = RunOptions { input: Some(input.clone()), draft: true, ..Default::default() };
    let failed = core.run_flow("flw_map", run).await.unwrap();
    assert_eq!(failed.status, hookline_model::ExecutionStatus::Failed, "nothing listens on port 9");
    let err = core.retrieve_sample("flw_map", "stp_lookup", false, true).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::SampleNotFound, "only a succeeded execution's output is reused");

    let mut draft = core.get_flow("flw_map").await.unwrap().draft;
    draft.steps[2] = serde_json::from_value(json!({"id": "stp_send", "component": "transform", "name": "Send",
        "inputs": {"value": {"expr": "body"}}}))
    .unwrap();
    core.save_draft(draft).await.unwrap();
    core.run_flow("flw_map", RunOptions { input: Some(input), draft: true, ..Default::default() }).await.unwrap();
    let stored = core.retrieve_sample("flw_map", "stp_lookup", false, true).await.unwrap();
    assert_eq!(stored.value, json!({"id": 6, "tags": []}), "the output the run recorded");
    assert_eq!(stored.source, SampleSource::Execution);
}

/// Serves `hookline demo petstore` on a free loopback port; returns its base URL.
async fn petstore(dir: &std::path::Path) -> (String, tokio_util::sync::CancellationToken) {
    let store = hookline_demo::PetStore::open(&dir.join("pets.db")).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let shutdown = tokio_util::sync::CancellationToken::new();
    tokio::spawn(hookline_demo::serve(listener, store, hookline_demo::Access::Open, shutdown.clone()));
    (url, shutdown)
}

#[tokio::test]
async fn whether_retrieving_asks_first_depends_on_the_http_method() {
    let (dir, core) = core().await;
    let (api, _shutdown) = petstore(dir.path()).await;
    let mut doc = flow(json!({"value": {"expr": "body"}}));
    doc["steps"][2] = json!({"id": "stp_send", "component": "http_request", "name": "Create pet",
        "fields": [{"field": "body.name", "type": "string", "required": true}],
        "inputs": {"url": {"value": format!("{api}/pet")}, "method": {"expr": "body.method"},
                   "body.name": {"expr": "body.name"}}});
    core.import_flow(&doc.to_string()).await.unwrap();

    core.add_sample("flw_map", "stp_hook", Some(json!({"body": {"name": "Gromit", "method": "POST"}})), None, None)
        .await
        .unwrap();
    let err = core.retrieve_sample("flw_map", "stp_send", false, false).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ConfirmationRequired, "a POST changes the pet store");
    assert!(
        err.message.contains(&format!("send a POST request to {api}/pet")),
        "says what it would do: {}",
        err.message
    );
    let created = core.retrieve_sample("flw_map", "stp_send", true, false).await.unwrap();
    assert_eq!(at(&created.value, "body.name"), Some(&json!("Gromit")), "confirmed, it runs: {created:?}");

    // The method is mapped: a sample that makes it a GET runs without asking.
    core.add_sample("flw_map", "stp_hook", Some(json!({"body": {"name": "Gromit", "method": "GET"}})), None, None)
        .await
        .unwrap();
    let listed = core.retrieve_sample("flw_map", "stp_send", false, false).await.unwrap();
    assert_eq!(at(&listed.value, "status"), Some(&json!(200)));
    assert_eq!(listed.value["body"][0]["name"], json!("Gromit"), "GET /pet lists the pet the POST created");
    let head = core.preview_step("flw_map", "stp_send", None, None).await.unwrap();
    assert!(head.is_ok(), "{head:?}");
}

#[tokio::test]
async fn declared_body_fields_are_typed_mapping_targets_checked_in_preview_publish_and_runs() {
    let (dir, core) = core().await;
    let (api, _shutdown) = petstore(dir.path()).await;
    let mut doc = flow(json!({"value": {"expr": "body"}}));
    doc["steps"][2] = json!({"id": "stp_send", "component": "http_request", "name": "Create pet",
        "fields": [
            {"field": "body.name", "type": "string", "required": true},
            {"field": "body.status", "type": "string"},
            {"field": "body.age", "type": "integer"}
        ],
        "inputs": {"url": {"value": format!("{api}/pet")}, "method": {"value": "POST"},
                   "body.status": {"expr": "body.petstatus"}, "body.age": {"expr": "body.age"}}});
    let imported = core.import_flow(&doc.to_string()).await.unwrap();
    let exported: Value = serde_json::from_str(&core.export_flow(&imported.flow_id, false).await.unwrap()).unwrap();
    assert_eq!(exported["steps"][2]["fields"][0], json!({"field": "body.name", "type": "string", "required": true}));
    assert_eq!(
        exported["steps"][2]["fields"][1],
        json!({"field": "body.status", "type": "string"}),
        "required: false is left out"
    );

    core.add_sample("flw_map", "stp_hook", Some(json!({"body": {"petstatus": "Sold", "age": "three"}})), None, None)
        .await
        .unwrap();
    let preview = core.preview_step("flw_map", "stp_send", None, None).await.unwrap();
    let field =
        |name: &str| preview.fields.iter().find(|f| f.field == name).unwrap_or_else(|| panic!("{name}: {preview:?}"));
    assert_eq!(field("body.name").check, FieldCheck::MissingRequired, "declared required and not mapped");
    assert_eq!(field("body.name").expected, Some(json!("string")));
    assert_eq!((field("body.status").check, field("body.status").required), (FieldCheck::Ok, false));
    assert_eq!(field("body.age").check, FieldCheck::TypeMismatch, "a string where an integer is declared");

    let refused = core.publish("flw_map").await.unwrap_err();
    let problems: Vec<String> = refused.problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect();
    assert!(problems.contains(&"steps[2].inputs: the required input body.name is not set".to_string()), "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(
                "steps[2].inputs[\"body.age\"]: step stp_send (Create pet), field body.age: its value over the current samples does not fit"
            )),
        "{problems:?}"
    );

    let mut draft = core.get_flow("flw_map").await.unwrap().draft;
    draft.steps[2].inputs.insert("body.name".into(), hookline_model::Input::Expr("body.petname".into()));
    draft.steps[2].inputs.insert("body.age".into(), hookline_model::Input::Expr("$number(body.age)".into()));
    core.save_draft(draft).await.unwrap();
    core.add_sample(
        "flw_map",
        "stp_hook",
        Some(json!({"body": {"petname": "Gromit", "petstatus": "Sold", "age": "3"}})),
        None,
        None,
    )
    .await
    .unwrap();
    let preview = core.preview_step("flw_map", "stp_send", None, None).await.unwrap();
    assert!(preview.is_ok(), "{preview:?}");
    core.publish("flw_map").await.unwrap();

    // At run time the declaration holds too: a request without a name fails
    // the step before anything is sent.
    let run = |body: Value| RunOptions { input: Some(json!({"body": body})), ..Default::default() };
    let ran =
        core.run_flow("flw_map", run(json!({"petname": "Shaun", "petstatus": "available", "age": "2"}))).await.unwrap();
    assert_eq!(ran.status, hookline_model::ExecutionStatus::Succeeded, "{ran:?}");
    let sent = ran.steps.iter().find(|s| s.step_id == "stp_send").unwrap();
    assert_eq!(sent.input.as_ref().unwrap()["body"], json!({"name": "Shaun", "status": "available", "age": 2}));
    let failed = core.run_flow("flw_map", run(json!({"petstatus": "sold"}))).await.unwrap();
    assert_eq!(failed.status, hookline_model::ExecutionStatus::Failed);
    let step = failed.steps.iter().find(|s| s.step_id == "stp_send").unwrap();
    assert!(step.error.as_deref().unwrap_or_default().contains("name"), "names the missing field: {step:?}");
    let pets = reqwest::get(format!("{api}/pet")).await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(pets.as_array().map(Vec::len), Some(1), "only Shaun was created: {pets}");
}

#[tokio::test]
async fn declarations_that_do_not_fit_the_component_are_design_problems() {
    let (_dir, core) = core().await;
    let mut doc = flow(json!({"value": {"expr": "body"}}));
    doc["steps"][2] = json!({"id": "stp_send", "component": "http_request", "name": "Send",
        "fields": [
            {"field": "body.name", "type": "string"},
            {"field": "body.name", "type": "number"},
            {"field": "colour", "type": "string"},
            {"field": "url.host", "type": "string"},
            {"field": "timeoutMs.x"},
            {"field": "body.name.first", "type": "string"},
            {"field": "body..x"}
        ],
        "inputs": {"url": {"value": "http://127.0.0.1:9/pet"}}});
    doc["steps"][0]["fields"] = json!([{"field": "body.x"}]);
    let imported = core.import_flow(&doc.to_string()).await.unwrap();
    let report = core.validate_flow(&imported.flow_id).await.unwrap();
    let messages: Vec<String> = report.iter().map(|p| format!("{}: {}", p.path, p.message)).collect();
    let expect = [
        "steps[0].fields: a trigger has config, not declared input fields",
        "steps[2].fields[1]: body.name is declared twice",
        "steps[2].fields[2]: colour would be a new input of http_request; declare fields inside an object input, like body.colour",
        "steps[2].fields[3]: url is not an object, so it has no fields to declare",
        "steps[2].fields[4]: timeoutMs is not an object, so it has no fields to declare",
        "steps[2].fields[5]: body.name is declared as a string, so it has no fields",
        "steps[2].fields[6]: \"body..x\" is not a field path; write it as <input>.<name>, like body.name",
    ];
    for line in expect {
        assert!(messages.iter().any(|m| m == line), "missing {line:?} in {messages:#?}");
    }
}

#[tokio::test]
async fn a_capture_survives_saving_a_draft_copied_before_it_and_marks_nothing_changed() {
    let (_dir, core) = core().await;
    core.import_flow(&flow(json!({"value": {"expr": "body"}})).to_string()).await.unwrap();
    core.publish("flw_map").await.unwrap();
    // The designer holds the draft (with a stale sample of its own) while a test request arrives.
    let mut held = core.get_flow("flw_map").await.unwrap().draft;
    held.steps[0].sample = Some(json!({"body": {"stale": true}}));
    held.description = "edited meanwhile".into();
    let request = hookline_api::HookRequest {
        method: "POST".into(),
        path: "/hook-test/flw_map".into(),
        headers: [("content-type".to_string(), "application/json".to_string())].into(),
        body: br#"{"petname":"Gromit"}"#.to_vec(),
        ..Default::default()
    };
    let incoming = hookline_api::Incoming { key: "flw_map".into(), request, too_large: None };
    core.open_capture_window("flw_map", std::time::Duration::from_secs(60)).await.unwrap();
    core.capture_test_request(incoming).await.unwrap();
    assert!(!core.get_flow("flw_map").await.unwrap().summary.draft_changed, "a capture changes no draft");

    core.save_draft(held).await.unwrap();
    let current = draft_sample(&core).await.expect("a current sample");
    assert_eq!(current["body"], json!({"petname": "Gromit"}), "saving the held draft does not undo the capture");
    assert!(core.get_flow("flw_map").await.unwrap().summary.draft_changed, "the edit itself is a change");
}
