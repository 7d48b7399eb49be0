//! Properties of the vault's round trips: whatever the key, the bytes and the
//! context, seal → open gives the plaintext back and nothing else opens;
//! a key survives its recovery phrase; a signed body verifies and a changed
//! one does not.

use hookline_vault::signature::{self, HmacSettings};
use hookline_vault::{DataKey, Sensitive, VaultError};
use proptest::prelude::*;

fn key() -> impl Strategy<Value = DataKey> {
    any::<[u8; 32]>().prop_map(DataKey::from_bytes)
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn seal_then_open_gives_the_plaintext_back(key in key(), plaintext in bytes(4096), context in bytes(64)) {
        let sealed = key.seal(&plaintext, &context);
        let opened = key.open(&sealed, &context).expect("the same key and context open it");
        prop_assert_eq!(opened.expose(), &plaintext);
    }

    #[test]
    fn open_with_another_context_fails(
        key in key(),
        plaintext in bytes(512),
        context in bytes(64),
        other in bytes(64),
    ) {
        prop_assume!(context != other);
        let sealed = key.seal(&plaintext, &context);
        prop_assert!(matches!(key.open(&sealed, &other), Err(VaultError::Undecryptable)));
    }

    #[test]
    fn open_fails_when_any_byte_is_changed(
        key in key(),
        plaintext in bytes(512),
        context in bytes(64),
        position in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let mut sealed = key.seal(&plaintext, &context);
        let at = position.index(sealed.len());
        sealed[at] ^= flip;
        prop_assert!(matches!(key.open(&sealed, &context), Err(VaultError::Undecryptable)), "byte {} changed", at);
    }

    #[test]
    fn open_fails_under_another_key(a in key(), b in key(), plaintext in bytes(256), context in bytes(32)) {
        prop_assume!(a != b);
        let sealed = a.seal(&plaintext, &context);
        prop_assert!(matches!(b.open(&sealed, &context), Err(VaultError::Undecryptable)));
    }

    #[test]
    fn open_fails_on_truncated_input(key in key(), plaintext in bytes(256), context in bytes(32), cut in any::<prop::sample::Index>()) {
        let sealed = key.seal(&plaintext, &context);
        let length = cut.index(sealed.len());
        prop_assert!(matches!(key.open(&sealed[..length], &context), Err(VaultError::Undecryptable)));
    }

    #[test]
    fn a_key_survives_its_recovery_phrase(key in key()) {
        let phrase = key.to_phrase();
        prop_assert!(DataKey::from_phrase(phrase.expose()).unwrap() == key);
        prop_assert!(DataKey::parse(phrase.expose()).unwrap() == key);
        // As typed back by a person: lower case, spaces instead of dashes.
        let typed = phrase.expose().to_lowercase().replace('-', " ");
        prop_assert!(DataKey::from_phrase(&typed).unwrap() == key);
    }

    #[test]
    fn a_signed_body_verifies_and_a_changed_one_does_not(
        preset in 0usize..3,
        body in bytes(1024),
        now in 0i64..4_000_000_000,
        secret in "[ -~]{1,40}",
        whsec in any::<[u8; 24]>(),
        flip in any::<(prop::sample::Index, u8)>(),
    ) {
        let (settings, secret) = match preset {
            0 => (HmacSettings::github(), secret),
            1 => (HmacSettings::stripe(), secret),
            _ => (HmacSettings::standard_webhooks(), format!("whsec_{}", base64_of(&whsec))),
        };
        let secret = Sensitive::new(secret);
        let headers = signature::sign(&settings, &secret, &body, now, "msg_property").unwrap();
        let lookup = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        prop_assert!(signature::verify(&settings, &secret, &lookup, &body, now).is_ok());
        let mut changed = body.clone();
        if changed.is_empty() {
            changed.push(flip.1);
        } else {
            let at = flip.0.index(changed.len());
            changed[at] ^= flip.1.max(1);
        }
        prop_assert!(signature::verify(&settings, &secret, &lookup, &changed, now).is_err());
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
