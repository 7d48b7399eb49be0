//! Stable, prefixed identifiers (`flw_`, `stp_`, `exe_`).
//!
//! Ids are what documents, expressions and URLs refer to, so their alphabet is
//! restricted: flow ids appear in hook URLs (URL-safe), step ids appear in
//! JSONata paths such as `$steps.stp_lookup` (letters, digits and `_` only).

pub const FLOW_PREFIX: &str = "flw_";
pub const STEP_PREFIX: &str = "stp_";
pub const EXECUTION_PREFIX: &str = "exe_";
pub const INBOX_PREFIX: &str = "inb_";
pub const CREDENTIAL_PREFIX: &str = "crd_";
pub const SAMPLE_PREFIX: &str = "smp_";

/// A new id with the given prefix: a lowercase ULID, so ids sort by creation
/// time. Ids made in the same millisecond by this process sort in the order
/// they were made (the random part counts up), so lists ordered by a
/// millisecond timestamp and then by id keep the order things happened in.
pub fn generate(prefix: &str) -> String {
    static GENERATOR: std::sync::Mutex<ulid::Generator> = std::sync::Mutex::new(ulid::Generator::new());
    let made = GENERATOR.lock().map(|mut generator| generator.generate());
    // The random part can only run out after 2^80 ids in one millisecond.
    let id = match made {
        Ok(Ok(id)) => id,
        _ => ulid::Ulid::new(),
    };
    format!("{prefix}{}", id.to_string().to_lowercase())
}

/// Checks a flow id: `flw_` followed by 1–64 characters of `[A-Za-z0-9_-]`.
pub fn check_flow_id(id: &str) -> Result<(), String> {
    check(id, FLOW_PREFIX, |c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        .map_err(|why| format!("flow id {id:?} {why}; use flw_ followed by letters, digits, '_' or '-'"))
}

/// Checks a step id: `stp_` followed by 1–64 characters of `[A-Za-z0-9_]`, so it
/// can be written unquoted in an expression (`$steps.stp_x`).
pub fn check_step_id(id: &str) -> Result<(), String> {
    check(id, STEP_PREFIX, |c| c.is_ascii_alphanumeric() || c == '_')
        .map_err(|why| format!("step id {id:?} {why}; use stp_ followed by letters, digits or '_'"))
}

fn check(id: &str, prefix: &str, allowed: impl Fn(char) -> bool) -> Result<(), &'static str> {
    let Some(rest) = id.strip_prefix(prefix) else {
        return Err("lacks its prefix");
    };
    if rest.is_empty() || rest.len() > 64 {
        return Err("must have 1 to 64 characters after the prefix");
    }
    if !rest.chars().all(allowed) {
        return Err("contains characters that are not allowed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_carry_their_prefix_and_pass_their_own_check() {
        let flow = generate(FLOW_PREFIX);
        assert!(flow.starts_with("flw_"), "prefix kept: {flow}");
        assert_eq!(check_flow_id(&flow), Ok(()), "a generated flow id must be valid");
        let step = generate(STEP_PREFIX);
        assert_eq!(check_step_id(&step), Ok(()), "a generated step id must be valid");
    }

    #[test]
    fn ids_made_one_after_another_sort_in_the_order_they_were_made() {
        let made: Vec<String> = (0..1000).map(|_| generate(EXECUTION_PREFIX)).collect();
        let mut sorted = made.clone();
        sorted.sort();
        assert_eq!(made, sorted, "even within one millisecond");
    }

    #[test]
    fn ids_with_wrong_prefix_or_characters_are_refused() {
        assert!(check_flow_id("pets").is_err(), "prefix is required");
        assert!(check_flow_id("flw_").is_err(), "a body is required");
        assert!(check_flow_id("flw_a/b").is_err(), "a slash would break hook URLs");
        assert!(check_step_id("stp_a-b").is_err(), "a dash would break $steps.stp_a-b");
        assert_eq!(check_flow_id("flw_pets-2"), Ok(()));
        assert_eq!(check_step_id("stp_create_pet"), Ok(()));
    }
}
