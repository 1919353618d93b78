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

/// A search ranks at most this many matches by relevance: the most recently written ones. A
/// query that matches more says so (and the visitor can add words); ranking every match of a
/// common word is what made searches slow.
pub const RANKED: i64 = 200;

/// At most this many words of a query are used (the page says so when there were more):
/// every word is one more doclist to merge and one more phrase to rank in each match.
pub const MAX_TERMS: usize = 6;
/// Words shorter than this match whole words only, never as a prefix: `co*` would merge the
/// doclists of every word that starts with "co", which is most of the work of the costliest
/// queries. Words of 3 to 8 letters are prefixes served by SQLite's prefix index (migration
/// `search_prefix_longer`).
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
struct Id {
    #[diesel(sql_type = Integer)]
    id: i32,
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
/// [`budget`]).
///
/// The engine only finds the newest [`RANKED`] + 1 matches, in the order of its index, which
/// costs a fraction of a millisecond. Ranking and excerpts are made here from the titles and
/// summaries of those matches and the texts of the page's few: the engines' own (bm25, which
/// counts every match of each word in the whole index; `snippet` and `ts_headline`, each one
/// more pass over the matches) were most of the cost of a search.
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

/// The newest matches of `query` in `language`, newest first, at most [`RANKED`] + 1.
fn newest_matches(
    conn: &mut DbConn,
    language: &str,
    query: &Query,
) -> Result<Vec<i32>, BudgetError> {
    let ids: Vec<Id> = match conn {
        DbConn::Sqlite(c) => {
            // The language is checked on the article row, a key lookup per match: as a
            // word of the index it would add a doclist as long as the whole index.
            let fts = format!("{{title summary body_text}}: ({})", query.fts5());
            diesel::sql_query(
                "SELECT f.rowid AS id FROM articles_fts f JOIN articles a ON a.id = f.rowid
                 WHERE articles_fts MATCH ? AND a.language = ?
                 ORDER BY f.rowid DESC LIMIT ?",
            )
            .bind::<Text, _>(&fts)
            .bind::<Text, _>(language)
            .bind::<BigInt, _>(RANKED + 1)
            .load::<Id>(c)?
        }
        DbConn::Pg(c) => diesel::sql_query(format!(
            "SELECT a.id FROM articles a, to_tsquery('simple', $1) q
             WHERE {PG_DOC} @@ q AND a.status = 'published' AND a.language = $2
             ORDER BY a.id DESC LIMIT $3"
        ))
        .bind::<Text, _>(query.tsquery())
        .bind::<Text, _>(language)
        .bind::<BigInt, _>(RANKED + 1)
        .load::<Id>(c)?,
    };
    Ok(ids.into_iter().map(|i| i.id).collect())
}

/// The lower-cased words of `text`, with where each is.
fn words(text: &str) -> impl Iterator<Item = (usize, usize, String)> + '_ {
    let mut start = None;
    text.char_indices()
        .chain(std::iter::once((text.len(), ' ')))
        .filter_map(move |(i, c)| match (c.is_alphanumeric(), start) {
            (true, None) => {
                start = Some(i);
                None
            }
            (false, Some(s)) => {
                start = None;
                Some((s, i, text[s..i].to_lowercase()))
            }
            _ => None,
        })
}

impl Query {
    /// Whether a word of a text (lower-cased) is one the query asks for, as the engines
    /// match it: whole, or as a prefix for words of [`MIN_PREFIX_CHARS`] or more.
    fn matches(&self, word: &str) -> bool {
        self.terms
            .iter()
            .any(|t| word == t || (Self::is_prefix(t) && word.starts_with(t.as_str())))
    }

    /// How well a report matches: each word of the query found in its title counts 10, in
    /// its summary 4 (every match has all the words somewhere).
    fn score(&self, title: &str, summary: &str) -> u32 {
        let found = |text: &str, term: &str| {
            words(text).any(|(_, _, w)| w == term || (Self::is_prefix(term) && w.starts_with(term)))
        };
        self.terms
            .iter()
            .map(|t| 10 * u32::from(found(title, t)) + 4 * u32::from(found(summary, t)))
            .sum()
    }

