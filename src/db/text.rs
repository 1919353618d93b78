//! Text matching written once for both backends: SQL `lower()` and the `LIKE` pattern that
//! finds words anywhere in a column.

use diesel::sql_types::Text;

diesel::define_sql_function! {
    /// SQL `lower()`, on both backends.
    fn lower(x: Text) -> Text;
}

/// A lower-cased `LIKE … ESCAPE '\'` pattern that finds `text` anywhere (`%`, `_` and `\` in
/// it match only themselves); empty for blank text, which callers take as "any".
pub fn like_pattern(text: &str) -> String {
    let escaped: String = text
        .trim()
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    if escaped.is_empty() {
        String::new()
    } else {
        format!("%{escaped}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(
            like_pattern(" Ab%c_ "),
            "%ab\\\\%c\\\\_%".replace("\\\\", "\\")
        );
        assert_eq!(like_pattern("  "), "");
    }
}
