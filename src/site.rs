//! Values the site keeps in its own database (the `settings` table): things every instance
//! must agree on, such as the key that signs session cookies, and first-start markers.

use diesel::prelude::*;
use rand::RngCore;

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::settings;

pub const COOKIE_KEY: &str = "session_cookie_key";
pub const DEMO_CREATED: &str = "demo_content_created";

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()
}

/// Stores `value` under `key` unless a value is already there; returns the stored value.
/// Safe when several instances race: the loser reads the winner's value.
pub fn get_or_insert(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<String> {
    if let Some(existing) = get(conn, key)? {
        return Ok(existing);
    }
    let inserted = diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(value),
            settings::updated_at.eq(clock::now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(value.to_owned()),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => get(conn, key).map(|v| v.unwrap_or_else(|| value.to_owned())),
        Err(e) => Err(e),
    }
}

/// The 64-byte key for session cookies, made on first use and shared by every instance.
pub fn cookie_key(conn: &mut DbConn) -> QueryResult<Vec<u8>> {
    let mut fresh = [0u8; 64];
    rand::rng().fill_bytes(&mut fresh);
    let stored = get_or_insert(conn, COOKIE_KEY, &crate::ids::hex(&fresh))?;
    let bytes: Vec<u8> = (0..stored.len() / 2)
        .filter_map(|i| u8::from_str_radix(stored.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    if bytes.len() >= 64 {
        Ok(bytes)
    } else {
        // A hand-edited or truncated value: use the fresh key for this run rather than a weak one.
        Ok(fresh.to_vec())
    }
}

/// What editors set in the admin area about the site as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteSettings {
    pub name: String,
    pub tagline: String,
    /// A short text shown as the logo (an abbreviation such as "IHS").
    pub logo_text: String,
    pub footer_text: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub contact_address: String,
    /// Whether administrators and editors must use two-factor sign-in (authors may).
    pub require_two_factor: bool,
}

const REQUIRE_TWO_FACTOR: &str = "site.require_two_factor";

const SITE_KEYS: [&str; 7] = [
    "site.name",
    "site.tagline",
    "site.logo_text",
    "site.footer_text",
    "site.contact_email",
    "site.contact_phone",
    "site.contact_address",
];

impl SiteSettings {
    fn fields_mut(&mut self) -> [&mut String; 7] {
        [
            &mut self.name,
            &mut self.tagline,
            &mut self.logo_text,
            &mut self.footer_text,
            &mut self.contact_email,
            &mut self.contact_phone,
            &mut self.contact_address,
        ]
    }

    fn fields(&self) -> [&String; 7] {
        [
            &self.name,
            &self.tagline,
            &self.logo_text,
            &self.footer_text,
            &self.contact_email,
            &self.contact_phone,
            &self.contact_address,
        ]
    }

    /// The stored settings; what was never set falls back to `defaults`.
    pub fn load(conn: &mut DbConn, defaults: &SiteSettings) -> QueryResult<SiteSettings> {
        let rows: Vec<(String, String)> = settings::table
            .filter(settings::key.like("site.%"))
            .select((settings::key, settings::value))
            .load(conn)?;
        let mut out = defaults.clone();
        for (key, field) in SITE_KEYS.iter().zip(out.fields_mut()) {
            if let Some((_, value)) = rows.iter().find(|(k, _)| k == key) {
                *field = value.clone();
            }
        }
        if let Some((_, value)) = rows.iter().find(|(k, _)| k == REQUIRE_TWO_FACTOR) {
            out.require_two_factor = value == "1";
        }
        Ok(out)
    }

    /// Stores every field (one transaction).
    pub fn save(&self, conn: &mut DbConn) -> QueryResult<()> {
        crate::db::write_tx(conn, |conn| {
            let now = clock::now();
            let require = if self.require_two_factor { "1" } else { "0" };
            let require = require.to_owned();
            let pairs = SITE_KEYS
                .iter()
                .zip(self.fields())
                .chain(std::iter::once((&REQUIRE_TWO_FACTOR, &require)));
            for (key, value) in pairs {
                let updated = diesel::update(settings::table.find(*key))
                    .set((settings::value.eq(value), settings::updated_at.eq(now)))
                    .execute(conn)?;
                if updated == 0 {
                    diesel::insert_into(settings::table)
                        .values((
                            settings::key.eq(*key),
                            settings::value.eq(value),
                            settings::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                }
            }
            Ok(())
        })
    }
}
