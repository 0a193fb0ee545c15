//! `callcoach play --text` end to end: piped replies, holds, endings, transcript file.

use callcoach_core::transcript::{Speaker, Transcript};

use super::{add_trainee, callcoach, stderr, stdout};

const RESOLVED_CALL: &str = "\
Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.
Спасибо. Давайте я проверю линию до вашего дома.
Оставайтесь, пожалуйста, на линии, проверка займёт около двух минут.
/hold 100
Спасибо за ожидание! Линия в порядке. Необходимо перезагрузить роутер, потому что он мог зависнуть.
Понимаю. Когда вы будете дома, я перезвоню, и мы перезагрузим его вместе. В восемь вам удобно?
Отлично, перезвоню в восемь. Остались ли у вас ещё вопросы?
Спасибо за звонок, всего доброго!
";

#[test]
fn a_scripted_call_reaches_the_resolved_ending_with_a_hold() {
    let folder = tempfile::tempdir().expect("temp dir");
    let transcript_path = folder.path().join("call.json");
    let output = callcoach(
        &[
            "play",
            "internet_down",
            "--text",
            "--seed",
            "1",
            "--transcript",
            transcript_path.to_str().expect("utf-8 path"),
        ],
        RESOLVED_CALL,
    );
    let text = stdout(&output);
    assert!(output.status.success(), "{text}\n{}", stderr(&output));
    assert!(
        text.contains("Игорь Петрович: Договор"),
        "the customer answers the contract question:\n{text}"
    );
    assert!(
        text.contains("клиент на удержании (обещано 2:00)"),
        "the hold shows the promise:\n{text}"
    );
    assert!(text.contains("удержание окончено через 1:40"), "{text}");
    assert!(text.contains("Звонок окончен — вопрос решён."), "{text}");
    assert!(
        text.contains("Подсказка:"),
        "practice mode shows hints:\n{text}"
    );

    let json = std::fs::read_to_string(&transcript_path).expect("transcript written");
    let transcript = Transcript::from_json(&json).expect("transcript follows the contract");
    assert_eq!(transcript.company.as_deref(), Some("Ромашка Телеком"));
    assert_eq!(transcript.clock.as_deref(), Some("16:20"));
    let hold = transcript
        .turns
        .iter()
        .find(|turn| turn.hold_seconds.is_some())
        .expect("the hold is in the transcript");
    assert_eq!(
        (hold.speaker, hold.hold_seconds, hold.text.as_deref()),
        (Speaker::Agent, Some(100), None)
    );
    let agent_lines = transcript
        .turns
        .iter()
        .filter(|turn| turn.speaker == Speaker::Agent && turn.text.is_some())
        .count();
    assert_eq!(agent_lines, 7, "every typed reply is a turn");
    let times: Vec<f64> = transcript.turns.iter().map(|turn| turn.at).collect();
    assert!(
        times.windows(2).all(|pair| pair[0] < pair[1]),
        "turn times increase: {times:?}"
    );
}

#[test]
fn the_same_seed_and_replies_give_the_same_call() {
    let first = stdout(&callcoach(
        &["play", "internet_down", "--text", "--seed", "9"],
        RESOLVED_CALL,
    ));
    let second = stdout(&callcoach(
        &["play", "internet_down", "--text", "--seed", "9"],
        RESOLVED_CALL,
    ));
    assert_eq!(first, second);
}

#[test]
fn exam_mode_shows_no_hints() {
    let text = stdout(&callcoach(
        &["play", "internet_down", "--text", "--exam", "--seed", "1"],
        RESOLVED_CALL,
    ));
    assert!(!text.contains("Подсказка:"), "{text}");
    assert!(text.contains("Звонок окончен — вопрос решён."), "{text}");
}

