//! Shared helpers for scoring tests: one utterance placed where a rule looks at it, in a
//! realistic call, typed and as speech recognition would give it.

use std::sync::OnceLock;

use callcoach_core::scoring::{Category, ScoreReport, Scorer};
use callcoach_core::text::Morphology;
use callcoach_core::transcript::{Speaker, Transcript, TranscriptTurn};

/// The default scorer, built once per test binary.
pub fn scorer() -> &'static Scorer {
    static SCORER: OnceLock<Scorer> = OnceLock::new();
    SCORER.get_or_init(|| {
        Scorer::with_default_rubric(Morphology::shared().expect("dictionary"))
            .expect("the default rubric compiles")
    })
}

/// Where in a call the utterance stands, which decides the rules that look at it.
#[derive(Clone, Copy, Debug)]
pub enum Place<'a> {
    /// The first agent turn, at this clock (or none).
    Greeting(Option<&'a str>),
    /// A reply in the middle of the call: wording rules.
    Reply,
    /// The last utterance before a hold of this many seconds.
    BeforeHold(u32),
    /// The first utterance after a hold.
    AfterHold,
    /// The last agent utterance of the call.
    Closing,
}

const COMPANY: &str = "Ромашка Телеком";
const GREETING: &str = "Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер договора?";
const BEFORE_HOLD: &str = "Оставайтесь, пожалуйста, на линии, мне потребуется около двух минут.";

/// A line of text said by `speaker` at `at` seconds.
pub fn turn(speaker: Speaker, text: &str, at: f64) -> TranscriptTurn {
    TranscriptTurn {
        speaker,
        text: Some(text.to_owned()),
        hold_seconds: None,
        at,
        speech: None,
        understood: None,
        understood_as: None,
        step: None,
        barge_in: None,
    }
}

fn hold(seconds: u32, at: f64) -> TranscriptTurn {
    TranscriptTurn {
        speaker: Speaker::Agent,
        text: None,
        hold_seconds: Some(seconds),
        at,
        speech: None,
        understood: None,
        understood_as: None,
        step: None,
        barge_in: None,
    }
}

/// A call with `text` at `place`, and the index of its turn.
pub fn call_with(text: &str, place: Place<'_>) -> (Transcript, usize) {
    let customer = |line: &str, at| turn(Speaker::Customer, line, at);
    let agent = |line: &str, at| turn(Speaker::Agent, line, at);
    let mut clock = Some("14:05".to_owned());
    let turns = match place {
        Place::Greeting(at) => {
            clock = at.map(str::to_owned);
            vec![
                customer("Алло! У меня опять не работает интернет!", 0.0),
                agent(text, 3.0),
            ]
        }
        Place::Reply => vec![
            customer("Не работает интернет!", 0.0),
            agent(GREETING, 3.0),
            customer("Договор 12345. Сколько можно это терпеть?", 12.0),
            agent(text, 16.0),
        ],
        Place::BeforeHold(seconds) => vec![
            customer("Не работает интернет!", 0.0),
            agent(GREETING, 3.0),
            customer("Договор 12345.", 12.0),
            agent(text, 16.0),
            hold(seconds, 22.0),
            agent(
                "Спасибо за ожидание! Линия в порядке.",
                23.0 + f64::from(seconds),
            ),
        ],
        Place::AfterHold => vec![
            customer("Не работает интернет!", 0.0),
            agent(GREETING, 3.0),
            customer("Договор 12345.", 12.0),
            agent(BEFORE_HOLD, 16.0),
            hold(60, 22.0),
            agent(text, 83.0),
        ],
        Place::Closing => vec![
            customer("Не работает интернет!", 0.0),
            agent(GREETING, 3.0),
            customer("Договор 12345.", 12.0),
            agent(
                "Перезагрузите, пожалуйста, роутер, потому что он получит новые настройки.",
                16.0,
            ),
            customer("Заработало, спасибо.", 60.0),
            agent(text, 63.0),
        ],
    };
    let index = match place {
        Place::Greeting(_) => 1,
        Place::Reply | Place::BeforeHold(_) => 3,
        Place::AfterHold | Place::Closing => 5,
    };
    let transcript = Transcript {
        company: Some(COMPANY.to_owned()),
        clock,
        turns,
        ..Transcript::default()
    };
    (transcript, index)
}

/// The rule ids a place is about: what the utterance there is judged by.
fn relevant(rule: &str, place: Place<'_>) -> bool {
    let prefixes: &[&str] = match place {
        Place::Greeting(_) => &["greeting.", "wording."],
        Place::Reply => &["wording."],
        Place::BeforeHold(_) => &["hold.announced", "hold.duration", "hold.kept", "wording."],
        Place::AfterHold => &["hold.thanks", "wording."],
        Place::Closing => &["closing.", "wording."],
    };
    prefixes.iter().any(|prefix| rule.starts_with(prefix))
}

/// The report for `text` at `place`, and the utterance's turn.
pub fn report(text: &str, place: Place<'_>) -> (ScoreReport, usize) {
    let (transcript, index) = call_with(text, place);
    (scorer().score(&transcript), index)
}

/// Rules flagged on the utterance (and, before a hold, on the hold itself), sorted, once each.
pub fn flagged(text: &str, place: Place<'_>) -> Vec<String> {
    let mut rules = flagged_in(&report(text, place), place);
    rules.dedup();
    rules
}

/// Every finding's rule on the utterance (and, before a hold, on the hold itself), sorted.
pub fn flagged_in((report, index): &(ScoreReport, usize), place: Place<'_>) -> Vec<String> {
    let index = *index;
    let hold_turn = index + 1;
    let mut rules: Vec<String> = report
        .findings
        .iter()
        .filter(|finding| {
            let on_turn = finding.turn == Some(index)
                || (matches!(place, Place::BeforeHold(_)) && finding.turn == Some(hold_turn));
            on_turn && relevant(&finding.rule, place)
        })
        .map(|finding| finding.rule.clone())
        .collect();
    rules.sort();
    rules
}

/// The categories whose verdict depends on the utterance at `place`.
pub fn judged_categories(place: Place<'_>) -> &'static [Category] {
    match place {
        Place::Greeting(_) => &[Category::Greeting, Category::Wording],
        Place::Reply => &[Category::Wording],
        Place::BeforeHold(_) | Place::AfterHold => &[Category::Hold, Category::Wording],
        Place::Closing => &[Category::Closing, Category::Wording],
    }
}

/// Rules that praised the utterance, sorted.
pub fn praised(text: &str, place: Place<'_>) -> Vec<String> {
    let (report, index) = report(text, place);
    let mut rules: Vec<String> = report
        .praise
        .iter()
        .filter(|praise| praise.turn == index)
        .map(|praise| praise.rule.clone())
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

/// The text as speech recognition gives it: lower case, no punctuation, «е» for «ё».
pub fn recognised(text: &str) -> String {
    let folded: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ё' => 'е',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}
