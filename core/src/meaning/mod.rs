//! Understanding the agent by meaning: intents written as example phrasings and matched through
//! lemmas, derivational families, synonyms, negation and word embeddings.

pub mod embeddings;
mod intent;
mod lexicon;

pub use embeddings::Embeddings;
pub use intent::{Intent, IntentError, IntentMatch, UNDERSTOOD, Utterance};
pub use lexicon::{BUNDLED_LEXICON, Lexicon, LexiconError};
