//! Getting a database ready to serve: connect, migrate, and on the first start of an empty
//! database create the administrator account and the demo reports.

use crate::accounts::{self, AccountError, NewUser, Role, password};
use crate::config::Settings;
use crate::content::{ContentError, articles, demo};
use crate::db::{self, DbConn, DbSetupError, Pool};
use crate::site;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Db(#[from] DbSetupError),
    #[error("database error during first start: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("cannot create the administrator account: {0}")]
    Account(#[from] AccountError),
    #[error("cannot create the demo content: {0}")]
    Content(#[from] ContentError),
    #[error("cannot get a database connection: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
}

/// What the first start made, for the operator to read once.
#[derive(Debug, Default)]
pub struct FirstStart {
    /// Email and password of the administrator account made because no user existed.
    pub admin: Option<(String, String)>,
    pub demo_reports: usize,
}

/// Connects and migrates.
pub fn open(settings: &Settings) -> Result<Pool, SetupError> {
    let pool = db::connect(
        &settings.database_url,
        settings.db_pool_size,
        settings.db_timeout,
    )?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    articles::backfill_body_text(&mut conn)?;
    Ok(pool)
}

/// Creates what an empty database needs; on every later start it creates nothing.
pub fn first_start(conn: &mut DbConn, settings: &Settings) -> Result<FirstStart, SetupError> {
    let mut made = FirstStart::default();
    if accounts::count_users(conn)? == 0 {
        let secret = password::generate(20);
        let new = NewUser {
            email: settings.admin_email.clone(),
            display_name: "Administrator".to_owned(),
            role: Role::Admin.as_str().to_owned(),
            password: secret.clone(),
        };
        match accounts::create_user(conn, &new) {
            Ok(user) => made.admin = Some((user.email, secret)),
            // Another instance starting at the same moment made it first.
            Err(AccountError::EmailTaken(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let demo_wanted = settings.demo_content
        && site::get(conn, site::DEMO_CREATED)?.is_none()
        && articles::count_all(conn)? == 0;
    if demo_wanted {
        let author = first_admin(conn)?;
        if let Some(author_id) = author {
            made.demo_reports = demo::create_demo_content(conn, author_id, &settings.language)?;
            site::get_or_insert(conn, site::DEMO_CREATED, &crate::clock::now().to_string())?;
        }
    }
    Ok(made)
}

fn first_admin(conn: &mut DbConn) -> diesel::QueryResult<Option<i32>> {
    use crate::db::schema::users;
    use diesel::prelude::*;
    users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .order(users::id.asc())
        .select(users::id)
        .first(conn)
        .optional()
}
