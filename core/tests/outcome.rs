//! The closing window once the matter is settled, and the outcome category: how the call ended
//! and how the customer felt then.

use callcoach_core::scoring::{Category, ScoreReport};
use callcoach_core::transcript::{CallEnd, CallResult, Speaker, Transcript};

use crate::support::{scorer, turn};

const GREETING: &str = "Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер договора?";

/// A resolved call whose customer ignores the closing question and talks on: the question is
/// three agent replies before the end.
fn talkative_ending() -> Transcript {
    let agent = |text: &str, at| turn(Speaker::Agent, text, at);
    let customer = |text: &str, at| turn(Speaker::Customer, text, at);
    Transcript {
        company: Some("Ромашка Телеком".to_owned()),
        clock: Some("14:05".to_owned()),
        turns: vec![
            customer("Не работает интернет!", 0.0),
            agent(GREETING, 3.0),
            customer("Договор 12345.", 12.0),
            agent(
                "Перезагрузите, пожалуйста, роутер, потому что он получит новые настройки.",
                16.0,
            ),
            customer("Заработало!", 60.0),
            agent("Отлично! Остались ли у вас ещё вопросы?", 63.0),
            customer(
                "А у вас тарифы подешевле есть? Я слишком много плачу.",
                68.0,
            ),
            agent(
                "Тарифы можно сравнить в личном кабинете, раздел «Тарифы».",
                74.0,
            ),
            customer("Ладно, посмотрю.", 80.0),
            agent("Хорошо. Спасибо за звонок, всего доброго!", 83.0),
        ],
        settled_at: Some(4),
        ending: Some(CallEnd {
            result: CallResult::Resolved,
            mood: 0.2,
        }),
    }
}

fn rules_found(report: &ScoreReport) -> Vec<&str> {
    report
        .findings
        .iter()
        .map(|finding| finding.rule.as_str())
        .collect()
}

#[test]
fn the_closing_question_counts_anywhere_after_the_matter_was_settled() {
    let report = scorer().score(&talkative_ending());
    let found = rules_found(&report);
    assert!(!found.contains(&"closing.more_questions"), "{found:?}");
    assert!(!found.contains(&"closing.thanks"), "{found:?}");
}

#[test]
fn a_closing_question_before_the_matter_was_settled_does_not_count() {
    let mut call = talkative_ending();
    // The question comes first, the solution after it.
    call.turns[3].text = Some("Остались ли у вас ещё вопросы?".to_owned());
    call.turns[5].text = Some(
        "Перезагрузите, пожалуйста, роутер, потому что он получит новые настройки.".to_owned(),
    );
    call.settled_at = Some(6);
    let found = rules_found(&scorer().score(&call)).join(" ");
    assert!(found.contains("closing.more_questions"), "{found}");
}

#[test]
fn without_a_settled_mark_the_last_three_replies_after_the_last_hold_are_the_closing() {
    let mut call = talkative_ending();
    call.settled_at = None;
    let report = scorer().score(&call);
    let found = rules_found(&report);
    assert!(!found.contains(&"closing.more_questions"), "{found:?}");
    // One more exchange pushes the question out of the window.
    call.turns.insert(
        9,
        turn(
            Speaker::Customer,
            "А роутер новый можно купить у вас?",
            84.0,
        ),
    );
    call.turns
        .insert(10, turn(Speaker::Agent, "Да, в любом нашем офисе.", 86.0));
    let report = scorer().score(&call);
    let found = rules_found(&report);
    assert!(found.contains(&"closing.more_questions"), "{found:?}");
}

#[test]
fn a_resolved_call_with_a_calm_customer_earns_the_whole_outcome() {
    let report = scorer().score(&talkative_ending());
    let outcome = &report.categories[&Category::Outcome];
    assert!(outcome.applicable && outcome.passed);
    assert_eq!(outcome.score, outcome.max);
    assert!(
        report
            .praise
            .iter()
            .any(|praise| praise.rule == "outcome.result")
    );
}

#[test]
fn a_call_the_agent_left_with_a_furious_customer_cannot_pass_or_score_full_marks() {
    let mut call = talkative_ending();
    call.ending = Some(CallEnd {
        result: CallResult::EndedByAgent,
        mood: 0.9,
    });
    let report = scorer().score(&call);
    let outcome = &report.categories[&Category::Outcome];
    assert_eq!(outcome.score, 0);
    assert!(!outcome.passed && !report.passed);
    assert!(report.total < report.max);
    let found = rules_found(&report);
    assert!(
        found.contains(&"outcome.result") && found.contains(&"outcome.mood"),
        "{found:?}"
    );
}

#[test]
fn a_customer_who_hung_up_fails_the_outcome() {
    let mut call = talkative_ending();
    call.ending = Some(CallEnd {
        result: CallResult::HungUp,
        mood: 0.95,
    });
    let report = scorer().score(&call);
    assert!(!report.categories[&Category::Outcome].passed);
    assert!(!report.passed);
}

#[test]
fn an_irritated_customer_costs_points_but_the_call_can_pass() {
    let mut call = talkative_ending();
    call.ending = Some(CallEnd {
        result: CallResult::Escalated,
        mood: 0.75,
    });
    let report = scorer().score(&call);
    let outcome = &report.categories[&Category::Outcome];
    assert!(outcome.passed);
    assert!(
        outcome.score < outcome.max && outcome.score > 0,
        "{outcome:?}"
    );
}

#[test]
fn a_call_recorded_elsewhere_without_its_ending_is_not_judged_on_it() {
    let mut call = talkative_ending();
    call.ending = None;
    let outcome = &scorer().score(&call).categories[&Category::Outcome];
    assert!(!outcome.applicable && outcome.passed);
}

#[test]
fn the_ending_and_the_settled_mark_survive_the_json_contract() {
    let call = talkative_ending();
    let json = call.to_json();
    assert!(json.contains("\"settled_at\": 4"), "{json}");
    assert!(json.contains("\"result\": \"resolved\""), "{json}");
    assert_eq!(Transcript::from_json(&json).expect("valid"), call);
    let mut broken = call;
    broken.settled_at = Some(99);
    assert!(Transcript::from_json(&broken.to_json()).is_err());
}
