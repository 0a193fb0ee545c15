//! Phrase patterns a trainer writes («читайте|прочитайте инструкцию», «=всего =доброго»,
//! «!=должно =быть») and their matching against analysed text.
//!
//! Syntax, word by word, separated by spaces:
//! - `инструкция` — the word in any inflection (same lemma, through the dictionary);
//! - `=доброго` — exactly this form (case and «ё» folded), for fixed formulas;
//! - `читайте|прочитайте` — any of the alternatives in this position;
//! - a whole phrase starting with `!` in a list is an exception: a hit that overlaps it does not
//!   count («должен» with «!=должно =быть»).
//!
//! - `...` between two words — up to [`WIDE_GAP`] other words may stand there («остаться ...
//!   вопрос» finds «Остались ли у вас ещё вопросы?»).
//!
//! Otherwise up to [`MAX_GAP`] other words may stand between the words of a phrase («спасибо вам
//! большое за ожидание»). Words the dictionary does not know (typos) match by edit distance.

use super::morph::{Morphology, WordReading};
use super::tokens::{Word, words};

/// How many other words may stand between two consecutive words of a phrase.
pub const MAX_GAP: usize = 2;

/// How many other words a `...` in a pattern lets stand between its neighbours.
pub const WIDE_GAP: usize = 6;

/// The pattern token that widens the gap before the next word.
const WIDE_GAP_TOKEN: &str = "...";

/// Shortest unknown word that may match by edit distance; shorter typos are too ambiguous.
const FUZZY_MIN_CHARS: usize = 5;
/// From this length on, two edits are tolerated instead of one.
const FUZZY_TWO_EDITS_CHARS: usize = 8;

/// A word of analysed text: where it is and what the dictionary says about it.
#[derive(Clone, Debug)]
pub struct AnalyzedWord {
    /// Position and folded spelling.
    pub word: Word,
    /// Lemmas and whether the dictionary knows the form.
    pub reading: WordReading,
    /// Keys of the folded spelling and of each lemma: matching compares numbers, not strings.
    keys: WordKeys,
}

#[derive(Clone, Debug, Default)]
struct WordKeys {
    folded: u64,
    lemmas: Vec<u64>,
}

/// A stable 64-bit key of a folded word (SipHash with fixed keys: the same in every run).
fn key(word: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    word.hash(&mut hasher);
    hasher.finish()
}

/// Text split into words and looked up in the dictionary once, then matched by many patterns.
#[derive(Clone, Debug, Default)]
pub struct AnalyzedText {
    /// The words in order.
    pub words: Vec<AnalyzedWord>,
}

impl AnalyzedText {
    /// Splits and analyses `text`.
    pub fn new(morphology: &Morphology, text: &str) -> Self {
        let words = words(text)
            .into_iter()
            .map(|word| {
                let reading = morphology.read(&word.folded);
                let keys = WordKeys {
                    folded: key(&word.folded),
                    lemmas: reading.lemmas.iter().map(|lemma| key(lemma)).collect(),
                };
                AnalyzedWord {
                    reading,
                    word,
                    keys,
                }
            })
            .collect();
        AnalyzedText { words }
    }
}

/// One occurrence of a phrase in analysed text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Index of the phrase within its [`PhraseSet`].
    pub phrase: usize,
    /// First matched word (index into [`AnalyzedText::words`]).
    pub first_word: usize,
    /// Last matched word, inclusive.
    pub last_word: usize,
    /// Character span `[start, end)` in the original text.
    pub span: (usize, usize),
}

/// A pattern a trainer wrote that cannot be used, with a Russian explanation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PatternError {
    /// What is wrong, in Russian.
    pub message: String,
    /// What to do about it, in Russian.
    pub help: String,
}

#[derive(Clone, Debug)]
enum Alternative {
    /// Any form whose readings include this lemma.
    /// Keys are compared first: matching runs for every word of every turn.
    Lemma {
        lemma: u64,
        forms: Vec<String>,
        form_keys: Vec<u64>,
    },
    /// Exactly this folded form.
    Exact { form: String, form_key: u64 },
}

#[derive(Clone, Debug)]
struct Slot {
    alternatives: Vec<Alternative>,
    /// How many other words may precede this one after the previous slot's word.
    gap_before: usize,
}

/// One phrase: a sequence of word slots.
#[derive(Clone, Debug)]
pub struct Phrase {
    source: String,
    slots: Vec<Slot>,
}

