//! Russian phrase matching shared by scenario conditions and scoring rules.

pub mod duration;
pub mod morph;
pub mod pattern;
pub mod tokens;

pub use duration::{DurationPromise, minutes_seconds, promised_durations};
pub use morph::{Grammar, Morphology, MorphologyError, WordReading};
pub use pattern::{AnalyzedText, AnalyzedWord, Hit, PatternError, Phrase, PhraseSet};
pub use tokens::{Break, Word, fold, words};

/// Capitalises the first letter: a phrase quoted at the start of a suggestion, a message that
/// begins mid-sentence («микрофон не найден…»).
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