#[test]
fn a_hold_past_the_customers_patience_ends_the_call() {
    let replies = "Здравствуйте, компания «Ромашка Телеком», меня зовут Анна. Номер договора, пожалуйста?\nСейчас проверю линию, подождите.\n/hold 600\n";
    let text = stdout(&callcoach(
        &["play", "internet_down", "--text", "--seed", "1"],
        replies,
    ));
    assert!(text.contains("удержание окончено через 4:00"), "{text}");
    assert!(
        text.contains("Звонок окончен — клиент бросил трубку."),
        "{text}"
    );
}

#[test]
fn typing_mistakes_in_commands_are_explained_and_the_call_goes_on() {
    let replies = "/hold\n/jump\nУспокойтесь!\nУспокойтесь!\n";
    let text = stdout(&callcoach(
        &["play", "internet_down", "--text", "--seed", "1"],
        replies,
    ));
    assert!(
        text.contains("в «/hold» нужна длительность от 1 секунды до 60 минут"),
        "{text}"
    );
    assert!(text.contains("неизвестная команда «/jump»"), "{text}");
    assert!(text.contains("Не надо меня успокаивать!"), "{text}");
}

#[test]
fn input_that_ends_early_interrupts_the_call() {
    let text = stdout(&callcoach(
        &["play", "internet_down", "--text", "--seed", "1"],
        "Алло?\n",
    ));
    assert!(text.contains("звонок прерван на шаге «opening»"), "{text}");
}

#[test]
fn an_unknown_scenario_lists_the_known_ones() {
    let output = callcoach(&["play", "no_such_call", "--text"], "");
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("сценарий «no_such_call» не найден"),
        "{message}"
    );
    assert!(message.contains("internet_down"), "{message}");
}

#[test]
fn a_broken_scenario_file_is_refused_with_its_diagnostics() {
    let output = callcoach(
        &["play", "tests/fixtures/broken/unknown_step.ron", "--text"],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message
            .contains("unknown_step.ron:24:68: error: переход ведёт к неизвестному шагу «repiar»"),
        "{message}"
    );
}

#[test]
fn the_debrief_follows_the_call_and_praises_a_clean_one() {
    let output = callcoach(
        &["play", "internet_down", "--text", "--seed", "1"],
        RESOLVED_CALL,
    );
    let text = stdout(&output);
    assert!(output.status.success(), "{text}\n{}", stderr(&output));
    let debrief = text
        .split("Разбор звонка")
        .nth(1)
        .unwrap_or_else(|| panic!("the debrief follows the call:\n{text}"));
    assert!(debrief.contains("Итог: 100 из 100 — СДАНО"), "{debrief}");
    assert!(
        debrief.contains("Вы поблагодарили за ожидание"),
        "good moments are praised:\n{debrief}"
    );
}

#[test]
fn an_obligation_gets_a_live_hint_a_reaction_and_a_place_in_the_debrief() {
    let replies = "\
Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.
Вы должны перезагрузить роутер.
/end
";
    let output = callcoach(&["play", "internet_down", "--text", "--seed", "1"], replies);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}\n{}", stderr(&output));
    assert!(
        text.contains("Замечание: Клиент никому ничего не должен")
            && text.contains("Лучше: «вам необходимо»"),
        "a live hint names the reason and the better wording:\n{text}"
    );
    assert!(
        text.contains("Я вам ничего не должен"),
        "the scenario's customer reacts to the finding:\n{text}"
    );
    let debrief = text.split("Разбор звонка").nth(1).expect("debrief");
    assert!(
        debrief.contains("Формулировки: 15 из 25 — не сдано")
            && debrief.contains("«⟦Вы должны⟧ перезагрузить роутер.»"),
        "the debrief marks the words at fault:\n{debrief}"
    );
}

