//! How the fuzz targets read their bytes, shared with the seed writer
//! (`cargo run --example seeds`), so a seed file and a target agree on what
//! it means.
//!
//! The webhook and signature targets read a request written the way it
//! travels: a request line (`POST /hook/pets?x=1`), header lines
//! (`Content-Type: application/json`), an empty line, then the body bytes.
//! Names are lowercased and repeated headers joined by ", ", as the listener
//! hands a request to the core ([`HookRequest`]).

use std::collections::BTreeMap;

use hookline_model::HookRequest;
use hookline_vault::signature::Preset;

/// "Now" for the signature target (2026-01-01T00:00:00Z), so a seed signed at
/// this time stays inside the tolerance however old the corpus gets.
pub const NOW: i64 = 1_767_225_600;

/// The signing secret the signature target verifies with, per preset. The
/// seeds are signed with the same ones, so mutations start from requests
/// that verify.
pub fn secret_for(preset: Preset) -> &'static str {
    match preset {
        // GitHub's documented example secret.
        Preset::Github => "It's a Secret to Everybody",
        Preset::Stripe => "whsec_fuzz_stripe_secret",
        // The Standard Webhooks specification's example secret.
        Preset::StandardWebhooks => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        Preset::Generic => "generic-fuzz-secret",
    }
}

/// Splits off the first line (without its `\n`); the rest follows it.
pub fn first_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// Reads `METHOD target`, header lines, an empty line and the body.
pub fn read_request(data: &[u8]) -> HookRequest {
    let (request_line, mut rest) = first_line(data);
    let request_line = String::from_utf8_lossy(request_line);
    let request_line = request_line.trim_end_matches('\r');
    let (method, target) = request_line.split_once(' ').unwrap_or((request_line, "/"));
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query.to_string())),
        None => (target, None),
    };
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    while !rest.is_empty() {
        let (line, after) = first_line(rest);
        rest = after;
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_string());
        headers.entry(name).and_modify(|joined| *joined = format!("{joined}, {value}")).or_insert(value);
    }
    HookRequest { method: method.to_string(), path: path.to_string(), query, headers, body: rest.to_vec() }
}

/// Writes a request in the form [`read_request`] reads.
pub fn write_request(request_line: &str, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{request_line}\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\n").as_bytes());
    }
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}
