//! Properties of scoring that must hold for any transcript: no panic on any UTF-8, spans inside
//! their turns, totals within bounds, the same report every time.

use callcoach_core::transcript::{Speaker, Transcript, TranscriptTurn};
use proptest::prelude::*;

use crate::support::scorer;

/// Fragments of real agent speech, so generated calls reach deep into the rules.
const FRAGMENTS: [&str; 24] = [
    "Добрый день!",
    "Доброе утро",
    "меня зовут Анна",
    "специалист поддержки",
    "компании «Ромашка Телеком»",
    "подскажите номер договора",
    "вы должны",
    "должно быть",
    "роутер должен",
    "у нас проблема",
    "проблема на вашем компьютере",
    "читайте инструкцию",
    "оставайтесь на линии",
    "около двух минут",
    "спасибо за ожидание",
    "остались ли у вас вопросы",
    "спасибо за звонок",
    "потому что",
    "ёЁ",
    "…",
    "  ",
    "🙂",
    "\u{301}",
    "ничем не могу помочь",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(FRAGMENTS.to_vec()), 0..8)
            .prop_map(|parts| parts.join(" ")),
        prop::collection::vec(prop::sample::select(FRAGMENTS.to_vec()), 0..8)
            .prop_map(|parts| parts.concat().to_uppercase()),
    ]
}

fn turn() -> impl Strategy<Value = TranscriptTurn> {
    prop_oneof![
        (text(), any::<bool>()).prop_map(|(text, agent)| TranscriptTurn {
            speaker: if agent {
                Speaker::Agent
            } else {
                Speaker::Customer
            },
            text: Some(text),
            hold_seconds: None,
            at: 0.0,
            speech: None,
            understood: None,
            understood_as: None,
            step: None,
            barge_in: None,
        }),
        (0u32..100_000).prop_map(|seconds| TranscriptTurn {
            speaker: Speaker::Agent,
            text: None,
            hold_seconds: Some(seconds),
            at: 0.0,
            speech: None,
            understood: None,
            understood_as: None,
            step: None,
            barge_in: None,
        }),
    ]
}

fn transcript() -> impl Strategy<Value = Transcript> {
    (
        prop::option::of(prop_oneof![
            Just("Ромашка Телеком".to_owned()),
            any::<String>()
        ]),
        prop::option::of(prop_oneof![Just("16:00".to_owned()), any::<String>()]),
        prop::collection::vec(turn(), 0..14),
    )
        .prop_map(|(company, clock, turns)| Transcript {
            company,
            clock,
            turns,
            ..Transcript::default()
        })
}

fn length(transcript: &Transcript, turn: usize) -> usize {
    transcript.turns[turn]
        .text
        .as_deref()
        .map_or(0, |text| text.chars().count())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_transcript_scores_without_panic_spans_inside_totals_bounded(call in transcript()) {
        let report = scorer().score(&call);
        for finding in &report.findings {
            if let Some(turn) = finding.turn {
                prop_assert!(turn < call.turns.len(), "{finding:?}");
                let (start, end) = finding.span.expect("a finding on a turn has a span");
                prop_assert!(start <= end && end <= length(&call, turn), "{finding:?}");
            } else {
                prop_assert!(finding.span.is_none());
            }
        }
        for praise in &report.praise {
            prop_assert!(praise.turn < call.turns.len());
            prop_assert!(praise.span.0 <= praise.span.1 && praise.span.1 <= length(&call, praise.turn));
        }
        prop_assert!(report.total <= report.max);
        let sum: u32 = report.categories.values().map(|category| category.score).sum();
        prop_assert_eq!(sum, report.total);
        for category in report.categories.values() {
            prop_assert!(category.score <= category.max);
        }
    }

    #[test]
    fn the_same_transcript_always_gives_the_same_report(call in transcript()) {
        let first = scorer().score(&call);
        let second = scorer().score(&call.clone());
        prop_assert_eq!(first.to_json(), second.to_json());
    }
}
