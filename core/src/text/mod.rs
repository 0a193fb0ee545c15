//! Russian phrase matching shared by scenario conditions and scoring rules.

pub mod duration;
pub mod morph;
pub mod pattern;
pub mod spoken;
pub mod tokens;

pub use duration::{DurationPromise, minutes_seconds, promised_durations};
pub use morph::{Grammar, Morphology, MorphologyError, WordReading};
pub use pattern::{AnalyzedText, AnalyzedWord, Hit, PatternError, Phrase, PhraseSet};
pub use tokens::{Break, Word, fold, words};

/// Seconds as Russian writes them, to a tenth with a decimal comma: «4,1».
pub fn tenths(seconds: f64) -> String {
    format!("{seconds:.1}").replace('.', ",")
}

/// A share to two decimals with a decimal comma: «0,81».
pub fn hundredths(value: f32) -> String {
    format!("{value:.2}").replace('.', ",")
}

/// Capitalises the first letter: a phrase quoted at the start of a suggestion, a message that
/// begins mid-sentence («микрофон не найден…»).
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_take_a_decimal_comma() {
        assert_eq!(tenths(0.412), "0,4");
        assert_eq!(tenths(4.06), "4,1");
        assert_eq!(tenths(12.0), "12,0");
    }
}
