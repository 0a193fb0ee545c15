//! Splits Russian text into words with character offsets into the original text.

use unicode_segmentation::UnicodeSegmentation;

/// A word of the original text: where it is (in characters) and its folded spelling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// First character of the word in the original text (Unicode scalar values).
    pub start: usize,
    /// One past the last character of the word in the original text.
    pub end: usize,
    /// Lower case with «ё» folded to «е»: the form every comparison uses.
    pub folded: String,
    /// The punctuation between this word and the previous one.
    pub break_before: Break,
}

/// Punctuation between two words, as far as it separates thoughts. Recognised speech has none,
/// so rules treat it as a hint, never as a requirement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Break {
    /// Nothing, or only spaces, quotes and hyphens.
    #[default]
    None,
    /// A comma, colon or dash: a clause may end here.
    Clause,
    /// «.», «!», «?», «;» or «…»: a sentence ends here (also before the first word).
    Sentence,
}

impl Break {
    fn of(gap: &str) -> Break {
        if gap.contains(['.', '!', '?', ';', '…', '\n']) {
            Break::Sentence
        } else if gap.contains([',', ':', '—', '–']) {
            Break::Clause
        } else {
            Break::None
        }
    }
}

/// Folds case and «ё» → «е», so typed text and recognised speech compare alike.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

/// The words of `text` in order, punctuation and spaces dropped.
///
/// Offsets count characters, not bytes, because spans in the score report do.
pub fn words(text: &str) -> Vec<Word> {
    let mut words = Vec::new();
    // Walk byte offsets and character offsets together: one pass, no quadratic re-counting.
    let mut char_index = 0;
    let mut byte_index = 0;
    // Punctuation since the previous word; the start of the text counts as a sentence start.
    let mut pending = Break::Sentence;
    for (byte_start, word) in text.unicode_word_indices() {
        let gap = &text[byte_index..byte_start];
        char_index += gap.chars().count();
        pending = pending.max(Break::of(gap));
        byte_index = byte_start;
        let length = word.chars().count();
        if word.chars().any(char::is_alphanumeric) {
            words.push(Word {
                start: char_index,
                end: char_index + length,
                folded: fold(word),
                break_before: pending,
            });
            pending = Break::None;
        } else {
            pending = pending.max(Break::of(word));
        }
        char_index += length;
        byte_index += word.len();
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_characters_of_the_original() {
        let text = "Добрый день! Меня зовут Анна, компания «Ромашка».";
        let found = words(text);
        let spans: Vec<String> = found
            .iter()
            .map(|w| text.chars().skip(w.start).take(w.end - w.start).collect())
            .collect();
        assert_eq!(
            spans,
            [
                "Добрый",
                "день",
                "Меня",
                "зовут",
                "Анна",
                "компания",
                "Ромашка"
            ]
        );
        assert_eq!(found[6].folded, "ромашка");
    }

    #[test]
    fn yo_and_case_fold_to_one_form() {
        assert_eq!(fold("ЕЩЁ Всё"), "еще все");
    }

    #[test]
    fn punctuation_marks_clauses_and_sentences() {
        let breaks: Vec<Break> = words("Понимаю, вы расстроены. Давайте разберёмся")
            .iter()
            .map(|w| w.break_before)
            .collect();
        assert_eq!(
            breaks,
            [
                Break::Sentence,
                Break::Clause,
                Break::None,
                Break::Sentence,
                Break::None
            ]
        );
    }

    #[test]
    fn numbers_stay_words() {
        let found = words("около 30 секунд");
        assert_eq!(found[1].folded, "30");
    }
}
