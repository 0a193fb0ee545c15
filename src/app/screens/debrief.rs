//! The debrief: total and per-category scores with pass or fail, then the trainee's own replies
//! with every finding's words highlighted, the reason and the better wording, and the good
//! moments praised. Enter plays the scenario again, N the next one, Esc goes back to the list.

use bevy::prelude::*;
use callcoach_core::scoring::Severity;
use callcoach_core::transcript::Speaker;

use crate::app::library::Library;
use crate::app::state::{ChosenScenario, ExamState, LastCall, ScenarioFilter, shown};
use crate::app::theme::{self, Action, UiFont};
use crate::app::{AppSystems, Screen};

/// How many of the trainee's replies the debrief lists (the panel scrolls).
const SHOWN_REPLIES: usize = 40;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Debrief), spawn);
    app.add_systems(
        Update,
        act.in_set(AppSystems::Act)
            .run_if(in_state(Screen::Debrief)),
    );
}

/// A reply's text as spans: the words of findings highlighted.
pub fn highlighted(text: &str, spans: &[(usize, usize)]) -> Vec<(String, bool)> {
    let mut parts: Vec<(String, bool)> = Vec::new();
    for (index, c) in text.chars().enumerate() {
        let marked = spans
            .iter()
            .any(|&(start, end)| index >= start && index < end);
        match parts.last_mut() {
            Some((part, was)) if *was == marked => part.push(c),
            _ => parts.push((c.to_string(), marked)),
        }
    }
    parts
}

