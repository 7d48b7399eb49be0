//! The recovery phrase and the other written forms of the data key
//! (`DataKey::from_phrase`, which `hookline vault recover` reads, and
//! `DataKey::parse`, which reads `HOOKLINE_MASTER_KEY` and key files).
//!
//! Besides not panicking: a key that reads back writes the phrase that reads
//! back to it, and an error message has a bounded length whatever the input,
//! so it cannot be repeating what was typed.

#![no_main]

use hookline_vault::DataKey;
use libfuzzer_sys::fuzz_target;

/// Longer than any message the phrase and key readers write.
const MAX_MESSAGE: usize = 240;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for (reader, read) in [("from_phrase", DataKey::from_phrase(text)), ("parse", DataKey::parse(text))] {
        match read {
            Ok(key) => {
                let phrase = key.to_phrase();
                let again = DataKey::from_phrase(phrase.expose()).expect("a written phrase reads back");
                assert!(again == key, "{reader}: the phrase of a key reads back to another key");
                assert!(DataKey::parse(phrase.expose()).expect("parse reads a phrase") == key);
            }
            Err(error) => {
                let message = error.to_string();
                assert!(message.len() <= MAX_MESSAGE, "{reader}: a {}-byte message: {message}", message.len());
            }
        }
    }
});
