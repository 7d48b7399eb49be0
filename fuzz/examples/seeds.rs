//! Writes the committed seed corpus (fuzz/corpus/<target>/seed-*), so the
//! seeds are reproducible: `cargo run --example seeds` in fuzz/. The flow
//! documents come from examples/; signature headers are made by the vault's
//! own signer with the fuzz secrets; the recovery phrases by the data key.

// When this is built with the fuzz build's RUSTFLAGS (to reuse its
// artifacts), the code is instrumented and libFuzzer provides the coverage
// callbacks; a plain `cargo run --example seeds` needs nothing from it.
extern crate libfuzzer_sys;

use std::fs;
use std::path::Path;

use hookline_fuzz::{secret_for, write_request, NOW};
use hookline_vault::signature::{self, HmacSettings, Preset};
use hookline_vault::{DataKey, Sensitive};
use serde_json::json;

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
}

fn flow_documents() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    write("flow_document", "pets", &fs::read(examples.join("pets.flow.json")).unwrap());
    // A flow with a parameter, a condition with both branches, a transform,
    // a reply and a delay, exported canonically.
    let branching = json!({
        "schemaVersion": 1, "id": "flw_orders", "name": "Orders",
        "parameters": [{"name": "region", "default": "eu", "overridable": true}],
        "steps": [
            {"id": "stp_hook", "component": "webhook", "name": "Order placed",
             "config": {"methods": ["POST", "PUT"], "slug": "orders", "respond": "sync", "timeoutMs": 5000,
                        "allowedOrigins": ["https://shop.example.com"]}},
            {"id": "stp_big", "component": "condition", "name": "Big order?",
             "inputs": {"condition": {"expr": "$sum($trigger.body.items.price) > 100"}}},
            {"id": "stp_shape", "component": "transform", "name": "Shape",
             "inputs": {"value": {"expr": "{\"id\": $trigger.body.id, \"region\": $params.region}"}}},
            {"id": "stp_wait", "component": "delay", "name": "Wait", "inputs": {"ms": {"value": 10}}},
            {"id": "stp_reply", "component": "respond", "name": "Reply",
             "inputs": {"status": {"value": 200}, "body": {"expr": "$steps.stp_shape"}}}
        ],
        "edges": [
            {"from": "stp_hook", "to": "stp_big"},
            {"from": "stp_big", "to": "stp_shape", "when": true},
            {"from": "stp_big", "to": "stp_wait", "when": false},
            {"from": "stp_shape", "to": "stp_reply"}
        ]
    });
    write("flow_document", "orders", hookline_model::to_canonical_json(&branching).unwrap().as_bytes());
    // A manual flow with a mistake of each kind validation reports.
    let broken = json!({
        "schemaVersion": 1, "name": " ",
        "steps": [
            {"id": "stp_start", "component": "manual", "name": "Start"},
            {"id": "stp_call", "component": "http_request", "name": "Call",
             "inputs": {"url": {"expr": "$steps.stp_nowhere.url"}, "methd": {"value": "GET"}}},
            {"id": "bad id", "component": "no_such_component", "name": "Unknown"}
        ],
        "edges": [{"from": "stp_call", "to": "stp_start"}, {"from": "stp_call", "to": "stp_call"}]
    });
    write("flow_document", "broken", serde_json::to_string_pretty(&broken).unwrap().as_bytes());
}

