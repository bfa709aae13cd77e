//! Characters a name must not hold even though they are not control characters: they are
//! invisible, or change the direction of the text around them (U+202E turns "Ada" into a
//! name that reads backwards, in the console and in an email subject that quotes it).

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// True if `text` holds a format character (general category Cf: zero-width spaces, the
/// byte-order mark, every bidirectional control such as U+202E or U+2067) or a line or
/// paragraph separator (Zl, Zp: U+2028, U+2029). The two joiners are allowed: ZWNJ (U+200C)
/// and ZWJ (U+200D) are part of how names are spelled in Persian and Indic scripts, and join
/// emoji sequences; they change neither direction nor line.
pub fn has_invisible_or_bidi(text: &str) -> bool {
    text.chars().any(|c| {
        !matches!(c, '\u{200C}' | '\u{200D}')
            && matches!(
                c.general_category(),
                GeneralCategory::Format | GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator
            )
    })
}

#[cfg(test)]
mod tests {
    use super::has_invisible_or_bidi;

    #[test]
    fn invisible_and_direction_characters_are_found() {
        for (c, what) in [
            ('\u{202E}', "right-to-left override"),
            ('\u{2067}', "right-to-left isolate"),
            ('\u{200B}', "zero-width space"),
            ('\u{2028}', "line separator"),
            ('\u{2029}', "paragraph separator"),
            ('\u{FEFF}', "byte-order mark"),
            ('\u{200E}', "left-to-right mark"),
            ('\u{061C}', "Arabic letter mark"),
        ] {
            assert!(
                has_invisible_or_bidi(&format!("Ada{c}Lovelace")),
                "{what} (U+{:04X})",
                c as u32
            );
            assert!(has_invisible_or_bidi(&c.to_string()), "{what} alone");
        }
    }

    #[test]
    fn ordinary_names_pass() {
        for name in [
            "Ada",
            "Zoë Núñez-García",
            "O'Brien",
            "Łukasz Żółć",
            "山田 太郎",
            "김민준",
            "Анна",
            "محمد",
            "שרה",
            "Ada 🎉",
            "❤️",
            "👩‍💻",
            "می‌خواهم",
        ] {
            assert!(!has_invisible_or_bidi(name), "{name:?}");
        }
    }
}
