//! The one clock: every stored time is UTC, at microsecond precision (what PostgreSQL keeps),
//! so a value read back compares equal to the value written.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use chrono_tz::Tz;

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A stored UTC time in the site's time zone.
pub fn local(utc: NaiveDateTime, tz: Tz) -> DateTime<Tz> {
    utc.and_utc().with_timezone(&tz)
}

/// "26 February, 2025": how dates are written on the public site.
pub fn long_date(utc: NaiveDateTime, tz: Tz) -> String {
    local(utc, tz).format("%-d %B, %Y").to_string()
}

/// "26 Feb 2025, 14:05": how times are shown to staff.
pub fn short_date_time(utc: NaiveDateTime, tz: Tz) -> String {
    local(utc, tz).format("%-d %b %Y, %H:%M").to_string()
}

/// ISO 8601 with offset, for `<time datetime>` and machine-readable metadata.
pub fn iso(utc: NaiveDateTime, tz: Tz) -> String {
    local(utc, tz).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn dates_are_written_the_way_the_site_shows_them() {
        let t = NaiveDate::from_ymd_opt(2025, 2, 26)
            .and_then(|d| d.and_hms_opt(21, 30, 0))
            .unwrap();
        assert_eq!(long_date(t, Tz::UTC), "26 February, 2025");
        // 21:30 UTC is already the next day in Baku (UTC+4).
        assert_eq!(long_date(t, Tz::Asia__Baku), "27 February, 2025");
        assert_eq!(iso(t, Tz::Asia__Baku), "2025-02-27T01:30:00+04:00");
    }
}

/// The clock the server's scheduled work reads. It is the system clock, shifted by an offset
/// that tests can move forward: scheduled publishing is tested without sleeping.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_secs: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Clock {
    pub fn system() -> Self {
        Clock::default()
    }

    pub fn now(&self) -> NaiveDateTime {
        let offset = self.offset_secs.load(std::sync::atomic::Ordering::Relaxed);
        now() + chrono::TimeDelta::seconds(offset)
    }

    /// Moves this clock (and every copy of it) forward.
    pub fn advance(&self, by: std::time::Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX / 2);
        self.offset_secs
            .fetch_add(secs, std::sync::atomic::Ordering::Relaxed);
    }
}
