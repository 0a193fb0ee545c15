//! Closing (the last two agent turns): ask whether anything else is needed and thank for the
//! call; «Будем рады помочь снова» is praised.

use super::Rule;
use crate::scoring::report::Severity;
use crate::scoring::rubric::Category;
use crate::scoring::rubric::CompiledRubric;
use crate::scoring::{Call, Outcome};
use crate::text::PhraseSet;

pub(crate) const MORE_QUESTIONS: &str = "closing.more_questions";
pub(crate) const THANKS: &str = "closing.thanks";
pub(crate) const BONUS: &str = "closing.bonus";

/// The rules of this category, each with what it checks in one Russian sentence.
pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: MORE_QUESTIONS,
        category: Category::Closing,
        description: "В конце сотрудник спрашивает, остались ли у клиента вопросы.",
    },
    Rule {
        id: THANKS,
        category: Category::Closing,
        description: "В конце сотрудник благодарит за звонок.",
    },
    Rule {
        id: BONUS,
        category: Category::Closing,
        description: "Похвала: «Будем рады помочь снова».",
    },
];

/// How many last agent turns make the closing.
pub(crate) const CLOSING_TURNS: usize = 2;

/// The agent's closing turns, last ones first.
pub(crate) fn closing_turns(call: &Call<'_>) -> Vec<usize> {
    call.agent_texts
        .iter()
        .rev()
        .take(CLOSING_TURNS)
        .copied()
        .collect()
}

pub(crate) fn check(rubric: &CompiledRubric, call: &Call<'_>, out: &mut Outcome) {
    let turns = closing_turns(call);
    let anchor = turns
        .first()
        .map_or((None, None), |&last| (Some(last), Some(call.whole(last))));
    let find = |set: &PhraseSet| {
        turns.iter().rev().find_map(|&turn| {
            set.find(call.analyzed(turn))
                .first()
                .map(|hit| (turn, hit.span))
        })
    };
    let asked = find(&rubric.more_questions);
    out.check(asked.is_some());
    match asked {
        Some((turn, span)) => out.praise(
            MORE_QUESTIONS,
            turn,
            span,
            "Вы спросили, остались ли вопросы: клиент уходит уверенным, что решено всё.",
        ),
        None => out.find(
            MORE_QUESTIONS,
            anchor,
            Severity::Error,
            "Спросите, остались ли вопросы: клиент мог назвать не все проблемы, а вопрос настраивает его, что и остальные решатся так же просто.",
            "Остались ли у вас ещё вопросы?",
        ),
    }
    let thanked = find(&rubric.closing_thanks);
    out.check(thanked.is_some());
    match thanked {
        Some((turn, span)) => out.praise(
            THANKS,
            turn,
            span,
            "Вы поблагодарили за звонок: вежливость в конце клиент запомнит лучше всего.",
        ),
        None => out.find(
            THANKS,
            anchor,
            Severity::Error,
            "Поблагодарите за звонок: из всего разговора клиент лучше всего запомнит его окончание.",
            "Спасибо за звонок, будем рады помочь снова!",
        ),
    }
    if let Some((turn, span)) = find(&rubric.closing_bonus) {
        out.praise(
            BONUS,
            turn,
            span,
            "«Будем рады помочь снова» — тёплое окончание, которое клиент перескажет друзьям.",
        );
    }
}
