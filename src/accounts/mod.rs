//! Staff accounts: users and their roles, password hashing, sign-in checks, and the
//! server-side session store. No HTTP types here: the web layer calls these functions.

pub mod audit;
pub mod password;
pub mod permissions;
pub mod resets;
pub mod sessions;
pub mod throttle;
pub mod two_factor;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::{sessions as sessions_table, users};

pub use permissions::Role;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_sign_in_at: Option<NaiveDateTime>,
    /// The base32 TOTP secret (see [`two_factor`]); asked for only once `totp_enabled_at` is set.
    pub totp_secret: Option<String>,
    pub totp_enabled_at: Option<NaiveDateTime>,
    /// The last TOTP time step a code was accepted for (none is accepted twice).
    pub totp_last_step: Option<i64>,
}

impl User {
    /// The user's role; an unknown value in the database (never written by this code)
    /// grants the least.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Author)
    }

    /// Whether signing in asks for a second factor.
    pub fn has_two_factor(&self) -> bool {
        self.totp_enabled_at.is_some() && self.totp_secret.is_some()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("enter a valid email address")]
    InvalidEmail,
    #[error("enter a name")]
    EmptyName,
    #[error("unknown role {0:?}: use admin, editor or author")]
    UnknownRole(String),
    #[error("the password must have at least {min} characters", min = password::MIN_LENGTH)]
    PasswordTooShort,
    #[error("the password is too long")]
    PasswordTooLong,
    #[error("a user with the email {0} already exists")]
    EmailTaken(String),
    #[error("no user with the email {0}")]
    NoSuchUser(String),
    #[error("this would leave the site without an administrator who can sign in")]
    LastAdmin,
    #[error("you cannot delete your own account")]
    DeleteSelf,
    #[error("this user wrote reports or uploaded files: choose who takes them over")]
    HasWork,
    #[error("choose an active user to take the reports over")]
    BadHeir,
    #[error("the current password is not correct")]
    WrongCurrentPassword,
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// Emails are compared and stored trimmed and lower-cased.
pub fn normalise_email(raw: &str) -> Result<String, AccountError> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err(AccountError::InvalidEmail)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserRow<'a> {
    email: &'a str,
    display_name: &'a str,
    role: &'a str,
    password_hash: &'a str,
    disabled: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Creates a user; the password is hashed with argon2id (slow on purpose: call this off the
/// async executor).
pub fn create_user(conn: &mut DbConn, new: &NewUser) -> Result<User, AccountError> {
    let email = normalise_email(&new.email)?;
    let name = new.display_name.trim();
    if name.is_empty() {
        return Err(AccountError::EmptyName);
    }
    let role = Role::parse(new.role.trim())
        .ok_or_else(|| AccountError::UnknownRole(new.role.trim().to_owned()))?;
    let hash = password::hash(&new.password)?;
    if find_by_email(conn, &email)?.is_some() {
        return Err(AccountError::EmailTaken(email));
    }
    let now = clock::now();
    let row = UserRow {
        email: &email,
        display_name: name,
        role: role.as_str(),
        password_hash: &hash,
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(users::table)
        .values(&row)
        .get_result::<User>(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => AccountError::EmailTaken(email.clone()),
            other => AccountError::Database(other),
        })
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    let Ok(email) = normalise_email(email) else {
        return Ok(None);
    };
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_id(conn: &mut DbConn, id: i32) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Every account, by name.
pub fn all_users(conn: &mut DbConn) -> QueryResult<Vec<User>> {
    users::table
        .order(users::display_name.asc())
        .select(User::as_select())
        .load(conn)
}

/// Changes a user's name, role and whether the account is disabled. Ends their sessions when
/// the role changes or the account is disabled. Refuses to leave the site without an enabled
/// administrator.
pub fn update_user(
    conn: &mut DbConn,
    id: i32,
    display_name: &str,
    role: Role,
    disabled: bool,
) -> Result<User, AccountError> {
    let name = display_name.trim();
    if name.is_empty() {
        return Err(AccountError::EmptyName);
    }
    crate::db::write_tx(conn, |conn| {
        let current =
            find_by_id(conn, id)?.ok_or_else(|| AccountError::NoSuchUser(id.to_string()))?;
        let stays_admin = role == Role::Admin && !disabled;
        if current.role() == Role::Admin && !current.disabled && !stays_admin {
            refuse_last_admin(conn, id)?;
        }
        let user = diesel::update(users::table.find(id))
            .set((
                users::display_name.eq(name),
                users::role.eq(role.as_str()),
                users::disabled.eq(disabled),
                users::updated_at.eq(clock::now()),
            ))
            .get_result::<User>(conn)?;
        if disabled || current.role() != role {
            end_sessions_of(conn, id)?;
        }
        Ok(user)
    })
}

/// What a user owns: (articles written, in any status; files uploaded to the media library).
pub fn owned_counts(conn: &mut DbConn, user_id: i32) -> QueryResult<(i64, i64)> {
    use crate::db::schema::{articles, media};
    let written = articles::table
        .filter(articles::author_id.eq(user_id))
        .count()
        .get_result(conn)?;
    let uploaded = media::table
        .filter(media::uploaded_by.eq(user_id))
        .count()
        .get_result(conn)?;
    Ok((written, uploaded))
}

/// Deletes a user, by another user (`by`). Their articles and uploaded files go to `heir` (an
/// active user); with either and no heir nothing happens. Their sessions and presence notes go with them; the
/// revisions, preview links and audit entries they made stay, without a name. Refuses to
/// delete oneself or the last active administrator. Returns the deleted user.
pub fn delete_user(
    conn: &mut DbConn,
    id: i32,
    by: i32,
    heir: Option<i32>,
) -> Result<User, AccountError> {
    if id == by {
        return Err(AccountError::DeleteSelf);
    }
    crate::db::write_tx(conn, |conn| {
        let user = find_by_id(conn, id)?.ok_or_else(|| AccountError::NoSuchUser(id.to_string()))?;
        if user.role() == Role::Admin && !user.disabled {
            refuse_last_admin(conn, id)?;
        }
        let (written, uploaded) = owned_counts(conn, id)?;
        if written + uploaded > 0 {
            let heir = heir.ok_or(AccountError::HasWork)?;
            let valid = heir != id && find_by_id(conn, heir)?.is_some_and(|h| !h.disabled);
            if !valid {
                return Err(AccountError::BadHeir);
            }
            use crate::db::schema::{articles, media};
            diesel::update(articles::table.filter(articles::author_id.eq(id)))
                .set(articles::author_id.eq(heir))
                .execute(conn)?;
            diesel::update(media::table.filter(media::uploaded_by.eq(id)))
                .set(media::uploaded_by.eq(heir))
                .execute(conn)?;
        }
        end_sessions_of(conn, id)?;
        diesel::delete(users::table.find(id)).execute(conn)?;
        Ok(user)
    })
}

/// `LastAdmin` when no enabled administrator but `id` would be left.
fn refuse_last_admin(conn: &mut DbConn, id: i32) -> Result<(), AccountError> {
    let other_admins: i64 = users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::disabled.eq(false))
        .filter(users::id.ne(id))
        .count()
        .get_result(conn)?;
    if other_admins == 0 {
        return Err(AccountError::LastAdmin);
    }
    Ok(())
}

pub fn count_users(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// Sets a new password and ends every session of that user.
pub fn set_password(
    conn: &mut DbConn,
    email: &str,
    new_password: &str,
) -> Result<(), AccountError> {
    let hash = password::hash(new_password)?;
    let user = find_by_email(conn, email)?.ok_or_else(|| AccountError::NoSuchUser(email.into()))?;
    conn.transaction(|conn| {
        diesel::update(users::table.find(user.id))
            .set((
                users::password_hash.eq(&hash),
                users::updated_at.eq(clock::now()),
            ))
            .execute(conn)?;
        end_sessions_of(conn, user.id)?;
        Ok(())
    })
}

/// Disables a user (they can no longer sign in) and ends every session they have.
pub fn disable(conn: &mut DbConn, email: &str) -> Result<(), AccountError> {
    let user = find_by_email(conn, email)?.ok_or_else(|| AccountError::NoSuchUser(email.into()))?;
    conn.transaction(|conn| {
        diesel::update(users::table.find(user.id))
            .set((users::disabled.eq(true), users::updated_at.eq(clock::now())))
            .execute(conn)?;
        end_sessions_of(conn, user.id)?;
        Ok(())
    })
}

pub fn end_sessions_of(conn: &mut DbConn, user_id: i32) -> QueryResult<usize> {
    diesel::delete(sessions_table::table.filter(sessions_table::user_id.eq(user_id))).execute(conn)
}

/// What a sign-in attempt found. Callers show the same message for both failures that
/// could reveal whether an account exists.
#[derive(Debug)]
pub enum SignIn {
    Success(User),
    /// Unknown email or wrong password: indistinguishable to the person signing in.
    WrongCredentials,
    /// The password was right but the account is disabled.
    Disabled,
}

/// Checks an email and password. Takes the same time whether or not the email exists,
/// because an unknown email is verified against a dummy hash.
pub fn check_credentials(
    conn: &mut DbConn,
    email: &str,
    password_attempt: &str,
) -> QueryResult<SignIn> {
    let user = find_by_email(conn, email)?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.as_str())
        .unwrap_or_else(|| password::dummy_hash());
    let ok = password::verify(password_attempt, hash);
    Ok(match user {
        Some(user) if ok && user.disabled => SignIn::Disabled,
        Some(user) if ok => {
            let now = clock::now();
            diesel::update(users::table.find(user.id))
                .set(users::last_sign_in_at.eq(now))
                .execute(conn)?;
            SignIn::Success(User {
                last_sign_in_at: Some(now),
                ..user
            })
        }
        _ => SignIn::WrongCredentials,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalise_email("  Press.Office@Example.EDU ")
                .ok()
                .as_deref(),
            Some("press.office@example.edu")
        );
        for bad in [
            "",
            "nobody",
            "@example.org",
            "a@",
            "a b@c.d",
            "a@b@c",
            "a@.org",
        ] {
            assert!(
                matches!(normalise_email(bad), Err(AccountError::InvalidEmail)),
                "{bad}"
            );
        }
    }
}
