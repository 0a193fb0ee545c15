//! Finds the durations an agent promises («подождите две минуты», «около 30 секунд», «пару
//! минут») so holds can be checked against them.

use super::pattern::AnalyzedText;

/// A duration stated in an utterance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DurationPromise {
    /// The stated duration in seconds; for a range («две-три минуты») its upper end.
    pub seconds: u32,
    /// Character span `[start, end)` of the number and unit in the original text.
    pub span: (usize, usize),
    /// Said as an estimate: «около минуты», «пару минут», «минут пять», «минутку».
    pub approximate: bool,
}

/// Units by lemma, with their length in seconds.
const UNITS: &[(&str, u32)] = &[
    ("секунда", 1),
    ("секундочка", 1),
    ("секундка", 1),
    ("минута", 60),
    ("минутка", 60),
    ("минуточка", 60),
    ("час", 3600),
    ("часок", 3600),
];

/// Compound units written as one word.
const HALF_UNITS: &[(&str, u32)] = &[("полминут", 30), ("полчаса", 1800), ("получаса", 1800)];

/// Number words by lemma, in tenths so «полтора» stays exact.
const NUMBER_WORDS: &[(&str, u32)] = &[
    ("один", 10),
    ("два", 20),
    ("три", 30),
    ("четыре", 40),
    ("пять", 50),
    ("шесть", 60),
    ("семь", 70),
    ("восемь", 80),
    ("девять", 90),
    ("десять", 100),
    ("пятнадцать", 150),
    ("двадцать", 200),
    ("тридцать", 300),
    ("сорок", 400),
    ("пятьдесят", 500),
    ("шестьдесят", 600),
    ("девяносто", 900),
    ("сто", 1000),
    ("полтора", 15),
    ("пара", 20),
];

/// Words that make a duration vague: «несколько минут» is no promise.
const VAGUE_WORDS: &[&str] = &["несколько", "пара-тройка", "немного", "какой-то"];

/// Words that make a duration an estimate: «около двух минут».
const APPROXIMATE_WORDS: &[&str] = &["около", "примерно", "приблизительно", "порядка", "где-то"];

/// Numbers and units that are estimates by themselves: «пару минут», «минутку».
const APPROXIMATE_LEMMAS: &[&str] = &[
    "пара",
    "минутка",
    "минуточка",
    "секундочка",
    "секундка",
    "часок",
];

/// Words allowed between an inverted unit and its number: «минут через пять».
const INVERSION_LINKS: &[&str] = &["через"];

/// How a duration is shown to people: «1:20» for 80 seconds.
pub fn minutes_seconds(seconds: u32) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// Every concrete duration stated in the text, in order.
pub fn promised_durations(text: &AnalyzedText) -> Vec<DurationPromise> {
    let mut promises = Vec::new();
    for (index, word) in text.words.iter().enumerate() {
        let folded = word.word.folded.as_str();
        if let Some(&(_, seconds)) = HALF_UNITS.iter().find(|(stem, _)| folded.starts_with(stem)) {
            promises.push(DurationPromise {
                seconds,
                span: (word.word.start, word.word.end),
                approximate: index > 0 && is_approximate(text, index - 1),
            });
            continue;
        }
        let Some(unit) = unit_seconds(word) else {
            continue;
        };
        let before = numbers_before(text, index);
        if let Some(first) = before.first_word {
            if is_vague(text, first) {
                continue;
            }
        } else if index > 0 && is_vague(text, index - 1) {
            continue;
        }
        let (tenths, first_word, last_word, inverted) = match (before.value, before.first_word) {
            (Some(value), Some(first)) => (value, first, index, false),
            _ => match number_after(text, index) {
                // «минут пять» is Russian for «about five minutes».
                Some((value, last)) => (value, index, last, true),
                // A bare unit is one of it: «подождите минутку», «одну минуту».
                None => (10, index, index, false),
            },
        };
        let approximate = inverted
            || (first_word > 0 && is_approximate(text, first_word - 1))
            || (first_word..=last_word).any(|word| is_approximate(text, word));
        promises.push(DurationPromise {
            seconds: tenths * unit / 10,
            span: (
                text.words[first_word].word.start,
                text.words[last_word].word.end,
            ),
            approximate,
        });
    }
    promises
}

fn unit_seconds(word: &super::pattern::AnalyzedWord) -> Option<u32> {
    UNITS
        .iter()
        .find(|(lemma, _)| {
            word.reading
                .lemmas
                .iter()
                .any(|candidate| candidate == lemma)
        })
        .map(|&(_, seconds)| seconds)
}

/// A number in tenths, from digits or a number word.
fn number_value(word: &super::pattern::AnalyzedWord) -> Option<u32> {
    if let Ok(value) = word.word.folded.parse::<u32>() {
        return Some(value.saturating_mul(10));
    }
    let first = word.reading.lemmas.first()?;
    NUMBER_WORDS
        .iter()
        .find(|(lemma, _)| lemma == first)
        .map(|&(_, tenths)| tenths)
}

struct NumbersBefore {
    value: Option<u32>,
    first_word: Option<usize>,
}

/// The number standing right before the unit: a single number, a compound («двадцать пять») or
/// a range («две-три», «1-2»), whose upper end counts.
fn numbers_before(text: &AnalyzedText, unit: usize) -> NumbersBefore {
    let mut values = Vec::new();
    let mut first = unit;
    while first > 0 {
        match number_value(&text.words[first - 1]) {
            Some(value) => {
                values.push(value);
                first -= 1;
            }
            None => break,
        }
    }
    values.reverse();
    if values.is_empty() {
        return NumbersBefore {
            value: None,
            first_word: None,
        };
    }
    NumbersBefore {
        value: Some(combine(&values)),
        first_word: Some(first),
    }
}

fn combine(values: &[u32]) -> u32 {
    let mut best = 0;
    let mut index = 0;
    while index < values.len() {
        let mut value = values[index];
        // «двадцать пять»: round tens followed by a unit digit add up; anything else is a range.
        if value >= 200
            && value.is_multiple_of(100)
            && index + 1 < values.len()
            && values[index + 1] < 100
        {
            value += values[index + 1];
            index += 1;
        }
        best = best.max(value);
        index += 1;
    }
    best
}

fn number_after(text: &AnalyzedText, unit: usize) -> Option<(u32, usize)> {
    let mut next = unit + 1;
    if text
        .words
        .get(next)
        .is_some_and(|word| INVERSION_LINKS.contains(&word.word.folded.as_str()))
    {
        next += 1;
    }
    let word = text.words.get(next)?;
    number_value(word).map(|value| (value, next))
}

/// Whether the word makes a duration an estimate.
fn is_approximate(text: &AnalyzedText, index: usize) -> bool {
    let word = &text.words[index];
    APPROXIMATE_WORDS.contains(&word.word.folded.as_str())
        || word
            .reading
            .lemmas
            .first()
            .is_some_and(|lemma| APPROXIMATE_LEMMAS.contains(&lemma.as_str()))
}

fn is_vague(text: &AnalyzedText, index: usize) -> bool {
    let word = &text.words[index];
    VAGUE_WORDS.contains(&word.word.folded.as_str())
        || word
            .reading
            .lemmas
            .first()
            .is_some_and(|lemma| VAGUE_WORDS.contains(&lemma.as_str()))
}
