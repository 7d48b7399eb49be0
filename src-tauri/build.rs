fn main() {
    // Declaring the app's commands puts them under the capability files too:
    // a command the window's capability does not grant cannot be invoked.
    let manifest = tauri_build::AppManifest::new().commands(&["call", "save_text_file", "report_first_frame"]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)).expect("the Tauri build step failed");
}
