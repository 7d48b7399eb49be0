//! Load for comparing a Standard-Webhooks-signed hook with an unsigned one.
//! `oha` sends the same headers on every request, but each signed delivery
//! needs its own `webhook-id` (a repeated one is answered as a duplicate and
//! runs nothing), so this client signs every request itself. It signs in both
//! modes, so the client does the same work whether or not the signature is
//! sent, and only the server's side differs.
//!
//! `cargo run --release -p hookline-listener --example signed_load -- URL BODY_FILE SECONDS CONNECTIONS [whsec_SECRET]`

use std::time::{Duration, Instant, SystemTime};

use hookline_vault::signature::{sign, HmacSettings};
use hookline_vault::Sensitive;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: signed_load URL BODY_FILE SECONDS CONNECTIONS [whsec_SECRET]");
        std::process::exit(2);
    }
    let url = args[1].clone();
    let body = std::fs::read(&args[2]).expect("the body file reads");
    let seconds: u64 = args[3].parse().expect("SECONDS is a number");
    let connections: usize = args[4].parse().expect("CONNECTIONS is a number");
    let send_signature = args.len() > 5;
    let secret =
        Sensitive::new(args.get(5).cloned().unwrap_or_else(|| "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()));
    let client = reqwest::Client::builder().pool_max_idle_per_host(connections).build().expect("a client");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    // Message ids must be new in every run, or the hook answers duplicates.
    let run = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos();

    let workers: Vec<_> = (0..connections)
        .map(|worker| {
            let (client, url, body, secret) = (client.clone(), url.clone(), body.clone(), secret.clone());
            tokio::spawn(async move {
                let settings = HmacSettings::standard_webhooks();
                let mut latencies = Vec::new();
                let mut failures = 0u64;
                let mut n = 0u64;
                while Instant::now() < deadline {
                    n += 1;
                    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
                    let headers =
                        sign(&settings, &secret, &body, now, &format!("msg_{run}_{worker}_{n}")).expect("signs");
                    let mut request = client.post(&url).header("content-type", "application/json").body(body.clone());
                    if send_signature {
                        for (name, value) in &headers {
                            request = request.header(name.as_str(), value.as_str());
                        }
                    }
                    let sent = Instant::now();
                    match request.send().await {
                        Ok(response) if response.status().as_u16() == 202 => latencies.push(sent.elapsed()),
                        _ => failures += 1,
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for worker in workers {
        let (mut l, f) = worker.await.expect("worker");
        latencies.append(&mut l);
        failures += f;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let at = |q: f64| latencies.get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)));
    let ms = |d: Option<&Duration>| d.map(|d| d.as_secs_f64() * 1000.0).unwrap_or(f64::NAN);
    println!(
        "  accepted {} ({:.0}/s), failed {failures}, p50 {:.2} ms, p99 {:.2} ms",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        ms(at(0.50)),
        ms(at(0.99))
    );
}
