//! Wording, in every agent turn: no obligation put on the customer («вы должны» →
//! «необходимо»), no «проблема» on the company's side, no stop phrases.

use super::Rule;
use super::greeting::same_word;
use crate::scoring::report::Severity;
use crate::scoring::rubric::Category;
use crate::scoring::rubric::CompiledRubric;
use crate::scoring::{Call, Outcome};
use crate::text::{AnalyzedText, AnalyzedWord, Break, Grammar, Hit};

pub(crate) const OBLIGATION: &str = "wording.obligation";
pub(crate) const COMPANY_PROBLEM: &str = "wording.company_problem";
pub(crate) const RECOMMENDATION: &str = "wording.recommendation";

/// The rules of this category, each with what it checks in one Russian sentence.
pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: OBLIGATION,
        category: Category::Wording,
        description: "Клиенту не говорят «вы должны» и «вы обязаны» — только «необходимо».",
    },
    Rule {
        id: COMPANY_PROBLEM,
        category: Category::Wording,
        description: "О стороне компании говорят не «проблема», а «техническая неисправность».",
    },
    Rule {
        id: RECOMMENDATION,
        category: Category::Wording,
        description: "Похвала: сотрудник сказал «необходимо» — рекомендацию вместо требования.",
    },
];

/// How far back from «должен» the subject is looked for.
const SUBJECT_REACH: usize = 8;
/// How far after «должен» an inverted subject or «вам» is looked for.
const FORWARD_REACH: usize = 4;
/// How far from «проблема» a word that says whose side it is may stand.
const SIDE_REACH: usize = 5;
/// The longest side marker looked for, in words (the rubric's are one to three words); a longer
/// one is still found when it starts within reach.
const MAX_MARKER_WORDS: usize = 8;

/// Words that look like a nominative subject but never name who is obliged.
const NOT_SUBJECTS: [&str; 10] = [
    "что",
    "это",
    "то",
    "всё",
    "все",
    "весь",
    "сам",
    "кто",
    "себя",
    "который",
];
/// Words between «должен» and an inverted subject that do not end the search.
const AUXILIARIES: [&str; 4] = ["ли", "были", "быть", "бы"];
/// The relative pronoun that opens a clause inside the sentence.
const RELATIVE: &str = "который";

pub(crate) fn check(rubric: &CompiledRubric, call: &Call<'_>, out: &mut Outcome) {
    let penalty = rubric.rubric.wording.penalty;
    for &turn in &call.agent_texts {
        let text = call.analyzed(turn);
        let before = out.findings.len();
        let mut stop_hits: Vec<Hit> = Vec::new();
        for stop in &rubric.stops {
            // Two variants of one stop phrase over the same words count once.
            let mut hits = stop.phrases.find(text);
            hits.dedup_by(|later, earlier| later.first_word <= earlier.last_word);
            for hit in hits {
                out.find(
                    &stop.rule,
                    (Some(turn), Some(hit.span)),
                    Severity::Error,
                    stop.message.clone(),
                    stop.suggestion.clone(),
                );
                stop_hits.push(hit);
            }
        }
        obligations(rubric, text, turn, out);
        company_problems(rubric, call, text, turn, &stop_hits, out);
        let found = out.findings.len() - before;
        out.penalise(penalty.saturating_mul(u32::try_from(found).unwrap_or(u32::MAX)));
        let obliged = out.findings[before..]
            .iter()
            .any(|finding| finding.rule == OBLIGATION);
        if let Some(hit) = rubric.recommended.find(text).first().filter(|_| !obliged) {
            out.praise(
                RECOMMENDATION,
                turn,
                hit.span,
                "Вы сказали «необходимо»: это рекомендация, а не требование, и выбор остаётся за клиентом.",
            );
        }
    }
}

/// Who an obligation word is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Subject {
    /// The customer («вы», «клиент»), at this word.
    Customer(usize),
    /// Someone or something else: «мы», «роутер», «деньги».
    Other,
    /// No subject in the sentence.
    Unstated,
}

