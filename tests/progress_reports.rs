//! Progress reports built from a real store: attempts in order, category trends, the rules broken
//! most often, certificates, and every format.

use callcoach::render::progress;
use callcoach_core::report::{GroupReport, TraineeReport};
use callcoach_core::scoring::Scorer;
use callcoach_core::store::{
    AttemptMode, AttemptStatus, NewAttempt, Store, StoreError, content_hash,
};
use callcoach_core::text::Morphology;
use callcoach_core::transcript::Transcript;

const WEAK: &str = r#"{"company": "Ромашка Телеком", "clock": "14:00", "turns": [
  {"speaker": "customer", "text": "Не работает интернет!", "at": 0},
  {"speaker": "agent", "text": "Алло, слушаю.", "at": 3},
  {"speaker": "agent", "text": "Вы должны перезагрузить роутер.", "at": 9}]}"#;

const GOOD: &str = r#"{"company": "Ромашка Телеком", "clock": "14:00", "turns": [
  {"speaker": "customer", "text": "Не работает интернет!", "at": 0},
  {"speaker": "agent", "text": "Добрый день! Меня зовут Анна, специалист поддержки «Ромашка Телеком». Подскажите номер договора?", "at": 3},
  {"speaker": "agent", "text": "Перезагрузите роутер, потому что он завис. Остались ли у вас вопросы?", "at": 9},
  {"speaker": "agent", "text": "Спасибо за звонок!", "at": 20}]}"#;

fn store_with_history(folder: &std::path::Path) -> Store {
    let scorer =
        Scorer::with_default_rubric(Morphology::shared().expect("dictionary")).expect("rubric");
    let mut store = Store::open(&folder.join("p.sqlite")).expect("store");
    let anna = store.add_trainee("Анна").expect("trainee");
    let oleg = store.add_trainee("Олег").expect("trainee");
    for (trainee, calls) in [(&anna, [WEAK, WEAK, GOOD]), (&oleg, [GOOD, GOOD, GOOD])] {
        for call in calls {
            let transcript = Transcript::from_json(call).expect("transcript");
            let id = store
                .start_attempt(&NewAttempt {
                    trainee,
                    mode: AttemptMode::Practice,
                    scenario_id: "internet_down",
                    scenario_hash: content_hash(call),
                    rubric_hash: content_hash("rubric"),
                    seed: 1,
                    exam_run: None,
                })
                .expect("attempt");
            for (index, turn) in transcript.turns.iter().enumerate() {
                store.record_turn(id, index, turn).expect("turn");
            }
            let report = scorer.score(&transcript);
            store
                .finish_attempt(id, AttemptStatus::Finished, Some(&report))
                .expect("finished");
        }
    }
    store
}

#[test]
fn a_trainee_report_shows_progress_trends_and_broken_rules() {
    let folder = tempfile::tempdir().expect("temp dir");
    let store = store_with_history(folder.path());
    let anna = store.trainee("Анна").expect("query").expect("exists");
    let report = TraineeReport::build(&store, &anna, 1_900_000_000_000).expect("report");
    assert_eq!(report.attempts.len(), 3);
    let totals: Vec<Option<u32>> = report.attempts.iter().map(|a| a.total).collect();
    assert!(
        totals[2] > totals[0],
        "the last call is the good one: {totals:?}"
    );
    let categories: Vec<&str> = report.trend.iter().map(|t| t.category.as_str()).collect();
    assert_eq!(
        categories,
        [
            "greeting",
            "hold",
            "wording",
            "closing",
            "deescalation",
            "outcome"
        ]
    );
    let greeting = &report.trend[0];
    assert!(
        greeting.last > greeting.first,
        "greeting improved: {greeting:?}"
    );
    assert_eq!(
        report
            .broken_rules
            .iter()
            .find(|(rule, _)| rule == "wording.obligation"),
        Some(&("wording.obligation".to_owned(), 2)),
        "{:?}",
        report.broken_rules
    );

    let text = progress::trainee_text(&report);
    assert!(
        text.contains("Попытки (3)") && text.contains("2 × wording.obligation"),
        "{text}"
    );
    let csv = progress::trainee_csv(&report);
    assert_eq!(
        csv.lines().count(),
        4,
        "header and one row per attempt:\n{csv}"
    );
    assert!(csv.starts_with("trainee,started_at,scenario,mode,status,total,passed,greeting,hold,wording,closing,deescalation"));
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("JSON");
    assert_eq!(json["attempts"].as_array().map(Vec::len), Some(3));
    let html = progress::trainee_html(&report);
    assert!(
        html.contains("<svg") && html.contains("Приветствие"),
        "the chart is inline SVG"
    );
    assert!(html.contains("Баллы по категориям"));
}

#[test]
fn the_group_report_has_a_line_per_trainee() {
    let folder = tempfile::tempdir().expect("temp dir");
    let store = store_with_history(folder.path());
    let report = GroupReport::build(&store, 1_900_000_000_000).expect("report");
    let names: Vec<&str> = report
        .trainees
        .iter()
        .map(|row| row.trainee.as_str())
        .collect();
    assert_eq!(names, ["Анна", "Олег"]);
    let anna = &report.trainees[0];
    assert_eq!((anna.attempts, anna.scored), (3, 3));
    assert!(
        (anna.passed_share.expect("share") - 1.0 / 3.0).abs() < 1e-9,
        "{anna:?}"
    );
    assert_eq!(report.trainees[1].passed_share, Some(1.0));
    assert_eq!(progress::group_csv(&report).lines().count(), 3);
    assert!(progress::group_text(&report).contains("Олег"));
}

#[test]
fn a_name_that_is_a_formula_stays_text_and_one_with_escapes_is_refused() {
    let folder = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&folder.path().join("progress.sqlite")).expect("store");
    for name in ["Анна\nСмирнова", "Анна\u{1b}[31m", "Олег\tИванов"] {
        assert!(
            matches!(store.add_trainee(name), Err(StoreError::BadName)),
            "{name:?}"
        );
    }
    store
        .add_trainee("=HYPERLINK(\"http://example.org\",\"x\")")
        .expect("a strange but printable name");
    let report = GroupReport::build(&store, 1_900_000_000_000).expect("report");
    let csv = progress::group_csv(&report);
    // Quoted, and with a leading apostrophe a spreadsheet shows as text.
    assert!(
        csv.lines()
            .any(|line| line.starts_with("\"'=HYPERLINK(\"\"http://example.org")),
        "{csv}"
    );
}
