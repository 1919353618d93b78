//! The audit log: who did what and when (sign-ins, publishing, deleting, settings…), browsable
//! by administrators.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::audit_log;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub id: i32,
    pub at: NaiveDateTime,
    pub user_id: Option<i32>,
    /// The person's email at the time (kept if the account goes).
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub client: String,
}

/// Writes one entry. `actor` is an email, or what was typed into the sign-in form.
pub fn record(
    conn: &mut DbConn,
    user_id: Option<i32>,
    actor: &str,
    action: &str,
    subject: &str,
    client: &str,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(clock::now()),
            audit_log::user_id.eq(user_id),
            audit_log::actor.eq(actor.chars().take(254).collect::<String>()),
            audit_log::action.eq(action),
            audit_log::subject.eq(subject.chars().take(500).collect::<String>()),
            audit_log::client.eq(client),
        ))
        .execute(conn)?;
    Ok(())
}

/// Newest first.
pub fn page(conn: &mut DbConn, limit: i64, offset: i64) -> QueryResult<(Vec<Entry>, i64)> {
    let entries = audit_log::table
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(Entry::as_select())
        .load(conn)?;
    let total = audit_log::table.count().get_result(conn)?;
    Ok((entries, total))
}
