//! Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits), the kind
//! every authenticator app shows.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;

const STEP_SECONDS: u64 = 30;
const DIGITS: u32 = 6;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new 160-bit secret.
pub fn generate_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 20];
    rand::rng().fill_bytes(&mut secret);
    secret
}

/// RFC 4648 base32 without padding: how apps expect the secret typed in.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            out.push(char::from(BASE32[((buffer >> (bits - 5)) & 31) as usize]));
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes [`base32`] text (case and spaces ignored); `None` when it is not base32.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        let value = BASE32
            .iter()
            .position(|b| char::from(*b) == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            out.push(((buffer >> (bits - 8)) & 0xff) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// The code for `unix_seconds` (RFC 4226 dynamic truncation).
pub fn code_at(secret: &[u8], unix_seconds: u64) -> u32 {
    let counter = unix_seconds / STEP_SECONDS;
    let Ok(mut mac) = <Hmac<Sha1> as Mac>::new_from_slice(secret) else {
        return u32::MAX;
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    value % 10u32.pow(DIGITS)
}

/// Whether `code` (six digits, spaces allowed) is right at `unix_seconds`, one step of clock
/// drift either way tolerated.
pub fn verify(secret: &[u8], code: &str, unix_seconds: u64) -> bool {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let Ok(code) = digits.parse::<u32>() else {
        return false;
    };
    [
        unix_seconds.saturating_sub(STEP_SECONDS),
        unix_seconds,
        unix_seconds + STEP_SECONDS,
    ]
    .iter()
    .any(|t| code_at(secret, *t) == code)
}

/// The `otpauth://` URI an app reads from the QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        encode(issuer),
        encode(account),
        base32(secret),
        encode(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vectors() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890" (last six digits).
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59), 287_082);
        assert_eq!(code_at(secret, 1_111_111_109), 81_804);
        assert_eq!(code_at(secret, 1_234_567_890), 5_924);
        assert_eq!(code_at(secret, 2_000_000_000), 279_037);
        assert!(verify(secret, "287 082", 59));
        assert!(verify(secret, "287082", 80), "one step late");
        assert!(!verify(secret, "287082", 200));
        assert!(!verify(secret, "28708", 59));
        assert!(!verify(secret, "abcdef", 59));
    }

    #[test]
    fn base32_of_rfc_4648_examples() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(from_base32("mzxw 6ytb oi").unwrap(), b"foobar");
        assert!(from_base32("not base32!").is_none());
        assert!(
            otpauth_uri("Canvass", "ana garcia", b"12345")
                .starts_with("otpauth://totp/Canvass:ana%20garcia?secret=GEZDGNBV&")
        );
    }
}
