//! `callcoach score` end to end: the JSON contract, the trainer's debrief, stdin, bad input.

use super::{callcoach, stderr, stdout};

const CALL: &str = r#"{ "company": "Ромашка Телеком", "clock": "16:00",
  "turns": [
    {"speaker": "customer", "text": "Не работает интернет!", "at": 0.0},
    {"speaker": "agent", "text": "Доброе утро! Меня зовут Анна, специалист поддержки «Ромашка Телеком». Подскажите номер договора?", "at": 4.0},
    {"speaker": "customer", "text": "12345.", "at": 12.0},
    {"speaker": "agent", "text": "Вы должны перезагрузить роутер, потому что он завис.", "at": 15.0},
    {"speaker": "agent", "text": "Остались ли у вас ещё вопросы? Спасибо за звонок!", "at": 40.0}
  ] }"#;

#[test]
fn json_follows_the_score_report_contract() {
    let output = callcoach(&["score", "-", "--format", "json"], CALL);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(report["passed"], false, "{report:#}");
    assert_eq!(report["categories"]["hold"]["applicable"], false);
    assert_eq!(report["categories"]["hold"]["passed"], true);
    assert_eq!(report["categories"]["closing"]["passed"], true);
    let wording = &report["categories"]["wording"];
    assert_eq!(wording["passed"], false);
    assert_eq!(wording["score"], 15);
    assert_eq!(wording["max"], 25);
    let finding = &wording["findings"][0];
    assert_eq!(finding["rule"], "wording.obligation");
    assert_eq!(finding["category"], "wording");
    assert_eq!(finding["turn"], 3);
    assert_eq!(finding["span"], serde_json::json!([0, 9]), "«Вы должны»");
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["suggestion"], "вам необходимо");
    let all = report["findings"].as_array().expect("every finding");
    let rules: Vec<&str> = all.iter().filter_map(|f| f["rule"].as_str()).collect();
    assert_eq!(
        rules,
        ["greeting.word", "wording.obligation"],
        "in turn order"
    );
    // A call recorded elsewhere says nothing of how it ended: the outcome does not apply.
    assert_eq!(report["categories"]["outcome"]["applicable"], false);
    let sum: u64 = [
        "greeting",
        "hold",
        "wording",
        "closing",
        "deescalation",
        "outcome",
    ]
    .iter()
    .map(|c| report["categories"][c]["score"].as_u64().expect("score"))
    .sum();
    assert_eq!(report["total"].as_u64(), Some(sum));
}

#[test]
fn text_is_a_debrief_with_the_words_at_fault_marked() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("call.json");
    std::fs::write(&path, CALL).expect("written");
    let output = callcoach(&["score", path.to_str().expect("utf-8")], "");
    let text = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(text.contains("Приветствие: 16 из 20 — не сдано"), "{text}");
    assert!(
        text.contains("«⟦Доброе утро⟧! Меня зовут Анна"),
        "the span is marked in the quoted turn:\n{text}"
    );
    assert!(text.contains("«Доброе утро» не подходит к 16:00"), "{text}");
    assert!(text.contains("лучше: Добрый день!"), "{text}");
    assert!(
        text.contains("Удержание: 20 из 20 — не применимо"),
        "{text}"
    );
}

#[test]
fn a_bad_transcript_is_refused_with_exit_2() {
    let output = callcoach(
        &["score", "-"],
        r#"{"turns": [{"speaker": "customer", "hold_seconds": 5, "at": 0}]}"#,
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("не подходит как расшифровка звонка"),
        "{message}"
    );
    assert!(
        message.contains("реплика 1: на удержание ставит только сотрудник")
            && message.matches("только сотрудник").count() == 1,
        "{message}"
    );
    let missing = callcoach(&["score", "no/such/call.json"], "");
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("не удалось прочитать расшифровку"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn a_broken_rubric_is_refused_with_its_diagnostics() {
    let output = callcoach(
        &[
            "score",
            "-",
            "--rubric",
            "tests/fixtures/broken/rubric_values.ron",
        ],
        CALL,
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("rubric_values.ron:10:21: error: порог 120 больше максимума 100"),
        "{message}"
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn a_company_rubric_adds_its_own_required_phrase() {
    let rubric = std::fs::read_to_string("assets/rubrics/default.ron")
        .expect("default rubric")
        .replace(
            "required_phrases: [],",
            r#"required_phrases: [
        (id: "recording", category: Greeting, place: Greeting, phrases: ["разговор записываться"],
         message: "Клиента предупреждают о записи разговора.", suggestion: "Разговор записывается."),
    ],"#,
        );
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("company.ron");
    std::fs::write(&path, rubric).expect("written");
    let output = callcoach(
        &[
            "score",
            "-",
            "--format",
            "json",
            "--rubric",
            path.to_str().expect("utf-8"),
        ],
        CALL,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let rules: Vec<&str> = report["categories"]["greeting"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"required.recording"), "{rules:?}");
}

#[test]
fn a_megabyte_reply_is_scored_with_short_quotes() {
    let reply = "У нас проблема на линии. Вы должны перезагрузить роутер. ".repeat(18_000);
    assert!(reply.len() > 1_000_000);
    let call = serde_json::json!({
        "company": "Ромашка Телеком",
        "turns": [
            {"speaker": "customer", "text": "Не работает интернет!", "at": 0.0},
            {"speaker": "agent", "text": reply, "at": 4.0},
        ],
    });
    let output = callcoach(&["score", "-", "--format", "text"], &call.to_string());
    let text = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        text.contains("⟦проблема⟧"),
        "{}",
        text.get(..3000).unwrap_or(&text)
    );
    assert!(
        text.contains("[wording.company_problem] ещё 17997 раз в реплике 2"),
        "the same fault over and over is counted, not quoted: {}",
        text.get(..3000).unwrap_or(&text)
    );
    assert!(
        text.len() < 50_000,
        "the debrief of a megabyte reply stays short: {} bytes",
        text.len()
    );
}
