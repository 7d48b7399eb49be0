//! The tutorial, end to end and offline: the Pets example flow against the
//! real `hookline demo petstore`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use hookline_tests::{add_credential, binary, calling, Hookline};
use serde_json::{json, Value};

/// A running `hookline demo petstore` on a port the OS chose; killed on drop.
struct PetStore {
    child: Child,
    url: String,
}

impl PetStore {
    fn start(hookline: &Hookline) -> PetStore {
        PetStore::start_with(hookline, &[], None)
    }

    /// Starts it with `args`, writing `stdin` (a secret) to its standard input.
    fn start_with(hookline: &Hookline, args: &[&str], stdin: Option<&str>) -> PetStore {
        let mut child = Command::new(binary())
            .arg("--data-dir")
            .arg(hookline.data_dir())
            .args(["demo", "petstore", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the pet store starts");
        let mut input = child.stdin.take().unwrap();
        if let Some(secret) = stdin {
            writeln!(input, "{secret}").unwrap();
        }
        drop(input);
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url =
            line.split_whitespace().find(|w| w.starts_with("http://")).expect("the address is printed").to_string();
        PetStore { child, url }
    }
}

impl Drop for PetStore {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_pets_tutorial_creates_a_pet_in_the_demo_store_and_reads_it_back() {
    let hookline = Hookline::new();
    let store = PetStore::start(&hookline);
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/pets.flow.json")).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc["steps"][1]["inputs"]["url"] = json!({"value": format!("{}/pet", store.url)});
    doc["steps"].as_array_mut().unwrap().push(json!({
        "id": "stp_read", "component": "http_request", "name": "Read pet back",
        "inputs": {"url": {"expr": format!("'{}/pet/' & $steps.stp_create.body.id", store.url)}}
    }));
    doc["edges"].as_array_mut().unwrap().push(json!({"from": "stp_create", "to": "stp_read"}));
    hookline.import(&doc);
    hookline.run(&["flows", "publish", "pets"]).ok();

    let execution = hookline.run(&["run", "pets"]).ok().json();
    assert_eq!(
        execution["steps"][1]["output"]["body"],
        json!({"id": 1, "name": "Gromit", "status": "Sold"}),
        "the pet was created"
    );
    assert_eq!(
        execution["output"]["body"],
        json!({"id": 1, "name": "Gromit", "status": "Sold"}),
        "and reads back from the store"
    );
}

#[test]
fn a_busy_port_is_a_clear_error_naming_the_port() {
    let hookline = Hookline::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let run = hookline.run(&["demo", "petstore", "--listen", &format!("127.0.0.1:{port}")]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains(&format!("port {port} is already in use")), "{}", run.stderr);
}

#[test]
fn the_tutorials_api_key_credential_is_verified_against_the_store_and_sent_by_the_step() {
    let hookline = Hookline::new();
    hookline.run(&["vault", "create-key-file"]).ok();
    let store = PetStore::start_with(&hookline, &["--api-key-from-stdin"], Some("petstore-key-42"));
    let verify = format!("verifyUrl={}/pet?status=sold", store.url);
    let settings = ["in=header", "name=api_key", verify.as_str()];
    add_credential(&hookline, "petstore", "api_key", &settings, "key=petstore-key-42\n");
    add_credential(&hookline, "wrong", "api_key", &settings, "key=petstore-key-41\n");

    let verified = hookline.run(&["vault", "verify", "petstore"]);
    assert_eq!(verified.code, Some(0), "{}{}", verified.stdout, verified.stderr);
    let refused = hookline.run(&["vault", "verify", "wrong"]);
    assert_ne!(refused.code, Some(0), "a wrong key fails verification: {}", refused.stdout);
    assert!(format!("{}{}", refused.stdout, refused.stderr).contains("401"), "the reason names the answer");

    let url = format!("{}/pet", store.url);
    hookline.import(&calling("flw_pet", &url, "petstore", json!({"name": "Odie", "status": "available"})));
    hookline.run(&["flows", "publish", "flw_pet"]).ok();
    let execution = hookline.run(&["run", "flw_pet"]).ok().json();
    assert_eq!(execution["output"]["body"], json!({"id": 1, "name": "Odie", "status": "available"}));

    let client = reqwest::blocking::Client::new();
    assert_eq!(client.get(&url).send().unwrap().status(), 401, "without the key, the store refuses");
}

#[test]
fn a_store_asked_for_a_key_refuses_to_start_without_one() {
    let hookline = Hookline::new();
    let run = hookline.run_with_input(&["demo", "petstore", "--listen", "127.0.0.1:0", "--api-key-from-stdin"], "");
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("standard input"), "{}", run.stderr);
}