fn spawn(
    mut commands: Commands,
    font: Res<UiFont>,
    last: Option<Res<LastCall>>,
    exam: Res<ExamState>,
) {
    let Some(last) = last else { return };
    let report = &last.report;
    let verdict = if report.passed {
        "СДАНО"
    } else {
        "НЕ СДАНО"
    };
    let root = commands.spawn(theme::screen_root(Screen::Debrief)).id();
    commands.entity(root).with_children(|root| {
        root.spawn(theme::label(
            &font,
            format!(
                "Разбор звонка: {} из {} — {verdict}",
                report.total, report.max
            ),
            30.0,
            if report.passed {
                theme::GOOD
            } else {
                theme::BAD
            },
        ));
        root.spawn(theme::label(
            &font,
            last.summary.clone(),
            16.0,
            theme::MUTED,
        ));
        root.spawn(theme::panel()).with_children(|panel| {
            for (category, result) in &report.categories {
                let (state, colour) = match (result.applicable, result.passed) {
                    (false, _) => ("не применимо", theme::MUTED),
                    (true, true) => ("сдано", theme::GOOD),
                    (true, false) => ("не сдано", theme::BAD),
                };
                panel.spawn(theme::label(
                    &font,
                    format!(
                        "{}: {} из {} — {state}",
                        category.title(),
                        result.score,
                        result.max
                    ),
                    17.0,
                    colour,
                ));
            }
        });
        let replies: Vec<usize> = last
            .transcript
            .turns
            .iter()
            .enumerate()
            .filter(|(_, turn)| turn.speaker == Speaker::Agent && turn.text.is_some())
            .map(|(index, _)| index)
            .take(SHOWN_REPLIES)
            .collect();
        // The replies scroll (wheel, arrows, Page Up/Down) when they do not fit the window.
        root.spawn((
            BackgroundColor(theme::PANEL),
            Node {
                flex_direction: FlexDirection::Column,
                flex_grow: 1.0,
                min_height: px(0),
                padding: UiRect::all(px(12)),
                row_gap: px(6),
                border_radius: BorderRadius::all(px(8)),
                overflow: Overflow::scroll_y(),
                ..default()
            },
            ScrollPosition::default(),
            theme::Scrollable,
        ))
        .with_children(|panel| {
            let misunderstood = last.transcript.misunderstood();
            for index in replies {
                let text = last.transcript.turns[index]
                    .text
                    .clone()
                    .unwrap_or_default();
                let findings: Vec<_> = report
                    .findings
                    .iter()
                    .filter(|f| f.turn == Some(index))
                    .collect();
                let spans: Vec<(usize, usize)> = findings
                    .iter()
                    .filter_map(|f| f.span)
                    .filter(|&(start, end)| end > start && end - start < text.chars().count())
                    .collect();
                panel
                    .spawn((
                        Text::default(),
                        TextFont {
                            font: font.0.clone().into(),
                            font_size: FontSize::Px(16.0),
                            ..default()
                        },
                    ))
                    .with_children(|line| {
                        line.spawn((
                            TextSpan::new(format!("Реплика {}: ", index + 1)),
                            TextColor(theme::MUTED),
                            TextFont {
                                font: font.0.clone().into(),
                                font_size: FontSize::Px(16.0),
                                ..default()
                            },
                        ));
                        for (part, marked) in highlighted(&text, &spans) {
                            line.spawn((
                                TextSpan::new(part),
                                TextColor(if marked { theme::BAD } else { theme::TEXT }),
                                TextFont {
                                    font: font.0.clone().into(),
                                    font_size: FontSize::Px(16.0),
                                    ..default()
                                },
                            ));
                        }
                    });
                for finding in findings {
                    let colour = if finding.severity == Severity::Error {
                        theme::BAD
                    } else {
                        theme::WARN
                    };
                    panel.spawn(theme::label(
                        &font,
                        format!("  ✗ {} Лучше: «{}»", finding.message, finding.suggestion),
                        14.0,
                        colour,
                    ));
                }
                if let Some((_, answer)) = misunderstood.iter().find(|(reply, _)| *reply == index) {
                    panel.spawn(theme::label(
                        &font,
                        format!(
                            "  ? Клиент вас не понял: «{}». Это не ошибка стандарта — скажите \
                             яснее или другими словами.",
                            last.transcript.turns[*answer].text.as_deref().unwrap_or("")
                        ),
                        14.0,
                        theme::MUTED,
                    ));
                }
                for praise in report.praise.iter().filter(|p| p.turn == index) {
                    panel.spawn(theme::label(
                        &font,
                        format!("  ✓ {}", praise.message),
                        14.0,
                        theme::GOOD,
                    ));
                }
            }
            for finding in report.findings.iter().filter(|f| f.turn.is_none()) {
                panel.spawn(theme::label(
                    &font,
                    format!("✗ {} {}", finding.message, finding.suggestion),
                    14.0,
                    theme::WARN,
                ));
            }
        });
        root.spawn(Node::default()).with_children(|buttons| {
            // An exam call is reviewed, not replayed.
            if exam.reviewing().is_some() {
                buttons.spawn(theme::button(
                    &font,
                    "К итогам экзамена (Esc)",
                    Action::Scenarios,
                ));
                return;
            }
            buttons.spawn(theme::button(&font, "Ещё раз (Enter)", Action::TryAgain));
            buttons.spawn(theme::button(
                &font,
                "Следующий сценарий (N)",
                Action::NextScenario,
            ));
            buttons.spawn(theme::button(&font, "К сценариям (Esc)", Action::Scenarios));
        });
    });
}

fn act(
    mut commands: Commands,
    mut actions: MessageReader<Action>,
    last: Option<Res<LastCall>>,
    library: Option<Res<Library>>,
    filter: Res<ScenarioFilter>,
    exam: Res<ExamState>,
    mut next: ResMut<NextState<Screen>>,
) {
    if exam.reviewing().is_some() {
        for action in actions.read() {
            if *action == Action::Scenarios {
                next.set(Screen::Exam);
            }
        }
        return;
    }
    for action in actions.read() {
        match action {
            // The next card of the list as the trainee filtered it.
            Action::NextScenario => {
                if let (Some(last), Some(library)) = (&last, &library) {
                    let order = shown(library, &filter);
                    let after = order
                        .iter()
                        .position(|id| *id == last.scenario)
                        .map_or(0, |index| (index + 1) % order.len().max(1));
                    if let Some(id) = order.get(after) {
                        commands.insert_resource(ChosenScenario(id.clone()));
                        next.set(Screen::Call);
                    }
                }
            }
            Action::TryAgain => {
                if let Some(last) = &last {
                    commands.insert_resource(ChosenScenario(last.scenario.clone()));
                    next.set(Screen::Call);
                }
            }
            Action::Scenarios => next.set(Screen::Scenarios),
            _ => {}
        }
    }
}
