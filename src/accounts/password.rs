//! Password hashing with argon2id (the crate's defaults: m=19 MiB, t=2, p=1, OWASP's
//! minimum). Hashing is deliberately slow: call it from a blocking thread.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use rand::Rng;

use super::AccountError;

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 1024;

pub fn check_policy(password: &str) -> Result<(), AccountError> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        return Err(AccountError::PasswordTooShort);
    }
    if password.len() > MAX_LENGTH {
        return Err(AccountError::PasswordTooLong);
    }
    Ok(())
}

/// An argon2id PHC string (`$argon2id$v=19$…`) for a password that meets the policy.
pub fn hash(password: &str) -> Result<String, AccountError> {
    check_policy(password)?;
    let hashed: PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| AccountError::Hashing(e.to_string()))?;
    Ok(hashed.to_string())
}

/// True when `password` matches the stored PHC string. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.len() > MAX_LENGTH {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A real hash of a random password, verified against when an email is unknown so that a
/// wrong email costs the same time as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let hashed: Result<PasswordHash, _> =
            Argon2::default().hash_password(generate(24).as_bytes());
        hashed.map(|h| h.to_string()).unwrap_or_default()
    })
}

/// A random password of `len` characters from an alphabet without look-alikes (no 0/O, 1/l/I).
pub fn generate(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("anything", "not a hash"));
        assert!(!verify("anything", dummy_hash()));
    }

    #[test]
    fn policy_refuses_short_passwords() {
        assert!(matches!(hash("short"), Err(AccountError::PasswordTooShort)));
        assert_eq!(generate(20).chars().count(), 20);
    }
}
