//! The customer understands replies by meaning, and reacts like a person when they do not.

use std::sync::Arc;

use callcoach_core::meaning::Lexicon;
use callcoach_core::scenario::{Scenario, SourceFile, parse_scenario};
use callcoach_core::session::{AgentTurn, Event, Mode, ReplyAssessor, Session, SessionOptions};
use callcoach_core::transcript::{Speaker, TranscriptTurn};

use crate::support::scorer;

/// A small call written on intents and speech acts: the customer demands a line check, the
/// check takes 60 s on hold, then the agent explains and closes.
const SCENARIO: &str = r#"Scenario(
    id: "line_check",
    title: "Проверка линии",
    summary: "Клиент требует проверить линию.",
    company: "Ромашка Телеком",
    clock: "12:00",
    difficulty: 1,
    customer: Customer(
        name: "Пётр", portrait: BlamesProvider, mood: 0.5, hangs_up_at: 0.95,
        silence_patience: 20, hold_patience: 300,
    ),
    intents: {
        "предложить проверить линию": ["давайте я проверю линию", "посмотрю, что с подключением"],
        "сказать, что аварии нет": ["аварии нет", "на линии всё в порядке"],
    },
    steps: [
        Step(
            id: "demand",
            says: ["Так проверьте, что там у вас на линии!"],
            hint: "Предложите проверить линию.",
            on: [
                Transition(when: Means("предложить проверить линию"), goto: "checking", mood: -0.1),
                Transition(when: Act(HoldAnnounced), goto: "checking", say: ["Жду."]),
                Transition(when: Otherwise, say: ["Ну? Вы будете что-то делать или нет?"], mood: 0.1),
            ],
        ),
        Step(
            id: "checking",
            says: ["Проверяйте."],
            work: Work(what: "проверка линии", seconds: 60),
            on: [
                Transition(when: WorkDone, goto: "outage"),
                Transition(when: WorkNotDone, say: ["Уже всё? Так быстро?"], mood: 0.05),
                Transition(when: Otherwise, say: ["Так проверяете или нет?"]),
            ],
        ),
        Step(
            id: "outage",
            says: ["Ну что? Авария у вас?"],
            on: [
                Transition(when: Means("сказать, что аварии нет"), goto: "done"),
                Transition(when: Otherwise, say: ["Так авария или нет? Говорите прямо!"], mood: 0.1),
            ],
        ),
    ],
    endings: [
        Ending(id: "done", kind: Resolved, says: ["Ладно, понял."], summary: "Клиент успокоился."),
        Ending(id: "gone", kind: HungUp, says: ["Всё!"], summary: "Клиент бросил трубку."),
    ],
)"#;

fn scenario() -> Arc<Scenario> {
    Arc::new(
        parse_scenario(&SourceFile {
            path: "line_check.ron".into(),
            text: SCENARIO.to_owned(),
        })
        .expect("the test scenario parses"),
    )
}

fn call(mode: Mode, assessor: Box<dyn ReplyAssessor>) -> Session {
    Session::start(
        scenario(),
        SessionOptions { seed: 5, mode },
        Lexicon::shared().expect("lexicon"),
        assessor,
    )
    .expect("starts")
    .0
}

fn say(session: &mut Session, text: &str) -> Vec<Event> {
    session
        .advance(AgentTurn::Reply(text.to_owned()))
        .expect("the call goes on")
}

fn last_customer_turn(session: &Session) -> TranscriptTurn {
    session
        .transcript()
        .turns
        .iter()
        .rev()
        .find(|turn| turn.speaker == Speaker::Customer)
        .cloned()
        .expect("the customer spoke")
}

