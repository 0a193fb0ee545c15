//! The generated adversarial suite: a thousand mutated scenario files, a thousand transcripts and
//! a thousand reply streams per run, each through the path a user's input takes (check, score, a
//! played call). Nothing may panic, nothing may run unbounded (every input is small and every
//! stream ends), and every message a person would read must be Russian — no serde, RON or SQLite
//! English leaking through.

use std::sync::{Arc, OnceLock};

use callcoach_core::attempt::{Attempt, AttemptPlan};
use callcoach_core::check::check_sources;
use callcoach_core::meaning::Lexicon;
use callcoach_core::scenario::Scenario;
use callcoach_core::session::parse_turn;
use callcoach_core::source::SourceFile;
use callcoach_core::text::Morphology;
use callcoach_core::transcript::Transcript;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

use crate::support::scorer;

/// Cases per property: the floor.
const CASES: u32 = 1000;

fn config() -> Config {
    Config {
        cases: CASES,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    }
}

/// Words of English a message would carry if serde, RON, SQLite or std spoke through it.
const ENGLISH: [&str; 16] = [
    "expected",
    "invalid",
    "found",
    "unexpected",
    "missing",
    "unknown",
    "error",
    "integer",
    "bounds",
    "syntax",
    "string",
    "struct",
    "field",
    "variant",
    "database",
    "failed",
];

/// A message a person reads: Russian, with no English sentence in it (identifiers the user
/// wrote, such as field names, may appear).
fn assert_russian(message: &str) {
    assert!(
        message.chars().any(|c| matches!(c, 'а'..='я' | 'А'..='Я')),
        "not Russian: {message}"
    );
    let lower = message.to_lowercase();
    for word in ENGLISH {
        let english = lower
            .split(|c: char| !c.is_ascii_alphabetic())
            .any(|token| token == word);
        assert!(!english, "English «{word}» in: {message}");
    }
}

/// The bundled scenarios' texts, read once.
fn bundled() -> &'static [(String, String)] {
    static TEXTS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let mut texts: Vec<(String, String)> = std::fs::read_dir(&folder)
            .expect("scenarios")
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "ron"))
            .map(|path| {
                (
                    path.file_name()
                        .and_then(|name| name.to_str())
                        .unwrap_or_default()
                        .to_owned(),
                    std::fs::read_to_string(&path).expect("scenario"),
                )
            })
            .collect();
        texts.sort();
        texts
    })
}

/// The bundled scenarios, parsed once.
fn library() -> &'static [Arc<Scenario>] {
    static LIBRARY: OnceLock<Vec<Arc<Scenario>>> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        bundled()
            .iter()
            .map(|(name, text)| {
                Arc::new(
                    callcoach_core::scenario::parse_scenario(&SourceFile {
                        path: name.into(),
                        text: text.clone(),
                    })
                    .expect("a bundled scenario parses"),
                )
            })
            .collect()
    })
}

/// What a hostile or careless edit puts into a file.
const SNIPPETS: [&str; 24] = [
    "\"",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "NaN",
    "-1",
    "1e999",
    "99999999999999999999",
    "0.5",
    "Mentions([\"да\"])",
    "Means(\"нет такого\")",
    "goto: \"нигде\"",
    "//",
    "/*",
    "\\u{0}",
    "r#\"",
    "Scenario(",
    "steps: []",
    "Привет",
    "\u{feff}",
    "🙂",
];

/// One edit of a text, at a position given as a fraction of its length.
#[derive(Clone, Debug)]
enum Edit {
    Delete { at: f64, length: usize },
    Insert { at: f64, snippet: usize },
    Truncate { at: f64 },
    Duplicate { at: f64, length: usize },
    Swap { at: f64, other: f64 },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0.0..1.0f64, 1..40usize).prop_map(|(at, length)| Edit::Delete { at, length }),
        (0.0..1.0f64, 0..SNIPPETS.len()).prop_map(|(at, snippet)| Edit::Insert { at, snippet }),
        (0.0..1.0f64).prop_map(|at| Edit::Truncate { at }),
        (0.0..1.0f64, 1..200usize).prop_map(|(at, length)| Edit::Duplicate { at, length }),
        (0.0..1.0f64, 0.0..1.0f64).prop_map(|(at, other)| Edit::Swap { at, other }),
    ]
}

