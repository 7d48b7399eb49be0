//! Property: a flow file survives export → import → export unchanged, whatever
//! the document holds (any text, any JSON in configs, inputs, defaults and
//! samples, any number), so exporting a flow twice never shows a diff.

use std::collections::BTreeMap;

use hookline_model::{
    to_canonical_json, DeclaredField, Edge, FieldType, FlowDocument, Input, Parameter, Step, SCHEMA_VERSION,
};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Any text, including escapes, control characters and astral code points.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9_ .$]{0,12}",
        1 => any::<String>(),
        1 => "[\"\\\\\u{0}-\u{1f}\u{7f}\u{2028}\u{fffd}\u{1F600}]{0,6}",
    ]
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        // Every finite double, including subnormals and those whose shortest
        // decimal form has 17 digits.
        any::<f64>().prop_filter_map("JSON has no NaN or infinity", Number::from_f64),
        (-1000i32..1000, -30i32..30).prop_filter_map("finite", |(m, e)| Number::from_f64(f64::from(m) * 10f64.powi(e))),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number().prop_map(Value::Number),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn flow_id() -> impl Strategy<Value = String> {
    "flw_[A-Za-z0-9_-]{1,64}"
}

fn field_type() -> impl Strategy<Value = FieldType> {
    prop::sample::select(vec![
        FieldType::String,
        FieldType::Number,
        FieldType::Integer,
        FieldType::Boolean,
        FieldType::Object,
        FieldType::Array,
        FieldType::Any,
    ])
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![json().prop_map(Input::Value), text().prop_map(Input::Expr)]
}

fn parameter() -> impl Strategy<Value = Parameter> {
    (text(), field_type(), json(), any::<bool>(), any::<bool>(), text()).prop_map(
        |(name, param_type, default, required, overridable, description)| Parameter {
            name,
            param_type,
            default,
            required,
            overridable,
            description,
        },
    )
}

fn step() -> impl Strategy<Value = Step> {
    (
        (text(), text(), text(), text()),
        prop::option::of(json()),
        prop::collection::btree_map(text(), input(), 0..4),
        prop::collection::vec(
            (text(), field_type(), any::<bool>()).prop_map(|(field, field_type, required)| DeclaredField {
                field,
                field_type,
                required,
            }),
            0..3,
        ),
        prop::option::of(text()),
        prop::option::of(json()),
    )
        .prop_map(|((id, component, name, note), config, inputs, fields, credential, sample)| Step {
            id,
            component,
            name,
            note,
            config,
            inputs: inputs.into_iter().collect::<BTreeMap<_, _>>(),
            fields,
            credential,
            sample,
            retry: None,
            continue_on_error: false,
        })
}

fn edge() -> impl Strategy<Value = Edge> {
    (text(), text(), prop::option::of(any::<bool>())).prop_map(|(from, to, when)| Edge { from, to, when })
}

fn document() -> impl Strategy<Value = FlowDocument> {
    (
        prop::option::of(flow_id()),
        text(),
        text(),
        prop::collection::vec(parameter(), 0..3),
        prop::collection::vec(step(), 0..4),
        prop::collection::vec(edge(), 0..4),
    )
        .prop_map(|(id, name, description, parameters, steps, edges)| FlowDocument {
            schema_version: SCHEMA_VERSION,
            id,
            name,
            description,
            parameters,
            steps,
            edges,
            error_handler: None,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn export_import_export_is_identical(doc in document()) {
        let exported = to_canonical_json(&doc).expect("a document always serialises");
        let imported = FlowDocument::parse(&exported)
            .unwrap_or_else(|e| panic!("an exported document must import: {e}\n{exported}"));
        let again = to_canonical_json(&imported).expect("a document always serialises");
        prop_assert_eq!(&exported, &again);
        // Importing the second export gives the same document as the first.
        prop_assert_eq!(FlowDocument::parse(&again).unwrap(), imported);
    }

    #[test]
    fn canonical_json_does_not_depend_on_key_order(value in json()) {
        // Serialising a value parsed back from its canonical text gives the
        // same text: keys are sorted, numbers and strings written one way.
        let text = to_canonical_json(&value).unwrap();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(to_canonical_json(&parsed).unwrap(), text);
    }
}

#[test]
fn the_example_flow_exports_stably() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/pets.flow.json")).unwrap();
    let exported = to_canonical_json(&FlowDocument::parse(&text).unwrap()).unwrap();
    let again = to_canonical_json(&FlowDocument::parse(&exported).unwrap()).unwrap();
    assert_eq!(exported, again);
}

#[test]
fn numbers_with_seventeen_significant_digits_read_back_exactly() {
    // Found by the property above: without serde_json's float_roundtrip the
    // second export ended in ...8187 instead of ...8189.
    for number in [-1.0500898265298189e-206, 6.44552841753785e236, 0.1 + 0.2, f64::MIN_POSITIVE, 5e-324] {
        let text = to_canonical_json(&serde_json::json!({ "n": number })).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["n"].as_f64(), Some(number), "{text}");
    }
}
