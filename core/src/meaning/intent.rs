//! Intents: what the agent means («предложить проверить линию»), written as a few example
//! phrasings and matched by meaning — the same lemma, a synonym, the same derivational family, a
//! close embedding — in any word order, with negation respected.
//!
//! A phrasing's score is the mean over its content words of how well the reply covers each — the
//! least covered one left out in a phrasing of four words or more, or of three whose other two
//! the reply says as such, since examples carry an incidental word («перезвоню вам *вечером*,
//! когда вы будете дома») — and nothing at all when the reply says one of its words negated; an
//! intent's score is its best phrasing's. Deterministic: the same reply always scores the same.

use super::lexicon::{Concept, Lexicon};
use crate::text::AnalyzedText;
use crate::text::pattern::close_enough;

/// The score from which a reply counts as meaning the intent.
pub const UNDERSTOOD: f32 = 0.75;

/// How much a word of a phrasing is covered by a synonym of it.
const SYNONYM: f32 = 0.95;
/// … by a word of its derivational family («проверка» for «проверить»).
const FAMILY: f32 = 0.9;
/// … by a misspelling of it, for words the dictionary does not know.
const TYPO: f32 = 0.85;
/// Embedding similarity below this is noise: measured on navec, unrelated lemmas score about 0.1
/// and synonyms 0.5–0.7, but so do co-hyponyms («понедельник»/«вторник» 0.93).
const EMBEDDING_FLOOR: f32 = 0.6;
/// An embedding match counts for its similarity times this: never as much as a synonym.
const EMBEDDING_WEIGHT: f32 = 0.9;

/// From this many content words on, a phrasing's least covered word may be left out of its score.
const INCIDENTAL_FROM: usize = 3;
/// A word of the reply this close to a phrasing's word, but of the opposite polarity, contradicts
/// the phrasing («не могу проверить» against «проверю»).
const CONTRADICTS: f32 = FAMILY;

/// Shortest stem prefix two stems must share to be one derivational family.
const FAMILY_MIN_PREFIX: usize = 6;
/// Verbal prefixes stripped when comparing families («продиагностировать» → «диагностировать»).
const PREFIXES: &[&str] = &[
    "пере", "про", "при", "раз", "рас", "под", "от", "вы", "за", "по", "до", "на", "об", "у", "с",
];

/// A reply analysed once for every intent of a step.
#[derive(Clone, Debug)]
pub struct Utterance {
    concepts: Vec<Concept>,
}

impl Utterance {
    /// Analyses a reply.
    pub fn new(lexicon: &Lexicon, text: &str) -> Self {
        Utterance {
            concepts: lexicon.concepts(text),
        }
    }

    /// A reply whose words the dictionary has already read (the engine reads each reply once).
    pub fn of(lexicon: &Lexicon, analyzed: &AnalyzedText) -> Self {
        Utterance {
            concepts: lexicon.concepts_of(analyzed),
        }
    }
}

/// An example phrasing of an intent, analysed.
#[derive(Clone, Debug)]
struct Example {
    source: String,
    /// Its content words; all its words when it has none («да, конечно»).
    words: Vec<Concept>,
    /// Whether `words` are function words too, matched only by lemma.
    literal: bool,
}

/// An intent ready to match.
#[derive(Clone, Debug)]
pub struct Intent {
    /// What the agent means, as the trainer wrote it: «предложить проверить линию».
    pub label: String,
    examples: Vec<Example>,
}

/// An example phrasing that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("в примере «{example}» намерения «{intent}» нет ни одного слова")]
pub struct IntentError {
    /// The intent's label.
    pub intent: String,
    /// Index of the example.
    pub index: usize,
    /// The example.
    pub example: String,
}

/// How well a reply means an intent, and through which phrasing.
#[derive(Clone, Debug, PartialEq)]
pub struct IntentMatch {
    /// 0 … 1; from [`UNDERSTOOD`] on the reply means the intent.
    pub score: f32,
    /// The phrasing that matched best.
    pub example: String,
}

impl IntentMatch {
    /// Whether the reply means the intent.
    pub fn understood(&self) -> bool {
        self.score >= UNDERSTOOD
    }
}

