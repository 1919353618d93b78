//! Readable ASCII slugs from titles in English, Azerbaijani and Russian.
//!
//! `deunicode` (under `slug`) turns Azerbaijani ə/Ə and Cyrillic ә/Ә into `@`, which is then
//! dropped ("Şəki" would become `s-ki`), and writes Russian in a scholarly style (я → `ia`).
//! Those letters are mapped here first, the way people write them in URLs.

/// Longest slug we make, in bytes (they are ASCII).
pub const MAX_LEN: usize = 80;

/// The fallback when a title has no letters or digits at all.
pub const FALLBACK: &str = "report";

fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'ə' | 'Ə' | 'ә' | 'Ә' => "e",
        'я' | 'Я' => "ya",
        'ю' | 'Ю' => "yu",
        'ё' | 'Ё' => "yo",
        'й' | 'Й' | 'ы' | 'Ы' | 'ј' | 'Ј' => "y",
        'ъ' | 'Ъ' | 'ь' | 'Ь' => "",
        'э' | 'Э' => "e",
        'х' | 'Х' => "kh",
        'ц' | 'Ц' => "ts",
        'ж' | 'Ж' => "zh",
        'ч' | 'Ч' | 'ҹ' | 'Ҹ' => "ch",
        'ш' | 'Ш' => "sh",
        'щ' | 'Щ' => "shch",
        'ғ' | 'Ғ' | 'ҝ' | 'Ҝ' => "g",
        'һ' | 'Һ' => "h",
        'ө' | 'Ө' => "o",
        'ү' | 'Ү' => "u",
        _ => return None,
    })
}

/// A slug for `title`: lowercase ASCII letters, digits and single hyphens, at most
/// [`MAX_LEN`] bytes, cut at a word boundary; never empty.
pub fn slugify(title: &str) -> String {
    let mut prepared = String::with_capacity(title.len());
    for c in title.chars() {
        match transliterate(c) {
            Some(s) => prepared.push_str(s),
            // Letters and digits of any script go on to deunicode; symbols and emoji (which
            // it would spell out, 🎉 as "tada") become separators.
            None if c.is_alphanumeric() => prepared.push(c),
            None => prepared.push(' '),
        }
    }
    let whole = slug::slugify(prepared);
    let slug = cut(&whole, MAX_LEN);
    if slug.is_empty() {
        FALLBACK.to_owned()
    } else {
        slug.to_owned()
    }
}

/// `slug` in at most `max` bytes: cut at the last word boundary that fits (or, for one long
/// word, at `max`), with no hyphen left at the end.
fn cut(slug: &str, max: usize) -> &str {
    if slug.len() <= max {
        return slug;
    }
    // Slugs are ASCII; the boundary search only keeps odd input from panicking.
    let floor = |mut i: usize| {
        while !slug.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let end = slug[..floor(max + 1)]
        .rfind('-')
        .filter(|&i| i > 0)
        .unwrap_or(floor(max));
    slug[..end].trim_end_matches('-')
}

/// `base`, or `base-2`, `base-3`… : the first candidate for which `taken` is false. Every
/// candidate is at most [`MAX_LEN`] bytes (the base is cut to leave room for the number), so
/// each one is an address the public routes accept.
pub fn unique<E>(base: &str, mut taken: impl FnMut(&str) -> Result<bool, E>) -> Result<String, E> {
    let base = match cut(base, MAX_LEN) {
        "" => FALLBACK,
        base => base,
    };
    if !taken(base)? {
        return Ok(base.to_owned());
    }
    let mut n = 2u32;
    loop {
        let suffix = format!("-{n}");
        let stem = match cut(base, MAX_LEN - suffix.len()) {
            "" => FALLBACK,
            stem => stem,
        };
        let candidate = format!("{stem}{suffix}");
        if !taken(&candidate)? {
            return Ok(candidate);
        }
        n += 1;
    }
}

/// Whether `s` is a slug this module could have made (used to validate slugs typed by staff).
pub fn is_valid(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_LEN
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_in_azerbaijani_russian_and_english_become_readable_slugs() {
        let table = [
            (
                "Şəki şəhərində İnstitutun yığıncağı: Çağdaş ölçülər, üç gün",
                "seki-seherinde-institutun-yigincagi-cagdas-olculer-uc-gun",
            ),
            ("Naxçıvan Gəncə Şuşa", "naxcivan-gence-susa"),
            ("Xəzər dənizi", "xezer-denizi"),
            ("ƏLİYEV ƏHMƏD", "eliyev-ehmed"),
            (
                "Научная конференция в Баку — 2025",
                "nauchnaya-konferentsiya-v-baku-2025",
            ),
            ("Гянджа: юбилей объединения", "gyandzha-yubiley-obedineniya"),
            ("Щукин и Чайковский", "shchukin-i-chaykovskiy"),
            ("Әлиев ғ ҹ һ ҝ ө ү", "eliev-g-ch-h-g-o-u"),
            (
                "A commemorative event was held at the Institute",
                "a-commemorative-event-was-held-at-the-institute",
            ),
            ("  --Hello,   World!--  ", "hello-world"),
            ("!!! ???", FALLBACK),
            ("", FALLBACK),
            ("🎉🎉", FALLBACK),
        ];
        for (title, expected) in table {
            assert_eq!(slugify(title), expected, "title: {title:?}");
            assert!(is_valid(&slugify(title)), "{title:?}");
        }
    }

    #[test]
    fn long_titles_are_cut_at_a_word_boundary() {
        let title = "word ".repeat(40);
        let s = slugify(&title);
        assert!(s.len() <= MAX_LEN);
        assert!(s.ends_with("word"));
        let one_long_word = "a".repeat(200);
        assert_eq!(slugify(&one_long_word).len(), MAX_LEN);
    }

    #[test]
    fn unique_appends_a_number() {
        let taken = ["news", "news-2"];
        let got = unique::<()>("news", |s| Ok(taken.contains(&s))).unwrap();
        assert_eq!(got, "news-3");
        assert_eq!(unique::<()>("fresh", |_| Ok(false)).unwrap(), "fresh");
    }

    #[test]
    fn a_unique_slug_fits_the_maximum_length() {
        for base in [
            "a".repeat(MAX_LEN),
            slugify(&"word ".repeat(40)),
            format!("{}-b", "a".repeat(MAX_LEN - 2)),
        ] {
            let mut seen = vec![base.clone()];
            for _ in 0..12 {
                let got = unique::<()>(&base, |s| Ok(seen.iter().any(|t| t == s))).unwrap();
                assert!(got.len() <= MAX_LEN && is_valid(&got), "{got}");
                assert!(!seen.contains(&got), "{got}");
                seen.push(got);
            }
        }
        assert_eq!(
            unique::<()>(&"a".repeat(MAX_LEN), |s| Ok(
                s.len() == MAX_LEN && !s.contains('-')
            ))
            .unwrap(),
            format!("{}-2", "a".repeat(MAX_LEN - 2))
        );
    }
}
