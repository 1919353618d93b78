//! Two-factor sign-in: TOTP codes (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of
//! skew either way) from an authenticator app, and ten single-use recovery codes. No HTTP
//! here: the pages are `web::admin::two_factor`.
//!
//! The secret is kept as the base32 text the app was given (whoever can read the database
//! can make codes, as whoever can read it can also replace password hashes). A code is
//! accepted only for a time step later than the last one accepted (`users.totp_last_step`,
//! moved by one conditional `UPDATE`), so a code seen once, or sent twice in parallel, is
//! refused the second time. Recovery codes are stored as the SHA-256 of the normalised code:
//! they are random (50 bits), so a slow hash would add nothing but cost.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::Rng;
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

use crate::db::schema::{recovery_codes, users};
use crate::db::{DbConn, write_tx};
use crate::ids;

use super::User;

/// How many recovery codes a user gets at a time.
pub const RECOVERY_CODES: usize = 10;
/// The letters of a recovery code: no 0/o, 1/l/i, which read alike.
const CODE_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
const CODE_LENGTH: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum TwoFactorError {
    #[error("the stored two-factor secret cannot be read: {0}")]
    BadSecret(String),
    #[error("the QR code cannot be drawn: {0}")]
    Qr(String),
}

/// A new random secret (160 bits, what RFC 4226 recommends), as base32.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill(&mut bytes);
    Secret::from(bytes).to_base32()
}

/// What a colon would break in an `otpauth:` label (issuer and account are split at one).
fn label(text: &str) -> String {
    text.replace(':', " ").trim().to_owned()
}

fn totp(secret: &str, account: &str, issuer: &str) -> Result<Totp, TwoFactorError> {
    let bytes = Secret::try_from_base32(secret.trim())
        .map_err(|e| TwoFactorError::BadSecret(e.to_string()))?;
    let issuer = label(issuer);
    Builder::new()
        .with_secret(bytes)
        .with_account_name(label(account))
        .with_issuer((!issuer.is_empty()).then_some(issuer))
        .build()
        .map_err(|e| TwoFactorError::BadSecret(e.to_string()))
}

/// The `otpauth://totp/…` address an authenticator app reads from the QR code.
pub fn otpauth_url(secret: &str, account: &str, issuer: &str) -> Result<String, TwoFactorError> {
    totp(secret, account, issuer)?
        .to_url()
        .map_err(|e| TwoFactorError::BadSecret(e.to_string()))
}

/// An SVG drawing of a QR code, made here from our own text (never from a visitor's markup):
/// the one SVG a template prints unescaped.
#[derive(Debug, Clone)]
pub struct QrSvg(String);

impl std::fmt::Display for QrSvg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `text` as a QR code, drawn as an inline `<svg>` element (no XML declaration).
pub fn qr_svg(text: &str) -> Result<QrSvg, TwoFactorError> {
    let code =
        qrcode::QrCode::new(text.as_bytes()).map_err(|e| TwoFactorError::Qr(e.to_string()))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    let element = svg.find("<svg").map_or(svg.as_str(), |at| &svg[at..]);
    Ok(QrSvg(element.replacen(
        "<svg ",
        "<svg role=\"img\" aria-label=\"QR code for your authenticator app\" ",
        1,
    )))
}

/// Seconds since the Unix epoch of a stored (UTC) time; times before it count as 0.
fn unix_secs(now: NaiveDateTime) -> u64 {
    u64::try_from(now.and_utc().timestamp()).unwrap_or(0)
}

/// A typed code without the spaces people copy along with it.
fn compact(entered: &str) -> String {
    entered.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether `entered` looks like an authenticator code (six digits) rather than a recovery code.
pub fn is_totp_code(entered: &str) -> bool {
    let code = compact(entered);
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The time step `entered` is the code of, for `secret` at `now` (one step either way), if any.
pub fn step_of(
    secret: &str,
    entered: &str,
    now: NaiveDateTime,
) -> Result<Option<u64>, TwoFactorError> {
    let code = compact(entered);
    if !is_totp_code(&code) {
        return Ok(None);
    }
    Ok(totp(secret, "", "")?.check(&code, unix_secs(now)))
}

/// What a second factor typed at sign-in (or on a form that asks for one) turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A current code from the app, not used before: accepted (and now used).
    Code,
    /// An unused recovery code: accepted, and now used.
    RecoveryCode,
    /// A right code for a step already used (a replay, or the same code sent twice).
    Reused,
    /// Neither a current code nor an unused recovery code.
    Wrong,
}

/// Checks what `user` typed as a second factor at `now`, and uses it up if it was right. A
/// recovery code is accepted only when `recovery_allowed`.
pub fn verify(
    conn: &mut DbConn,
    user: &User,
    entered: &str,
    now: NaiveDateTime,
    recovery_allowed: bool,
) -> QueryResult<Verdict> {
    let Some(secret) = user
        .totp_secret
        .as_deref()
        .filter(|_| user.has_two_factor())
    else {
        return Ok(Verdict::Wrong);
    };
    if is_totp_code(entered) {
        let Ok(Some(step)) = step_of(secret, entered, now) else {
            return Ok(Verdict::Wrong);
        };
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        // One statement: of two requests with the same code, one moves the step, the other
        // finds it moved.
        let moved = diesel::update(
            users::table
                .find(user.id)
                .filter(users::totp_enabled_at.is_not_null())
                .filter(
                    users::totp_last_step
                        .is_null()
                        .or(users::totp_last_step.lt(step)),
                ),
        )
        .set(users::totp_last_step.eq(step))
        .execute(conn)?;
        return Ok(if moved == 1 {
            Verdict::Code
        } else {
            Verdict::Reused
        });
    }
    if !recovery_allowed {
        return Ok(Verdict::Wrong);
    }
    let used = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user.id))
            .filter(recovery_codes::code_hash.eq(recovery_hash(entered)))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(if used >= 1 {
        Verdict::RecoveryCode
    } else {
        Verdict::Wrong
    })
}

