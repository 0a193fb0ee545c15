//! The call engine: determinism, holds, silence, mood, endings and the scoring seam.

use std::sync::Arc;

use callcoach_core::meaning::Lexicon;
use callcoach_core::scenario::{EndingKind, Scenario, SourceFile, parse_scenario};
use callcoach_core::session::{
    AgentTurn, Event, LiveFinding, Mode, NoAssessment, ReplyAssessor, Session, SessionError,
    SessionOptions,
};
use callcoach_core::text::Morphology;
use callcoach_core::transcript::{Speaker, Transcript};

fn bundled(id: &str) -> Arc<Scenario> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(format!("{id}.ron"));
    let source = SourceFile::read(&path).expect("bundled scenario is readable");
    Arc::new(parse_scenario(&source).expect("bundled scenario parses"))
}

fn start(
    scenario: Arc<Scenario>,
    seed: u64,
    mode: Mode,
    assessor: Box<dyn ReplyAssessor>,
) -> (Session, Vec<Event>) {
    Session::start(
        scenario,
        SessionOptions { seed, mode },
        Lexicon::shared().expect("lexicon"),
        assessor,
    )
    .expect("starts")
}

fn play(seed: u64, replies: &[AgentTurn]) -> Transcript {
    let (mut session, _) = start(
        bundled("internet_down"),
        seed,
        Mode::Practice,
        Box::new(NoAssessment),
    );
    for reply in replies {
        if session.outcome().is_some() {
            break;
        }
        session.advance(reply.clone()).expect("call goes on");
    }
    session.transcript().clone()
}

fn reply(text: &str) -> AgentTurn {
    AgentTurn::Reply(text.to_owned())
}

/// A practice call of `internet_down` with seed 1.
fn practice_call(assessor: Box<dyn ReplyAssessor>) -> Session {
    start(bundled("internet_down"), 1, Mode::Practice, assessor).0
}

/// Greets, reaches the line check and announces the hold with `announcement`.
fn announce_line_check(session: &mut Session, announcement: &str) {
    for text in [GREETING, "Давайте я проверю линию.", announcement] {
        session.advance(reply(text)).expect("turn");
    }
}

const GREETING: &str = "Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.";