#[test]
fn exam_mode_shows_no_live_hints_but_the_debrief_at_the_end() {
    let replies = "Алло.\nВы должны перезагрузить роутер.\n/end\n";
    let output = callcoach(
        &["play", "internet_down", "--text", "--seed", "1", "--exam"],
        replies,
    );
    let text = stdout(&output);
    let (call, debrief) = text.split_once("Разбор звонка").expect("debrief");
    assert!(
        !call.contains("Замечание:"),
        "no live findings in an exam:\n{call}"
    );
    assert!(debrief.contains("[wording.obligation]"), "{debrief}");
    assert!(debrief.contains("НЕ СДАНО"), "{debrief}");
}

#[test]
fn the_debrief_tells_not_understood_from_a_mistake() {
    let replies = "Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.
Какая сегодня хорошая погода.
/end
";
    let output = callcoach(&["play", "internet_down", "--text", "--seed", "1"], replies);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}\n{}", stderr(&output));
    assert!(
        text.contains("Клиент не понял, что вы имели в виду"),
        "practice says so during the call:\n{text}"
    );
    let debrief = text.split("Разбор звонка").nth(1).expect("debrief");
    assert!(
        debrief.contains("Клиент вас не понял: 1 реплика — это не ошибка стандарта")
            && debrief.contains("? реплика 4: «Какая сегодня хорошая погода.»"),
        "{debrief}"
    );
    assert!(
        debrief.contains("Вы завершили звонок, не решив вопрос клиента"),
        "ending the call midway is the outcome's finding:\n{debrief}"
    );
}

#[test]
fn a_silence_is_not_echoed_as_the_trainees_words_and_a_garbled_line_loses_only_itself() {
    let mut replies: Vec<u8> = Vec::new();
    replies.extend_from_slice("Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.\n".as_bytes());
    replies.extend_from_slice(b"/wait 30\n");
    // Latin-1 bytes of «Давайте», as a misconfigured terminal would send them.
    replies.extend_from_slice(&[0xc4, 0xe0, 0xe2, 0xe0, 0xe9, 0xf2, 0xe5, b'\n']);
    replies.extend_from_slice("Давайте я проверю линию.\n/end\n".as_bytes());
    let mut command = super::callcoach_command(&["play", "internet_down", "--text", "--seed", "1"]);
    let mut child = command.spawn().expect("starts");
    {
        use std::io::Write;
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(&replies).expect("written");
    }
    let output = child.wait_with_output().expect("finishes");
    let text = stdout(&output);
    assert!(output.status.success(), "{text}\n{}", stderr(&output));
    assert!(
        !text.contains("Вы: Алло"),
        "the customer's «Алло?» is not the trainee's:\n{text}"
    );
    assert!(
        text.contains("не в кодировке UTF-8") && text.contains("Проверяйте. Только быстро"),
        "the garbled line is skipped and the call goes on:\n{text}"
    );
}

#[test]
fn a_reader_that_goes_away_stops_the_call_quietly() {
    use std::io::{BufRead, Write};
    let mut command = super::callcoach_command(&["play", "internet_down", "--text", "--seed", "1"]);
    let mut child = command.spawn().expect("starts");
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("the first line");
    // `| head -1`: the reader has its line and is gone.
    let mut input = child.stdin.take().expect("stdin");
    let _ = input.write_all("Алло.\nАлло?\n/end\n".as_bytes());
    drop(input);
    let output = child.wait_with_output().expect("finishes");
    assert!(!first.is_empty());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
}

#[test]
fn an_overlong_reply_costs_that_line_and_the_call_goes_on() {
    // A reply of 3 000 characters, a 60 KB one (every reply is scored live: it once hung the
    // call) and a 1 MB line.
    let mut replies = String::from(
        "Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.\n",
    );
    for times in [70, 1400] {
        replies.push_str(&"У нас проблема на линии, это наша проблема. ".repeat(times));
        replies.push('\n');
    }
    replies.push_str(&"а".repeat(1_000_000));
    replies.push('\n');
    replies.push_str("Давайте я проверю линию.\n/end\n");
    let output = callcoach(
        &["play", "internet_down", "--text", "--seed", "1"],
        &replies,
    );
    let text = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        text.contains("реплика слишком длинная (3079 знаков"),
        "the long reply is refused with its length:\n{}",
        text.get(..4000).unwrap_or(&text)
    );
    assert_eq!(
        text.matches("строка ввода слишком длинная").count(),
        2,
        "the 60 KB and the megabyte lines are skipped without being held whole"
    );
    assert!(
        text.contains("Проверяйте. Только быстро"),
        "the call goes on after them"
    );
    assert!(
        text.len() < 100_000,
        "nothing echoes the long lines: {} bytes",
        text.len()
    );
}