/// The stored form of a recovery code: SHA-256 (hex) of it lower-cased, without dashes or
/// spaces.
pub fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    ids::hex(&Sha256::digest(normal.as_bytes()))
}

/// A new recovery code, as shown: `abcde-fghjk`.
fn new_recovery_code() -> String {
    let mut rng = rand::rng();
    let letters: String = (0..CODE_LENGTH)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect();
    format!(
        "{}-{}",
        &letters[..CODE_LENGTH / 2],
        &letters[CODE_LENGTH / 2..]
    )
}

/// Replaces the user's recovery codes with [`RECOVERY_CODES`] new ones; returns them as shown
/// (only their hashes are stored, so this is the one time anyone sees them).
fn replace_recovery_codes(
    conn: &mut DbConn,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    for code in &codes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(recovery_hash(code)),
                recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(codes)
}

/// New recovery codes for a user (the old ones stop working).
pub fn regenerate_recovery_codes(
    conn: &mut DbConn,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    write_tx(conn, |conn| replace_recovery_codes(conn, user_id, now))
}

/// Turns two-factor sign-in on with `secret`, whose code for `step` was just typed (so that
/// code cannot be used again to sign in); returns the new recovery codes.
pub fn enable(
    conn: &mut DbConn,
    user_id: i32,
    secret: &str,
    step: u64,
    now: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    write_tx(conn, |conn| {
        diesel::update(users::table.find(user_id))
            .set((
                users::totp_secret.eq(secret),
                users::totp_enabled_at.eq(now),
                users::totp_last_step.eq(i64::try_from(step).unwrap_or(i64::MAX)),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        replace_recovery_codes(conn, user_id, now)
    })
}

/// Turns two-factor sign-in off for a user: the secret and every recovery code go.
pub fn disable(conn: &mut DbConn, user_id: i32, now: NaiveDateTime) -> QueryResult<()> {
    write_tx(conn, |conn| clear(conn, user_id, now))
}

fn clear(conn: &mut DbConn, user_id: i32, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::totp_secret.eq(None::<String>),
            users::totp_enabled_at.eq(None::<NaiveDateTime>),
            users::totp_last_step.eq(None::<i64>),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    Ok(())
}

/// An administrator's reset (or the CLI's) for someone locked out: two-factor sign-in off and
/// every session of that user ended, in one transaction.
pub fn reset(conn: &mut DbConn, user_id: i32, now: NaiveDateTime) -> QueryResult<()> {
    write_tx(conn, |conn| {
        clear(conn, user_id, now)?;
        super::end_sessions_of(conn, user_id)?;
        Ok(())
    })
}

/// How many of the user's recovery codes are still unused.
pub fn unused_recovery_codes(conn: &mut DbConn, user_id: i32) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_compared_normalised() {
        let code = new_recovery_code();
        assert_eq!(code.len(), CODE_LENGTH + 1);
        assert_eq!(
            recovery_hash(&code),
            recovery_hash(&code.to_uppercase().replace('-', " "))
        );
        assert_ne!(recovery_hash(&code), recovery_hash(&new_recovery_code()));
    }

    #[test]
    fn codes_are_checked_with_one_step_of_skew() {
        let secret = new_secret();
        let now = crate::clock::now();
        let app = totp(&secret, "a@example.org", "Institute: News").ok();
        let Some(app) = app else {
            panic!("a new secret builds");
        };
        let code = app.generate(unix_secs(now)).to_string();
        let step = unix_secs(now) / 30;
        assert_eq!(step_of(&secret, &code, now).ok().flatten(), Some(step));
        let later = now + chrono::TimeDelta::seconds(30);
        assert!(step_of(&secret, &code, later).ok().flatten().is_some());
        let much_later = now + chrono::TimeDelta::seconds(95);
        assert_eq!(step_of(&secret, &code, much_later).ok().flatten(), None);
        assert!(!is_totp_code("12345"));
        assert!(is_totp_code("123 456"));
        assert!(otpauth_url(&secret, "a@example.org", "Institute: News").is_ok());
        assert!(qr_svg("otpauth://totp/x").is_ok_and(|svg| svg.0.starts_with("<svg ")));
    }
}