fn obligations(rubric: &CompiledRubric, text: &AnalyzedText, turn: usize, out: &mut Outcome) {
    let customer_nouns: Vec<usize> = rubric
        .customer_nouns
        .find(text)
        .iter()
        .map(|hit| hit.first_word)
        .collect();
    for hit in rubric.obligation.find(text) {
        let modal = hit.first_word;
        let plural = matches!(text.words[modal].word.folded.as_str(), "должны" | "обязаны");
        let (subject, addressed) = subject_of(text, modal, plural, &customer_nouns);
        let start = match subject {
            Subject::Customer(at) if modal - at <= 3 => text.words[at].word.start,
            _ => hit.span.0,
        };
        let obliges_customer = match subject {
            Subject::Customer(_) => true,
            Subject::Other => false,
            // «Должны подойти в офис» speaks to the customer; «вам должны позвонить» does not.
            Subject::Unstated => plural && !addressed,
        };
        if obliges_customer {
            let said = &text.words[modal].word.folded;
            out.find(
                OBLIGATION,
                (Some(turn), Some((start, hit.span.1))),
                Severity::Error,
                format!(
                    "Клиент никому ничего не должен: «{said}» звучит как требование и напоминает о долгах, а «необходимо» — ваша рекомендация, выбор остаётся за клиентом."
                ),
                match subject {
                    Subject::Customer(_) | Subject::Unstated => "вам необходимо",
                    Subject::Other => "необходимо",
                },
            );
        }
    }
}

/// The subject of the obligation word at `modal`, and whether the customer is addressed in an
/// oblique case nearby («вам», «вас»: the obligation is someone else's towards them).
fn subject_of(
    text: &AnalyzedText,
    modal: usize,
    plural: bool,
    customer_nouns: &[usize],
) -> (Subject, bool) {
    let words = &text.words;
    let agrees = |word: &AnalyzedWord| {
        let grammar = word.reading.grammar;
        if plural {
            grammar.has(Grammar::SUBJECT_PLURAL)
        } else {
            grammar.has(Grammar::SUBJECT_SINGULAR)
        }
    };
    let is_candidate = |index: usize| {
        let word = &words[index];
        agrees(word)
            && !word
                .reading
                .lemmas
                .iter()
                .any(|l| NOT_SUBJECTS.contains(&l.as_str()))
    };
    let judge = |index: usize| {
        let word = &words[index];
        let second_person = word.reading.grammar.has(Grammar::SECOND_PERSON);
        if second_person || customer_nouns.contains(&index) {
            Subject::Customer(index)
        } else {
            Subject::Other
        }
    };
    let oblique_you = |index: usize| {
        let grammar = words[index].reading.grammar;
        grammar.has(Grammar::SECOND_PERSON) && !grammar.can_be_subject()
    };

    // Backwards to the start of the sentence. A relative clause closed before the modal
    // («роутер, который вы купили, должен…») hides its own subject.
    let mut candidate: Option<usize> = None;
    let mut addressed = false;
    let mut finite_since_modal = false;
    let mut index = modal;
    let mut steps = 0;
    while index > 0 && words[index].word.break_before != Break::Sentence && steps < SUBJECT_REACH {
        index -= 1;
        steps += 1;
        let word = &words[index];
        if word.reading.lemmas.iter().any(|lemma| lemma == RELATIVE) {
            if finite_since_modal {
                candidate = None;
                finite_since_modal = false;
                continue;
            }
            if candidate.is_none() && index > 0 && is_candidate(index - 1) {
                candidate = Some(index - 1);
            }
            break;
        }
        if word.reading.grammar.has(Grammar::FINITE_VERB) {
            finite_since_modal = true;
        }
        if candidate.is_none() {
            if is_candidate(index) {
                candidate = Some(index);
            } else if oblique_you(index) {
                addressed = true;
            }
        }
    }
    if let Some(found) = candidate {
        return (judge(found), addressed);
    }

    // Forwards: an inverted subject («должны прийти деньги», «должны ли вы»), unless a
    // transitive infinitive makes the next noun its object.
    let mut object_follows = false;
    for (index, word) in words.iter().enumerate().skip(modal + 1).take(FORWARD_REACH) {
        if word.word.break_before == Break::Sentence {
            break;
        }
        if oblique_you(index) {
            addressed = true;
            continue;
        }
        if AUXILIARIES.contains(&word.word.folded.as_str()) {
            continue;
        }
        let grammar = word.reading.grammar;
        if grammar.has(Grammar::INFINITIVE) {
            object_follows |= grammar.has(Grammar::TRANSITIVE);
            continue;
        }
        if !object_follows && candidate.is_none() && is_candidate(index) {
            candidate = Some(index);
        }
    }
    match candidate {
        Some(found) => (judge(found), addressed),
        None => (Subject::Unstated, addressed),
    }
}

