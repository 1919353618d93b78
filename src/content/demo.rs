//! The demo reports a first start creates, so a new site shows what it will look like.
//! Written for an imaginary research institute; editors delete or rewrite them.

use chrono::TimeDelta;
use diesel::prelude::*;

use crate::clock;
use crate::db::DbConn;
use crate::db::schema::articles;

use super::articles::{ArticleInput, SaveAction, create};
use super::{ContentError, categories};

struct DemoReport {
    title: &'static str,
    summary: &'static str,
    body: &'static str,
    category: usize,
    days_ago: i64,
    views: i64,
    tags: &'static str,
}

const REPORTS: [DemoReport; 4] = [
    DemoReport {
        title: "A commemorative event was held at the Institute",
        summary: "Staff, students and guests gathered in the main hall to honour the Institute's founders and the scholars of its first decades.",
        body: "<p>On Tuesday the Institute held a commemorative event in its main hall. Staff, doctoral students, retired colleagues and guests from partner universities came together to remember the founders of the Institute and the scholars who shaped its first decades.</p>\
<p>The director opened the meeting with an overview of the Institute's history, from its first laboratory in two rented rooms to the eight departments it has today. Senior researchers then spoke about the teachers who had guided them, and a short film showed photographs from the Institute's archive that had never been shown in public.</p>\
<h2>A new reading room</h2>\
<p>At the end of the event the Institute opened a reading room named after its first director. It holds his personal library of more than three thousand volumes, now catalogued and open to every reader.</p>\
<blockquote>We do not only remember our teachers: we continue their work every day.</blockquote>\
<p>The event closed with flowers laid at the memorial plaque in the entrance hall.</p>",
        category: 0,
        days_ago: 3,
        views: 948,
        tags: "history, commemoration",
    },
    DemoReport {
        title: "International conference on climate and water resources opens",
        summary: "More than 120 researchers from fourteen countries meet for three days of talks on drought, river basins and the Caspian Sea.",
        body: "<p>The Institute's annual international conference opened this morning with more than 120 participants from fourteen countries. Over three days, sessions cover drought forecasting, the management of shared river basins and the changing level of the Caspian Sea.</p>\
<p>In the opening plenary, invited speakers presented new long-term measurements from high-mountain weather stations and discussed how open data can help neighbouring countries plan together.</p>\
<h2>Programme</h2>\
<ul><li>Day one: climate records and models</li><li>Day two: rivers, lakes and groundwater</li><li>Day three: policy, data sharing and a round table with young researchers</li></ul>\
<p>The proceedings will be published in the Institute's journal. Recordings of the plenary talks will be made available on this site.</p>",
        category: 0,
        days_ago: 10,
        views: 412,
        tags: "conference, climate, water resources",
    },
    DemoReport {
        title: "Young researchers win a national grant for soil microbiology",
        summary: "A team of four doctoral students will spend two years mapping soil bacteria that help crops survive salt and drought.",
        body: "<p>A team of four doctoral students from the Department of Microbiology has won a two-year national grant for young scientists. Their project will map soil bacteria in the lowland farming regions and test which of them help wheat and cotton grow in salty, dry soil.</p>\
<p>The team will collect samples at twenty sites in spring and autumn, sequence the bacterial communities in the Institute's genomics laboratory and run greenhouse trials with the most promising strains.</p>\
<p>“Farmers already see the effects of salinity every year,” said the team's leader. “If we can find partners for the plants in the soil itself, the solution will be cheap and local.”</p>",
        category: 1,
        days_ago: 24,
        views: 1307,
        tags: "grants, young researchers, microbiology",
    },
    DemoReport {
        title: "Institute scientists publish a new atlas of medicinal plants",
        summary: "The two-volume atlas describes 640 species, with maps, photographs and notes on their traditional and modern use.",
        body: "<p>After seven years of field work, botanists of the Institute have published a two-volume atlas of the region's medicinal plants. It describes 640 species, each with a distribution map, photographs and notes on its traditional use and on what laboratory studies have confirmed.</p>\
<p>The atlas was prepared together with the herbarium, whose collection of more than 90,000 specimens was digitised for the project. Copies have been given to university libraries, and a searchable online edition is being prepared.</p>",
        category: 1,
        days_ago: 45,
        views: 1,
        tags: "botany, publications",
    },
];

/// Creates the demo categories and reports, authored by `author_id`. Returns how many
/// reports were made.
pub fn create_demo_content(
    conn: &mut DbConn,
    author_id: i32,
    language: &str,
) -> Result<usize, ContentError> {
    let events = categories::create(
        conn,
        "Events",
        "Reports from conferences, ceremonies and meetings.",
        language,
        1,
    )?;
    let research = categories::create(
        conn,
        "Research",
        "News about the Institute's research, grants and publications.",
        language,
        2,
    )?;
    let category_ids = [events.id, research.id];
    let now = clock::now();
    for report in &REPORTS {
        let input = ArticleInput {
            title: report.title.to_owned(),
            slug: String::new(),
            summary: report.summary.to_owned(),
            body: report.body.to_owned(),
            category_id: Some(category_ids[report.category]),
            tags: report.tags.to_owned(),
        };
        let checked = super::articles::check(&input, SaveAction::Publish)?;
        let article = create(conn, author_id, language, &checked)?;
        let published = now - TimeDelta::days(report.days_ago) - TimeDelta::hours(3);
        diesel::update(articles::table.find(article.id))
            .set((
                articles::published_at.eq(published),
                articles::created_at.eq(published),
                articles::updated_at.eq(published),
                articles::view_count.eq(report.views),
            ))
            .execute(conn)?;
    }
    Ok(REPORTS.len())
}
