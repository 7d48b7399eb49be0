//! Webhook signature headers (GitHub, Stripe, Standard Webhooks and the
//! generic HMAC) checked as a guarded hook checks them
//! (`hookline_vault::signature::verify` after `HmacSettings::from_fields`).
//! Input: the credential's settings as a JSON object on the first line
//! (`{"preset":"stripe"}`), then a request: a request line, headers, an empty
//! line and the body (see `hookline_fuzz::read_request`). The secret is the
//! preset's fixed fuzz secret and "now" is fixed, so seeds signed by the
//! vault's own signer verify and mutations start from real signatures.
//!
//! Besides not panicking: no error message carries the secret or the
//! expected signature, and what `sign` makes for the body, `verify` accepts.

#![no_main]

use hookline_fuzz::{first_line, read_request, secret_for, NOW};
use hookline_model::HookRequest;
use hookline_vault::signature::{self, HmacSettings, Preset};
use hookline_vault::Sensitive;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let (settings_line, rest) = first_line(data);
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(settings_line) else { return };
    let settings = match HmacSettings::from_fields(&fields) {
        Ok(settings) => settings,
        Err(error) => {
            assert_eq!(error.code(), "invalid_credential", "a settings problem is the credential's: {error}");
            return;
        }
    };
    let request = read_request(rest);
    let lookup = |name: &str| request.header(&name.to_ascii_lowercase()).map(str::to_string);
    let secret = Sensitive::new(secret_for(settings.preset).to_string());
    let verified = signature::verify(&settings, &secret, &lookup, &request.body, NOW);

    // The delivery id a request is deduplicated by: none for the generic
    // preset, and present for a verified request that carries its preset's
    // id where the sender puts it.
    let delivery = settings.preset.delivery_key(&lookup, &request.body);
    if !settings.preset.has_delivery_key() {
        assert_eq!(delivery, None, "the generic preset takes no delivery id");
    } else if verified.is_ok() && names_itself(settings.preset, &request) {
        assert!(delivery.is_some(), "a verified {:?} delivery is known by its id", settings.preset);
    }

    let message_id = request.header("webhook-id").unwrap_or("msg_fuzz");
    let signed = signature::sign(&settings, &secret, &request.body, NOW, message_id);

    if let Err(error) = &verified {
        assert_eq!(error.code(), "signature_invalid", "the fuzz secrets are usable: {error}");
        let message = error.to_string();
        let input = String::from_utf8_lossy(data);
        if !input.contains(secret.expose()) {
            assert!(!message.contains(secret.expose()), "the secret leaked into {message:?}");
        }
        if let Ok(headers) = &signed {
            for (name, value) in
                headers.iter().filter(|(name, _)| !matches!(name.as_str(), "webhook-id" | "webhook-timestamp"))
            {
                // The MAC part of the value (`sha256=<hex>`, `t=…,v1=<hex>`, `v1,<base64>`): its
                // longest piece between `,` and `=`. The settings may name it (a header called
                // after it), which is not a leak of what the request did not know.
                let mac = value.split([',', '=']).max_by_key(|piece| piece.len()).unwrap_or(value);
                if !input.contains(mac) {
                    assert!(!message.contains(mac), "the expected {name} leaked into {message:?}");
                }
            }
        }
    }

    // What the vault's signer makes for this body, its verifier accepts.
    if let Ok(headers) = signed {
        let signed_lookup =
            |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, value)| value.clone());
        if let Err(error) = signature::verify(&settings, &secret, &signed_lookup, &request.body, NOW) {
            panic!("verify refuses what sign made ({headers:?}): {error}");
        }
    }
});

/// Whether the request carries its preset's delivery id where the sender
/// puts it. Verification does not depend on it for GitHub (the id header is
/// not signed) or Stripe (the body need not be an event), so a verified
/// request may lack one; Standard Webhooks signs its `webhook-id`.
fn names_itself(preset: Preset, request: &HookRequest) -> bool {
    match preset {
        Preset::Generic => false,
        Preset::StandardWebhooks => true,
        Preset::Github => request.header("x-github-delivery").is_some(),
        Preset::Stripe => serde_json::from_slice::<Value>(&request.body)
            .ok()
            .is_some_and(|event| event.get("id").and_then(Value::as_str).is_some()),
    }
}
