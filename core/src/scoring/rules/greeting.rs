//! Greeting (the first agent turn): a greeting word that fits the clock, the agent's name, a
//! position and the company, in any order; recommended, a question that takes the lead.

use super::Rule;
use crate::scoring::report::Severity;
use crate::scoring::rubric::Category;
use crate::scoring::rubric::CompiledRubric;
use crate::scoring::{Call, Outcome};
use crate::text::capitalised;
use crate::text::{AnalyzedText, AnalyzedWord, Grammar};

pub(crate) const WORD: &str = "greeting.word";
pub(crate) const NAME: &str = "greeting.name";
pub(crate) const POSITION: &str = "greeting.position";
pub(crate) const COMPANY: &str = "greeting.company";
pub(crate) const LEAD_QUESTION: &str = "greeting.lead_question";

/// The rules of this category, each with what it checks in one Russian sentence.
pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: WORD,
        category: Category::Greeting,
        description: "Приветствие подходит ко времени звонка: «Доброе утро» — утром, «Здравствуйте» — всегда; «Алло» и «Здрасте» — не приветствие.",
    },
    Rule {
        id: NAME,
        category: Category::Greeting,
        description: "В приветствии сотрудник называет своё имя.",
    },
    Rule {
        id: POSITION,
        category: Category::Greeting,
        description: "В приветствии сотрудник называет должность или службу.",
    },
    Rule {
        id: COMPANY,
        category: Category::Greeting,
        description: "В приветствии сотрудник называет компанию.",
    },
    Rule {
        id: LEAD_QUESTION,
        category: Category::Greeting,
        description: "Рекомендация: сразу взять инициативу вопросом, например о номере договора или заявки.",
    },
];

/// How many first agent turns may hold the lead question: customers often interrupt the
/// greeting, and the question comes right after.
const LEAD_QUESTION_TURNS: usize = 2;

pub(crate) fn check(rubric: &CompiledRubric, call: &Call<'_>, out: &mut Outcome) {
    let best = best_greeting(rubric, call);
    let Some(&turn) = call.agent_texts.first() else {
        out.units(0, 4);
        out.find(
            WORD,
            (None, None),
            Severity::Error,
            "Сотрудник не сказал ни слова: разговор начинается с приветствия.",
            format!("{best}! Меня зовут …, специалист технической поддержки."),
        );
        return;
    };
    let text = call.analyzed(turn);
    let whole = (Some(turn), Some(call.whole(turn)));
    let company_words = call
        .company
        .as_ref()
        .map(|company| significant_words(rubric, company));
    let company_range = company_words
        .as_ref()
        .and_then(|words| find_company(text, words));
    let outside_company =
        |index: usize| company_range.is_none_or(|(first, last)| index < first || index > last);

    let word_ok = greeting_word(rubric, call, turn, text, &best, out);

    let positions: Vec<_> = rubric
        .positions
        .find(text)
        .into_iter()
        .filter(|hit| outside_company(hit.first_word))
        .collect();
    let position_words: Vec<usize> = positions.iter().map(|hit| hit.first_word).collect();
    let name = find_name(rubric, text, |index| {
        outside_company(index) && !position_words.contains(&index)
    });
    out.check(name);
    if !name {
        out.find(
            NAME,
            whole,
            Severity::Error,
            "Вы не назвали своё имя: с человеком, у которого есть имя, клиенту проще говорить, и он меньше злится.",
            "Меня зовут … (ваше имя).",
        );
    }
    out.check(!positions.is_empty());
    if positions.is_empty() {
        out.find(
            POSITION,
            whole,
            Severity::Error,
            "Вы не назвали должность: клиент должен понимать, что говорит со специалистом, который ему поможет.",
            "…, специалист технической поддержки.",
        );
    }
    let company_ok = match (&call.transcript.company, company_range) {
        (Some(company), None) if company_words.as_ref().is_some_and(|w| !w.is_empty()) => {
            out.check(false);
            out.find(
                COMPANY,
                whole,
                Severity::Error,
                "Вы не назвали компанию: по корпоративному стилю приветствие включает имя, должность и компанию.",
                format!("…, компания «{}».", company.trim()),
            );
            false
        }
        (Some(_), Some(_)) => {
            out.check(true);
            true
        }
        _ => true,
    };
    if word_ok && name && !positions.is_empty() && company_ok {
        out.praise(
            WORD,
            turn,
            call.whole(turn),
            "Вы представились по корпоративному стандарту: приветствие, имя, должность и компания.",
        );
    }

    let lead = call
        .agent_texts
        .iter()
        .take(LEAD_QUESTION_TURNS)
        .find_map(|&turn| {
            rubric
                .lead_questions
                .find(call.analyzed(turn))
                .first()
                .map(|hit| (turn, hit.span))
        });
    out.check(lead.is_some());
    match lead {
        Some((turn, span)) => out.praise(
            LEAD_QUESTION,
            turn,
            span,
            "Вы сразу взяли инициативу вопросом: кто задаёт вопросы, тот управляет разговором.",
        ),
        None => out.find(
            LEAD_QUESTION,
            whole,
            Severity::Warning,
            "Рекомендуется сразу направить разговор вопросом: так клиент переходит от эмоций к делу.",
            "Подскажите, пожалуйста, номер вашего договора или заявки?",
        ),
    }
}

