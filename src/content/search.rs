//! Full-text search over published articles' title, summary and text: SQLite FTS5 or
//! PostgreSQL full-text search, ranked, with a highlighted excerpt. Whatever a visitor types
//! is reduced to plain words first, so no query syntax of either engine can get through.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use std::time::Duration;

use crate::db::DbConn;
use crate::db::budget::{self, Budget, BudgetError};

use super::articles::ArticleWithNames;
use super::listing;

/// A search ranks at most this many matches by relevance: the most recently written ones. A query that
/// matches more says so (and the visitor can add words); ranking every match of a common
/// word is what made searches slow (bm25 or ts_rank of each of 100,000 matches).
pub const RANKED: i64 = 1_000;

/// At most this many words of a query are used (the page says so when there were more):
/// every word is one more doclist to merge and one more phrase to rank in each match.
pub const MAX_TERMS: usize = 6;
/// Words shorter than this match whole words only, never as a prefix: `co*` would merge the
/// doclists of every word that starts with "co", which is most of the work of the costliest
/// queries. Words of exactly this length are prefixes served by SQLite's prefix index
/// (migration `search_prefix`, lengths 3 and 4).
pub const MIN_PREFIX_CHARS: usize = 3;
const MAX_TERM_CHARS: usize = 40;
/// Markers around matches in excerpts (replaced by `<mark>` after escaping).
const OPEN: &str = "\u{27E6}";
const CLOSE: &str = "\u{27E7}";

/// A query as searched: the words used, in a canonical (sorted) order, since the engines
/// match all of them in any order; equal queries share one cached page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<String>,
    /// Words past the first [`MAX_TERMS`] were ignored.
    pub cut: bool,
    /// One-letter words were left out. They are stop words ("a", "I", "s" of "it's") that
    /// match nearly every article without narrowing anything, and as whole words they would
    /// still cost a doclist each; a visitor who types a dozen of them gets nothing slow.
    pub short_dropped: bool,
}

