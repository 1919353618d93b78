//! `chronicle seed`: a large made-up site for development and benchmarks. Generated titles and
//! text, a handful of categories, a few dozen tags, publication dates spread over ten years.
//! Rows go in as multi-row INSERTs inside transactions; SQLite's full-text index follows by
//! its triggers, and `body_text` is written with the body.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::accounts::{self, NewUser};
use crate::db::schema::{article_tags, articles, tags, users};
use crate::db::{self, DbConn};

use super::categories;
use crate::ids;

/// Articles per INSERT statement (16 values each: within both backends' parameter limits).
const ROWS_PER_INSERT: usize = 1_000;
/// Articles per transaction.
const ROWS_PER_TX: usize = 10_000;

const CATEGORIES: &[&str] = &[
    "Research",
    "Events",
    "Awards",
    "Teaching",
    "Partnerships",
    "Conferences",
    "People",
    "Campus",
];
const TAG_WORDS: &[&str] = &[
    "physics",
    "chemistry",
    "biology",
    "mathematics",
    "linguistics",
    "history",
    "economics",
    "informatics",
    "ecology",
    "geology",
    "medicine",
    "philosophy",
    "law",
    "astronomy",
    "archaeology",
    "robotics",
    "energy",
    "climate",
    "education",
    "students",
    "grants",
    "seminar",
    "workshop",
    "lecture",
    "exhibition",
    "publication",
    "doctorate",
    "alumni",
    "international",
    "anniversary",
    "library",
    "museum",
    "open-day",
    "olympiad",
    "summer-school",
    "innovation",
    "cooperation",
    "award",
    "memorial",
    "fieldwork",
];
const ADJECTIVES: &[&str] = &[
    "Annual",
    "International",
    "Joint",
    "Regional",
    "Open",
    "Scientific",
    "Young",
    "Special",
    "Public",
    "Interdisciplinary",
    "Winter",
    "Spring",
    "Summer",
    "Autumn",
    "National",
];
const NOUNS: &[&str] = &[
    "seminar",
    "conference",
    "workshop",
    "lecture",
    "symposium",
    "round table",
    "exhibition",
    "meeting",
    "school",
    "forum",
    "ceremony",
    "expedition",
    "colloquium",
    "presentation",
];
const TOPICS: &[&str] = &[
    "on climate data",
    "on ancient manuscripts",
    "on quantum materials",
    "on language change",
    "on urban ecology",
    "on machine learning",
    "on regional history",
    "on public health",
    "on seismic risk",
    "on renewable energy",
    "on cultural heritage",
    "on number theory",
    "on soil biology",
    "on digital archives",
    "on water resources",
    "on higher education",
];
const WORDS: &[&str] = &[
    "the",
    "institute",
    "held",
    "a",
    "meeting",
    "with",
    "researchers",
    "from",
    "several",
    "countries",
    "and",
    "students",
    "of",
    "the",
    "university",
    "who",
    "presented",
    "their",
    "results",
    "in",
    "field",
    "laboratory",
    "studies",
    "discussion",
    "followed",
    "about",
    "methods",
    "data",
    "future",
    "cooperation",
    "between",
    "departments",
    "new",
    "project",
    "funding",
    "was",
    "announced",
    "participants",
    "visited",
    "collection",
    "library",
    "archive",
    "museum",
    "director",
    "opened",
    "session",
    "guests",
    "speakers",
    "noted",
    "importance",
    "work",
    "young",
    "scientists",
    "award",
    "ceremony",
    "took",
    "place",
    "hall",
    "academy",
    "report",
    "published",
    "journal",
    "findings",
    "show",
    "that",
    "region",
    "history",
    "language",
    "samples",
    "analysis",
    "model",
    "experiment",
    "measurements",
    "season",
    "expedition",
    "team",
    "collected",
    "evidence",
    "support",
    "hypothesis",
    "lecture",
    "series",
    "continues",
    "next",
    "month",
    "open",
    "to",
    "public",
];

/// What one run made.
#[derive(Debug, Default)]
pub struct Seeded {
    pub articles: usize,
    pub categories: usize,
    pub tags: usize,
}