/// The greeting word check; returns whether it passed.
fn greeting_word(
    rubric: &CompiledRubric,
    call: &Call<'_>,
    turn: usize,
    text: &AnalyzedText,
    best: &str,
    out: &mut Outcome,
) -> bool {
    let said: Vec<_> = rubric
        .greetings
        .iter()
        .filter_map(|greeting| {
            greeting
                .phrase
                .find(text)
                .first()
                .map(|hit| (greeting, hit.span))
        })
        .collect();
    let fitting = said.iter().any(|(greeting, _)| greeting.fits(call.clock));
    out.check(fitting);
    if fitting {
        return true;
    }
    if let (Some((greeting, span)), Some(clock)) = (said.first(), call.clock) {
        out.find(
            WORD,
            (Some(turn), Some(*span)),
            Severity::Error,
            format!(
                "«{}» не подходит к {clock}: приветствие, которое не совпадает со временем суток, звучит заученно и небрежно.",
                capitalised(&greeting.source)
            ),
            format!("{best}!"),
        );
    } else if let Some(hit) = rubric.not_greetings.find(text).first() {
        let word = quoted(call, turn, hit.span);
        out.find(
            WORD,
            (Some(turn), Some(hit.span)),
            Severity::Error,
            format!(
                "«{word}» — не приветствие: звучит небрежно, а второго шанса произвести первое впечатление не будет."
            ),
            format!("{best}!"),
        );
    } else {
        out.find(
            WORD,
            (Some(turn), Some(call.whole(turn))),
            Severity::Error,
            "Вы не поздоровались: второго шанса произвести первое впечатление не будет.",
            format!("{best}!"),
        );
    }
    false
}

/// The greeting that fits the call's clock best, capitalised: «Добрый день».
fn best_greeting(rubric: &CompiledRubric, call: &Call<'_>) -> String {
    let chosen = match call.clock {
        Some(_) => rubric
            .greetings
            .iter()
            .find(|greeting| greeting.window.is_some() && greeting.fits(call.clock)),
        None => None,
    }
    .or_else(|| {
        rubric
            .greetings
            .iter()
            .find(|greeting| greeting.window.is_none())
    });
    chosen.map_or_else(
        || "Здравствуйте".to_owned(),
        |greeting| capitalised(&greeting.source),
    )
}

/// The characters of a span of a turn's text.
fn quoted(call: &Call<'_>, turn: usize, (start, end): (usize, usize)) -> String {
    call.transcript
        .turns
        .get(turn)
        .and_then(|turn| turn.text.as_deref())
        .map(|text| text.chars().skip(start).take(end - start).collect())
        .unwrap_or_default()
}

/// Whether the agent said a name: a given name the dictionary knows, or any word right after
/// an introduction («меня зовут Айгерим»).
fn find_name(
    rubric: &CompiledRubric,
    text: &AnalyzedText,
    allowed: impl Fn(usize) -> bool,
) -> bool {
    let known_name = text
        .words
        .iter()
        .enumerate()
        .any(|(index, word)| allowed(index) && word.reading.grammar.has(Grammar::FIRST_NAME));
    known_name
        || rubric.introductions.find(text).iter().any(|hit| {
            let next = hit.last_word + 1;
            next < text.words.len() && allowed(next)
        })
}

/// The words of a company name that identify it; generic words («Телеком», «ООО») are left
/// out unless nothing else is left.
fn significant_words<'a>(
    rubric: &CompiledRubric,
    company: &'a AnalyzedText,
) -> Vec<&'a AnalyzedWord> {
    let specific: Vec<&AnalyzedWord> = company
        .words
        .iter()
        .filter(|word| !rubric.company_generic_words.contains(&word.word.folded))
        .collect();
    if specific.is_empty() {
        company.words.iter().collect()
    } else {
        specific
    }
}

/// The word range of the company name in the text: every significant word in any inflection.
fn find_company(text: &AnalyzedText, company: &[&AnalyzedWord]) -> Option<(usize, usize)> {
    if company.is_empty() {
        return None;
    }
    let mut range: Option<(usize, usize)> = None;
    for name_word in company {
        let index = text
            .words
            .iter()
            .position(|word| same_word(word, name_word))?;
        range = Some(match range {
            None => (index, index),
            Some((first, last)) => (first.min(index), last.max(index)),
        });
    }
    range
}

/// Two words are the same name word if they share a spelling or a lemma, or (brand names the
/// dictionary does not know) differ only in their ending: «Секьюр» / «Секьюра».
pub(crate) fn same_word(word: &AnalyzedWord, name: &AnalyzedWord) -> bool {
    let (a, b) = (&word.word.folded, &name.word.folded);
    if a == b {
        return true;
    }
    if word.reading.known && name.reading.known {
        return word
            .reading
            .lemmas
            .iter()
            .any(|lemma| name.reading.lemmas.contains(lemma));
    }
    let shared = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let shorter = a.chars().count().min(b.chars().count());
    shared >= 3 && shared + 2 >= shorter
}