fn hints(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::HintOffered { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn an_intent_said_in_other_words_moves_the_call_and_says_what_it_was_taken_for() {
    let mut session = call(Mode::Practice, Box::new(scorer().clone()));
    let events = say(&mut session, "Сейчас продиагностирую ваше подключение.");
    assert_eq!(session.step_id(), "checking");
    let turn = last_customer_turn(&session);
    assert_eq!(turn.understood, Some(true));
    let meaning = turn.understood_as.expect("what it meant");
    assert!(
        meaning.starts_with("предложить проверить линию (0,"),
        "{meaning}"
    );
    assert!(events.iter().any(|event| matches!(
        event,
        Event::CustomerSpoke { understood_as: Some(shown), .. } if shown == &meaning
    )));
    // The work is shown to the trainee with the step.
    assert!(
        hints(&events)
            .iter()
            .any(|hint| hint.contains("Проверка линии займёт 1 мин:")),
        "{events:?}"
    );
}

#[test]
fn an_announced_hold_answers_a_demand_to_check() {
    let mut session = call(Mode::Exam, Box::new(scorer().clone()));
    say(&mut session, "Конечно, оставайтесь, пожалуйста, на линии.");
    assert_eq!(session.step_id(), "checking");
    assert_eq!(
        last_customer_turn(&session).understood_as.as_deref(),
        Some("попросить подождать на линии")
    );
}

#[test]
fn a_hold_a_little_short_of_the_work_still_finishes_it() {
    let mut session = call(Mode::Practice, Box::new(scorer().clone()));
    say(&mut session, "Давайте я проверю линию, это около минуты.");
    session
        .advance(AgentTurn::Hold { seconds: 55 })
        .expect("hold");
    assert_eq!(session.step_id(), "outage");
}

#[test]
fn a_hold_far_too_short_leaves_the_work_undone() {
    let mut session = call(Mode::Practice, Box::new(scorer().clone()));
    say(&mut session, "Давайте я проверю линию.");
    session
        .advance(AgentTurn::Hold { seconds: 20 })
        .expect("hold");
    assert_eq!(session.step_id(), "checking");
    assert_eq!(
        last_customer_turn(&session).text.as_deref(),
        Some("Уже всё? Так быстро?")
    );
}

#[test]
fn negation_answers_the_customers_question() {
    let mut session = call(Mode::Practice, Box::new(scorer().clone()));
    say(&mut session, "Давайте я проверю линию.");
    session
        .advance(AgentTurn::Hold { seconds: 60 })
        .expect("hold");
    say(&mut session, "Спасибо за ожидание! Да, у нас авария.");
    assert_eq!(session.step_id(), "outage", "«авария» is not «аварии нет»");
    say(&mut session, "Нет, аварии нет, дело в роутере.");
    assert_eq!(
        session
            .outcome()
            .and_then(|outcome| outcome.ending.as_deref()),
        Some("done")
    );
}

#[test]
fn a_reply_not_understood_is_marked_asked_about_and_never_repeated() {
    let mut session = call(Mode::Practice, Box::new(scorer().clone()));
    let mood = session.mood();
    let mut lines = Vec::new();
    let mut all_hints = Vec::new();
    for text in [
        "Добрый день! Меня зовут Анна, специалист поддержки компании «Ромашка Телеком».",
        "Расскажите подробнее, что случилось.",
        "Понимаю ваше недовольство.",
    ] {
        let events = say(&mut session, text);
        all_hints.extend(hints(&events));
        let turn = last_customer_turn(&session);
        assert_eq!(turn.understood, Some(false), "{text}");
        assert_eq!(turn.understood_as, None);
        lines.push(turn.text.expect("a line"));
    }
    for pair in lines.windows(2) {
        assert_ne!(pair[0], pair[1], "the same line twice in a row: {lines:?}");
    }
    // Two misses broke no rule: no anger; the third miss in a row runs out of patience.
    assert!(
        session.mood() - mood <= 0.1 + f32::EPSILON,
        "{}",
        session.mood()
    );
    assert!(
        all_hints[0].contains("не понял"),
        "the first miss is said as such: {all_hints:?}"
    );
    assert!(
        all_hints
            .iter()
            .any(|hint| hint.contains("предложить проверить линию")
                && hint.contains("попросить подождать на линии")),
        "after repeated misses the trainee hears what the customer waits for: {all_hints:?}"
    );
}

#[test]
fn an_exam_shows_no_meaning_and_no_hint() {
    let mut session = call(Mode::Exam, Box::new(scorer().clone()));
    for text in ["Слушаю.", "Говорите.", "Так."] {
        let events = say(&mut session, text);
        assert!(hints(&events).is_empty());
        assert!(events.iter().all(|event| !matches!(
            event,
            Event::CustomerSpoke {
                understood_as: Some(_),
                ..
            }
        )));
    }
    assert_eq!(last_customer_turn(&session).understood, Some(false));
}

#[test]
fn the_transcript_marks_when_the_matter_was_settled_and_how_the_call_ended() {
    use callcoach_core::transcript::CallResult;
    let mut session = call(Mode::Practice, Box::new(scorer().clone()));
    say(&mut session, "Давайте я проверю линию.");
    assert_eq!(session.transcript().settled_at, None);
    session
        .advance(AgentTurn::Hold { seconds: 60 })
        .expect("hold");
    let settled = session.transcript().settled_at.expect("settled");
    assert_eq!(
        session.transcript().turns[settled].text.as_deref(),
        Some("Ну что? Авария у вас?")
    );
    say(
        &mut session,
        "Спасибо за ожидание! Аварии нет, линия в порядке.",
    );
    let ending = session.transcript().ending.expect("ended");
    assert_eq!(ending.result, CallResult::Resolved);
    assert!((0.0..=1.0).contains(&ending.mood));
}

#[test]
fn a_call_the_agent_ends_midway_is_recorded_as_ended_by_the_agent() {
    use callcoach_core::transcript::CallResult;
    let mut session = call(Mode::Practice, Box::new(scorer().clone()));
    say(&mut session, "Сейчас продиагностирую подключение.");
    session.advance(AgentTurn::HangUp).expect("hang up");
    assert_eq!(
        session.transcript().ending.map(|ending| ending.result),
        Some(CallResult::EndedByAgent)
    );
}
