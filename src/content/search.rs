//! Full-text search over published articles' title, summary and text: SQLite FTS5 or
//! PostgreSQL full-text search, ranked, with a highlighted excerpt. Whatever a visitor types
//! is reduced to plain words first, so no query syntax of either engine can get through.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use crate::db::DbConn;

use super::articles::ArticleWithNames;
use super::listing;

/// A search ranks at most this many matches by relevance: the most recently written ones. A query that
/// matches more says so (and the visitor can add words); ranking every match of a common
/// word is what made searches slow (bm25 or ts_rank of each of 100,000 matches).
pub const RANKED: i64 = 1_000;

/// At most this many words of a query are used.
pub const MAX_TERMS: usize = 12;
const MAX_TERM_CHARS: usize = 40;
/// Markers around matches in excerpts (replaced by `<mark>` after escaping).
const OPEN: &str = "\u{27E6}";
const CLOSE: &str = "\u{27E7}";

/// The words of a query: runs of letters and digits of any script, lower-cased.
pub fn terms(query: &str) -> Vec<String> {
    query
        .chars()
        .take(2_000)
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.chars()
                .take(MAX_TERM_CHARS)
                .collect::<String>()
                .to_lowercase()
        })
        .fold(Vec::new(), |mut acc, w| {
            if !acc.contains(&w) && acc.len() < MAX_TERMS {
                acc.push(w);
            }
            acc
        })
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
/// than [`RANKED`] means "more than that").
pub fn search(
    conn: &mut DbConn,
    language: &str,
    query: &str,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<SearchHit>, i64)> {
    let words = terms(query);
    if words.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let limit = limit.min(RANKED - offset);
    if limit <= 0 {
        return Ok((Vec::new(), 0));
    }
    let (hits, total): (Vec<Hit>, i64) = match conn {
        DbConn::Sqlite(c) => {
            // The index holds published articles only, their language as a column of its
            // own (see the migration `search_doc`): ranking and counting need nothing else.
            let words = words
                .iter()
                .map(|w| format!("\"{w}\"*"))
                .collect::<Vec<_>>()
                .join(" ");
            // The words in the text columns only, the language as its one token.
            let fts = format!(
                "language:\"lang{}\" AND {{title summary body_text}}: ({words})",
                crate::ids::hex(language.as_bytes())
            );
            // Rank first, then make excerpts for the page's few hits only (a snippet for
            // every match before sorting is most of the work of a common word).
            let ids: Vec<Id> = diesel::sql_query(
                "SELECT id FROM (
                     SELECT rowid AS id, bm25(articles_fts, 10.0, 4.0, 1.0, 0.0) AS score
                     FROM articles_fts WHERE articles_fts MATCH ?
                     ORDER BY rowid DESC LIMIT ?)
                 ORDER BY score, id DESC LIMIT ? OFFSET ?",
            )
            .bind::<Text, _>(&fts)
            .bind::<BigInt, _>(RANKED)
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
                diesel::sql_query(format!(
                    "SELECT rowid AS id, snippet(articles_fts, -1, '{OPEN}', '{CLOSE}', '…', 24) AS excerpt
                     FROM articles_fts WHERE articles_fts MATCH ? AND rowid IN ({list})"
                ))
                .bind::<Text, _>(&format!("{{title summary body_text}}: ({words})"))
                .load::<Hit>(c)?
            };
            hits.sort_by_key(|h| ids.iter().position(|i| i.id == h.id));
            let total = diesel::sql_query(
                "SELECT COUNT(*) AS n FROM (
                     SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? LIMIT ?)",
            )
            .bind::<Text, _>(&fts)
            .bind::<BigInt, _>(RANKED + 1)
            .get_result::<Count>(c)?
            .n;
            (hits, total)
        }
        DbConn::Pg(c) => {
            let tsquery = words
                .iter()
                .map(|w| format!("'{w}':*"))
                .collect::<Vec<_>>()
                .join(" & ");
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
            (hits, total)
        }
    };
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

    #[test]
    fn queries_become_plain_words() {
        assert_eq!(
            terms("Climate AND \"water\" OR -drought*"),
            ["climate", "and", "water", "or", "drought"]
        );
        assert_eq!(
            terms("'; DROP TABLE articles; --"),
            ["drop", "table", "articles"]
        );
        assert_eq!(terms("Şəki konfransı"), ["şəki", "konfransı"]);
        assert_eq!(terms("Научная конференция"), ["научная", "конференция"]);
        assert!(terms("\"\" ** :: ()").is_empty());
        assert_eq!(terms(&"word ".repeat(5000)).len(), 1);
        assert_eq!(
            terms(&(0..100).map(|i| format!("w{i} ")).collect::<String>()).len(),
            MAX_TERMS
        );
    }

    #[test]
    fn excerpts_are_escaped_before_marking() {
        assert_eq!(
            excerpt_html("a <b> \u{27E6}water\u{27E7} & co"),
            "a &lt;b&gt; <mark>water</mark> &amp; co"
        );
    }
}