#[test]
fn a_reply_made_while_another_process_holds_the_database_is_kept() {
    use std::io::{BufRead, Write};
    let folder = tempfile::tempdir().expect("temp dir");
    let db = folder.path().join("progress.sqlite");
    let db_arg = db.to_str().expect("utf-8");
    add_trainee(&db, "Анна Смирнова");
    let mut command = super::callcoach_command(&[
        "--db",
        db_arg,
        "play",
        "internet_down",
        "--text",
        "--seed",
        "1",
        "--trainee",
        "Анна Смирнова",
    ]);
    let mut child = command.spawn().expect("starts");
    let mut input = child.stdin.take().expect("stdin");
    let mut output = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut read_until = |wanted: &str| -> String {
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            let read = output.read_line(&mut line).expect("reads");
            assert!(read > 0, "the call ended before «{wanted}»:\n{seen}");
            seen.push_str(&line);
            if line.contains(wanted) {
                return seen;
            }
        }
    };
    writeln!(input, "Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.").expect("reply");
    read_until("Игорь Петрович:");
    // Another process takes the database and keeps it past callcoach's wait.
    let holder = rusqlite::Connection::open(&db).expect("raw");
    holder.execute_batch("BEGIN IMMEDIATE;").expect("locked");
    writeln!(input, "Давайте я проверю линию до вашего дома.").expect("reply");
    let said = read_until("база прогресса занята");
    assert!(said.contains("звонок продолжается"), "{said}");
    read_until("Игорь Петрович:");
    holder.execute_batch("COMMIT;").expect("released");
    writeln!(input, "/end").expect("end");
    drop(input);
    let rest: String = output
        .lines()
        .map_while(Result::ok)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(child.wait().expect("finishes").success(), "{rest}");
    let store = callcoach_core::store::Store::open(&db).expect("store");
    let anna = store
        .trainee("Анна Смирнова")
        .expect("query")
        .expect("exists");
    let attempts = store.attempts(&anna).expect("attempts");
    assert_eq!(attempts.len(), 1);
    let turns = store.attempt_turns(attempts[0].id).expect("turns");
    assert!(
        turns
            .turns
            .iter()
            .any(|turn| turn.text.as_deref() == Some("Давайте я проверю линию до вашего дома.")),
        "the reply made while the database was held is recorded"
    );
    assert!(store.verify(None).expect("verify").problems.is_empty());
}

#[test]
fn a_transcript_never_replaces_a_file_unasked() {
    let folder = tempfile::tempdir().expect("temp dir");
    let existing = folder.path().join("notes.json");
    std::fs::write(&existing, "чужие заметки").expect("written");
    let path = existing.to_str().expect("utf-8");
    let refused = callcoach(
        &["play", "internet_down", "--text", "--transcript", path],
        "/end\n",
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    assert_eq!(
        std::fs::read_to_string(&existing).expect("kept"),
        "чужие заметки"
    );
    let forced = callcoach(
        &[
            "play",
            "internet_down",
            "--text",
            "--transcript",
            path,
            "--force",
        ],
        "/end\n",
    );
    assert!(forced.status.success(), "{}", stderr(&forced));
    let written: Transcript =
        Transcript::from_json(&std::fs::read_to_string(&existing).expect("read")).expect("json");
    assert!(!written.turns.is_empty());
}
