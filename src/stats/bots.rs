//! Who is not a reader: crawlers, link-preview fetchers and scripted clients. The list is data:
//! add a lower-case fragment of a user agent to [`NOT_READERS`] to stop counting it.

/// Lower-case fragments of user agents that never count as a view. "bot", "crawl" and
/// "spider" catch most crawlers (Googlebot, bingbot, Twitterbot, TelegramBot, Slackbot,
/// LinkedInBot, Applebot, …); the rest are fetchers that do not say so.
pub const NOT_READERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "facebookexternalhit",
    "facebookcatalog",
    "whatsapp",
    "embedly",
    "quora link preview",
    "skypeuripreview",
    "vkshare",
    "pinterest",
    "preview",
    "headlesschrome",
    "lighthouse",
    "pingdom",
    "uptime",
    "monitor",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww-perl",
    "httpclient",
    "feedfetcher",
];

/// Whether a request with this `User-Agent` (or none) is a reader's browser. No user agent
/// at all is a script, not a reader.
pub fn is_reader(user_agent: Option<&str>) -> bool {
    let Some(ua) = user_agent.map(str::trim).filter(|ua| !ua.is_empty()) else {
        return false;
    };
    let ua = ua.to_ascii_lowercase();
    !NOT_READERS.iter().any(|fragment| ua.contains(fragment))
}

#[cfg(test)]
mod tests {
    use super::is_reader;

    #[test]
    fn crawlers_and_unfurlers_are_not_readers() {
        for ua in [
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Twitterbot/1.0",
            "TelegramBot (like TwitterBot)",
            "WhatsApp/2.23.20.0",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 (compatible; YandexSpider/3.0)",
            "SomeCrawler/0.1",
            "curl/8.5.0",
            "",
        ] {
            assert!(!is_reader(Some(ua)), "{ua}");
        }
        assert!(!is_reader(None));
        assert!(is_reader(Some(
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
        )));
    }
}
