//! The morphological dictionary behind phrase matching, kept behind our own type.
//!
//! `rumorph` is young and pinned; nothing outside this file names it, so replacing it is a
//! one-file change.

use std::sync::{Arc, OnceLock};

use super::tokens::fold;

/// What the dictionary says about one word form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordReading {
    /// Lemmas of every reading of the form, folded (lower case, «ё» → «е»), most likely first.
    pub lemmas: Vec<String>,
    /// Whether the dictionary knows the form; unknown forms are candidates for typo matching.
    pub known: bool,
}

/// The Russian morphological dictionary (OpenCorpora data bundled with `rumorph`).
///
/// Loading it costs milliseconds; create it once (see [`Morphology::shared`]) and share it.
#[derive(Clone)]
pub struct Morphology {
    dictionary: Arc<rumorph::Dictionary>,
}

/// The dictionary could not be loaded: a broken build, never bad user input.
#[derive(Debug, thiserror::Error)]
#[error("the bundled Russian dictionary could not be loaded: {0}")]
pub struct MorphologyError(String);

impl Morphology {
    /// Loads the bundled dictionary.
    pub fn bundled() -> Result<Self, MorphologyError> {
        let dictionary =
            rumorph::Dictionary::bundled().map_err(|error| MorphologyError(error.to_string()))?;
        Ok(Morphology {
            dictionary: Arc::new(dictionary),
        })
    }

    /// The process-wide dictionary, loaded on first use.
    pub fn shared() -> Result<Self, MorphologyError> {
        static SHARED: OnceLock<Result<Morphology, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Morphology::bundled().map_err(|error| error.0))
            .clone()
            .map_err(MorphologyError)
    }

    /// Every reading of a word form (already folded).
    pub fn read(&self, folded: &str) -> WordReading {
        let mut lemmas: Vec<String> = Vec::new();
        for analysis in self.dictionary.analyze(folded) {
            let lemma = fold(&analysis.lemma);
            if !lemmas.contains(&lemma) {
                lemmas.push(lemma);
            }
        }
        WordReading {
            lemmas,
            known: self.dictionary.is_known(folded),
        }
    }

    /// The lemma a pattern word stands for: its most likely reading, as measured in
    /// `shared/notes/morphology.md` (all readings of the text word against the first reading of
    /// the rule word).
    pub fn pattern_lemma(&self, folded: &str) -> String {
        self.dictionary
            .analyze(folded)
            .first()
            .map_or_else(|| folded.to_owned(), |analysis| fold(&analysis.lemma))
    }

    /// Every inflected form of the pattern word's lexeme, folded; typo matching compares against
    /// these so «инструкцыю» finds «инструкцию».
    pub fn forms(&self, folded: &str) -> Vec<String> {
        let mut forms = vec![folded.to_owned()];
        if let Some(first) = self.dictionary.analyze(folded).first() {
            for form in self.dictionary.forms(first) {
                let form = fold(&form.word);
                if !forms.contains(&form) {
                    forms.push(form);
                }
            }
        }
        forms
    }
}

impl std::fmt::Debug for Morphology {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Morphology(rumorph bundled)")
    }
}
