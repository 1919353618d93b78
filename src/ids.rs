//! Small helpers that many layers share and that depend on nothing of ours: hex encoding,
//! random tokens, and the ids that tie translations together. A leaf: it imports no module of
//! the crate, so any module may use it without making a cycle.

use rand::RngCore;

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// `N` random bytes from the thread's CSPRNG, as `2 × N` hex digits: session keys, CSRF
/// tokens, preview links, kept forms, nonces, temporary file names.
pub fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// A new id for a translation group: the article, page or category in every language shares
/// one.
pub fn translation_group() -> String {
    random_hex::<12>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_and_two_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xab, 0xff]), "000fabff");
        assert_eq!(random_hex::<16>().len(), 32);
        assert_ne!(random_hex::<16>(), random_hex::<16>());
    }
}
