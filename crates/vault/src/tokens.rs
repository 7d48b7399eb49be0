//! Access tokens handed to callers (a flow's workflow token): random, shown
//! once, and kept only as a hash. A token carries 256 random bits, so a plain
//! SHA-256 is enough to store it: nothing can be guessed from the hash, and
//! looking a token up needs no slow key derivation.

use sha2::{Digest, Sha256};

/// What every flow token starts with, so one pasted into the wrong place
/// (a log, a chat) is recognisable.
pub const FLOW_TOKEN_PREFIX: &str = "hlw_";

/// A new flow token: the prefix and 32 random bytes in hex.
pub fn new_flow_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the OS random source failed while making a token");
    format!("{FLOW_TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// The hash a token is stored and looked up by.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_new_each_time_and_hash_the_same_way() {
        let (a, b) = (new_flow_token(), new_flow_token());
        assert_ne!(a, b);
        assert!(a.starts_with(FLOW_TOKEN_PREFIX) && a.len() == FLOW_TOKEN_PREFIX.len() + 64);
        assert_eq!(token_hash(&a), token_hash(&a.clone()));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert!(!token_hash(&a).contains(&a[4..]), "the hash does not carry the token");
    }
}
