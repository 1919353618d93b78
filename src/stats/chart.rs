//! A bar chart of daily views as numbers a template turns into SVG: no library, no script.

use chrono::NaiveDate;

pub const WIDTH: u32 = 600;
pub const HEIGHT: u32 = 160;
/// Room under the bars for the first and last day's labels.
const AXIS: u32 = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    /// "25 Nov 2026: 3 views": the bar's tooltip and its row in the table.
    pub day: String,
    pub day_iso: String,
    pub views: i64,
}

#[derive(Debug, Clone)]
pub struct Chart {
    /// Unique on the page (for `aria-labelledby`).
    pub id: String,
    pub title: String,
    pub total: i64,
    pub max: i64,
    pub bars: Vec<Bar>,
    pub width: u32,
    pub height: u32,
    pub axis_y: u32,
    pub first_day: String,
    pub last_day: String,
}

fn views_text(n: i64) -> String {
    if n == 1 {
        "1 view".to_owned()
    } else {
        format!("{n} views")
    }
}

impl Chart {
    pub fn new(id: &str, title: &str, series: &[(NaiveDate, i64)]) -> Chart {
        let max = series.iter().map(|(_, v)| *v).max().unwrap_or(0);
        let total = series.iter().map(|(_, v)| *v).sum();
        let n = u32::try_from(series.len().max(1)).unwrap_or(1);
        let slot = WIDTH / n;
        let plot = HEIGHT - AXIS;
        let bars = series
            .iter()
            .enumerate()
            .map(|(i, (day, views))| {
                let h = if max > 0 {
                    // At least one pixel for a day with views, so it is visible.
                    let scaled = (*views * i64::from(plot - 4)) / max;
                    u32::try_from(scaled)
                        .unwrap_or(0)
                        .max(u32::from(*views > 0))
                } else {
                    0
                };
                let i = u32::try_from(i).unwrap_or(0);
                Bar {
                    x: i * slot + 1,
                    y: plot - h,
                    width: slot.saturating_sub(2).max(1),
                    height: h,
                    day: format!("{}: {}", day.format("%-d %b %Y"), views_text(*views)),
                    day_iso: day.format("%Y-%m-%d").to_string(),
                    views: *views,
                }
            })
            .collect();
        let label = |d: Option<&(NaiveDate, i64)>| {
            d.map(|(d, _)| d.format("%-d %b").to_string())
                .unwrap_or_default()
        };
        Chart {
            id: id.to_owned(),
            title: format!(
                "{title}: {} in the last {} days",
                views_text(total),
                series.len()
            ),
            total,
            max,
            bars,
            width: WIDTH,
            height: HEIGHT,
            axis_y: HEIGHT - 6,
            first_day: label(series.first()),
            last_day: label(series.last()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_busiest_day() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
        let series: Vec<(NaiveDate, i64)> = (0..30)
            .map(|i| {
                (
                    d + chrono::TimeDelta::days(i),
                    if i == 29 { 10 } else { i % 2 },
                )
            })
            .collect();
        let c = Chart::new("c", "Site", &series);
        assert_eq!(c.bars.len(), 30);
        assert_eq!(c.total, 10 + 14);
        assert_eq!(c.bars[29].height, HEIGHT - AXIS - 4);
        assert_eq!(c.bars[0].height, 0);
        assert!(c.bars[1].height >= 1);
        assert_eq!(c.bars[29].day, "30 Nov 2026: 10 views");
    }
}