#[derive(Insertable)]
#[diesel(table_name = articles, treat_none_as_default_value = false)]
struct NewArticle {
    title: String,
    slug: String,
    summary: String,
    body_html: String,
    body_text: String,
    status: &'static str,
    published_at: Option<NaiveDateTime>,
    author_id: i32,
    category_id: Option<i32>,
    view_count: i64,
    language: String,
    translation_group: String,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = article_tags)]
struct NewArticleTag {
    article_id: i32,
    tag_id: i32,
}

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

fn sentence(rng: &mut StdRng, min: usize, max: usize) -> String {
    let words = rng.random_range(min..max);
    let mut out = String::with_capacity(words * 8);
    for i in 0..words {
        let w = pick(rng, WORDS);
        if i == 0 {
            let mut c = w.chars();
            if let Some(first) = c.next() {
                out.extend(first.to_uppercase());
                out.push_str(c.as_str());
            }
        } else {
            out.push(' ');
            out.push_str(w);
        }
    }
    out.push('.');
    out
}

/// An author for the generated reports: the first administrator or editor, else a new one.
fn author(conn: &mut DbConn) -> Result<i32, String> {
    let existing: Option<i32> = users::table
        .filter(users::role.eq_any(["admin", "editor"]))
        .order(users::id.asc())
        .select(users::id)
        .first(conn)
        .optional()
        .map_err(|e| e.to_string())?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let user = accounts::create_user(
        conn,
        &NewUser {
            email: "seed-editor@example.org".to_owned(),
            display_name: "Seed Editor".to_owned(),
            role: "editor".to_owned(),
            password: ids::random_hex::<12>(),
        },
    )
    .map_err(|e| e.to_string())?;
    Ok(user.id)
}

fn ensure_categories(
    conn: &mut DbConn,
    language: &str,
    made: &mut Seeded,
) -> QueryResult<Vec<i32>> {
    let existing = categories::list(conn, language)?;
    if existing.len() >= CATEGORIES.len() {
        return Ok(existing.into_iter().map(|c| c.id).collect());
    }
    let mut ids: Vec<i32> = existing.iter().map(|c| c.id).collect();
    for (i, name) in CATEGORIES.iter().enumerate() {
        if existing.iter().any(|c| c.name == *name) {
            continue;
        }
        let position = i32::try_from(i).unwrap_or(0);
        ids.push(categories::create(conn, name, "", language, position)?.id);
        made.categories += 1;
    }
    Ok(ids)
}

fn ensure_tags(conn: &mut DbConn, language: &str, made: &mut Seeded) -> QueryResult<Vec<i32>> {
    let now = crate::clock::now();
    for word in TAG_WORDS {
        let exists: bool = diesel::select(diesel::dsl::exists(
            tags::table
                .filter(tags::language.eq(language))
                .filter(tags::slug.eq(word)),
        ))
        .get_result(conn)?;
        if !exists {
            diesel::insert_into(tags::table)
                .values((
                    tags::name.eq(word.replace('-', " ")),
                    tags::slug.eq(word),
                    tags::language.eq(language),
                    tags::created_at.eq(now),
                ))
                .execute(conn)?;
            made.tags += 1;
        }
    }
    tags::table
        .filter(tags::language.eq(language))
        .filter(tags::slug.eq_any(TAG_WORDS))
        .select(tags::id)
        .load(conn)
}

fn insert_articles(conn: &mut DbConn, rows: &[NewArticle]) -> QueryResult<Vec<i32>> {
    let insert = diesel::insert_into(articles::table)
        .values(rows)
        .returning(articles::id);
    match conn {
        DbConn::Sqlite(c) => insert.get_results(c),
        DbConn::Pg(c) => insert.get_results(c),
    }
}

fn insert_tags(conn: &mut DbConn, rows: &[NewArticleTag]) -> QueryResult<usize> {
    let insert = diesel::insert_into(article_tags::table).values(rows);
    match conn {
        DbConn::Sqlite(c) => insert.execute(c),
        DbConn::Pg(c) => insert.execute(c),
    }
}

