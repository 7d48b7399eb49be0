//! The layering DESIGN.md sets out, checked from `cargo metadata`: the core
//! (model, store, vault, engine and the api surface) knows nothing of HTTP
//! serving or sockets; only the adapters (listener, cli, desktop, tests) do.

use std::process::Command;

use serde_json::Value;

const CORE: [&str; 5] = ["hookline-model", "hookline-store", "hookline-vault", "hookline-engine", "hookline-api"];
const SERVING: [&str; 5] = ["axum", "axum-core", "hyper", "tower-http", "hookline-listener"];

fn metadata() -> Value {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

#[test]
fn no_crate_of_the_core_depends_on_an_http_server_or_tokio_sockets() {
    let metadata = metadata();
    let packages = metadata["packages"].as_array().expect("packages");
    for name in CORE {
        let package = packages.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("{name} is a member"));
        for dependency in package["dependencies"].as_array().expect("dependencies") {
            let dep = dependency["name"].as_str().unwrap();
            let dev = dependency["kind"] == "dev";
            assert!(dev || !SERVING.contains(&dep), "{name} depends on {dep}: serving HTTP belongs to the adapters");
            if dep == "tokio" && !dev {
                let features: Vec<&str> =
                    dependency["features"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
                assert!(
                    !features.contains(&"net") && !features.contains(&"full"),
                    "{name} asks tokio for sockets ({features:?}): binding belongs to the adapters"
                );
            }
        }
    }
}

#[test]
fn the_listener_is_an_adapter_over_the_api() {
    let metadata = metadata();
    let packages = metadata["packages"].as_array().expect("packages");
    let listener = packages.iter().find(|p| p["name"] == "hookline-listener").expect("the listener is a member");
    let deps: Vec<&str> =
        listener["dependencies"].as_array().unwrap().iter().filter_map(|d| d["name"].as_str()).collect();
    assert!(deps.contains(&"hookline-api"), "the listener calls the core's surface: {deps:?}");
    for below in ["hookline-store", "hookline-engine"] {
        assert!(!deps.contains(&below), "the listener reaches past the api into {below}: {deps:?}");
    }
}
