//! A value that must never be printed.

use std::fmt;

use zeroize::Zeroize;

/// What every redacted value prints as.
pub const MASK: &str = "••••••";

/// A secret: a password, token, key or data key. `Debug` and `Display` print
/// [`MASK`], it has no `Serialize`, and its memory is wiped when dropped, so
/// it cannot reach a log line, an error message or a response by accident.
/// Reading it takes an explicit [`Sensitive::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive<T: Zeroize>(T);

impl<T: Zeroize> Sensitive<T> {
    pub fn new(value: T) -> Sensitive<T> {
        Sensitive(value)
    }

    /// The secret itself, for the one place that needs it (a cipher, an
    /// `Authorization` header, a comparison).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> Drop for Sensitive<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl<T: Zeroize> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl From<String> for Sensitive<String> {
    fn from(value: String) -> Self {
        Sensitive(value)
    }
}

impl From<&str> for Sensitive<String> {
    fn from(value: &str) -> Self {
        Sensitive(value.to_string())
    }
}

/// A secret arrives from outside (a form, standard input) and is wrapped at
/// once; there is deliberately no `Serialize`, so it cannot leave again in a
/// response.
impl<'de> serde::Deserialize<'de> for Sensitive<String> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Sensitive)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sensitive_value_prints_as_the_mask_however_it_is_formatted() {
        let secret = Sensitive::from("canary-7f3a");
        for printed in
            [format!("{secret}"), format!("{secret:?}"), format!("{secret:#?}"), format!("{:?}", Some(&secret))]
        {
            assert!(!printed.contains("canary"), "the secret leaked: {printed}");
            assert!(printed.contains(MASK), "the mask is shown instead: {printed}");
        }
        assert_eq!(secret.expose(), "canary-7f3a", "the value is still there for whoever asks explicitly");
    }

    #[test]
    fn a_secret_read_from_json_is_wrapped_at_once() {
        let secret: Sensitive<String> = serde_json::from_str("\"canary-9b1c\"").expect("a JSON string");
        assert_eq!(secret.expose(), "canary-9b1c", "the value read");
        assert!(!format!("{secret:?}").contains("canary"), "and masked from then on");
    }
}
