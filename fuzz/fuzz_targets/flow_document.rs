//! A flow file as `hookline flows import` reads it (`Core::import_flow`):
//! `FlowDocument::parse`, then the design validation against the standard
//! catalog, the trigger's settings (which name the hook's slug), and, for a
//! flow without problems, the compiled plan publishing makes. Besides not
//! panicking, a document that imports must export to canonical JSON that
//! imports to the same document and exports to the same text.

#![no_main]

use std::sync::OnceLock;

use hookline_engine::{validate, Catalog, Plan};
use hookline_model::{to_canonical_json, FlowDocument};
use libfuzzer_sys::fuzz_target;

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::standard)
}

fuzz_target!(|data: &[u8]| {
    // The command line reads the file as UTF-8 text before parsing it.
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(document) = FlowDocument::parse(text) else { return };
    let catalog = catalog();
    let problems = validate(&document, catalog);
    let _slug = catalog.trigger_settings(&document);

    let exported = to_canonical_json(&document).expect("an imported document exports");
    let imported = FlowDocument::parse(&exported).expect("an exported document imports");
    assert_eq!(imported, document, "export → import changed the document");
    assert_eq!(to_canonical_json(&imported).unwrap(), exported, "export → import → export changed the text");

    if problems.is_empty() {
        if let Err(problems) = Plan::compile(document, catalog) {
            panic!("a document without design problems must compile, got {problems:?}");
        }
    }
});
