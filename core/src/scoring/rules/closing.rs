//! Closing (the agent's replies once the matter is settled): ask whether anything else is needed
//! and thank for the call; «Будем рады помочь снова» is praised.

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

/// Without a mark of when the matter was settled (a call recorded elsewhere), how many last
/// agent turns make the closing: enough for a customer who ignores the first goodbye.
pub(crate) const CLOSING_TURNS: usize = 3;

/// The agent's closing turns, last ones first: every agent reply from the one that settled the
/// matter on (the transcript's `settled_at`), or else the last [`CLOSING_TURNS`] replies after
/// the last hold — the matter is not settled while the customer waits on hold.
pub(crate) fn closing_turns(call: &Call<'_>) -> Vec<usize> {
    let turns = &call.transcript.turns;
    if let Some(settled) = call.transcript.settled_at {
        // The reply the customer answered with the settling line belongs to the closing.
        let from = call
            .agent_texts
            .iter()
            .rev()
            .find(|&&turn| turn < settled)
            .copied()
            .unwrap_or(settled);
        return call
            .agent_texts
            .iter()
            .rev()
            .copied()
            .filter(|&turn| turn >= from)
            .collect();
    }
    let last_hold = (0..turns.len()).rev().find(|&turn| call.is_hold(turn));
    // The greeting is never the closing, unless the call has nothing else.
    let greeting = call
        .agent_texts
        .first()
        .filter(|_| call.agent_texts.len() > 1);
    call.agent_texts
        .iter()
        .rev()
        .copied()
        .filter(|&turn| last_hold.is_none_or(|hold| turn > hold) && Some(&turn) != greeting)
        .take(CLOSING_TURNS)
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
