//! The outcome: how the call ended — resolved, passed on as required, the customer hanging up,
//! or the agent ending it with the matter open — and how the customer felt then. A call left
//! with a furious customer cannot score full marks, whatever was said on the way.

use super::Rule;
use crate::scoring::report::Severity;
use crate::scoring::rubric::{Category, CompiledRubric};
use crate::scoring::{Call, Outcome};
use crate::text::hundredths;
use crate::transcript::CallResult;

pub(crate) const RESULT: &str = "outcome.result";
pub(crate) const MOOD: &str = "outcome.mood";

/// The rules of this category, each with what it checks in one Russian sentence.
pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: RESULT,
        category: Category::Outcome,
        description: "Звонок заканчивается решением или передачей дальше, а не брошенной трубкой.",
    },
    Rule {
        id: MOOD,
        category: Category::Outcome,
        description: "К концу звонка клиент не остаётся раздражённым или в ярости.",
    },
];

pub(crate) fn check(rubric: &CompiledRubric, call: &Call<'_>, out: &mut Outcome) {
    // A call recorded elsewhere says nothing of its ending: the category does not apply.
    let Some(end) = call.transcript.ending else {
        out.applicable = false;
        return;
    };
    let rules = &rubric.rubric.outcome;
    let last = call.transcript.turns.len().saturating_sub(1);
    let whole_call = (None, None);
    let percent = match end.result {
        CallResult::Resolved => {
            out.praise(RESULT, last, (0, 0), "Вопрос клиента решён.");
            rules.resolved
        }
        CallResult::Escalated => {
            out.praise(
                RESULT,
                last,
                (0, 0),
                "Вопрос передан дальше, и клиент знает следующий шаг.",
            );
            rules.escalated
        }
        CallResult::HungUp => {
            out.find(
                RESULT,
                whole_call,
                Severity::Error,
                "Клиент бросил трубку: вопрос не решён, и о компании он расскажет знакомым.",
                "Следите за настроением клиента: объясняйте, что делаете и зачем, и ведите разговор к решению.",
            );
            rules.hung_up
        }
        CallResult::EndedByAgent => {
            out.find(
                RESULT,
                whole_call,
                Severity::Error,
                "Вы завершили звонок, не решив вопрос клиента и не передав его дальше.",
                "Доведите разговор до решения или оформите передачу на вторую линию, прежде чем прощаться.",
            );
            rules.ended_by_agent
        }
    };
    let mood = hundredths(end.mood);
    let penalty = if end.mood >= rules.furious {
        out.find(
            MOOD,
            whole_call,
            Severity::Error,
            format!("Клиент закончил звонок в ярости (раздражение {mood}): такой звонок не сдаётся, как бы ни звучали фразы."),
            "Снижайте напряжение по ходу разговора: признайте проблему, объясните причину, назовите срок.",
        );
        100
    } else if end.mood >= rules.irritated {
        out.find(
            MOOD,
            whole_call,
            Severity::Warning,
            format!("Клиент закончил звонок раздражённым (раздражение {mood})."),
            "Перед прощанием убедитесь, что клиент доволен решением: подведите итог и назовите следующий шаг.",
        );
        rules.mood_penalty.min(100)
    } else {
        0
    };
    out.units(percent.min(100) * (100 - penalty) / 100, 100);
}
