//! The recovery phrase: the data key written so a person can copy it onto
//! paper and type it back, with a checksum that catches typos.
//!
//! Layout: `HKL1`, then Crockford base32 of `key || SHA-256(key)[..2]` (34
//! bytes, 55 symbols), in groups of 5 joined by `-`. Crockford's alphabet has
//! no I, L, O or U, so the letters people confuse with digits read back as the
//! digit they look like. The codec is written here rather than taken from a
//! crate because it is small and the decoder must never echo key material in
//! its errors.

use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::VaultError;

/// Marks a Hookline recovery phrase, version 1: a later format gets `HKL2`.
pub(crate) const PREFIX: &str = "HKL1";

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const KEY_LEN: usize = 32;
const CHECKSUM_LEN: usize = 2;
const PAYLOAD_LEN: usize = KEY_LEN + CHECKSUM_LEN;
/// 34 bytes are 272 bits: 54 full symbols and one carrying the last 2 bits.
const SYMBOLS: usize = (PAYLOAD_LEN * 8).div_ceil(5);
const GROUP: usize = 5;

pub(crate) const TYPO: &str = "the phrase has a typo: its checksum does not match";

fn checksum(key: &[u8; KEY_LEN]) -> [u8; CHECKSUM_LEN] {
    let digest = Sha256::digest(key);
    [digest[0], digest[1]]
}

/// The phrase for `key`, e.g. `HKL1-0G4RT-…`.
pub(crate) fn encode(key: &[u8; KEY_LEN]) -> String {
    let mut payload = [0u8; PAYLOAD_LEN];
    payload[..KEY_LEN].copy_from_slice(key);
    payload[KEY_LEN..].copy_from_slice(&checksum(key));

    let mut out = String::with_capacity(PREFIX.len() + SYMBOLS + SYMBOLS / GROUP + 1);
    out.push_str(PREFIX);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    let mut written = 0;
    let mut push = |out: &mut String, index: u32| {
        if written % GROUP == 0 {
            out.push('-');
        }
        out.push(ALPHABET[index as usize] as char);
        written += 1;
    };
    for byte in payload {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            push(&mut out, (buffer >> bits) & 31);
        }
    }
    if bits > 0 {
        // The last symbol is padded with zero bits; the decoder insists they are zero.
        push(&mut out, (buffer << (5 - bits)) & 31);
    }
    buffer.zeroize();
    payload.zeroize();
    out
}