    /// About [`EXCERPT_WORDS`] words of `text` around its first match, the matches between
    /// [`OPEN`] and [`CLOSE`]; `None` if nothing in it matches.
    fn excerpt(&self, text: &str) -> Option<String> {
        let all: Vec<(usize, usize, String)> = words(text).collect();
        let first = all.iter().position(|(_, _, w)| self.matches(w))?;
        let from = first.saturating_sub(EXCERPT_WORDS / 3);
        let to = (from + EXCERPT_WORDS).min(all.len());
        let mut out = String::new();
        if from > 0 {
            out.push('…');
        }
        let mut at = all[from].0;
        for (s, e, w) in &all[from..to] {
            out.push_str(&text[at..*s]);
            if self.matches(w) {
                out.push_str(OPEN);
                out.push_str(&text[*s..*e]);
                out.push_str(CLOSE);
            } else {
                out.push_str(&text[*s..*e]);
            }
            at = *e;
        }
        if to < all.len() {
            out.push('…');
        }
        Some(out)
    }
}

/// Words in an excerpt.
const EXCERPT_WORDS: usize = 30;

fn search_within(
    conn: &mut DbConn,
    budget: &Budget,
    language: &str,
    query: &Query,
    limit: i64,
    offset: i64,
) -> Result<(Vec<SearchHit>, i64), BudgetError> {
    use crate::db::schema::articles;
    budget.next_statement(conn)?;
    let newest = newest_matches(conn, language, query)?;
    let total = newest.len() as i64;
    let candidates: Vec<i32> = newest.into_iter().take(RANKED as usize).collect();
    if offset >= candidates.len() as i64 {
        return Ok((Vec::new(), total));
    }
    budget.next_statement(conn)?;
    let mut ranked: Vec<(u32, Option<chrono::NaiveDateTime>, i32)> = articles::table
        .filter(articles::id.eq_any(&candidates))
        .select((
            articles::id,
            articles::title,
            articles::summary,
            articles::published_at,
        ))
        .load::<(i32, String, String, Option<chrono::NaiveDateTime>)>(conn)?
        .into_iter()
        .map(|(id, title, summary, at)| (query.score(&title, &summary), at, id))
        .collect();
    // Best first; among equals the newest.
    ranked.sort_by(|a, b| b.cmp(a));
    let page: Vec<i32> = ranked
        .iter()
        .skip(usize::try_from(offset).unwrap_or(0))
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|r| r.2)
        .collect();
    budget.next_statement(conn)?;
    let texts: Vec<(i32, String, String)> = articles::table
        .filter(articles::id.eq_any(&page))
        .select((articles::id, articles::summary, articles::body_text))
        .load(conn)?;
    let mut cards = listing::cards(conn, &page)?;
    let mut out = Vec::with_capacity(cards.len());
    for id in page {
        let Some(pos) = cards.iter().position(|c| c.article.id == id) else {
            continue;
        };
        let excerpt = texts
            .iter()
            .find(|t| t.0 == id)
            .and_then(|(_, summary, body)| {
                query
                    .excerpt(body)
                    .or_else(|| query.excerpt(summary))
                    .or_else(|| Some(body.chars().take(200).collect()))
            })
            .unwrap_or_default();
        out.push(SearchHit {
            item: cards.swap_remove(pos),
            excerpt_html: excerpt_html(&excerpt),
        });
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
    fn titles_count_most_then_summaries() {
        let q = Query::parse("seismic risk");
        assert_eq!(q.score("Seismic risk in Baku", "A summary."), 20);
        assert_eq!(q.score("Seismic zones", "On risks of quakes"), 14);
        assert_eq!(q.score("Seismology today", "On risks of quakes"), 4);
        assert_eq!(q.score("An open day", "Nothing here"), 0);
        // Two-letter words are whole words only, here as in the engines.
        assert_eq!(Query::parse("ox").score("Oxygen", ""), 0);
    }

    #[test]
    fn excerpts_are_cut_around_the_first_match_and_mark_every_match() {
        let q = Query::parse("конфер baku");
        let text = format!(
            "{} Научная конференция прошла в Baku, и конференция была большой.",
            "слово ".repeat(40)
        );
        let excerpt = q.excerpt(&text).expect("a match");
        assert!(excerpt.starts_with('…'), "{excerpt}");
        assert!(excerpt.contains("\u{27E6}конференция\u{27E7}"), "{excerpt}");
        assert!(excerpt.contains("\u{27E6}Baku\u{27E7}"), "{excerpt}");
        assert_eq!(excerpt.matches('\u{27E6}').count(), 3, "{excerpt}");
        assert!(q.excerpt("nothing to see").is_none());
    }

    #[test]
    fn excerpts_are_escaped_before_marking() {
        assert_eq!(
            excerpt_html("a <b> \u{27E6}water\u{27E7} & co"),
            "a &lt;b&gt; <mark>water</mark> &amp; co"
        );
    }
}