fn customer_lines(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::CustomerSpoke { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn same_seed_and_replies_give_the_same_call() {
    let replies = [
        reply("Алло, слушаю."),
        reply(GREETING),
        reply("Давайте я проверю линию."),
        AgentTurn::Wait { seconds: 30 },
        reply("Подождите минуту."),
        AgentTurn::Hold { seconds: 95 },
    ];
    for seed in [0, 1, 42, 31337] {
        assert_eq!(play(seed, &replies), play(seed, &replies), "seed {seed}");
    }
}

#[test]
fn the_seed_picks_among_the_customers_variants() {
    let openings: std::collections::BTreeSet<String> = (0..32)
        .map(|seed| play(seed, &[]).turns[0].text.clone().expect("a line"))
        .collect();
    assert_eq!(
        openings.len(),
        2,
        "both opening variants occur: {openings:?}"
    );
}

#[test]
fn a_hold_promised_shorter_than_the_work_angers_the_customer() {
    let mut session = practice_call(Box::new(NoAssessment));
    announce_line_check(&mut session, "Подождите одну минуту, пожалуйста.");
    let mood_before = session.mood();
    let events = session
        .advance(AgentTurn::Hold { seconds: 95 })
        .expect("hold");
    assert!(
        matches!(
            events[0],
            Event::HoldStarted {
                promised_seconds: Some(60),
                ..
            }
        ),
        "{events:?}"
    );
    assert!(
        customer_lines(&events)[0].starts_with("Вы сказали минуту"),
        "{events:?}"
    );
    assert!(session.mood() > mood_before);
    assert_eq!(session.step_id(), "line_checked");
}

#[test]
fn a_hold_shorter_than_the_work_leaves_it_unfinished() {
    let mut session = practice_call(Box::new(NoAssessment));
    announce_line_check(&mut session, "Оставайтесь на линии, это займёт две минуты.");
    let events = session
        .advance(AgentTurn::Hold { seconds: 30 })
        .expect("hold");
    assert_eq!(
        customer_lines(&events),
        ["И что, уже всё проверили? Так быстро?"]
    );
    assert_eq!(session.step_id(), "check_line");
    // The work adds up over holds: 30 + 70 seconds finish the 90-second line check.
    session
        .advance(reply("Ещё минуту, пожалуйста, оставайтесь на линии."))
        .expect("turn");
    session
        .advance(AgentTurn::Hold { seconds: 60 })
        .expect("hold");
    assert_eq!(session.step_id(), "line_checked");
}

#[test]
fn silence_past_patience_makes_the_customer_call_out() {
    let mut session = practice_call(Box::new(NoAssessment));
    assert!(
        session
            .advance(AgentTurn::Wait { seconds: 5 })
            .expect("wait")
            .is_empty()
    );
    let events = session
        .advance(AgentTurn::Wait { seconds: 20 })
        .expect("wait");
    assert_eq!(
        customer_lines(&events).len(),
        1,
        "the customer calls out once: {events:?}"
    );
    assert!(
        events
            .iter()
            .any(|event| matches!(event, Event::MoodChanged { change, .. } if *change > 0.0))
    );
}

#[test]
fn mood_at_the_limit_hangs_up_and_the_call_is_over() {
    let mut session = practice_call(Box::new(crate::support::scorer().clone()));
    session.advance(reply("Успокойтесь!")).expect("turn");
    let events = session.advance(reply("Успокойтесь!")).expect("turn");
    let Some(Event::CallEnded { outcome, .. }) = events.last() else {
        panic!("the call ends: {events:?}");
    };
    assert_eq!(outcome.kind, Some(EndingKind::HungUp));
    assert_eq!(outcome.ending.as_deref(), Some("hung_up"));
    assert!(matches!(
        session.advance(reply("Алло?")),
        Err(SessionError::CallOver)
    ));
}

/// Flags «должны»/«должен» like the obligation rule will, to drive the seam.
struct FlagsObligation;

impl ReplyAssessor for FlagsObligation {
    fn assess(&mut self, transcript: &Transcript, turn: usize) -> Vec<LiveFinding> {
        let text = transcript.turns[turn].text.as_deref().unwrap_or_default();
        text.find("должн")
            .map(|byte| {
                let start = text[..byte].chars().count();
                LiveFinding {
                    rule: "wording.obligation".to_owned(),
                    span: (start, start + 6),
                    message: "Клиент никому ничего не должен.".to_owned(),
                    suggestion: "необходимо".to_owned(),
                }
            })
            .into_iter()
            .collect()
    }
}

#[test]
fn a_scoring_finding_drives_the_customers_reaction() {
    let mut session = practice_call(Box::new(FlagsObligation));
    let events = session
        .advance(reply("Вы должны назвать номер договора."))
        .expect("turn");
    assert!(
        matches!(&events[0], Event::FindingsReported { turn: 1, findings } if findings[0].rule == "wording.obligation")
    );
    assert_eq!(
        customer_lines(&events),
        ["Я вам ничего не должен! Это вы мне должны — я за интернет деньги плачу!"]
    );
    assert_eq!(session.step_id(), "opening", "the reaction keeps the step");
}

#[test]
fn exam_mode_reports_no_hints_or_findings() {
    let (mut session, opening) = start(
        bundled("internet_down"),
        1,
        Mode::Exam,
        Box::new(FlagsObligation),
    );
    let events = session
        .advance(reply("Вы должны назвать номер договора."))
        .expect("turn");
    let shown = opening.iter().chain(&events).any(|event| {
        matches!(
            event,
            Event::HintOffered { .. } | Event::FindingsReported { .. }
        )
    });
    assert!(!shown, "{opening:?} {events:?}");
}

#[test]
fn the_transcript_follows_the_contract() {
    let transcript = play(
        1,
        &[
            reply(GREETING),
            reply("Давайте я проверю линию."),
            reply("Подождите две минуты."),
            AgentTurn::Hold { seconds: 100 },
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&transcript.to_json()).expect("json");
    assert_eq!(json["company"], "Ромашка Телеком");
    assert_eq!(json["clock"], "16:20");
    let turns = json["turns"].as_array().expect("turns");
    assert_eq!(turns[0]["speaker"], "customer");
    assert_eq!(turns[1]["speaker"], "agent");
    assert_eq!(turns[1]["text"], GREETING);
    let hold = turns
        .iter()
        .find(|turn| turn.get("hold_seconds").is_some())
        .expect("hold turn");
    assert_eq!(hold["hold_seconds"], 100);
    assert!(hold.get("text").is_none());
    assert_eq!(
        transcript
            .turns
            .iter()
            .filter(|turn| turn.speaker == Speaker::Agent)
            .count(),
        4
    );
    assert_eq!(
        Transcript::from_json(&transcript.to_json()).expect("round trip"),
        transcript
    );
}

#[test]
fn transcripts_breaking_the_contract_are_refused() {
    for (json, reason) in [
        (
            r#"{"turns":[{"speaker":"customer","hold_seconds":5,"at":1}]}"#,
            "реплика 1: на удержание ставит только сотрудник",
        ),
        (
            r#"{"turns":[{"speaker":"agent","at":1}]}"#,
            "нет ни text, ни hold_seconds",
        ),
        (
            r#"{"turns":[{"speaker":"agent","text":"Да","hold_seconds":5,"at":1}]}"#,
            "не оба",
        ),
        (
            r#"{"turns":[{"speaker":"robot","text":"Да","at":1}]}"#,
            "строка 1, столбец 28: недопустимое значение «robot»",
        ),
        (
            r#"{"turns":[{"text":"Да","at":1}]}"#,
            "нет обязательного поля «speaker»",
        ),
        (r#"{"turns":[{"speaker":"agent""#, "текст обрывается"),
        (r#"{"turns": [}"#, "это не JSON"),
        (
            r#"{"clock":"25:99","turns":[]}"#,
            "clock должно быть временем ЧЧ:ММ",
        ),
        (
            r#"{"turns":[{"speaker":"agent","text":"Да","at":9},{"speaker":"agent","text":"Нет","at":3}]}"#,
            "реплика 2: at меньше, чем у предыдущей",
        ),
        (
            r#"{"turns":[{"speaker":"agent","hold_seconds":0,"at":1}]}"#,
            "hold_seconds должно быть больше нуля",
        ),
        (
            r#"{"turns":[{"speaker":"agent","text":"Да","at":1e300}]}"#,
            "от 0 до суток",
        ),
    ] {
        let error = Transcript::from_json(json).expect_err(json).to_string();
        assert!(error.contains(reason), "{json}: {error}");
        assert!(
            !error.contains("expected") && !error.contains("field `"),
            "serde's English stays out: {error}"
        );
    }
}

#[test]
fn the_real_scorer_drives_live_hints_and_a_reaction_to_a_whole_rule_family() {
    let morphology = Morphology::shared().expect("dictionary");
    let scorer =
        callcoach_core::scoring::Scorer::with_default_rubric(morphology).expect("default rubric");
    let (mut session, _) = start(
        bundled("storyteller"),
        3,
        Mode::Practice,
        Box::new(scorer.clone()),
    );
    session.advance(reply(GREETING)).expect("greeting");
    let events = session
        .advance(reply("Успокойтесь, пожалуйста."))
        .expect("reply");
    let hints: Vec<&LiveFinding> = events
        .iter()
        .filter_map(|event| match event {
            Event::FindingsReported { findings, .. } => Some(findings),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(
        hints.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        ["wording.stop.calm_down"],
        "{events:?}"
    );
    assert_eq!(hints[0].span, (0, 11), "«Успокойтесь»");
    assert!(
        customer_lines(&events)
            .iter()
            .any(|line| line.contains("голос повышаете")),
        "Finding(\"wording.stop\") reacts to any stop phrase: {events:?}"
    );

    let (mut exam, _) = start(bundled("storyteller"), 3, Mode::Exam, Box::new(scorer));
    exam.advance(reply(GREETING)).expect("greeting");
    let events = exam
        .advance(reply("Успокойтесь, пожалуйста."))
        .expect("reply");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::FindingsReported { .. })),
        "no live findings in an exam, though the customer still reacts: {events:?}"
    );
    assert!(
        customer_lines(&events)
            .iter()
            .any(|line| line.contains("голос повышаете"))
    );
}

const ASK_NUMBER: &str =
    "Добрый день! Анна, «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.";

#[test]
fn the_storyteller_taken_in_hand_three_seconds_in_is_glad_and_the_cut_is_in_the_transcript() {
    let (mut session, _) = start(
        bundled("storyteller"),
        1,
        Mode::Practice,
        Box::new(NoAssessment),
    );
    let before = session.mood();
    session.barge_in(3.2);
    let events = session.advance(reply(ASK_NUMBER)).expect("turn");
    let lines = customer_lines(&events);
    assert!(
        lines[0].starts_with("Ой, да, конечно, договор"),
        "{lines:?}"
    );
    assert!(session.mood() < before - 0.15, "{}", session.mood());
    let agent = &session.transcript().turns[1];
    let cut = agent.barge_in.expect("the cut is recorded");
    assert_eq!(cut.after, 3.2);
    let opening = &session.transcript().turns[0];
    assert!(cut.of > cut.after);
    assert_eq!(
        agent.at,
        opening.at + 3.2,
        "the agent speaks where the line was cut"
    );
}

#[test]
fn a_question_after_the_story_or_a_cut_too_early_is_the_ordinary_way_in() {
    for cut in [None, Some(1.5)] {
        let (mut session, _) = start(
            bundled("storyteller"),
            1,
            Mode::Practice,
            Box::new(NoAssessment),
        );
        if let Some(after) = cut {
            session.barge_in(after);
        }
        let events = session.advance(reply(ASK_NUMBER)).expect("turn");
        assert!(
            customer_lines(&events)[0].starts_with("Договор? Сейчас, очки найду"),
            "{cut:?}: {events:?}"
        );
        assert_eq!(
            session.transcript().turns[1].barge_in.is_some(),
            cut.is_some()
        );
    }
}

#[test]
fn the_frightened_customer_cut_off_in_her_first_seconds_gets_angrier() {
    let (mut session, _) = start(
        bundled("fraud_sms"),
        2,
        Mode::Practice,
        Box::new(NoAssessment),
    );
    let before = session.mood();
    let events = session
        .advance(AgentTurn::CutIn {
            after: 1.0,
            text: "Добрый день, я заблокирую вашу карту.".to_owned(),
        })
        .expect("turn");
    assert!(
        customer_lines(&events)[0].starts_with("Да дайте же мне договорить"),
        "{events:?}"
    );
    assert!(session.mood() > before);
    // A cut past the end of the line is no cut: the line was over.
    let (mut late, _) = start(
        bundled("fraud_sms"),
        2,
        Mode::Practice,
        Box::new(NoAssessment),
    );
    late.barge_in(120.0);
    late.advance(reply("Добрый день!")).expect("turn");
    assert_eq!(late.transcript().turns[1].barge_in, None);
}

#[test]
fn every_customer_line_has_a_stable_id_and_a_mood() {
    let scenario = bundled("storyteller");
    let lines = scenario.customer_lines();
    assert_eq!(lines[0].id, "opening.1");
    assert_eq!(lines[1].id, "opening.2");
    assert!(lines.iter().any(|line| line.id == "opening.on1.1"));
    assert_eq!(scenario.line_id(&lines[3].text), Some(lines[3].id.clone()));
    let mut ids: Vec<&str> = lines.iter().map(|line| line.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), lines.len(), "ids are unique");
    assert!(lines.iter().all(|line| (0.0..=1.0).contains(&line.mood)));
}
