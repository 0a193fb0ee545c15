//! The lifecycle the front ends share: an attempt pins what it plays and records every turn in
//! order; an exam sitting seeds its calls from its own seed, fails a call left midway, and its
//! certificate pins the versions played; the ledger writes it all and refuses an exam call that
//! belongs to no sitting.

use std::sync::Arc;

use callcoach_core::attempt::{
    Attempt, AttemptError, AttemptMode, AttemptPlan, AttemptStatus, Record,
};
use callcoach_core::exam::{ExamSitting, load_exam};
use callcoach_core::ledger::Ledger;
use callcoach_core::meaning::Lexicon;
use callcoach_core::scenario::{Scenario, parse_scenario};
use callcoach_core::session::{AgentTurn, Mode};
use callcoach_core::source::{SourceFile, content_hash};
use callcoach_core::store::{Store, StoreError};

use crate::support::scorer;

fn bundled(id: &str) -> (String, Arc<Scenario>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(format!("{id}.ron"));
    let source = SourceFile::read(&path).expect("scenario");
    let scenario = parse_scenario(&source).expect("parses");
    (source.text, Arc::new(scenario))
}

fn lexicon() -> Lexicon {
    Lexicon::shared().expect("lexicon")
}

const GREETING: &str = "Добрый день! Меня зовут Анна, специалист поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер договора?";

#[test]
fn a_recorded_attempt_pins_what_it_plays_and_queues_every_turn_in_order() {
    let (text, scenario) = bundled("internet_down");
    let plan = AttemptPlan {
        trainee: Some("Анна".to_owned()),
        seed: Some(42),
        ..AttemptPlan::practice(scenario)
    };
    let (mut attempt, opening) = Attempt::start(plan, scorer(), lexicon()).expect("starts");
    assert!(!opening.is_empty(), "the customer speaks first");
    attempt
        .advance(AgentTurn::Reply(GREETING.to_owned()))
        .expect("reply");
    attempt.advance(AgentTurn::HangUp).expect("hang up");
    let finished = attempt.finish();
    let records = attempt.take_records();
    let Some(Record::Started(start)) = records.first() else {
        panic!("the attempt starts with what it pins: {records:?}");
    };
    assert_eq!(start.scenario_hash, content_hash(&text));
    assert_eq!(start.rubric_hash, scorer().rubric_hash());
    assert!(!start.rubric_hash.is_empty());
    assert_eq!(start.seed, 42);
    let turns: Vec<usize> = records
        .iter()
        .filter_map(|record| match record {
            Record::Turn { index, .. } => Some(*index),
            _ => None,
        })
        .collect();
    assert_eq!(
        turns,
        (0..finished.transcript.turns.len()).collect::<Vec<_>>(),
        "every turn once, in order"
    );
    assert!(
        matches!(records.last(), Some(Record::Ended { status: AttemptStatus::Finished, report }) if report.total == finished.report.total),
        "{records:?}"
    );
    assert!(attempt.take_records().is_empty(), "nothing twice");
}

#[test]
fn an_attempt_for_nobody_records_nothing_and_one_left_midway_is_abandoned() {
    let (_, scenario) = bundled("internet_down");
    let (mut attempt, _) =
        Attempt::start(AttemptPlan::practice(scenario), scorer(), lexicon()).expect("starts");
    attempt
        .advance(AgentTurn::Reply(GREETING.to_owned()))
        .expect("reply");
    let finished = attempt.finish();
    assert_eq!(finished.status, AttemptStatus::Abandoned);
    assert!(finished.summary.contains("прерван"), "{}", finished.summary);
    assert!(attempt.take_records().is_empty());
}

#[test]
fn an_exam_only_scenario_is_refused_in_practice_and_played_in_an_exam() {
    let (text, _) = bundled("internet_down");
    let secret = text.replace(
        "id: \"internet_down\",",
        "id: \"secret_call\",\n    exam_only: true,",
    );
    let scenario = Arc::new(
        parse_scenario(&SourceFile {
            path: "secret_call.ron".into(),
            text: secret,
        })
        .expect("parses"),
    );
    let refused = Attempt::start(
        AttemptPlan::practice(Arc::clone(&scenario)),
        scorer(),
        lexicon(),
    );
    assert!(
        matches!(&refused, Err(AttemptError::ExamOnly(id)) if id == "secret_call"),
        "{:?}",
        refused.err()
    );
    // `play --exam` outside a sitting: no hints, but no exam either — an exam-only scenario is
    // refused, whatever the front end asks.
    let without_hints = AttemptPlan {
        mode: Mode::Exam,
        trainee: Some("Анна".to_owned()),
        ..AttemptPlan::practice(Arc::clone(&scenario))
    };
    assert!(matches!(
        Attempt::start(without_hints, scorer(), lexicon()),
        Err(AttemptError::ExamOnly(_))
    ));
    let exam = AttemptPlan {
        mode: Mode::Exam,
        in_sitting: true,
        ..AttemptPlan::practice(scenario)
    };
    assert!(Attempt::start(exam, scorer(), lexicon()).is_ok());
}

