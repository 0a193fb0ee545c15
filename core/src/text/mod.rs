//! Russian phrase matching shared by scenario conditions and scoring rules.

pub mod duration;
pub mod morph;
pub mod pattern;
pub mod tokens;

pub use duration::{DurationPromise, minutes_seconds, promised_durations};
pub use morph::{Grammar, Morphology, MorphologyError, WordReading};
pub use pattern::{AnalyzedText, AnalyzedWord, Hit, PatternError, Phrase, PhraseSet};
pub use tokens::{Break, Word, fold, words};
