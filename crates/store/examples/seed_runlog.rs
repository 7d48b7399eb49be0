//! Fills a data directory's database with a large, old run log, for
//! `benches/prune.sh`: `cargo run --release -p hookline-store --example
//! seed_runlog -- DB_PATH ROWS OLDEST_DAYS NEWEST_DAYS`.

#[path = "../benches/seed/mod.rs"]
mod seed;

use std::time::Duration;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, rows, oldest, newest] = args.as_slice() else {
        eprintln!("usage: seed_runlog DB_PATH ROWS OLDEST_DAYS NEWEST_DAYS");
        std::process::exit(2);
    };
    let number = |text: &str| -> u64 {
        text.parse().unwrap_or_else(|_| {
            eprintln!("not a number: {text}");
            std::process::exit(2)
        })
    };
    let day = |n: u64| Duration::from_secs(n * 86_400);
    let store = hookline_store::Store::open(std::path::Path::new(path)).await.expect("the store opens");
    let started = std::time::Instant::now();
    seed::seed(&store, number(rows), 20, day(number(oldest)), day(number(newest))).await;
    println!("seeded {rows} executions in {:.1} s", started.elapsed().as_secs_f64());
}
