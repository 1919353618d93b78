//! A time budget for a piece of database work that a visitor can make costly (search): the
//! database itself stops a statement that runs past the deadline, and the work answers
//! [`BudgetError::OverBudget`] instead of its result. The connection comes back clean.
//!
//! - PostgreSQL: the work runs in a transaction, and before each statement
//!   [`Budget::next_statement`] sets `SET LOCAL statement_timeout` to the time left, so the
//!   server cancels a statement at the deadline; the transaction is rolled back and the
//!   setting goes with it.
//! - SQLite: Diesel 2.3 gives no access to the raw `sqlite3*` handle, so every connection
//!   gets a progress handler when it is opened (an SQLite auto-extension, registered once per
//!   process by [`install_sqlite_handler`]). The handler reads a deadline kept per thread:
//!   none (all other work) costs one thread-local read every [`PROGRESS_EVERY`] virtual
//!   machine steps; past the deadline it returns non-zero and SQLite stops the statement with
//!   `SQLITE_INTERRUPT`. The work and the handler run on the same thread (the statement runs
//!   inside `sqlite3_step` on the caller's thread), and the deadline is removed when the work
//!   ends however it ends. One limit: SQLite calls the handler between steps of its virtual
//!   machine, so a single long step inside FTS5 (reading a huge prefix doclist) runs to its
//!   end before the handler can stop the statement; the prefix rules of search keep those
//!   steps short.

use std::cell::Cell;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::DbConn;

/// How many virtual machine steps SQLite runs between two calls of the progress handler.
const PROGRESS_EVERY: std::ffi::c_int = 1_000;

thread_local! {
    /// The deadline of the budgeted work running on this thread, if any.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

#[derive(Debug, thiserror::Error)]
pub enum BudgetError {
    #[error("the database work ran past its time budget")]
    OverBudget,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// The deadline of one piece of budgeted work.
pub struct Budget {
    deadline: Instant,
}

impl Budget {
    /// To be called before each statement of the work: over budget if no time is left; on
    /// PostgreSQL, the time left becomes the statement's timeout.
    pub fn next_statement(&self, conn: &mut DbConn) -> Result<(), BudgetError> {
        match conn {
            DbConn::Sqlite(_) => self.left().map(|_| ()),
            DbConn::Pg(c) => self.next_pg_statement(c),
        }
    }

    /// [`Budget::next_statement`] for a connection already known to be SQLite's.
    pub fn next_sqlite_statement(&self) -> Result<(), BudgetError> {
        self.left().map(|_| ())
    }

    /// [`Budget::next_statement`] for a connection already known to be PostgreSQL's.
    pub fn next_pg_statement(&self, c: &mut diesel::PgConnection) -> Result<(), BudgetError> {
        // At least 1 ms: 0 would mean no timeout at all.
        let ms = self.left()?.as_millis().max(1);
        c.batch_execute(&format!("SET LOCAL statement_timeout = {ms}"))
            .map_err(over_budget_or_database)
    }

    fn left(&self) -> Result<Duration, BudgetError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(BudgetError::OverBudget);
        }
        Ok(left)
    }
}

/// Runs `work` with `budget` of wall-clock time (see the module's first lines).
pub fn within<T>(
    conn: &mut DbConn,
    budget: Duration,
    work: impl FnOnce(&mut DbConn, &Budget) -> Result<T, BudgetError>,
) -> Result<T, BudgetError> {
    let budget = Budget {
        deadline: Instant::now() + budget,
    };
    let result = match conn {
        DbConn::Sqlite(_) => {
            let _deadline = ThreadDeadline::set(budget.deadline);
            work(conn, &budget)
        }
        DbConn::Pg(_) => conn.transaction(|conn| work(conn, &budget)),
    };
    result.map_err(|e| match e {
        BudgetError::Database(db) => over_budget_or_database(db),
        over => over,
    })
}