impl Phrase {
    /// Parses one phrase (without the `!` exception mark).
    pub fn parse(morphology: &Morphology, source: &str) -> Result<Self, PatternError> {
        let mut slots: Vec<Slot> = Vec::new();
        let mut gap_before = MAX_GAP;
        for chunk in source.split_whitespace() {
            if chunk == WIDE_GAP_TOKEN || chunk == "…" {
                gap_before = WIDE_GAP;
                continue;
            }
            if chunk.contains('|') {
                let mut alternatives = Vec::new();
                for option in chunk.split('|') {
                    let (exact, option_words) = parse_word(option, source)?;
                    if option_words.len() != 1 {
                        return Err(PatternError {
                            message: format!(
                                "вариант «{option}» во фразе «{source}» должен быть одним словом"
                            ),
                            help: "Варианты через «|» — это отдельные слова: «читайте|прочитайте \
                                   инструкцию». Для разных фраз заведите отдельные строки списка."
                                .to_owned(),
                        });
                    }
                    alternatives.push(alternative(morphology, exact, &option_words[0]));
                }
                slots.push(Slot {
                    alternatives,
                    gap_before,
                });
            } else {
                let (exact, chunk_words) = parse_word(chunk, source)?;
                for word in chunk_words {
                    slots.push(Slot {
                        alternatives: vec![alternative(morphology, exact, &word)],
                        gap_before,
                    });
                    gap_before = MAX_GAP;
                }
            }
            gap_before = MAX_GAP;
        }
        if slots.is_empty() {
            return Err(PatternError {
                message: format!("во фразе «{source}» нет ни одного слова"),
                help:
                    "Напишите слова, которые должен сказать сотрудник, например «номер договора»."
                        .to_owned(),
            });
        }
        Ok(Phrase {
            source: source.to_owned(),
            slots,
        })
    }

    /// The pattern as the trainer wrote it.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every non-overlapping occurrence, left to right.
    fn find(&self, text: &AnalyzedText, phrase: usize) -> Vec<Hit> {
        let mut hits = Vec::new();
        let mut start = 0;
        while start < text.words.len() {
            match self.match_at(text, start) {
                Some(last) => {
                    hits.push(Hit {
                        phrase,
                        first_word: start,
                        last_word: last,
                        span: (text.words[start].word.start, text.words[last].word.end),
                    });
                    start = last + 1;
                }
                None => start += 1,
            }
        }
        hits
    }

    /// The last word of a match that begins at `start`, if there is one.
    fn match_at(&self, text: &AnalyzedText, start: usize) -> Option<usize> {
        if !self.slots[0].matches(&text.words[start]) {
            return None;
        }
        self.match_rest(text, 1, start)
    }

    fn match_rest(&self, text: &AnalyzedText, slot: usize, previous: usize) -> Option<usize> {
        if slot == self.slots.len() {
            return Some(previous);
        }
        let gap = self.slots[slot].gap_before;
        let last_candidate = (previous + 1 + gap).min(text.words.len().saturating_sub(1));
        (previous + 1..=last_candidate)
            .filter(|&index| self.slots[slot].matches(&text.words[index]))
            .find_map(|index| self.match_rest(text, slot + 1, index))
    }
}

impl Slot {
    fn matches(&self, word: &AnalyzedWord) -> bool {
        self.alternatives
            .iter()
            .any(|alternative| alternative.matches(word))
    }
}

impl Alternative {
    fn matches(&self, word: &AnalyzedWord) -> bool {
        let folded = &word.word.folded;
        match self {
            Alternative::Exact { form, form_key } => {
                word.keys.folded == *form_key || (!word.reading.known && close_enough(folded, form))
            }
            Alternative::Lemma {
                lemma,
                forms,
                form_keys,
            } => {
                // A known word's readings already hold the lemma of every lexeme it belongs
                // to; only unknown words need the form list.
                word.keys.lemmas.contains(lemma)
                    || (!word.reading.known && form_keys.contains(&word.keys.folded))
                    || (!word.reading.known && forms.iter().any(|form| close_enough(folded, form)))
            }
        }
    }
}

/// Typo tolerance for words the dictionary does not know.
pub(crate) fn close_enough(typed: &str, form: &str) -> bool {
    let length = typed.chars().count();
    let allowed = match length {
        n if n < FUZZY_MIN_CHARS => return false,
        n if n < FUZZY_TWO_EDITS_CHARS => 1,
        _ => 2,
    };
    // Lengths further apart than the edits allowed can never match: skip the distance.
    if length.abs_diff(form.chars().count()) > allowed {
        return false;
    }
    strsim::damerau_levenshtein(typed, form) <= allowed
}