/// «Проблема» with a word of the company's side (or of its name: «у банка») nearer than any
/// word of the customer's side.
fn company_problems(
    rubric: &CompiledRubric,
    call: &Call<'_>,
    text: &AnalyzedText,
    turn: usize,
    stop_hits: &[Hit],
    out: &mut Outcome,
) {
    let mut company = rubric.company_side.find(text);
    if let Some(name) = &call.company {
        for (index, word) in text.words.iter().enumerate() {
            if name.words.iter().any(|part| same_word(word, part)) {
                company.push(Hit {
                    phrase: 0,
                    first_word: index,
                    last_word: index,
                    span: (word.word.start, word.word.end),
                });
            }
        }
    }
    company.sort_by_key(|marker| marker.first_word);
    let mut customer = rubric.customer_side.find(text);
    customer.sort_by_key(|marker| marker.first_word);
    // Stop phrases by first word, with the furthest word any of them reaches so far: whether a
    // hit lies inside one is a binary search, not a scan.
    let mut stops: Vec<(usize, usize)> = stop_hits
        .iter()
        .map(|stop| (stop.first_word, stop.last_word))
        .collect();
    stops.sort_unstable();
    let reach: Vec<usize> = stops
        .iter()
        .scan(0, |furthest, &(_, last)| {
            *furthest = (*furthest).max(last);
            Some(*furthest)
        })
        .collect();
    for hit in rubric.problem.find(text) {
        let before = stops.partition_point(|&(first, _)| first <= hit.last_word);
        let covered = before > 0 && reach[before - 1] >= hit.first_word;
        if covered {
            continue;
        }
        let company_distance = nearest(text, &hit, &company);
        let customer_distance = nearest(text, &hit, &customer);
        let companys = match (company_distance, customer_distance) {
            (Some(company), Some(customer)) => company < customer,
            (Some(_), None) => true,
            _ => false,
        };
        if companys {
            out.find(
                COMPANY_PROBLEM,
                (Some(turn), Some(hit.span)),
                Severity::Error,
                "У компании не бывает проблем — бывают технические неисправности: слово «проблема» о компании нервирует клиента.",
                "техническая неисправность",
            );
        }
    }
}

/// Distance in words from `hit` to the nearest of `markers` (sorted by their first word) in the
/// same sentence, within reach. Only the markers near the hit are looked at, so a long turn costs
/// time in proportion to its length.
fn nearest(text: &AnalyzedText, hit: &Hit, markers: &[Hit]) -> Option<usize> {
    // A marker within reach starts at most this far before the hit (markers are short phrases).
    let earliest = hit.first_word.saturating_sub(SIDE_REACH + MAX_MARKER_WORDS);
    let start = markers.partition_point(|marker| marker.first_word < earliest);
    markers[start..]
        .iter()
        .take_while(|marker| marker.first_word <= hit.last_word + SIDE_REACH)
        .filter_map(|marker| {
            let (from, to, distance) = if marker.last_word < hit.first_word {
                (
                    marker.last_word,
                    hit.first_word,
                    hit.first_word - marker.last_word,
                )
            } else if marker.first_word > hit.last_word {
                (
                    hit.last_word,
                    marker.first_word,
                    marker.first_word - hit.last_word,
                )
            } else {
                return Some(0);
            };
            if distance > SIDE_REACH {
                return None;
            }
            let same_sentence = text.words[from + 1..=to]
                .iter()
                .all(|word| word.word.break_before != Break::Sentence);
            same_sentence.then_some(distance)
        })
        .min()
}