impl Intent {
    /// Analyses the examples of an intent.
    pub fn new<S: AsRef<str>>(
        lexicon: &Lexicon,
        label: &str,
        examples: &[S],
    ) -> Result<Self, IntentError> {
        let examples = examples
            .iter()
            .enumerate()
            .map(|(index, example)| {
                let source = example.as_ref();
                let all = lexicon.concepts(source);
                let content: Vec<Concept> = all
                    .iter()
                    .filter(|concept| !concept.function)
                    .cloned()
                    .collect();
                if all.is_empty() {
                    return Err(IntentError {
                        intent: label.to_owned(),
                        index,
                        example: source.to_owned(),
                    });
                }
                let literal = content.is_empty();
                Ok(Example {
                    source: source.to_owned(),
                    words: if literal { all } else { content },
                    literal,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Intent {
            label: label.to_owned(),
            examples,
        })
    }

    /// The best phrasing's score for a reply.
    pub fn best(&self, lexicon: &Lexicon, utterance: &Utterance) -> IntentMatch {
        let mut best = IntentMatch {
            score: 0.0,
            example: String::new(),
        };
        for example in &self.examples {
            let score = example.score(lexicon, utterance);
            if score > best.score {
                best = IntentMatch {
                    score,
                    example: example.source.clone(),
                };
            }
        }
        best
    }
}

impl Example {
    fn score(&self, lexicon: &Lexicon, utterance: &Utterance) -> f32 {
        let mut covered: Vec<f32> = Vec::with_capacity(self.words.len());
        for word in &self.words {
            let (mut same, mut opposite) = (0.0_f32, 0.0_f32);
            for candidate in utterance
                .concepts
                .iter()
                .filter(|candidate| self.literal || !candidate.function)
            {
                let closeness = if self.literal {
                    f32::from(u8::from(candidate.lemmas.contains(&word.lemmas[0])))
                } else {
                    closeness(lexicon, word, candidate)
                };
                if candidate.negated == word.negated {
                    same = same.max(closeness);
                } else {
                    opposite = opposite.max(closeness);
                }
            }
            if opposite >= CONTRADICTS && same < CONTRADICTS {
                return 0.0;
            }
            covered.push(same);
        }
        let weakest = covered
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(index, _)| index);
        if let Some(weakest) = weakest {
            // Of three words, the two others must be said as such: «настрою … доступ» is not
            // «настрою через удалённый доступ».
            let others_exact = covered
                .iter()
                .enumerate()
                .all(|(index, &value)| index == weakest || value >= 1.0);
            if covered.len() > INCIDENTAL_FROM || (covered.len() == INCIDENTAL_FROM && others_exact)
            {
                covered.remove(weakest);
            }
        }
        covered.iter().sum::<f32>() / covered.len() as f32
    }
}

/// How well the reply's word `heard` covers the phrasing's word `wanted`, 0 … 1, polarity aside.
fn closeness(lexicon: &Lexicon, wanted: &Concept, heard: &Concept) -> f32 {
    if heard.lemmas.contains(&wanted.lemmas[0]) || wanted.lemmas.contains(&heard.lemmas[0]) {
        return 1.0;
    }
    if wanted
        .groups
        .iter()
        .any(|group| heard.groups.contains(group))
    {
        return SYNONYM;
    }
    if same_family(&wanted.stem, &heard.stem) {
        return FAMILY;
    }
    if !heard.known && close_enough(&heard.folded, &wanted.folded) {
        return TYPO;
    }
    lexicon
        .embeddings()
        .and_then(|embeddings| embeddings.similarity(&wanted.lemmas[0], &heard.lemmas[0]))
        .filter(|&similarity| similarity >= EMBEDDING_FLOOR)
        .map_or(0.0, |similarity| similarity * EMBEDDING_WEIGHT)
}

/// Whether two stems belong to one derivational family: they share a prefix of at least
/// [`FAMILY_MIN_PREFIX`] letters that is all but at most two letters of the shorter stem
/// («провер»/«проверк», «компенсац»/«компенсирова»), possibly after a verbal prefix
/// («заблокирова»/«блокировк»).
fn same_family(a: &str, b: &str) -> bool {
    let related = |a: &str, b: &str| {
        let shorter = a.chars().count().min(b.chars().count());
        let shared = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
        shared >= FAMILY_MIN_PREFIX.min(shorter) && shared + 2 >= shorter && shorter >= 5
    };
    let stripped = |stem: &str| -> Option<String> {
        PREFIXES.iter().find_map(|prefix| {
            stem.strip_prefix(prefix)
                .filter(|rest| rest.chars().count() >= FAMILY_MIN_PREFIX)
                .map(str::to_owned)
        })
    };
    related(a, b)
        || stripped(a).is_some_and(|a| related(&a, b))
        || stripped(b).is_some_and(|b| related(a, &b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivational_families_by_stem() {
        assert!(same_family("провер", "проверк"));
        assert!(same_family("провер", "проверя"));
        assert!(same_family("компенсац", "компенсирова"));
        assert!(same_family("заблокирова", "блокировк"));
        assert!(same_family("продиагностирова", "диагностик"));
        assert!(same_family("извин", "извинен"));
        assert!(!same_family("провест", "провер"));
        assert!(!same_family("звон", "звонок"));
        assert!(!same_family("провод", "провер"));
    }
}
