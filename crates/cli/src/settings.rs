//! `hookline settings list|get|set`: the values of the Settings page from
//! the command line, read and saved through the same `Core` methods, so the
//! checks (an address that parses, folders that exist, programs that are
//! executable) are the page's own.

use std::process::ExitCode;

use hookline_api::{ApiError, Core, ErrorCode, Settings};
use serde_json::Value;

use crate::output;

/// The settings `get` and `set` take, as the Settings page and its JSON name them.
const KEYS: [Key; 5] =
    [Key::ListenAddress, Key::AllowedHosts, Key::EventsCredential, Key::AllowedFolders, Key::AllowedCommands];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    ListenAddress,
    AllowedHosts,
    EventsCredential,
    AllowedFolders,
    AllowedCommands,
}

impl Key {
    fn name(self) -> &'static str {
        match self {
            Key::ListenAddress => "listenAddress",
            Key::AllowedHosts => "allowedHosts",
            Key::EventsCredential => "eventsCredential",
            Key::AllowedFolders => "allowedFolders",
            Key::AllowedCommands => "allowedCommands",
        }
    }

    /// Reads a key as written in the JSON (`allowedFolders`), in any case,
    /// or kebab-cased as flags are (`allowed-folders`).
    fn parse(text: &str) -> Result<Key, ApiError> {
        let folded = |name: &str| name.chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_lowercase();
        KEYS.into_iter().find(|key| folded(key.name()) == folded(text)).ok_or_else(|| {
            let names: Vec<&str> = KEYS.iter().map(|key| key.name()).collect();
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("no setting {text:?}; the settings are {}", names.join(", ")),
            )
        })
    }

    fn value(self, settings: &Settings) -> Value {
        match self {
            Key::ListenAddress => Value::from(settings.listen_address.clone()),
            Key::AllowedHosts => Value::from(settings.allowed_hosts.clone()),
            Key::EventsCredential => settings.events_credential.clone().map(Value::from).unwrap_or(Value::Null),
            Key::AllowedFolders => Value::from(settings.allowed_folders.clone()),
            Key::AllowedCommands => Value::from(settings.allowed_commands.clone()),
        }
    }
}

/// A value for people: text as it is, a list one item a line, nothing for none.
fn print_plain(value: &Value) {
    match value {
        Value::String(text) => println!("{text}"),
        Value::Array(items) => {
            for item in items {
                print_plain(item);
            }
        }
        Value::Null => {}
        other => println!("{other}"),
    }
}

/// A value in one table cell: a list joined with commas, `-` for none.
fn cell(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) if items.is_empty() => "-".into(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// `settings list`: every setting and its value, or the whole settings as JSON.
pub async fn list(core: &Core, json: bool) -> Result<ExitCode, ApiError> {
    let settings = core.settings()?;
    if json {
        output::print_json(&settings);
    } else {
        let rows = KEYS.iter().map(|key| vec![key.name().to_string(), cell(&key.value(&settings))]).collect();
        output::table(&["KEY", "VALUE"], rows);
    }
    Ok(ExitCode::SUCCESS)
}

/// `settings get KEY`: one setting's value.
pub async fn get(core: &Core, key: &str, json: bool) -> Result<ExitCode, ApiError> {
    let key = Key::parse(key)?;
    let value = key.value(&core.settings()?);
    if json {
        output::print_json(&value);
    } else {
        print_plain(&value);
    }
    Ok(ExitCode::SUCCESS)
}

/// `settings set KEY VALUE…`: saves a setting and prints its new value. A
/// list takes every value given and replaces the list; no value (or
/// `--clear`) empties it, and clears the events credential.
pub async fn set(core: &Core, key: &str, values: Vec<String>, clear: bool, json: bool) -> Result<ExitCode, ApiError> {
    let key = Key::parse(key)?;
    let values = if clear { Vec::new() } else { values };
    let settings = match key {
        Key::ListenAddress => match values.as_slice() {
            [address] => core.set_listen_address(address).await?,
            _ => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    "listenAddress takes one value, HOST:PORT such as 127.0.0.1:8787",
                ))
            }
        },
        Key::EventsCredential => match values.as_slice() {
            [] => core.set_events_credential(None).await?,
            [name] => core.set_events_credential(Some(name)).await?,
            _ => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    "eventsCredential takes one credential name, or none to clear it",
                ))
            }
        },
        Key::AllowedHosts => core.set_allowed_hosts(&values)?,
        Key::AllowedFolders => core.set_allowed_folders(&values)?,
        Key::AllowedCommands => core.set_allowed_commands(&values)?,
    };
    let value = key.value(&settings);
    if json {
        output::print_json(&value);
    } else {
        print_plain(&value);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_as_the_json_names_them_and_unknown_ones_list_the_keys() {
        assert_eq!(Key::parse("allowedFolders").unwrap(), Key::AllowedFolders);
        assert_eq!(Key::parse("allowed-commands").unwrap(), Key::AllowedCommands, "kebab case, as flags are");
        assert_eq!(Key::parse("LISTENADDRESS").unwrap(), Key::ListenAddress);
        let error = Key::parse("allowedFolder").unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidInput);
        for key in KEYS {
            assert!(error.message.contains(key.name()), "the message lists {}: {}", key.name(), error.message);
        }
    }

    #[test]
    fn lists_fill_one_cell_and_none_shows_a_dash() {
        assert_eq!(cell(&serde_json::json!(["/a", "/b"])), "/a, /b");
        assert_eq!(cell(&serde_json::json!([])), "-");
        assert_eq!(cell(&Value::Null), "-");
        assert_eq!(cell(&serde_json::json!("127.0.0.1:8787")), "127.0.0.1:8787");
    }
}
