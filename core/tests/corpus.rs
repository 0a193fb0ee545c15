//! The labelled corpus in `tests/corpus/`: agent utterances with the rules each must trip, and
//! whole calls with the verdict of every category and the flagged turns. The scorer must agree
//! with all of it, typed and as speech recognition gives it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use callcoach_core::scoring::Category;
use callcoach_core::transcript::{Speaker, Transcript, TranscriptTurn};

use crate::support::{Place, flagged_in, judged_categories, recognised, scorer};

fn corpus_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/corpus")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Meaningful lines with their 1-based numbers.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
}

fn category_of(rule: &str) -> Category {
    let id = rule.split('.').next().unwrap_or_default();
    Category::from_id(id).unwrap_or_else(|| panic!("rule {rule} has no category"))
}

/// Warnings never fail a category.
const WARNINGS: [&str; 1] = ["greeting.lead_question"];

#[test]
fn the_scorer_agrees_with_every_labelled_utterance() {
    let text = corpus_file("utterances.txt");
    let mut failures = Vec::new();
    let mut count = 0;
    for (number, line) in lines(&text) {
        let parts: Vec<&str> = line.splitn(3, '|').map(str::trim).collect();
        let [place, expected, utterance] = parts[..] else {
            panic!("utterances.txt:{number}: expected «место | правила | реплика»");
        };
        let place = match place.split_whitespace().collect::<Vec<_>>()[..] {
            ["greeting", "-"] => Place::Greeting(None),
            ["greeting", clock] => Place::Greeting(Some(clock)),
            ["reply"] => Place::Reply,
            ["before_hold", seconds] => Place::BeforeHold(seconds.parse().expect("seconds")),
            ["after_hold"] => Place::AfterHold,
            ["closing"] => Place::Closing,
            _ => panic!("utterances.txt:{number}: unknown place «{place}»"),
        };
        let mut expected: Vec<String> = expected
            .split_whitespace()
            .filter(|rule| *rule != "-")
            .map(str::to_owned)
            .collect();
        expected.sort();
        count += 1;
        for variant in [utterance.to_owned(), recognised(utterance)] {
            let (transcript, index) = crate::support::call_with(&variant, place);
            let report = scorer().score(&transcript);
            let found = flagged_in(&(report.clone(), index), place);
            if found != expected {
                failures.push(format!(
                    "utterances.txt:{number}: «{variant}»: expected {expected:?}, found {found:?}"
                ));
            }
            for &category in judged_categories(place) {
                let should_pass = !expected.iter().any(|rule| {
                    category_of(rule) == category && !WARNINGS.contains(&rule.as_str())
                });
                let passed = report.categories[&category].passed;
                if passed != should_pass {
                    failures.push(format!(
                        "utterances.txt:{number}: «{variant}»: {} passed={passed}, expected {should_pass}",
                        category.id()
                    ));
                }
            }
        }
    }
    assert!(count >= 150, "the corpus has only {count} utterances");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A labelled call: its transcript, the expected verdicts and flagged (turn, rule) pairs.
struct LabelledCall {
    title: String,
    line: usize,
    transcript: Transcript,
    verdicts: BTreeMap<Category, Option<bool>>,
    passed: bool,
    flagged: Vec<(usize, String)>,
}

/// Parses `calls.txt`: `=== title`, `company:`, `clock:`, `expect:` lines, then turns
/// `К: …` (customer) and `А: …` (agent; `А: [удержание 80]` is a hold), each optionally ending
/// in `!! rule rule` — the findings expected on that turn.
fn parse_calls(text: &str) -> Vec<LabelledCall> {
    let mut calls: Vec<LabelledCall> = Vec::new();
    for (number, line) in lines(text) {
        if let Some(title) = line.strip_prefix("===") {
            calls.push(LabelledCall {
                title: title.trim().to_owned(),
                line: number,
                transcript: Transcript::default(),
                verdicts: BTreeMap::new(),
                passed: false,
                flagged: Vec::new(),
            });
            continue;
        }
        let call = calls.last_mut().expect("calls.txt starts with === title");
        if let Some(company) = line.strip_prefix("company:") {
            call.transcript.company = Some(company.trim().to_owned());
        } else if let Some(clock) = line.strip_prefix("clock:") {
            call.transcript.clock = Some(clock.trim().to_owned());
        } else if let Some(expect) = line.strip_prefix("expect:") {
            for pair in expect.split_whitespace() {
                let (key, value) = pair.split_once('=').expect("key=value");
                let verdict = match value {
                    "pass" => Some(true),
                    "fail" => Some(false),
                    "n/a" => None,
                    _ => panic!("calls.txt:{number}: verdict «{value}»"),
                };
                if key == "total" {
                    call.passed = verdict == Some(true);
                } else {
                    let category = Category::from_id(key)
                        .unwrap_or_else(|| panic!("calls.txt:{number}: category «{key}»"));
                    call.verdicts.insert(category, verdict);
                }
            }
        } else {
            let (speaker, rest) = if let Some(rest) = line.strip_prefix("К:") {
                (Speaker::Customer, rest)
            } else if let Some(rest) = line.strip_prefix("А:") {
                (Speaker::Agent, rest)
            } else {
                panic!("calls.txt:{number}: a turn starts with «К:» or «А:»");
            };
            let (said, rules) = rest.split_once("!!").unwrap_or((rest, ""));
            let said = said.trim();
            let index = call.transcript.turns.len();
            let at = call.transcript.turns.last().map_or(0.0, |turn| {
                turn.at + 5.0 + f64::from(turn.hold_seconds.unwrap_or(0))
            });
            let hold = said
                .strip_prefix("[удержание")
                .and_then(|rest| rest.strip_suffix(']'))
                .map(|seconds| seconds.trim().parse::<u32>().expect("hold seconds"));
            call.transcript.turns.push(TranscriptTurn {
                speaker,
                text: hold.is_none().then(|| said.to_owned()),
                hold_seconds: hold,
                at,
                speech: None,
                understood: None,
                understood_as: None,
                step: None,
                barge_in: None,
            });
            for rule in rules.split_whitespace() {
                call.flagged.push((index, rule.to_owned()));
            }
        }
    }
    calls
}

fn as_recognised(transcript: &Transcript) -> Transcript {
    let mut copy = transcript.clone();
    for turn in &mut copy.turns {
        if let Some(text) = &mut turn.text {
            *text = recognised(text);
        }
    }
    copy
}

#[test]
fn the_scorer_agrees_with_every_labelled_call() {
    let calls = parse_calls(&corpus_file("calls.txt"));
    assert!(
        calls.len() >= 20,
        "the corpus has only {} calls",
        calls.len()
    );
    let mut failures = Vec::new();
    for call in &calls {
        for (variant, transcript) in [
            ("typed", call.transcript.clone()),
            ("recognised", as_recognised(&call.transcript)),
        ] {
            let report = scorer().score(&transcript);
            let at = format!("calls.txt:{} «{}» ({variant})", call.line, call.title);
            for (&category, &expected) in &call.verdicts {
                let result = &report.categories[&category];
                let actual = result.applicable.then_some(result.passed);
                if actual != expected {
                    failures.push(format!(
                        "{at}: {} expected {expected:?}, got {actual:?}",
                        category.id()
                    ));
                }
            }
            if report.passed != call.passed {
                failures.push(format!(
                    "{at}: total passed={}, expected {}",
                    report.passed, call.passed
                ));
            }
            let mut found: Vec<(usize, String)> = report
                .findings
                .iter()
                .filter_map(|finding| finding.turn.map(|turn| (turn, finding.rule.clone())))
                .collect();
            found.sort();
            let mut expected = call.flagged.clone();
            expected.sort();
            if found != expected {
                failures.push(format!("{at}: flagged {found:?}, expected {expected:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
