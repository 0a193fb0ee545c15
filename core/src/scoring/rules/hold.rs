//! Hold etiquette, checked for every hold: the agent asks the customer to wait and says for how
//! long, the hold does not outlast the promise, and the first reply after it thanks for waiting.

use super::Rule;
use crate::scoring::report::Severity;
use crate::scoring::rubric::Category;
use crate::scoring::rubric::CompiledRubric;
use crate::scoring::{Call, Outcome};
use crate::text::{minutes_seconds as minutes, promised_durations};
use crate::transcript::Speaker;

pub(crate) const ANNOUNCED: &str = "hold.announced";
pub(crate) const DURATION: &str = "hold.duration";
pub(crate) const KEPT: &str = "hold.kept";
pub(crate) const THANKS: &str = "hold.thanks";
pub(crate) const SPOKE_ON_HOLD: &str = "hold.spoke_on_hold";

/// The rules of this category, each with what it checks in one Russian sentence.
pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: ANNOUNCED,
        category: Category::Hold,
        description: "Перед удержанием сотрудник просит клиента подождать на линии.",
    },
    Rule {
        id: DURATION,
        category: Category::Hold,
        description: "Перед удержанием сотрудник говорит, сколько придётся ждать.",
    },
    Rule {
        id: KEPT,
        category: Category::Hold,
        description: "Удержание не длится дольше обещанного.",
    },
    Rule {
        id: THANKS,
        category: Category::Hold,
        description: "После удержания сотрудник благодарит за ожидание.",
    },
    Rule {
        id: SPOKE_ON_HOLD,
        category: Category::Hold,
        description: "Голосовой ответ начинается после того, как клиента сняли с удержания.",
    },
];

pub(crate) fn check(rubric: &CompiledRubric, call: &Call<'_>, out: &mut Outcome) {
    let turns = &call.transcript.turns;
    let agent_turns: Vec<usize> = (0..turns.len())
        .filter(|&index| turns[index].speaker == Speaker::Agent)
        .collect();
    let holds: Vec<usize> = agent_turns
        .iter()
        .copied()
        .filter(|&index| call.is_hold(index))
        .collect();
    out.applicable = !holds.is_empty();
    for hold in holds {
        let position = agent_turns.iter().position(|&turn| turn == hold);
        let before = position
            .and_then(|at| at.checked_sub(1))
            .map(|at| agent_turns[at]);
        let after = position.and_then(|at| agent_turns.get(at + 1)).copied();
        let seconds = turns[hold].hold_seconds.unwrap_or(0);
        announce(rubric, call, out, hold, before, seconds);
        match after {
            // Another hold right after: its own check covers the thanks.
            Some(next) if call.is_hold(next) => {}
            Some(next) => {
                spoke_on_hold(call, out, next);
                thanks(rubric, call, out, next);
            }
            // The call ended on hold: there was no reply to thank in.
            None => {}
        }
    }
}

/// The request to wait, the promised duration and whether the hold kept it.
fn announce(
    rubric: &CompiledRubric,
    call: &Call<'_>,
    out: &mut Outcome,
    hold: usize,
    before: Option<usize>,
    seconds: u32,
) {
    let hold_at = (Some(hold), Some((0, 0)));
    let Some(before) = before.filter(|&turn| !call.is_hold(turn)) else {
        out.units(0, 2);
        out.find(
            ANNOUNCED,
            hold_at,
            Severity::Error,
            "Вы снова поставили клиента на удержание, ничего не сказав: молчание без предупреждения он примет за обрыв связи.",
            "Мне потребуется ещё минута, оставайтесь, пожалуйста, на линии.",
        );
        return;
    };
    let text = call.analyzed(before);
    let whole = (Some(before), Some(call.whole(before)));
    let asked = rubric.stay_on_line.find(text);
    out.check(!asked.is_empty());
    if asked.is_empty() {
        out.find(
            ANNOUNCED,
            whole,
            Severity::Error,
            "Перед удержанием попросите клиента подождать на линии: просьба подождать возвышает клиента, а молчание без предупреждения он примет за обрыв.",
            "Оставайтесь, пожалуйста, на линии, мне потребуется около двух минут.",
        );
    }
    let promise = promised_durations(text)
        .into_iter()
        .max_by_key(|promise| promise.seconds);
    out.check(promise.is_some());
    let Some(promise) = promise else {
        out.find(
            DURATION,
            whole,
            Severity::Error,
            "Скажите, сколько придётся ждать: клиент, который знает срок, ждёт спокойнее, а соблюдённый срок показывает профессионала.",
            "Мне потребуется около двух минут, оставайтесь, пожалуйста, на линии.",
        );
        return;
    };
    let promised = promise.seconds;
    let kept = seconds <= rubric.hold_allowance(&promise);
    out.check(kept);
    if kept {
        out.praise(
            KEPT,
            hold,
            (0, 0),
            format!(
                "Вы вернулись к клиенту через {}, как обещали ({}).",
                minutes(seconds),
                minutes(promised)
            ),
        );
    } else {
        out.find(
            KEPT,
            hold_at,
            Severity::Error,
            format!(
                "Удержание длилось {} вместо обещанных {}: нарушенный срок подрывает доверие к специалисту.",
                minutes(seconds),
                minutes(promised)
            ),
            "Если нужно больше времени, вернитесь к клиенту до срока: «Мне нужна ещё минута, оставайтесь, пожалуйста, на линии».",
        );
    }
}

/// A reply spoken into the microphone before the customer was taken off hold: the customer heard
/// hold music, not its beginning, and waited the length of the phrase on top of the hold.
fn spoke_on_hold(call: &Call<'_>, out: &mut Outcome, reply: usize) {
    let Some(speech) = call.transcript.turns[reply].speech else {
        return;
    };
    out.check(!speech.on_hold);
    if speech.on_hold {
        out.find(
            SPOKE_ON_HOLD,
            (Some(reply), Some(call.whole(reply))),
            Severity::Error,
            "Вы начали отвечать, не сняв клиента с удержания: он слышал музыку, а не вас, и ждал лишнее время фразы.",
            "Сначала снимите удержание (F2), затем: «Спасибо за ожидание!»",
        );
    }
}

/// Thanks for waiting in the first reply after a hold.
fn thanks(rubric: &CompiledRubric, call: &Call<'_>, out: &mut Outcome, reply: usize) {
    let hits = rubric.hold_thanks.find(call.analyzed(reply));
    out.check(!hits.is_empty());
    match hits.first() {
        Some(hit) => out.praise(
            THANKS,
            reply,
            hit.span,
            "Вы поблагодарили за ожидание: клиент видит, что его время ценят.",
        ),
        None => out.find(
            THANKS,
            (Some(reply), Some(call.whole(reply))),
            Severity::Error,
            "Поблагодарите за ожидание: так клиент видит, что вам не безразлично его время, и раздражение от ожидания смягчается.",
            "Спасибо за ожидание!",
        ),
    }
}
