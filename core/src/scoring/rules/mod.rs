//! The rules of the call standard, one module per category.

pub(crate) mod closing;
pub(crate) mod deescalation;
pub(crate) mod greeting;
pub(crate) mod hold;
pub(crate) mod required;
pub(crate) mod wording;

use super::report::Finding;
use super::rubric::{Category, CompiledRubric};

/// A rule as a trainer or scenario author sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// Stable id: `wording.obligation`.
    pub id: String,
    /// Its category.
    pub category: Category,
    /// What it checks, in one Russian sentence.
    pub description: String,
}

/// Every rule of a rubric: the built-in ones and those its word lists add (stop phrases,
/// techniques, required phrases).
pub fn rule_catalogue(rubric: &CompiledRubric) -> Vec<RuleInfo> {
    let rule = |id: &str, category, description: &str| RuleInfo {
        id: id.to_owned(),
        category,
        description: description.to_owned(),
    };
    let mut rules = vec![
        rule(
            greeting::WORD,
            Category::Greeting,
            "Приветствие подходит ко времени звонка: «Доброе утро» — утром, «Здравствуйте» — всегда; «Алло» и «Здрасте» — не приветствие.",
        ),
        rule(
            greeting::NAME,
            Category::Greeting,
            "В приветствии сотрудник называет своё имя.",
        ),
        rule(
            greeting::POSITION,
            Category::Greeting,
            "В приветствии сотрудник называет должность или службу.",
        ),
        rule(
            greeting::COMPANY,
            Category::Greeting,
            "В приветствии сотрудник называет компанию.",
        ),
        rule(
            greeting::LEAD_QUESTION,
            Category::Greeting,
            "Рекомендация: сразу взять инициативу вопросом, например о номере договора или заявки.",
        ),
        rule(
            hold::ANNOUNCED,
            Category::Hold,
            "Перед удержанием сотрудник просит клиента подождать на линии.",
        ),
        rule(
            hold::DURATION,
            Category::Hold,
            "Перед удержанием сотрудник говорит, сколько придётся ждать.",
        ),
        rule(
            hold::KEPT,
            Category::Hold,
            "Удержание не длится дольше обещанного.",
        ),
        rule(
            hold::THANKS,
            Category::Hold,
            "После удержания сотрудник благодарит за ожидание.",
        ),
        rule(
            hold::SPOKE_ON_HOLD,
            Category::Hold,
            "Голосовой ответ начинается после того, как клиента сняли с удержания.",
        ),
        rule(
            wording::OBLIGATION,
            Category::Wording,
            "Клиенту не говорят «вы должны» и «вы обязаны» — только «необходимо».",
        ),
        rule(
            wording::COMPANY_PROBLEM,
            Category::Wording,
            "О стороне компании говорят не «проблема», а «техническая неисправность».",
        ),
        rule(
            wording::RECOMMENDATION,
            Category::Wording,
            "Похвала: сотрудник сказал «необходимо» — рекомендацию вместо требования.",
        ),
        rule(
            closing::MORE_QUESTIONS,
            Category::Closing,
            "В конце сотрудник спрашивает, остались ли у клиента вопросы.",
        ),
        rule(
            closing::THANKS,
            Category::Closing,
            "В конце сотрудник благодарит за звонок.",
        ),
        rule(
            closing::BONUS,
            Category::Closing,
            "Похвала: «Будем рады помочь снова».",
        ),
        rule(
            deescalation::NONE,
            Category::Deescalation,
            "В разговоре прозвучал хотя бы один приём снятия конфликта.",
        ),
    ];
    for stop in &rubric.stops {
        rules.push(rule(&stop.rule, Category::Wording, &stop.message));
    }
    for technique in &rubric.techniques {
        rules.push(rule(
            &technique.rule,
            Category::Deescalation,
            &technique.title,
        ));
    }
    for required in &rubric.required {
        rules.push(rule(&required.rule, required.category, &required.message));
    }
    rules
}

/// Whether a finding about a turn is already final when that turn is said, so a live hint may
/// show it: the closing, de-escalation, the lead question and required phrases depend on turns
/// still to come.
pub(crate) fn is_final_when_said(finding: &Finding) -> bool {
    !matches!(finding.category, Category::Closing | Category::Deescalation)
        && finding.rule != greeting::LEAD_QUESTION
        && !finding.rule.starts_with("required.")
}
