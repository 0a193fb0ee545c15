//! A company's own required phrases from the rubric («Разговор записывается…»).

use super::closing::closing_turns;
use crate::scoring::report::Severity;
use crate::scoring::rubric::{Category, CompiledRequired, Place};
use crate::scoring::{Call, Outcome};

/// `penalty` is what a missing phrase costs when it counts in wording.
pub(crate) fn check(required: &CompiledRequired, penalty: u32, call: &Call<'_>, out: &mut Outcome) {
    let turns: Vec<usize> = match required.place {
        Place::Greeting => call.agent_texts.first().copied().into_iter().collect(),
        Place::Closing => closing_turns(call),
        Place::Anywhere => call.agent_texts.clone(),
    };
    let said = turns
        .iter()
        .any(|&turn| !required.phrases.find(call.analyzed(turn)).is_empty());
    // Wording is scored by penalties; the other categories by the share of checks passed.
    if required.category == Category::Wording {
        if !said {
            out.penalise(penalty);
        }
    } else {
        out.check(said);
    }
    if !said {
        let anchor = match required.place {
            Place::Anywhere => None,
            Place::Greeting | Place::Closing => turns.first().copied(),
        };
        out.find(
            &required.rule,
            (anchor, anchor.map(|turn| call.whole(turn))),
            Severity::Error,
            required.message.clone(),
            required.suggestion.clone(),
        );
    }
}
