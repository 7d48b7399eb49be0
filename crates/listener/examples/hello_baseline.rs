//! The load benchmark's baseline: the smallest axum server, answering
//! "Hello, World!" on every request, so the listener's figures can be read as
//! a fraction of what axum itself serves on the same machine.
//!
//! `cargo run --release -p hookline-listener --example hello_baseline -- 127.0.0.1:8789`

use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let address = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".to_string());
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, Router::new().fallback(get(|| async { "Hello, World!" }).post(|| async { "Hello, World!" })))
        .await
}