/// The value of one symbol, with Crockford's readings of look-alike letters.
fn symbol_value(c: u8) -> Option<u32> {
    let c = match c.to_ascii_uppercase() {
        b'O' => b'0',
        b'I' | b'L' => b'1',
        other => other,
    };
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The key a phrase stands for. Case, spaces, dashes and line breaks do not
/// matter. Errors say what is wrong without repeating any of the phrase.
pub(crate) fn decode(text: &str) -> Result<[u8; KEY_LEN], VaultError> {
    // Separators are dropped first so `hkl1 0g4rt…` and `HKL1-0G4RT-…` read alike;
    // the prefix is checked before look-alike mapping, which would turn its L into 1.
    let mut compact: Vec<u8> = text.bytes().filter(|b| !matches!(b, b' ' | b'-' | b'\n' | b'\r' | b'\t')).collect();
    let result = decode_compact(&compact);
    compact.zeroize();
    result
}

fn decode_compact(compact: &[u8]) -> Result<[u8; KEY_LEN], VaultError> {
    if compact.len() < PREFIX.len() || !compact[..PREFIX.len()].eq_ignore_ascii_case(PREFIX.as_bytes()) {
        return Err(VaultError::InvalidKey(format!("a recovery phrase starts with {PREFIX}")));
    }
    let symbols = &compact[PREFIX.len()..];
    if symbols.len() != SYMBOLS {
        return Err(VaultError::InvalidKey(format!(
            "a recovery phrase has {SYMBOLS} characters after {PREFIX} (not counting dashes and spaces); this one has {}",
            symbols.len()
        )));
    }

    let mut payload = [0u8; PAYLOAD_LEN];
    let mut buffer: u32 = 0;
    let mut bits = 0;
    let mut filled = 0;
    let mut failure = None;
    for (position, &c) in symbols.iter().enumerate() {
        let Some(value) = symbol_value(c) else {
            // Only the position is named: the character itself may be part of the key.
            failure = Some(VaultError::InvalidKey(format!(
                "character {} after {PREFIX} is not one a recovery phrase uses (0-9 and A-Z without U)",
                position + 1
            )));
            break;
        };
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            payload[filled] = (buffer >> bits) as u8;
            filled += 1;
        }
    }
    // What is left are the padding bits of the last symbol: a typo there would
    // slip past the checksum, so they must be zero.
    if failure.is_none() && (filled != PAYLOAD_LEN || buffer & ((1 << bits) - 1) != 0) {
        failure = Some(VaultError::InvalidKey(TYPO.to_string()));
    }
    let mut key = [0u8; KEY_LEN];
    key.copy_from_slice(&payload[..KEY_LEN]);
    if failure.is_none() && checksum(&key) != payload[KEY_LEN..] {
        failure = Some(VaultError::InvalidKey(TYPO.to_string()));
    }
    buffer.zeroize();
    payload.zeroize();
    match failure {
        Some(error) => {
            key.zeroize();
            Err(error)
        }
        None => Ok(key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_key() -> [u8; 32] {
        let mut key = [0u8; 32];
        getrandom::getrandom(&mut key).expect("the OS random source works");
        key
    }

    fn invalid_message(result: Result<[u8; 32], VaultError>) -> String {
        match result {
            Err(VaultError::InvalidKey(message)) => message,
            Err(other) => panic!("expected InvalidKey, got {other:?}"),
            Ok(_) => panic!("expected InvalidKey, the phrase was accepted"),
        }
    }

    #[test]
    fn a_phrase_is_hkl1_then_eleven_groups_of_five_crockford_symbols() {
        let phrase = encode(&random_key());
        let groups: Vec<&str> = phrase.split('-').collect();
        assert_eq!(groups[0], "HKL1", "the phrase opens with its version prefix: {phrase}");
        assert_eq!(groups.len(), 12, "prefix and 11 groups: {phrase}");
        for group in &groups[1..] {
            assert_eq!(group.len(), 5, "every group has 5 symbols: {phrase}");
            assert!(group.bytes().all(|b| ALPHABET.contains(&b)), "only Crockford symbols: {phrase}");
        }
    }

    #[test]
    fn random_keys_survive_the_round_trip_through_a_phrase() {
        for _ in 0..200 {
            let key = random_key();
            let phrase = encode(&key);
            assert_eq!(decode(&phrase).expect("its own phrase decodes"), key, "the same key comes back: {phrase}");
        }
        for key in [[0u8; 32], [0xff; 32]] {
            assert_eq!(decode(&encode(&key)).expect("decodes"), key, "edge keys come back too");
        }
    }

    #[test]
    fn a_phrase_reads_back_whatever_the_case_spacing_and_look_alike_letters() {
        let key = random_key();
        let phrase = encode(&key);
        let lower_spaced = phrase.to_lowercase().replace('-', " ");
        assert_eq!(decode(&lower_spaced).expect("lower case with spaces"), key, "case and spaces do not matter");
        let wrapped: String = phrase.replace('-', "").chars().enumerate().fold(String::new(), |mut s, (i, c)| {
            if i > 0 && i % 20 == 0 {
                s.push_str("\r\n");
            }
            s.push(c);
            s
        });
        assert_eq!(decode(&wrapped).expect("wrapped over lines"), key, "line breaks do not matter");
        let body = &phrase[PREFIX.len()..];
        let look_alikes = format!("{PREFIX}{}", body.replace('0', "O").replace('1', "l"));
        assert_eq!(decode(&look_alikes).expect("look-alikes"), key, "O reads as 0 and l as 1");
        let capital_i = format!("{PREFIX}{}", body.replace('1', "I"));
        assert_eq!(decode(&capital_i).expect("look-alikes"), key, "I reads as 1");
    }

    #[test]
    fn every_single_character_typo_is_caught() {
        // Fixed keys keep this exhaustive check deterministic: a 16-bit checksum
        // misses a random typo with probability 2^-16, so some key somewhere has
        // an undetected one; these keys have none.
        for key in [[0u8; 32], [0xa5; 32], core::array::from_fn(|i| i as u8 * 7)] {
            let phrase = encode(&key);
            let bytes = phrase.as_bytes();
            for position in PREFIX.len()..bytes.len() {
                if bytes[position] == b'-' {
                    continue;
                }
                for &replacement in ALPHABET.iter().filter(|&&a| a != bytes[position]) {
                    let mut typo = bytes.to_vec();
                    typo[position] = replacement;
                    let typo = String::from_utf8(typo).expect("ASCII");
                    assert_eq!(invalid_message(decode(&typo)), TYPO, "the typo in {typo} is reported as such");
                }
            }
        }
    }

    #[test]
    fn a_phrase_of_the_wrong_length_or_prefix_is_refused_with_a_clear_message() {
        let phrase = encode(&random_key());
        let short = invalid_message(decode(&phrase[..phrase.len() - 1]));
        assert!(short.contains("55 characters") && short.contains("has 54"), "the length is explained: {short}");
        let long = invalid_message(decode(&format!("{phrase}0")));
        assert!(long.contains("has 56"), "the length is explained: {long}");
        let no_prefix = invalid_message(decode(&phrase[5..]));
        assert!(no_prefix.contains("starts with HKL1"), "the prefix is asked for: {no_prefix}");
        let mut bad_char = phrase.clone().into_bytes();
        bad_char[7] = b'U';
        let bad_char = invalid_message(decode(&String::from_utf8(bad_char).expect("ASCII")));
        assert!(bad_char.contains("character 3"), "the position of the bad character is named: {bad_char}");
    }
}
