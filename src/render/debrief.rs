//! The debrief as text, where the terminal prints it (`play`, `exam start`, `score --format
//! text`): per category the score and verdict, what was done well, then each finding with its
//! turn quoted and the words at fault in ⟦ ⟧, the reason and the better wording.
//!
//! A quote is a window around the words at fault, never the whole turn: a reply of a megabyte
//! with a thousand findings prints a thousand short lines, not a thousand megabytes.

use std::collections::HashMap;
use std::fmt::Write as _;

use callcoach_core::scoring::{ScoreReport, Severity};
use callcoach_core::transcript::Transcript;

/// The debrief a trainer or trainee reads: per category the score and verdict, then each
/// finding with its turn quoted and the span marked, the reason and the suggestion.
pub fn debrief(report: &ScoreReport, transcript: &Transcript) -> String {
    let mut out = String::new();
    let mut quotes = Quotes::new(transcript);
    let verdict = if report.passed {
        "СДАНО"
    } else {
        "НЕ СДАНО"
    };
    let _ = writeln!(
        out,
        "Итог: {} из {} — {verdict} (порог {})",
        report.total, report.max, report.threshold
    );
    for (category, result) in &report.categories {
        let status = match (result.applicable, result.passed) {
            (false, _) => "не применимо".to_owned(),
            (true, true) => "сдано".to_owned(),
            (true, false) if result.mandatory => "не сдано (обязательная категория)".to_owned(),
            (true, false) => "не сдано".to_owned(),
        };
        let _ = writeln!(
            out,
            "\n{}: {} из {} — {status}",
            category.title(),
            result.score,
            result.max
        );
        for praise in &result.praise {
            let text = turn_text(transcript, praise.turn);
            let _ = if text.is_empty() {
                writeln!(out, "  + {} (реплика {})", praise.message, praise.turn + 1)
            } else {
                writeln!(
                    out,
                    "  + {} (реплика {}: «{}»)",
                    praise.message,
                    praise.turn + 1,
                    quotes.quote(praise.turn, Some(praise.span))
                )
            };
        }
        // The same rule at fault many times in one reply: the first few, then how many more.
        let mut times: HashMap<(&str, Option<usize>), usize> = HashMap::new();
        for finding in &result.findings {
            let seen = times
                .entry((finding.rule.as_str(), finding.turn))
                .or_default();
            *seen += 1;
            if *seen > SHOWN_PER_REPLY {
                continue;
            }
            let label = match finding.severity {
                Severity::Error => "ошибка",
                Severity::Warning => "совет",
            };
            let _ = writeln!(out, "  - {label} [{}]", finding.rule);
            match (finding.turn, finding.span) {
                (Some(turn), Some(span)) if !turn_text(transcript, turn).is_empty() => {
                    let _ = writeln!(
                        out,
                        "    реплика {}: «{}»",
                        turn + 1,
                        quotes.quote(turn, Some(span))
                    );
                }
                (Some(turn), _) => {
                    let _ = writeln!(out, "    реплика {}", turn + 1);
                }
                (None, _) => {}
            }
            let _ = writeln!(out, "    почему: {}", finding.message);
            let _ = writeln!(out, "    лучше: {}", finding.suggestion);
        }
        let mut more: Vec<_> = times
            .into_iter()
            .filter(|(_, count)| *count > SHOWN_PER_REPLY)
            .collect();
        more.sort();
        for ((rule, turn), count) in more {
            let _ = writeln!(
                out,
                "  … [{rule}] ещё {} {}",
                times_word(count - SHOWN_PER_REPLY),
                turn.map_or_else(
                    || "в звонке".to_owned(),
                    |turn| format!("в реплике {}", turn + 1)
                )
            );
        }
    }
    let misunderstood = transcript.misunderstood();
    if !misunderstood.is_empty() {
        let _ = writeln!(
            out,
            "\nКлиент вас не понял: {} — это не ошибка стандарта, баллы за это не сняты. Скажите то \
             же яснее или другими словами, ближе к тому, чего ждёт клиент.",
            replies_count(misunderstood.len())
        );
        for (reply, answer) in misunderstood {
            let _ = writeln!(
                out,
                "  ? реплика {}: «{}» — клиент: «{}»",
                reply + 1,
                quotes.quote(reply, None),
                quotes.quote(answer, None)
            );
        }
    }
    out
}

/// How many findings of one rule in one reply are shown before the rest are counted.
const SHOWN_PER_REPLY: usize = 3;

/// «1 раз», «2 раза», «5 раз».
fn times_word(count: usize) -> String {
    let word = match (count % 10, count % 100) {
        (2..=4, hundred) if !(12..=14).contains(&hundred) => "раза",
        _ => "раз",
    };
    format!("{count} {word}")
}

/// «1 реплика», «2 реплики», «5 реплик».
fn replies_count(count: usize) -> String {
    let word = match (count % 10, count % 100) {
        (1, hundred) if hundred != 11 => "реплика",
        (2..=4, hundred) if !(12..=14).contains(&hundred) => "реплики",
        _ => "реплик",
    };
    format!("{count} {word}")
}

/// The text of a turn, or "" for a hold or an index out of range.
fn turn_text(transcript: &Transcript, turn: usize) -> &str {
    transcript
        .turns
        .get(turn)
        .and_then(|turn| turn.text.as_deref())
        .unwrap_or("")
}

/// Characters quoted on each side of the words at fault.
const CONTEXT_CHARS: usize = 80;
/// The longest quote of a turn, or of the words at fault themselves, before the middle is cut.
const LONGEST_QUOTE: usize = 240;

/// Quotes of a transcript's turns, each turn's character positions found once.
struct Quotes<'a> {
    transcript: &'a Transcript,
    /// Per turn, the byte offset of every character and of the end.
    offsets: HashMap<usize, Vec<usize>>,
}

impl<'a> Quotes<'a> {
    fn new(transcript: &'a Transcript) -> Quotes<'a> {
        Quotes {
            transcript,
            offsets: HashMap::new(),
        }
    }

    /// The turn around `span` (characters), the span in ⟦ ⟧; without a span, or with one that
    /// covers the whole turn, the turn unmarked. Long stretches are cut with «…».
    fn quote(&mut self, turn: usize, span: Option<(usize, usize)>) -> String {
        let text = turn_text(self.transcript, turn);
        let offsets = self.offsets.entry(turn).or_insert_with(|| {
            text.char_indices()
                .map(|(offset, _)| offset)
                .chain(std::iter::once(text.len()))
                .collect()
        });
        let length = offsets.len() - 1;
        let slice = |from: usize, to: usize| &text[offsets[from]..offsets[to]];
        let middle = |from: usize, to: usize| {
            if to - from <= LONGEST_QUOTE {
                slice(from, to).to_owned()
            } else {
                let half = LONGEST_QUOTE / 2;
                format!("{} … {}", slice(from, from + half), slice(to - half, to))
            }
        };
        let (start, end) = match span {
            Some((start, end)) if start > 0 || end < length => {
                let start = start.min(length);
                (start, end.clamp(start, length))
            }
            _ => return middle(0, length),
        };
        let left = start.saturating_sub(CONTEXT_CHARS);
        let right = (end + CONTEXT_CHARS).min(length);
        format!(
            "{}{}⟦{}⟧{}{}",
            if left > 0 { "…" } else { "" },
            slice(left, start),
            middle(start, end),
            slice(end, right),
            if right < length { "…" } else { "" }
        )
    }
}
