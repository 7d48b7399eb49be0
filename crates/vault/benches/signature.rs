//! How long checking a webhook signature takes (`hookline_vault::signature::verify`), for a GitHub and a
//! Standard Webhooks request over a 1,024-byte JSON body. The product goal is at most 5 µs per verification,
//! so the listener can check every request before doing anything else with it.
//!
//! Settings, secret and headers are built once outside the measured loop, as the listener holds them per
//! credential; only the verification itself (secret decoding, header parsing, HMAC, comparison) is timed.
//!
//! Run with `cargo bench -p hookline-vault --bench signature`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hookline_vault::signature::{sign, verify, HmacSettings};
use hookline_vault::Sensitive;

const NOW: i64 = 1_700_000_000;
const BODY_LEN: usize = 1024;

/// A JSON order event padded to exactly 1,024 bytes, so the numbers are per kilobyte.
fn body() -> Vec<u8> {
    let head = r#"{"type":"order.paid","id":"evt_01HZX3K9Q4T7M2","created":1700000000,"data":{"order":{"id":"ord_10482","currency":"EUR","total":"149.90","customer":{"email":"ada@example.com","name":"Ada Lovelace"},"items":[{"sku":"TEA-EARL-250","qty":2,"price":"12.50"},{"sku":"MUG-WHITE","qty":1,"price":"9.90"}]},"note":""#;
    let tail = r#""}}"#;
    let padding = "x".repeat(BODY_LEN - head.len() - tail.len());
    let body = format!("{head}{padding}{tail}").into_bytes();
    assert_eq!(body.len(), BODY_LEN, "the body is exactly one kilobyte");
    serde_json::from_slice::<serde_json::Value>(&body).expect("the body is valid JSON");
    body
}

/// The request's headers as the listener would look them up: case-insensitively in a short list.
fn lookup(pairs: Vec<(String, String)>) -> impl Fn(&str) -> Option<String> {
    move |name| pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

fn verify_signatures(c: &mut Criterion) {
    let body = body();
    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Bytes(BODY_LEN as u64));

    let github = HmacSettings::github();
    let github_secret = Sensitive::from("a-github-webhook-secret-of-typical-length");
    let github_headers = lookup(sign(&github, &github_secret, &body, NOW, "").expect("the secret is usable"));
    verify(&github, &github_secret, &github_headers, &body, NOW).expect("the benchmark measures an accepted request");
    group.bench_function("github_1k", |b| {
        b.iter(|| verify(black_box(&github), &github_secret, &github_headers, black_box(&body), black_box(NOW)))
    });

    let standard = HmacSettings::standard_webhooks();
    let standard_secret = Sensitive::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let standard_headers = lookup(
        sign(&standard, &standard_secret, &body, NOW, "msg_p5jXN8AQM9LWM0D4loKWxJek").expect("the secret is usable"),
    );
    verify(&standard, &standard_secret, &standard_headers, &body, NOW)
        .expect("the benchmark measures an accepted request");
    group.bench_function("standard_webhooks_1k", |b| {
        b.iter(|| verify(black_box(&standard), &standard_secret, &standard_headers, black_box(&body), black_box(NOW)))
    });

    group.finish();
}

criterion_group! {
    name = benches;
    // Short runs: the operation takes microseconds, so five seconds gives plenty of samples.
    config = Criterion::default().measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    targets = verify_signatures
}
criterion_main!(benches);