/// The char boundary nearest below a fraction of the text.
fn boundary(text: &str, at: f64) -> usize {
    let mut index = ((text.len() as f64) * at) as usize;
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn apply(text: &str, edit: &Edit) -> String {
    let mut out = text.to_owned();
    match *edit {
        Edit::Delete { at, length } => {
            let start = boundary(&out, at);
            let end = boundary(
                &out,
                ((start + length) as f64 / out.len().max(1) as f64).min(1.0),
            );
            out.replace_range(start..end.max(start), "");
        }
        Edit::Insert { at, snippet } => {
            let index = boundary(&out, at);
            out.insert_str(index, SNIPPETS[snippet]);
        }
        Edit::Truncate { at } => {
            let index = boundary(&out, at);
            out.truncate(index);
        }
        Edit::Duplicate { at, length } => {
            let start = boundary(&out, at);
            let end = boundary(
                &out,
                ((start + length) as f64 / out.len().max(1) as f64).min(1.0),
            );
            let piece = out[start..end.max(start)].to_owned();
            out.insert_str(start, &piece);
        }
        Edit::Swap { at, other } => {
            let (a, b) = (boundary(&out, at), boundary(&out, other));
            let (a, b) = (a.min(b), a.max(b));
            let middle = out[a..b].to_owned();
            let lines: Vec<&str> = middle.lines().rev().collect();
            out.replace_range(a..b, &lines.join("\n"));
        }
    }
    out
}

proptest! {
    #![proptest_config(config())]

    /// A mutated scenario file: checked without panic, every diagnostic Russian.
    #[test]
    fn a_mutated_scenario_file_gets_russian_diagnostics(
        which in 0..8usize,
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let (name, original) = &bundled()[which % bundled().len()];
        let text = edits.iter().fold(original.clone(), |text, edit| apply(&text, edit));
        let source = SourceFile { path: name.into(), text };
        let morphology = Morphology::shared().expect("dictionary");
        let report = check_sources(&[source], &morphology, scorer());
        for diagnostic in &report.diagnostics {
            assert_russian(&diagnostic.message);
            assert_russian(&diagnostic.help);
        }
    }
}

/// Speech as transcripts and replies carry it.
const WORDS: [&str; 20] = [
    "Добрый день!",
    "меня зовут Анна",
    "специалист поддержки",
    "компании «Ромашка Телеком»",
    "подскажите номер договора",
    "вы должны",
    "у нас проблема",
    "оставайтесь на линии",
    "около двух минут",
    "спасибо за ожидание",
    "давайте я проверю линию",
    "перезагрузите роутер",
    "остались ли у вас вопросы",
    "спасибо за звонок",
    "потому что",
    "читайте инструкцию",
    "нет",
    "🙂",
    "\u{301}",
    "  ",
];

fn speech() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(prop::sample::select(WORDS.to_vec()), 0..10)
            .prop_map(|words| words.join(" ")),
        1 => any::<String>(),
        1 => (0..5usize, 100..3000usize).prop_map(|(word, times)| WORDS[word].repeat(times)),
    ]
}

fn number() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        (0.0..600.0f64).prop_map(|n| serde_json::json!(n)),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        Just(serde_json::json!(1e300)),
        Just(serde_json::json!(-5)),
        Just(serde_json::json!("12")),
        Just(serde_json::Value::Null),
    ]
}

fn turn() -> impl Strategy<Value = serde_json::Value> {
    (
        prop::sample::select(vec!["agent", "customer", "supervisor", ""]),
        prop::option::of(speech()),
        prop::option::of(prop_oneof![0..4000u32, Just(0u32), Just(u32::MAX)]),
        number(),
        any::<bool>(),
    )
        .prop_map(|(speaker, text, hold, at, understood)| {
            let mut turn = serde_json::json!({"speaker": speaker, "at": at});
            if let Some(text) = text {
                turn["text"] = serde_json::json!(text);
            }
            if let Some(hold) = hold {
                turn["hold_seconds"] = serde_json::json!(hold);
            }
            if understood {
                turn["understood"] = serde_json::json!(false);
            }
            turn
        })
}

