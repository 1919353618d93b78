//! Searches that would cost the site far more than the visitor: many words, short words that
//! would match as prefixes of half the dictionary, junk that would fill the page cache, and
//! queries that run long. Each is bounded, and says so on the page.

use awc::http::StatusCode;
use chronicle::accounts::Role;
use chronicle::content::articles::SaveAction;
use chronicle::db::budget::{self, BudgetError};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::common::{Backend, TestApp, TestFn, assert_contains, assert_lacks};
use crate::tests;

pub const TESTS: &[(&str, TestFn)] = tests![
    words_past_the_cap_are_ignored_and_the_page_says_so,
    short_words_match_whole_words_only,
    queries_with_the_same_words_share_one_cache_entry,
    a_search_over_its_budget_says_so_and_the_next_one_works,
    the_database_stops_budgeted_work_and_the_connection_stays_clean,
    parallel_junk_searches_leave_the_home_page_answering,
];

fn titles(body: &str) -> usize {
    body.matches("class=\"result\"").count()
}

async fn words_past_the_cap_are_ignored_and_the_page_says_so(app: TestApp) {
    let editor = app.user(Role::Editor);
    app.article(
        &editor,
        "Alpha bravo charlie delta echo foxtrot",
        SaveAction::Publish,
    );
    let client = app.client();
    // Six words, all in the article: found, nothing said.
    let six = client
        .get("/search?q=alpha+bravo+charlie+delta+echo+foxtrot")
        .await;
    assert_eq!(six.status, StatusCode::OK);
    assert_eq!(titles(&six.body), 1);
    assert_lacks(&six.body, "Only the first");
    // A seventh word that matches nothing would leave no result if it were used.
    let seven = client
        .get("/search?q=alpha+bravo+charlie+delta+echo+foxtrot+zulu")
        .await;
    assert_eq!(seven.status, StatusCode::OK);
    assert_eq!(titles(&seven.body), 1, "{}", seven.body);
    assert_contains(&seven.body, "Only the first 6 words were used.");
    let junk = client.get("/search?q=a+b+c").await;
    assert_eq!(junk.status, StatusCode::OK);
    assert_contains(&junk.body, "Words of one letter are not searched.");
}

async fn short_words_match_whole_words_only(app: TestApp) {
    let editor = app.user(Role::Editor);
    app.article(&editor, "Oxygen levels", SaveAction::Publish);
    app.article(&editor, "Ox carts", SaveAction::Publish);
    let client = app.client();
    let ox = client.get("/search?q=ox").await;
    assert_eq!(titles(&ox.body), 1, "a two-letter word is no prefix");
    assert_contains(&ox.body, "Ox carts");
    let oxy = client.get("/search?q=oxy").await;
    assert_eq!(titles(&oxy.body), 1, "three letters are a prefix");
    assert_contains(&oxy.body, "Oxygen levels");
}

async fn queries_with_the_same_words_share_one_cache_entry(app: TestApp) {
    let editor = app.user(Role::Editor);
    app.article(&editor, "Seismic risk in the valley", SaveAction::Publish);
    let client = app.client();
    let searches = &app.state.caches.searches;
    let before = searches.len();
    let first = client.get("/search?q=seismic+risk").await;
    assert_eq!(titles(&first.body), 1);
    assert_eq!(searches.len(), before + 1);
    for q in [
        "risk+seismic",
        "RISK%2C+Seismic%21",
        "seismic+risk+risk+a+b",
        "%22seismic%22+-risk*+%28%29",
    ] {
        let res = client.get(&format!("/search?q={q}")).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(titles(&res.body), 1, "q={q}");
    }
    // "a b" adds the one-letter note, so one more page; the rest are the first one's.
    assert_eq!(searches.len(), before + 2);
    // Junk of one-letter words, however long, is one page.
    for q in ["x", "x+y+z", "q+w+e+r+t+y+u+i+o+p"] {
        client.get(&format!("/search?q={q}")).await;
    }
    assert_eq!(searches.len(), before + 3);
}