fn webhook_bodies() {
    let post = "POST /hook/pets?source=fuzz&tag=a&tag=b";
    let cases: [(&str, &str, &[u8]); 7] = [
        ("json", "application/json", br#"{"petname":"Gromit","tags":["dog",1,2.5,null,true]}"#),
        ("json-charset", "application/vnd.api+json; charset=utf-8", b"[1, {\"a\": {\"b\": [] }}]"),
        ("form", "application/x-www-form-urlencoded", b"petname=Gromit&status=sold&tag=a&tag=b%20c+d"),
        ("text", "text/plain; charset=utf-8", b"{\"looks\": \"like json but is text\"}"),
        ("xml", "application/xml", b"<pet><name>Gromit</name></pet>"),
        ("binary", "application/octet-stream", &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]),
        ("empty", "application/json", b""),
    ];
    for (name, content_type, body) in cases {
        let request = write_request(
            post,
            &headers(&[
                ("Content-Type", content_type),
                ("Authorization", "Bearer s3cret"),
                ("X-Hub-Signature-256", "sha256=00"),
                ("User-Agent", "curl/8.5.0"),
            ]),
            body,
        );
        write("webhook_body", name, &request);
    }
}

fn signature_headers() {
    let body = br#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"amount":2000}}}"#;
    let generic = json!({"preset": "generic", "header": "X-Signature", "algorithm": "sha512", "encoding": "base64", "prefix": "v1="});
    let cases = [
        ("github", json!({"preset": "github"}), HmacSettings::github()),
        ("stripe", json!({"preset": "stripe", "toleranceSeconds": 300}), HmacSettings::stripe()),
        ("standard-webhooks", json!({"preset": "standard-webhooks"}), HmacSettings::standard_webhooks()),
        ("generic", generic.clone(), HmacSettings::from_fields(generic.as_object().unwrap()).unwrap()),
    ];
    for (name, fields, settings) in cases {
        let secret = Sensitive::new(secret_for(settings.preset).to_string());
        let signed = signature::sign(&settings, &secret, body, NOW, "msg_2Lh9zHWbJLxgrh8Mf3c3gCMSyZ4").unwrap();
        let mut all = headers(&[("Content-Type", "application/json")]);
        all.extend(signed.clone());
        let mut seed = format!("{fields}\n").into_bytes();
        seed.extend(write_request("POST /hook/payments", &all, body));
        write("signature_header", name, &seed);
        // The same request with the body changed after signing: a mismatch.
        if settings.preset == Preset::Github {
            let mut seed = format!("{fields}\n").into_bytes();
            seed.extend(write_request("POST /hook/payments", &all, b"{\"id\":\"evt_2\"}"));
            write("signature_header", "github-tampered", &seed);
        }
    }
    // Stripe sends one v1 per active secret while one is rotated, and a v0.
    let secret = Sensitive::new(secret_for(Preset::Stripe).to_string());
    let signed = signature::sign(&HmacSettings::stripe(), &secret, body, NOW, "").unwrap();
    let value = format!("{},v1={},v0=deadbeef", signed[0].1, "ab".repeat(32));
    let mut seed = b"{\"preset\":\"stripe\"}\n".to_vec();
    seed.extend(write_request("POST /hook/payments", &headers(&[("Stripe-Signature", &value)]), body));
    write("signature_header", "stripe-rotation", &seed);
}

fn recovery_phrases() {
    let key = DataKey::from_bytes(*b"hookline fuzz seed key, 32 bytes");
    let phrase = key.to_phrase();
    write("recovery_phrase", "valid", phrase.expose().as_bytes());
    // Typed back by a person: lower case, spaces, an l for a 1.
    let (prefix, symbols) = phrase.expose().split_at(4);
    let typed = format!("{}{}", prefix.to_lowercase(), symbols.to_lowercase().replace('-', " ").replace('1', "l"));
    write("recovery_phrase", "typed", typed.as_bytes());
    // One symbol changed: the checksum catches it.
    let mut typo = phrase.expose().clone().into_bytes();
    let last = typo.len() - 3;
    typo[last] = if typo[last] == b'7' { b'8' } else { b'7' };
    write("recovery_phrase", "typo", &typo);
    write("recovery_phrase", "short", b"HKL1-0G4RT-ABCDE");
    write("recovery_phrase", "hex", b"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    write("recovery_phrase", "base64", b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
}

fn main() {
    flow_documents();
    webhook_bodies();
    signature_headers();
    recovery_phrases();
}