fn document() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(turn(), 0..12),
        prop::option::of(prop::sample::select(vec![
            "16:20", "25:99", "abc", "9:05", "00:00", "23:59", "",
        ])),
        prop::option::of(prop::sample::select(vec!["Ромашка Телеком", ""])),
    )
        .prop_map(|(turns, clock, company)| {
            let mut document = serde_json::json!({"turns": turns});
            if let Some(clock) = clock {
                document["clock"] = serde_json::json!(clock);
            }
            if let Some(company) = company {
                document["company"] = serde_json::json!(company);
            }
            document.to_string()
        })
}

fn transcript_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => document(),
        // Broken JSON: a document cut or spliced by hand.
        1 => (document(), 0.0..1.0f64, 0..SNIPPETS.len()).prop_map(|(text, at, snippet)| {
            let mut text = text;
            let index = boundary(&text, at);
            text.insert_str(index, SNIPPETS[snippet]);
            text
        }),
        1 => any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// Any transcript: refused in Russian, or scored without panic.
    #[test]
    fn any_transcript_is_refused_in_russian_or_scored(text in transcript_text()) {
        match Transcript::from_json(&text) {
            Ok(transcript) => {
                let report = scorer().score(&transcript);
                prop_assert!(report.total <= report.max);
                for finding in &report.findings {
                    assert_russian(&finding.message);
                }
            }
            Err(error) => assert_russian(&error.to_string()),
        }
    }
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => speech(),
        1 => (0..5000u64).prop_map(|seconds| format!("/hold {seconds}")),
        1 => prop::sample::select(vec![
            "/hold", "/hold -1", "/hold 1:99", "/hold 99999999:00", "/wait 4294967295",
            "/wait 20", "/пауза 5", "/удержание 1:30", "/end", "/конец", "/что-то",
        ]).prop_map(str::to_owned),
        1 => (0..3usize).prop_map(|_| String::new()),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// A stream of replies and commands into a call: every line is taken or refused in Russian,
    /// the call never panics and ends with the stream.
    #[test]
    fn any_reply_stream_plays_or_is_refused_in_russian(
        which in 0..8usize,
        lines in prop::collection::vec(line(), 0..8),
        seed in 0..1000u64,
    ) {
        let scenario = Arc::clone(&library()[which % library().len()]);
        let plan = AttemptPlan {
            seed: Some(seed),
            ..AttemptPlan::practice(scenario)
        };
        let lexicon = Lexicon::shared().expect("lexicon");
        let Ok((mut attempt, _)) = Attempt::start(plan, scorer(), lexicon) else {
            // exam-only scenarios are refused in practice: tested elsewhere.
            return Ok(());
        };
        for line in &lines {
            if attempt.is_over() {
                break;
            }
            match parse_turn(line) {
                Ok(Some(turn)) => {
                    if let Err(error) = attempt.advance(turn) {
                        assert_russian(&error.to_string());
                    }
                }
                Ok(None) => {}
                Err(error) => assert_russian(&error.to_string()),
            }
        }
        let finished = attempt.finish();
        prop_assert!(finished.report.total <= finished.report.max);
    }
}

/// The suite can fail: English from serde, RON or SQLite is caught, Russian passes.
#[test]
fn the_language_check_catches_english_causes() {
    for english in [
        "ошибка в значении: invalid type: integer `5`, expected a string",
        "ошибка синтаксиса RON: Integer is out of bounds",
        "ошибка базы прогресса: database disk image is malformed",
        "Integer is out of bounds",
    ] {
        let caught = std::panic::catch_unwind(|| assert_russian(english));
        assert!(caught.is_err(), "{english}");
    }
    assert_russian("неизвестное поле «sayz» в блоке Step");
    // A mutated scenario does reach the diagnostics it is checked for.
    let (name, text) = &bundled()[0];
    let broken = apply(text, &Edit::Truncate { at: 0.5 });
    let morphology = Morphology::shared().expect("dictionary");
    let report = check_sources(
        &[SourceFile {
            path: name.into(),
            text: broken,
        }],
        &morphology,
        scorer(),
    );
    assert!(!report.diagnostics.is_empty());
}
