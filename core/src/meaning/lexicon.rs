//! The lexicon of meanings (`assets/lexicon/ru.ron`): words that carry no intent, negation cues
//! and synonym groups; with the morphological dictionary, a stemmer for derivational families and
//! the word embeddings, everything intent matching knows about Russian words.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

use super::embeddings::Embeddings;
use crate::text::{AnalyzedText, Break, Morphology, MorphologyError, fold};

/// The lexicon shipped inside the binary.
pub const BUNDLED_LEXICON: &str = include_str!("../../../assets/lexicon/ru.ron");

/// The lexicon file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Lexicon")]
struct LexiconFile {
    stopwords: Vec<String>,
    negations: Vec<String>,
    synonyms: Vec<Vec<String>>,
}

/// The lexicon could not be built: a broken build, never user input.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    /// The bundled lexicon file does not parse.
    #[error("the bundled lexicon is broken: {0}")]
    Broken(String),
    /// The dictionary could not be loaded.
    #[error(transparent)]
    Morphology(#[from] MorphologyError),
}

/// Everything intent matching knows about Russian words; cheap to clone and share.
#[derive(Clone)]
pub struct Lexicon {
    inner: Arc<Inner>,
}

struct Inner {
    morphology: Morphology,
    stemmer: rust_stemmers::Stemmer,
    /// Lemmas that carry no intent.
    stopwords: HashSet<String>,
    /// Folded forms that negate the next content word.
    negations: HashSet<String>,
    /// Lemma → the synonym groups it belongs to.
    groups: HashMap<String, Vec<u32>>,
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Lexicon")
            .field("stopwords", &self.inner.stopwords.len())
            .field("synonym_lemmas", &self.inner.groups.len())
            .finish_non_exhaustive()
    }
}

/// The predicate «нет»: it negates the content word before it in the same clause.
const NO: &str = "нет";

/// A content word of a reply or an example phrasing, as intent matching sees it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Concept {
    /// The word as written, folded.
    pub folded: String,
    /// Lemmas of every reading, most likely first.
    pub lemmas: Vec<String>,
    /// Whether the dictionary knows the form (unknown forms may be typos).
    pub known: bool,
    /// The stem of the most likely lemma: its derivational family.
    pub stem: String,
    /// Synonym groups of any of its lemmas.
    pub groups: Vec<u32>,
    /// Negated: «не проверю», «аварии нет», «никакой аварии».
    pub negated: bool,
    /// A function word or a stopword: kept only for phrasings that have nothing else.
    pub function: bool,
}

impl Lexicon {
    /// Builds the bundled lexicon.
    pub fn bundled(morphology: Morphology) -> Result<Self, LexiconError> {
        let file: LexiconFile = ron::Options::default()
            .from_str(BUNDLED_LEXICON)
            .map_err(|error| LexiconError::Broken(error.to_string()))?;
        let lemma = |word: &str| morphology.pattern_lemma(&fold(word));
        let stopwords = file.stopwords.iter().map(|word| lemma(word)).collect();
        let negations = file.negations.iter().map(|word| fold(word)).collect();
        let mut groups: HashMap<String, Vec<u32>> = HashMap::new();
        for (index, group) in (0u32..).zip(&file.synonyms) {
            for word in group {
                let entry = groups.entry(lemma(word)).or_default();
                if !entry.contains(&index) {
                    entry.push(index);
                }
            }
        }
        Ok(Lexicon {
            inner: Arc::new(Inner {
                morphology,
                stemmer: rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::Russian),
                stopwords,
                negations,
                groups,
            }),
        })
    }

    /// The process-wide lexicon over the shared dictionary, built on first use.
    pub fn shared() -> Result<Self, LexiconError> {
        static SHARED: OnceLock<Result<Lexicon, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                Morphology::shared()
                    .map_err(LexiconError::from)
                    .and_then(Lexicon::bundled)
                    .map_err(|error| error.to_string())
            })
            .clone()
            .map_err(LexiconError::Broken)
    }

    /// The dictionary underneath.
    pub fn morphology(&self) -> &Morphology {
        &self.inner.morphology
    }

    /// The word embeddings, loaded on first use (see [`Embeddings::preload`]).
    pub(crate) fn embeddings(&self) -> Option<&'static Embeddings> {
        Embeddings::shared()
    }

    /// The words of `text` as concepts, with negation marked.
    pub(crate) fn concepts(&self, text: &str) -> Vec<Concept> {
        self.concepts_of(&AnalyzedText::new(&self.inner.morphology, text))
    }

    /// The words of a text already analysed, as concepts: the dictionary is not asked twice.
    pub(crate) fn concepts_of(&self, analyzed: &AnalyzedText) -> Vec<Concept> {
        let mut concepts: Vec<Concept> = Vec::new();
        let mut negate_next = false;
        // Index of the first concept of the current clause: «нет» reaches back no further.
        let mut clause_start = 0;
        // A «нет» waiting for its word: the next content word of the clause («нет аварии»), or
        // else every content word before it in the clause («аварий в районе нет»).
        let mut pending_no: Option<std::ops::Range<usize>> = None;
        for word in &analyzed.words {
            if word.word.break_before >= Break::Clause {
                negate_next = false;
                if let Some(before) = pending_no.take() {
                    negate_all(&mut concepts[before]);
                }
                clause_start = concepts.len();
            }
            let folded = word.word.folded.as_str();
            if self.inner.negations.contains(folded) {
                negate_next = true;
                continue;
            }
            if folded == NO {
                pending_no = Some(clause_start..concepts.len());
                negate_next = true;
                continue;
            }
            let lemmas = if word.reading.lemmas.is_empty() {
                vec![folded.to_owned()]
            } else {
                word.reading.lemmas.clone()
            };
            let function = word.reading.function_word
                || lemmas
                    .first()
                    .is_some_and(|lemma| self.inner.stopwords.contains(lemma));
            let mut groups: Vec<u32> = Vec::new();
            for lemma in &lemmas {
                for &group in self.inner.groups.get(lemma).into_iter().flatten() {
                    if !groups.contains(&group) {
                        groups.push(group);
                    }
                }
            }
            let negated = negate_next && !function;
            if !function {
                negate_next = false;
                pending_no = None;
            }
            concepts.push(Concept {
                folded: folded.to_owned(),
                stem: self.inner.stemmer.stem(&lemmas[0]).into_owned(),
                lemmas,
                known: word.reading.known,
                groups,
                negated,
                function,
            });
        }
        if let Some(before) = pending_no {
            negate_all(&mut concepts[before]);
        }
        concepts
    }
}

/// Marks every content word negated: «аварий в вашем районе нет».
fn negate_all(concepts: &mut [Concept]) {
    for concept in concepts.iter_mut().filter(|concept| !concept.function) {
        concept.negated = !concept.negated;
    }
}