/// Diesel has no error kind for an interrupted SQLite statement or PostgreSQL's
/// query_canceled (57014), nor a way to read the code: the driver's words are what there is.
fn over_budget_or_database(e: diesel::result::Error) -> BudgetError {
    match &e {
        diesel::result::Error::DatabaseError(_, info)
            if info.message() == "interrupted" || info.message().contains("statement timeout") =>
        {
            BudgetError::OverBudget
        }
        _ => BudgetError::Database(e),
    }
}

/// This thread's deadline while the value lives.
struct ThreadDeadline;

impl ThreadDeadline {
    fn set(deadline: Instant) -> Self {
        DEADLINE.with(|d| d.set(Some(deadline)));
        ThreadDeadline
    }
}

impl Drop for ThreadDeadline {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(None));
    }
}

unsafe extern "C" fn past_deadline(_: *mut std::ffi::c_void) -> std::ffi::c_int {
    let over = DEADLINE
        .try_with(|d| d.get().is_some_and(|deadline| Instant::now() >= deadline))
        .unwrap_or(false);
    std::ffi::c_int::from(over)
}

unsafe extern "C" fn on_open(
    db: *mut libsqlite3_sys::sqlite3,
    _error: *mut *mut std::ffi::c_char,
    _api: *const libsqlite3_sys::sqlite3_api_routines,
) -> std::ffi::c_int {
    // SAFETY: SQLite calls this with the connection it is opening, which is valid; the
    // handler keeps no pointer to it and uses no user data.
    unsafe {
        libsqlite3_sys::sqlite3_progress_handler(
            db,
            PROGRESS_EVERY,
            Some(past_deadline),
            std::ptr::null_mut(),
        )
    };
    libsqlite3_sys::SQLITE_OK
}

/// Makes every SQLite connection opened from now on honour [`within`]'s deadline. Idempotent.
pub fn install_sqlite_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `on_open` has the signature SQLite expects of an extension entry point and
        // only calls `sqlite3_progress_handler` on the connection it is given.
        let rc = unsafe { libsqlite3_sys::sqlite3_auto_extension(Some(on_open)) };
        if rc != libsqlite3_sys::SQLITE_OK {
            log::warn!(
                "SQLite progress handler not installed (code {rc}): searches have no time budget"
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::sql_types::BigInt;

    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    /// A statement that takes seconds: counting to fifty million.
    const SLOW: &str =
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50000000)
                        SELECT COUNT(*) AS n FROM c";

    #[test]
    fn sqlite_stops_a_statement_at_the_deadline_and_the_connection_goes_on() {
        install_sqlite_handler();
        let mut conn = DbConn::Sqlite(SqliteConnection::establish(":memory:").expect("open"));
        let started = Instant::now();
        let slow = within(&mut conn, Duration::from_millis(50), |c, budget| {
            budget.next_statement(c)?;
            Ok(diesel::sql_query(SLOW).get_result::<N>(c)?.n)
        });
        assert!(matches!(slow, Err(BudgetError::OverBudget)), "over budget");
        assert!(started.elapsed() < Duration::from_secs(2), "stopped early");
        // Outside the budget, the same connection runs a statement to its end.
        let fine = diesel::sql_query("SELECT 41 + 1 AS n").get_result::<N>(&mut conn);
        assert_eq!(fine.map(|r| r.n).ok(), Some(42));
        let within_budget = within(&mut conn, Duration::from_secs(5), |c, budget| {
            budget.next_statement(c)?;
            Ok(diesel::sql_query("SELECT 7 AS n").get_result::<N>(c)?.n)
        });
        assert_eq!(within_budget.ok(), Some(7));
    }

    #[test]
    fn no_time_left_is_over_budget_before_any_statement() {
        let mut conn = DbConn::Sqlite(SqliteConnection::establish(":memory:").expect("open"));
        let none = within(&mut conn, Duration::ZERO, |c, budget| {
            budget.next_statement(c)?;
            Ok(1)
        });
        assert!(matches!(none, Err(BudgetError::OverBudget)));
    }
}