/// Adds `count` generated articles (about 2% drafts, the rest published) in `language`.
/// `progress` hears how many are in so far.
pub fn seed(
    conn: &mut DbConn,
    count: usize,
    language: &str,
    seed: u64,
    mut progress: impl FnMut(usize),
) -> Result<Seeded, String> {
    let mut made = Seeded::default();
    let mut rng = StdRng::seed_from_u64(seed);
    let author_id = author(conn)?;
    let category_ids = ensure_categories(conn, language, &mut made).map_err(|e| e.to_string())?;
    let tag_ids = ensure_tags(conn, language, &mut made).map_err(|e| e.to_string())?;
    // Numbers in slugs continue after what is there, so a second run adds, never collides.
    let first: i64 = articles::table
        .select(diesel::dsl::max(articles::id))
        .first::<Option<i32>>(conn)
        .map_err(|e| e.to_string())?
        .map_or(0, i64::from)
        + 1;
    let now = crate::clock::now();
    let span = TimeDelta::days(3652).num_seconds();
    let mut done = 0;
    while done < count {
        let in_tx = ROWS_PER_TX.min(count - done);
        db::write_tx(conn, |conn| -> QueryResult<()> {
            let mut left = in_tx;
            while left > 0 {
                let n = ROWS_PER_INSERT.min(left);
                let mut rows = Vec::with_capacity(n);
                for k in 0..n {
                    let number = first + i64::try_from(done + in_tx - left + k).unwrap_or(0);
                    let title = format!(
                        "{} {} {}",
                        pick(&mut rng, ADJECTIVES),
                        pick(&mut rng, NOUNS),
                        pick(&mut rng, TOPICS)
                    );
                    let slug = format!("{}-{number}", super::slug::slugify(&title));
                    let paragraphs: Vec<String> = (0..rng.random_range(3..6))
                        .map(|_| {
                            (0..rng.random_range(2..4))
                                .map(|_| sentence(&mut rng, 8, 16))
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .collect();
                    let body_html = paragraphs
                        .iter()
                        .map(|p| format!("<p>{p}</p>"))
                        .collect::<String>();
                    let body_text = paragraphs.join("\n\n");
                    // Older as the number grows smaller, with some jitter.
                    let back = span - span * (number - first) / i64::try_from(count).unwrap_or(1);
                    let at = now
                        - TimeDelta::seconds(back.max(0))
                        - TimeDelta::seconds(rng.random_range(0..3600));
                    let draft = rng.random_range(0..50) == 0;
                    rows.push(NewArticle {
                        summary: sentence(&mut rng, 10, 20),
                        title,
                        slug,
                        body_html,
                        body_text,
                        status: if draft { "draft" } else { "published" },
                        published_at: (!draft).then_some(at),
                        author_id,
                        category_id: (rng.random_range(0..10) > 0)
                            .then(|| category_ids[rng.random_range(0..category_ids.len())]),
                        view_count: rng.random_range(0..2_000),
                        language: language.to_owned(),
                        translation_group: ids::translation_group(),
                        version: 1,
                        created_at: at,
                        updated_at: at,
                    });
                }
                let ids = insert_articles(conn, &rows)?;
                let mut links = Vec::new();
                for id in ids {
                    let k = rng.random_range(0..4usize).min(tag_ids.len());
                    let start = rng.random_range(0..tag_ids.len().max(1));
                    for j in 0..k {
                        links.push(NewArticleTag {
                            article_id: id,
                            tag_id: tag_ids[(start + j) % tag_ids.len()],
                        });
                    }
                }
                for chunk in links.chunks(5_000) {
                    insert_tags(conn, chunk)?;
                }
                left -= n;
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
        done += in_tx;
        made.articles = done;
        progress(done);
    }
    // Fresh statistics, so the planners choose the indexes at once (PostgreSQL's autovacuum
    // would only get there later; SQLite has none until asked).
    let analyze = match conn {
        DbConn::Sqlite(_) => "ANALYZE; PRAGMA optimize;",
        DbConn::Pg(_) => {
            "ANALYZE articles; ANALYZE article_tags; ANALYZE tags; ANALYZE categories;"
        }
    };
    diesel::connection::SimpleConnection::batch_execute(conn, analyze)
        .map_err(|e| e.to_string())?;
    Ok(made)
}