impl Query {
    /// The words of `text`: runs of letters and digits of any script, lower-cased.
    pub fn parse(text: &str) -> Query {
        let mut query = Query {
            terms: Vec::new(),
            cut: false,
            short_dropped: false,
        };
        let text: String = text.chars().take(2_000).collect();
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            let word: String = word
                .chars()
                .take(MAX_TERM_CHARS)
                .collect::<String>()
                .to_lowercase();
            match word.chars().count() {
                0 => {}
                1 => query.short_dropped = true,
                _ if query.terms.contains(&word) => {}
                _ if query.terms.len() == MAX_TERMS => query.cut = true,
                _ => query.terms.push(word),
            }
        }
        query.terms.sort();
        query
    }

    /// The words used, as shown on the page.
    pub fn text(&self) -> String {
        self.terms.join(" ")
    }

    /// What identifies the page of results: the words used and whether words were left out
    /// (the page says so), nothing else of what was typed.
    pub fn key(&self) -> String {
        format!(
            "{}{}/{}",
            u8::from(self.cut),
            u8::from(self.short_dropped),
            self.text()
        )
    }

    fn is_prefix(term: &str) -> bool {
        term.chars().count() >= MIN_PREFIX_CHARS
    }

    /// For FTS5: each word a quoted string, prefixes starred.
    fn fts5(&self) -> String {
        self.terms
            .iter()
            .map(|w| {
                if Self::is_prefix(w) {
                    format!("\"{w}\"*")
                } else {
                    format!("\"{w}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// For PostgreSQL's `to_tsquery`: each word quoted, prefixes marked `:*`, all required.
    fn tsquery(&self) -> String {
        self.terms
            .iter()
            .map(|w| {
                if Self::is_prefix(w) {
                    format!("'{w}':*")
                } else {
                    format!("'{w}'")
                }
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    excerpt: String,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Integer)]
    id: i32,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

pub struct SearchHit {
    pub item: ArticleWithNames,
    /// Escaped text with `<mark>` around the matched words: safe to print as HTML.
    pub excerpt_html: String,
}

fn excerpt_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 32);
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out.replace(OPEN, "<mark>").replace(CLOSE, "</mark>")
}

/// The stored document vector (title, summary and text; see the migration `search_doc`).
const PG_DOC: &str = "a.search_doc";

/// One page of results for `query` and how many there are in all, up to [`RANKED`] + 1 (more
/// than [`RANKED`] means "more than that"), within `budget` of database time (see
/// [`budget`]). The matches are counted first: a query that matches nothing costs no ranking.
pub fn search(
    conn: &mut DbConn,
    language: &str,
    query: &Query,
    limit: i64,
    offset: i64,
    budget: Duration,
) -> Result<(Vec<SearchHit>, i64), BudgetError> {
    if query.terms.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let limit = limit.min(RANKED - offset);
    if limit <= 0 {
        return Ok((Vec::new(), 0));
    }
    budget::within(conn, budget, |conn, budget| {
        search_within(conn, budget, language, query, limit, offset)
    })
}

fn search_within(
    conn: &mut DbConn,
    budget: &Budget,
    language: &str,
    query: &Query,
    limit: i64,
    offset: i64,
) -> Result<(Vec<SearchHit>, i64), BudgetError> {
    budget.next_statement(conn)?;
    let (hits, total): (Vec<Hit>, i64) = match conn {
        DbConn::Sqlite(c) => {
            // The index holds published articles only, their language as a column of its
            // own (see the migration `search_doc`): ranking and counting need nothing else.
            let words = query.fts5();
            // The words in the text columns only, the language as its one token.
            let fts = format!(
                "language:\"lang{}\" AND {{title summary body_text}}: ({words})",
                crate::ids::hex(language.as_bytes())
            );
            // The newest matches (one more than are ranked, to count them), without ranking.
            let newest: Vec<Id> = diesel::sql_query(
                "SELECT rowid AS id FROM articles_fts WHERE articles_fts MATCH ?
                 ORDER BY rowid DESC LIMIT ?",
            )
            .bind::<Text, _>(&fts)
            .bind::<BigInt, _>(RANKED + 1)
            .load::<Id>(c)?;
            let total = newest.len() as i64;
            let ranked = newest.len().min(RANKED as usize);
            if offset >= ranked as i64 {
                return Ok((Vec::new(), total));
            }
            // The oldest of the ranked matches bounds the ranking to them (FTS5 reads rowid
            // ranges from the index itself).
            let floor = newest[ranked - 1].id;
            // Rank, then make excerpts for the page's few hits only (a snippet for every
            // match before sorting is most of the work of a common word).
            budget.next_sqlite_statement()?;
            let ids: Vec<Id> = diesel::sql_query(
                "SELECT rowid AS id FROM articles_fts WHERE articles_fts MATCH ? AND rowid >= ?
                 ORDER BY bm25(articles_fts, 10.0, 4.0, 1.0, 0.0), rowid DESC LIMIT ? OFFSET ?",
            )
            .bind::<Text, _>(&fts)
            .bind::<Integer, _>(floor)
            .bind::<BigInt, _>(limit)
            .bind::<BigInt, _>(offset)
            .load::<Id>(c)?;
            let list = ids
                .iter()
                .map(|i| i.id.to_string())
                .collect::<Vec<_>>()
                .join(",");
            // Without the language, so that the excerpt never comes from that column.
            let mut hits = if ids.is_empty() {
                Vec::new()
            } else {
                budget.next_sqlite_statement()?;
                diesel::sql_query(format!(
                    "SELECT rowid AS id, snippet(articles_fts, -1, '{OPEN}', '{CLOSE}', '…', 24) AS excerpt
                     FROM articles_fts WHERE articles_fts MATCH ? AND rowid IN ({list})"
                ))
                .bind::<Text, _>(&format!("{{title summary body_text}}: ({words})"))
                .load::<Hit>(c)?
            };
            hits.sort_by_key(|h| ids.iter().position(|i| i.id == h.id));
            (hits, total)
        }
        DbConn::Pg(c) => {
            let tsquery = query.tsquery();
            let total = diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM (
                     SELECT 1 FROM articles a, to_tsquery('simple', $1) q
                     WHERE {PG_DOC} @@ q AND a.status = 'published' AND a.language = $2
                     LIMIT $3) m"
            ))
            .bind::<Text, _>(&tsquery)
            .bind::<Text, _>(language)
            .bind::<BigInt, _>(RANKED + 1)
            .get_result::<Count>(c)?
            .n;
            if offset >= total.min(RANKED) {
                return Ok((Vec::new(), total));
            }
            budget.next_pg_statement(c)?;
            // The newest matches first (the most recently written, as on SQLite, whose
            // index knows no dates), then ranked; excerpts for the page's few only.
            let hits = diesel::sql_query(format!(
                "WITH newest AS MATERIALIZED (
                     SELECT a.id, a.published_at, {PG_DOC} AS doc
                     FROM articles a, to_tsquery('simple', $1) q
                     WHERE {PG_DOC} @@ q AND a.status = 'published' AND a.language = $2
                     ORDER BY a.id DESC LIMIT $5),
                 page AS MATERIALIZED (
                     SELECT n.id, n.published_at, ts_rank(n.doc, q) AS score
                     FROM newest n, to_tsquery('simple', $1) q
                     ORDER BY score DESC, n.published_at DESC, n.id DESC LIMIT $3 OFFSET $4)
                 SELECT p.id AS id,
                        ts_headline('simple', a.summary || ' ' || a.body_text, q,
                            'StartSel=\"{OPEN}\", StopSel=\"{CLOSE}\", MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \"') AS excerpt
                 FROM page p JOIN articles a ON a.id = p.id, to_tsquery('simple', $1) q
                 ORDER BY p.score DESC, p.published_at DESC, p.id DESC"
            ))
            .bind::<Text, _>(&tsquery)
            .bind::<Text, _>(language)
            .bind::<BigInt, _>(limit)
            .bind::<BigInt, _>(offset)
            .bind::<BigInt, _>(RANKED)
            .load::<Hit>(c)?;
            (hits, total)
        }
    };
    budget.next_statement(conn)?;
    let ids: Vec<i32> = hits.iter().map(|h| h.id).collect();
    let mut cards = listing::cards(conn, &ids)?;
    let mut out = Vec::with_capacity(cards.len());
    for hit in hits {
        if let Some(pos) = cards.iter().position(|c| c.article.id == hit.id) {
            out.push(SearchHit {
                item: cards.swap_remove(pos),
                excerpt_html: excerpt_html(&hit.excerpt),
            });
        }
    }
    Ok((out, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(q: &str) -> Vec<String> {
        Query::parse(q).terms
    }

    #[test]
    fn queries_become_plain_words_in_a_canonical_order() {
        assert_eq!(
            terms("Climate AND \"water\" OR -drought*"),
            ["and", "climate", "drought", "or", "water"]
        );
        assert_eq!(
            terms("'; DROP TABLE articles; --"),
            ["articles", "drop", "table"]
        );
        assert_eq!(terms("Şəki konfransı"), ["konfransı", "şəki"]);
        assert_eq!(terms("Научная конференция"), ["конференция", "научная"]);
        assert!(terms("\"\" ** :: ()").is_empty());
        assert_eq!(terms(&"word ".repeat(5000)).len(), 1);
        assert_eq!(Query::parse("seismic risk"), Query::parse("RISK, seismic!"));
    }

    #[test]
    fn words_past_the_cap_and_one_letter_words_are_left_out() {
        let many = Query::parse(&(0..100).map(|i| format!("w{i} ")).collect::<String>());
        assert_eq!(many.terms.len(), MAX_TERMS);
        assert!(many.cut && !many.short_dropped);
        assert_eq!(many.terms[0], "w0");
        let short = Query::parse("a b c d e f g h i j k l");
        assert!(short.terms.is_empty() && short.short_dropped && !short.cut);
        // Junk that normalises alike shares a key.
        assert_eq!(Query::parse("x y z").key(), Query::parse("q").key());
    }

    #[test]
    fn only_words_of_three_letters_or_more_are_prefixes() {
        let q = Query::parse("of risk");
        assert_eq!(q.fts5(), "\"of\" \"risk\"*");
        assert_eq!(q.tsquery(), "'of' & 'risk':*");
    }

    #[test]
    fn excerpts_are_escaped_before_marking() {
        assert_eq!(
            excerpt_html("a <b> \u{27E6}water\u{27E7} & co"),
            "a &lt;b&gt; <mark>water</mark> &amp; co"
        );
    }
}