#[test]
fn a_call_without_hints_outside_a_sitting_is_recorded_as_practice() {
    let (_, scenario) = bundled("internet_down");
    let plan = AttemptPlan {
        mode: Mode::Exam,
        trainee: Some("Анна".to_owned()),
        ..AttemptPlan::practice(scenario)
    };
    let (mut attempt, _) = Attempt::start(plan, scorer(), lexicon()).expect("starts");
    let started = attempt
        .take_records()
        .into_iter()
        .find_map(|record| match record {
            Record::Started(start) => Some(start),
            _ => None,
        });
    assert_eq!(started.map(|start| start.mode), Some(AttemptMode::Practice));
}

fn basic_exam() -> Arc<callcoach_core::exam::Exam> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/exams/basic.ron");
    let source = SourceFile::read(&path).expect("exam");
    let library: Vec<Scenario> = ["internet_down", "warranty_repair", "fraud_sms"]
        .into_iter()
        .map(|id| (*bundled(id).1).clone())
        .collect();
    let mut exam = load_exam(&source, &library).expect("loads");
    assert_eq!(exam.source_hash, content_hash(&source.text));
    exam.attempts_allowed = 3;
    Arc::new(exam)
}

fn library() -> Vec<Arc<Scenario>> {
    [
        "fraud_sms",
        "internet_down",
        "warranty_repair",
        "storyteller",
    ]
    .into_iter()
    .map(|id| bundled(id).1)
    .collect()
}

#[test]
fn a_sitting_seeds_each_call_from_its_own_seed_and_fails_a_call_left_midway() {
    let mut sitting = ExamSitting::begin(basic_exam(), &library(), " Анна ", Some(100))
        .expect("the exam's scenarios are there");
    assert_eq!(sitting.trainee(), "Анна");
    let ids: Vec<&str> = sitting
        .scenarios()
        .iter()
        .map(|scenario| scenario.id.as_str())
        .collect();
    assert_eq!(ids, ["internet_down", "warranty_repair", "fraud_sms"]);
    let mut seeds = Vec::new();
    while let Some(plan) = sitting.next_call() {
        assert_eq!(plan.mode, Mode::Exam);
        assert!(plan.in_sitting);
        seeds.push(plan.seed.expect("seeded"));
        let (mut attempt, _) = Attempt::start(plan, scorer(), lexicon()).expect("starts");
        attempt
            .advance(AgentTurn::Reply(GREETING.to_owned()))
            .expect("reply");
        sitting.call_ended(attempt.finish());
    }
    assert_eq!(seeds, [100, 101, 102]);
    let result = sitting.judge();
    assert!(!result.passed);
    assert!(
        result
            .reasons
            .contains(&"не все звонки доведены до конца".to_owned()),
        "{result:?}"
    );
    let certificate = sitting.certificate(&result, "K7Q2XM", 7, 1_800_000_000_000);
    assert_eq!(certificate.number, "CC-2027-K7Q2XM-000007");
    assert_eq!(certificate.exam_hash, sitting.exam().source_hash);
    assert_eq!(certificate.scenarios.len(), 3);
    assert_eq!(
        certificate.scenarios["internet_down"],
        content_hash(&bundled("internet_down").0)
    );
    assert_eq!(certificate.rubric_hash, scorer().rubric_hash());
}

#[test]
fn a_sitting_whose_scenario_is_missing_does_not_begin() {
    let library: Vec<_> = library()
        .into_iter()
        .filter(|scenario| scenario.id != "fraud_sms")
        .collect();
    let refused = ExamSitting::begin(basic_exam(), &library, "Анна", Some(1)).expect_err("missing");
    assert!(refused.to_string().contains("fraud_sms"), "{refused}");
}

#[test]
fn the_ledger_refuses_an_exam_call_outside_a_sitting_and_writes_a_practice_call() {
    let folder = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&folder.path().join("p.sqlite")).expect("store");
    let anna = store.add_trainee("Анна").expect("trainee");
    let (_, scenario) = bundled("internet_down");
    let mut ledger = Ledger::new();

    let exam_call = AttemptPlan {
        mode: Mode::Exam,
        trainee: Some("Анна".to_owned()),
        in_sitting: true,
        ..AttemptPlan::practice(Arc::clone(&scenario))
    };
    let (mut attempt, _) = Attempt::start(exam_call, scorer(), lexicon()).expect("starts");
    let refused = ledger.write(&mut store, attempt.take_records());
    assert!(matches!(refused, Err(StoreError::NoSitting)), "{refused:?}");
    assert!(store.attempts(&anna).expect("attempts").is_empty());

    let practice = AttemptPlan {
        trainee: Some("Анна".to_owned()),
        ..AttemptPlan::practice(scenario)
    };
    let (mut attempt, _) = Attempt::start(practice, scorer(), lexicon()).expect("starts");
    ledger
        .write(&mut store, attempt.take_records())
        .expect("started");
    attempt
        .advance(AgentTurn::Reply(GREETING.to_owned()))
        .expect("reply");
    ledger
        .write(&mut store, attempt.take_records())
        .expect("turns");
    let finished = attempt.finish();
    ledger
        .write(&mut store, attempt.take_records())
        .expect("ended");
    let attempts = store.attempts(&anna).expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].status, AttemptStatus::Abandoned);
    assert_eq!(attempts[0].turns, finished.transcript.turns.len());
    assert_eq!(attempts[0].total, Some(finished.report.total));
    assert!(
        store.verify(None).expect("verify").problems.is_empty(),
        "sealed"
    );
}