fn alternative(morphology: &Morphology, exact: bool, word: &str) -> Alternative {
    if exact {
        Alternative::Exact {
            form: word.to_owned(),
            form_key: key(word),
        }
    } else {
        let forms = morphology.forms(word);
        Alternative::Lemma {
            lemma: key(&morphology.pattern_lemma(word)),
            form_keys: forms.iter().map(|form| key(form)).collect(),
            forms,
        }
    }
}

/// Splits one pattern word into its `=` mark and the folded words it contains.
fn parse_word(chunk: &str, source: &str) -> Result<(bool, Vec<String>), PatternError> {
    let (exact, body) = match chunk.strip_prefix('=') {
        Some(rest) => (true, rest),
        None => (false, chunk),
    };
    let found: Vec<String> = words(body).into_iter().map(|word| word.folded).collect();
    if found.is_empty() {
        let shown = if chunk.is_empty() { "|" } else { chunk };
        return Err(PatternError {
            message: format!("во фразе «{source}» пустое слово или вариант: «{shown}»"),
            help: "После «=» и между «|» должно стоять слово: «=всего =доброго», \
                   «читайте|прочитайте»."
                .to_owned(),
        });
    }
    Ok((exact, found))
}

/// A list of phrases and exceptions, as written in a condition or a rubric word list.
#[derive(Clone, Debug)]
pub struct PhraseSet {
    phrases: Vec<Phrase>,
    exceptions: Vec<Phrase>,
}

/// The mark that turns a list entry into an exception phrase.
pub const EXCEPTION_MARK: char = '!';

impl PhraseSet {
    /// Parses a list; entries starting with `!` are exceptions. The error carries the index of
    /// the entry at fault.
    pub fn parse<S: AsRef<str>>(
        morphology: &Morphology,
        entries: &[S],
    ) -> Result<Self, (usize, PatternError)> {
        let mut phrases = Vec::new();
        let mut exceptions = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let entry = entry.as_ref();
            match entry.trim_start().strip_prefix(EXCEPTION_MARK) {
                Some(exception) => exceptions
                    .push(Phrase::parse(morphology, exception).map_err(|error| (index, error))?),
                None => {
                    phrases.push(Phrase::parse(morphology, entry).map_err(|error| (index, error))?)
                }
            }
        }
        if phrases.is_empty() {
            return Err((
                0,
                PatternError {
                    message: "в списке нет ни одной фразы для поиска".to_owned(),
                    help: "Добавьте хотя бы одну фразу без «!»: строки с «!» только исключают \
                           совпадения."
                        .to_owned(),
                },
            ));
        }
        Ok(PhraseSet {
            phrases,
            exceptions,
        })
    }

    /// A set with no phrases, which never matches.
    pub fn empty() -> Self {
        PhraseSet {
            phrases: Vec::new(),
            exceptions: Vec::new(),
        }
    }

    /// Every hit of every phrase that no exception overlaps, in text order.
    pub fn find(&self, text: &AnalyzedText) -> Vec<Hit> {
        let excluded: Vec<Hit> = self
            .exceptions
            .iter()
            .enumerate()
            .flat_map(|(index, phrase)| phrase.find(text, index))
            .collect();
        let mut hits: Vec<Hit> = self
            .phrases
            .iter()
            .enumerate()
            .flat_map(|(index, phrase)| phrase.find(text, index))
            .filter(|hit| {
                !excluded.iter().any(|exception| {
                    exception.first_word <= hit.last_word && hit.first_word <= exception.last_word
                })
            })
            .collect();
        hits.sort_by_key(|hit| (hit.first_word, hit.phrase));
        hits
    }

    /// The phrase at `index` (as [`Hit::phrase`] names it).
    pub fn phrase(&self, index: usize) -> &Phrase {
        &self.phrases[index]
    }

    /// Whether any phrase occurs.
    pub fn matches_any(&self, text: &AnalyzedText) -> bool {
        !self.find(text).is_empty()
    }

    /// Whether every phrase occurs at least once.
    pub fn matches_all(&self, text: &AnalyzedText) -> bool {
        let hits = self.find(text);
        (0..self.phrases.len()).all(|phrase| hits.iter().any(|hit| hit.phrase == phrase))
    }
}
