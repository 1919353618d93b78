//! Numbered pagers and the `?page=N` parameter, for public listings and admin lists alike.

use super::error::AppError;

/// `?page=N`: absent means 1; anything but a positive whole number is a bad request.
pub fn page_number(raw: Option<&str>) -> Result<i64, AppError> {
    match raw {
        None | Some("") => Ok(1),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
            _ => Err(AppError::bad_request(
                "The page number must be a whole number from 1 up.",
            )),
        },
    }
}

/// One link of a numbered pager; `url` is `None` for the current page and for gaps.
pub struct PagerItem {
    pub label: String,
    pub url: Option<String>,
    pub current: bool,
}

pub struct Pager {
    pub prev: Option<String>,
    pub next: Option<String>,
    pub items: Vec<PagerItem>,
}

impl Pager {
    /// Links for page `page` of `total` items at `per_page`, under `base` (a path that may
    /// already carry a query).
    pub fn new(base: &str, page: i64, total: i64, per_page: i64) -> Option<Pager> {
        let pages = (total + per_page - 1) / per_page;
        if pages <= 1 {
            return None;
        }
        let url = |n: i64| {
            if n <= 1 {
                base.to_owned()
            } else if base.contains('?') {
                format!("{base}&page={n}")
            } else {
                format!("{base}?page={n}")
            }
        };
        let mut items = Vec::new();
        let mut last_shown = 0;
        for n in 1..=pages {
            let near = (n - page).abs() <= 2;
            if n == 1 || n == pages || near {
                if n > last_shown + 1 {
                    items.push(PagerItem {
                        label: "…".to_owned(),
                        url: None,
                        current: false,
                    });
                }
                items.push(PagerItem {
                    label: n.to_string(),
                    url: (n != page).then(|| url(n)),
                    current: n == page,
                });
                last_shown = n;
            }
        }
        Some(Pager {
            prev: (page > 1).then(|| url(page - 1)),
            next: (page < pages).then(|| url(page + 1)),
            items,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Pager;

    #[test]
    fn pagers_number_their_pages_with_gaps() {
        let Some(p) = Pager::new("/", 6, 200, 10) else {
            panic!("200 items make a pager")
        };
        let labels: Vec<&str> = p.items.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(labels, ["1", "…", "4", "5", "6", "7", "8", "…", "20"]);
        assert_eq!(p.prev.as_deref(), Some("/?page=5"));
        assert_eq!(p.next.as_deref(), Some("/?page=7"));
        let Some(first) = Pager::new("/search?q=x", 1, 25, 10) else {
            panic!("25 items make a pager")
        };
        assert_eq!(first.prev, None);
        assert_eq!(first.next.as_deref(), Some("/search?q=x&page=2"));
        assert!(Pager::new("/", 1, 10, 10).is_none());
    }
}
