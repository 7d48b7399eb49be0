//! The command line's own contract: help, and errors as one line with a
//! non-zero exit, never a panic or a backtrace.

use std::process::{Command, Output};

fn hookline(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hookline"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .expect("hookline runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_lists_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let output = hookline(dir.path(), &["--help"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for command in ["flows", "run", "executions"] {
        assert!(text.contains(command), "help mentions {command}: {text}");
    }
}

#[test]
fn errors_are_one_line_on_stderr_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let not_json = dir.path().join("broken.json");
    std::fs::write(&not_json, "{\"schemaVersion\": 1, \"name\": ").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["flows", "publish", "flw_nope"], "no flow \"flw_nope\""),
        (vec!["flows", "import", "/nonexistent/flow.json"], "/nonexistent/flow.json"),
        (vec!["flows", "import", not_json.to_str().unwrap()], "line 1"),
        (vec!["executions", "show", "exe_nope"], "no execution"),
        (vec!["executions", "list", "--status", "weird"], "--status"),
    ];
    for (args, expected) in cases {
        let output = hookline(dir.path(), &args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?} exits 2: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        assert!(err.starts_with("error: ") && err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked") && !err.contains("backtrace"), "{args:?}: {err}");
    }
}
