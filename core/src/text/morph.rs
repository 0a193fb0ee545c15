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
    /// What any of the readings can be grammatically: enough to find who a sentence is about.
    pub grammar: Grammar,
    /// The most likely reading is a function word (pronoun, preposition, conjunction, particle,
    /// interjection, auxiliary): it carries no meaning of its own for intent matching.
    pub function_word: bool,
}

/// Grammatical possibilities of a word form, over all its readings (a small bit set).
///
/// Scoring uses them to tell «вы должны» (an obligation on the customer) from «роутер должен»
/// (a thing), and to find the agent's name in a greeting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Grammar(u16);

impl Grammar {
    /// A noun or pronoun that can be a nominative singular subject («роутер», «ты», «смс»).
    pub const SUBJECT_SINGULAR: Grammar = Grammar(1);
    /// A noun or pronoun that can be a nominative plural subject («вы», «деньги»).
    pub const SUBJECT_PLURAL: Grammar = Grammar(1 << 1);
    /// A personal pronoun of the second person in any case («вы», «вам», «тебя»).
    pub const SECOND_PERSON: Grammar = Grammar(1 << 2);
    /// A given name («Анна», «анна»).
    pub const FIRST_NAME: Grammar = Grammar(1 << 3);
    /// A finite verb in the indicative («купили», «проверил»).
    pub const FINITE_VERB: Grammar = Grammar(1 << 4);
    /// An infinitive («перезагрузить»).
    pub const INFINITIVE: Grammar = Grammar(1 << 5);
    /// A transitive verb: the noun after it is its object, not its subject.
    pub const TRANSITIVE: Grammar = Grammar(1 << 6);
    /// An imperative («подождите»).
    pub const IMPERATIVE: Grammar = Grammar(1 << 7);

    /// Whether every possibility in `other` is present.
    pub fn has(self, other: Grammar) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether a nominative subject reading of either number is present.
    pub fn can_be_subject(self) -> bool {
        self.0 & (Grammar::SUBJECT_SINGULAR.0 | Grammar::SUBJECT_PLURAL.0) != 0
    }
}

impl std::ops::BitOr for Grammar {
    type Output = Grammar;
    fn bitor(self, other: Grammar) -> Grammar {
        Grammar(self.0 | other.0)
    }
}

impl std::ops::BitOrAssign for Grammar {
    fn bitor_assign(&mut self, other: Grammar) {
        self.0 |= other.0;
    }
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
        let mut grammar = Grammar::default();
        let analyses = self.dictionary.analyze(folded);
        let function_word = analyses
            .first()
            .and_then(|first| self.dictionary.ud_tag(first.ud))
            .is_some_and(|tag| FUNCTION_POS.contains(&tag.pos()));
        for analysis in analyses {
            if let Some(tag) = self.dictionary.ud_tag(analysis.ud) {
                grammar |= grammar_of(tag, analysis.prob);
            }
            let lemma = fold(&analysis.lemma);
            if !lemmas.contains(&lemma) {
                lemmas.push(lemma);
            }
        }
        WordReading {
            lemmas,
            known: self.dictionary.is_known(folded),
            grammar,
            function_word,
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

/// Parts of speech (Universal Dependencies) that carry no meaning of their own.
const FUNCTION_POS: &[&str] = &[
    "PRON", "DET", "ADP", "CCONJ", "SCONJ", "PART", "INTJ", "AUX",
];

/// Readings rarer than this never count as a subject: «договора» as an informal nominative
/// plural (p ≈ 0.01) would otherwise hide «вы» in «вы, как владелец договора, должны».
const RARE_READING: f64 = 0.05;

/// The possibilities one reading adds.
fn grammar_of(tag: rumorph::UdTag<'_>, probability: f64) -> Grammar {
    let mut grammar = Grammar::default();
    match tag.pos() {
        "NOUN" | "PRON" | "PROPN" => {
            // Indeclinable nouns («смс», «wi-fi») carry no case or number: they can be anything.
            if matches!(tag.feat("Case"), None | Some("Nom")) && probability >= RARE_READING {
                match tag.feat("Number") {
                    Some("Sing") => grammar |= Grammar::SUBJECT_SINGULAR,
                    Some("Plur") => grammar |= Grammar::SUBJECT_PLURAL,
                    _ => grammar |= Grammar::SUBJECT_SINGULAR | Grammar::SUBJECT_PLURAL,
                }
            }
            if tag.pos() == "PRON" && tag.feat("Person") == Some("2") {
                grammar |= Grammar::SECOND_PERSON;
            }
            if tag.feat("NameType") == Some("Giv") {
                grammar |= Grammar::FIRST_NAME;
            }
        }
        "VERB" | "AUX" => {
            match (tag.feat("VerbForm"), tag.feat("Mood")) {
                (Some("Inf"), _) => grammar |= Grammar::INFINITIVE,
                (Some("Fin"), Some("Imp")) => grammar |= Grammar::IMPERATIVE,
                (Some("Fin"), _) => grammar |= Grammar::FINITE_VERB,
                _ => {}
            }
            if tag.has_label("tran") {
                grammar |= Grammar::TRANSITIVE;
            }
        }
        _ => {}
    }
    grammar
}

impl std::fmt::Debug for Morphology {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Morphology(rumorph bundled)")
    }
}
