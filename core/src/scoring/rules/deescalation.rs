//! De-escalation: techniques that calm an angry customer. Scored by how many different ones
//! were used; the category passes with at least one.

use super::Rule;
use crate::scoring::report::Severity;
use crate::scoring::rubric::Category;
use crate::scoring::rubric::CompiledRubric;
use crate::scoring::{Call, Outcome};

pub(crate) const NONE: &str = "deescalation.none";

/// The rules of this category, each with what it checks in one Russian sentence.
pub(crate) const RULES: &[Rule] = &[Rule {
    id: NONE,
    category: Category::Deescalation,
    description: "В разговоре прозвучал хотя бы один приём снятия конфликта.",
}];

pub(crate) fn check(rubric: &CompiledRubric, call: &Call<'_>, out: &mut Outcome) {
    let mut used = 0;
    for technique in &rubric.techniques {
        let heard: Vec<(usize, (usize, usize))> = call
            .agent_texts
            .iter()
            .filter_map(|&turn| {
                technique
                    .phrases
                    .find(call.analyzed(turn))
                    .first()
                    .map(|hit| (turn, hit.span))
            })
            .collect();
        let enough_turns = u32::try_from(heard.len()).unwrap_or(u32::MAX) >= technique.min_turns;
        if let (true, Some(&(turn, span))) = (enough_turns, heard.first()) {
            used += 1;
            out.praise(&technique.rule, turn, span, technique.praise.clone());
        }
    }
    let enough = rubric.rubric.deescalation.enough;
    out.units(used, enough);
    if used == 0 {
        out.failed = true;
        out.find(
            NONE,
            (None, None),
            Severity::Warning,
            "В разговоре не прозвучал ни один приём снятия конфликта: рассерженный клиент успокаивается, когда разговором управляете вы.",
            "Объясните причину («Это нужно, потому что…») или спросите: «С какой целью вы позвонили: решить проблему или обсудить её?»",
        );
    }
}