async fn a_search_over_its_budget_says_so_and_the_next_one_works(app: TestApp) {
    let editor = app.user(Role::Editor);
    app.article(&editor, "Glacier survey", SaveAction::Publish);
    // A second instance on the same database whose budget is used up before the first
    // statement, and with one pooled connection: the page after it reuses that connection.
    let tight = app
        .spawn_beside(|s| {
            s.search_budget = std::time::Duration::ZERO;
            s.db_pool_size = 1;
        })
        .await;
    let client = tight.client();
    let slow = client.get("/search?q=glacier").await;
    assert_eq!(slow.status, StatusCode::OK, "{}", slow.body);
    assert_contains(
        &slow.body,
        "The search took too long; try fewer or longer words.",
    );
    assert_lacks(&slow.body, "Something went wrong");
    // The same connection answers the next page that needs the database.
    assert_eq!(client.get("/").await.status, StatusCode::OK);
    assert_eq!(client.get("/search?q=").await.status, StatusCode::OK);
    // And with a budget, the same search works.
    let found = app.client().get("/search?q=glacier").await;
    assert_eq!(titles(&found.body), 1);
    assert_lacks(&found.body, "took too long");
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn the_database_stops_budgeted_work_and_the_connection_stays_clean(app: TestApp) {
    let slow = match app.backend {
        Backend::Sqlite => {
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50000000)
             SELECT COUNT(*) AS n FROM c"
        }
        Backend::Postgres => "SELECT pg_sleep(5)::text::bigint * 0 + 1 AS n",
    };
    let started = std::time::Instant::now();
    let mut conn = app.conn();
    let result = budget::within(&mut conn, std::time::Duration::from_millis(100), |c, b| {
        b.next_statement(c)?;
        Ok(diesel::sql_query(slow).get_result::<N>(c)?.n)
    });
    assert!(
        matches!(result, Err(BudgetError::OverBudget)),
        "stopped by the database: {result:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    // The same connection, outside any transaction and timeout, runs a normal statement.
    let n = diesel::sql_query("SELECT CAST(42 AS BIGINT) AS n")
        .get_result::<N>(&mut conn)
        .map(|r| r.n);
    assert_eq!(n.ok(), Some(42));
    if app.backend == Backend::Postgres {
        #[derive(QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            statement_timeout: String,
        }
        let setting = diesel::sql_query("SHOW statement_timeout")
            .get_result::<Setting>(&mut conn)
            .map(|s| s.statement_timeout);
        assert_eq!(
            setting.ok().as_deref(),
            Some("0"),
            "SET LOCAL went with the transaction"
        );
    }
}

async fn parallel_junk_searches_leave_the_home_page_answering(app: TestApp) {
    // The searches themselves must be bounded, not only their number per client: with the
    // per-client limit off, all 64 come through (many attackers, or one behind many
    // addresses).
    let app = app.spawn_beside(|s| s.rate_search = 0).await;
    let editor = app.user(Role::Editor);
    for i in 0..20 {
        app.article(
            &editor,
            &format!("Report number {i} on the data"),
            SaveAction::Publish,
        );
    }
    let letters: Vec<String> = (0..64)
        .map(|i| {
            (0..12)
                .map(|j| {
                    let a = char::from(b'a' + ((i * 7 + j * 3) % 26) as u8);
                    let b = char::from(b'a' + ((i + j * 5) % 26) as u8);
                    if j % 2 == 0 {
                        format!("{a}")
                    } else {
                        format!("{a}{b}")
                    }
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    // All at once on the test's runtime (actix_rt::spawn runs them on this thread).
    let searches: Vec<_> = letters
        .iter()
        .map(|q| {
            let client = app.client();
            let path = format!("/search?q={q}");
            actix_rt::spawn(async move { client.get(&path).await.status })
        })
        .collect();
    let client = app.client();
    let mut home = Vec::new();
    for _ in 0..10 {
        home.push(client.get("/").await.status);
    }
    let mut statuses = Vec::new();
    for search in searches {
        statuses.push(search.await.expect("search task"));
    }
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert!(home.iter().all(|s| *s == StatusCode::OK), "{home:?}");
}
