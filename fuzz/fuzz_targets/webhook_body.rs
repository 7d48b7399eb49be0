//! A webhook request turned into the trigger's output
//! (`hookline_engine::webhook::output`, what a run sees) and into a designer
//! sample (`webhook::sample`). Input: a request line, headers, an empty line
//! and the body (see `hookline_fuzz::read_request`).
//!
//! Besides not panicking: a body is parsed as JSON only under a JSON content
//! type (a `text/plain` body that looks like JSON stays text), a form body is
//! an object, an empty body is `null`, and a sample shows no secret header.

#![no_main]

use hookline_engine::webhook;
use hookline_fuzz::read_request;
use hookline_model::mask_secret_headers;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let request = read_request(data);
    let content_type = request.header("content-type").unwrap_or("").to_ascii_lowercase();
    let is_json = content_type.contains("json");

    match webhook::output(&request) {
        Ok(output) => {
            let body = &output["body"];
            if request.body.is_empty() {
                assert_eq!(body, &Value::Null, "an empty body is null");
            } else if is_json {
                let parsed: Value = serde_json::from_slice(&request.body).expect("output parsed it");
                assert_eq!(body, &parsed, "a JSON body is the parsed body");
            } else if content_type.starts_with("application/x-www-form-urlencoded") {
                assert!(body.is_object(), "a form body is an object: {body}");
            } else {
                assert!(body.is_string(), "a body without a JSON content type stays text: {body}");
            }
            serde_json::to_vec(&output).expect("the output serialises");
        }
        Err(_) => assert!(is_json, "only a JSON body can fail to decode"),
    }

    let sample = webhook::sample(&request);
    let masked = mask_secret_headers(&request.headers);
    for (name, value) in &masked {
        assert_eq!(sample["headers"][name].as_str(), Some(value.as_str()), "header {name} as masked");
    }
    serde_json::to_vec(&sample).expect("the sample serialises");
});
