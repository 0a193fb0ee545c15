//! The trainee's progress: scores per category over their attempts as a bar chart, the rules
//! they break most often, and their certificates. The report is built on the database thread.

use bevy::prelude::*;
use callcoach_core::report::TraineeReport;
use callcoach_core::scoring::{Category, rule_catalogue};

use crate::app::library::Library;
use crate::app::state::CurrentTrainee;
use crate::app::store::{StoreCommand, StoreLink, StoreReply};
use crate::app::theme::{self, Action, UiFont};
use crate::app::{AppSystems, Screen};

/// The report on screen (kept so tests and the demo can see what is shown).
#[derive(Resource, Clone, Debug)]
pub struct ShownProgress(pub Box<TraineeReport>);

#[derive(Component)]
struct ProgressBody;

/// How many latest attempts the chart shows.
const CHART_ATTEMPTS: usize = 20;
/// Height of a full bar.
const BAR_HEIGHT: f32 = 46.0;
/// How many rules the "most often broken" list shows.
const TOP_RULES: usize = 5;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Progress), (request, spawn));
    app.add_systems(
        Update,
        (
            (receive, act).in_set(AppSystems::Act),
            fill.in_set(AppSystems::Show),
        )
            .run_if(in_state(Screen::Progress)),
    );
}

fn request(mut commands: Commands, link: Option<Res<StoreLink>>, trainee: Res<CurrentTrainee>) {
    commands.remove_resource::<ShownProgress>();
    if let (Some(link), Some(name)) = (link, &trainee.0) {
        link.send(StoreCommand::Report(name.clone()));
    }
}

fn spawn(mut commands: Commands, font: Res<UiFont>, trainee: Res<CurrentTrainee>) {
    commands.spawn((
        theme::screen_root(Screen::Progress),
        children![
            theme::label(
                &font,
                format!("Прогресс — {}", trainee.0.clone().unwrap_or_default()),
                30.0,
                theme::TEXT
            ),
            (
                Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: px(8),
                    ..default()
                },
                ProgressBody,
                children![theme::label(&font, "Загрузка…", 16.0, theme::MUTED)],
            ),
            theme::button(&font, "К сценариям (Esc)", Action::Scenarios),
        ],
    ));
}

fn receive(mut commands: Commands, mut replies: MessageReader<StoreReply>) {
    for reply in replies.read() {
        if let StoreReply::Report(report) = reply {
            commands.insert_resource(ShownProgress(report.clone()));
        }
    }
}

fn act(mut actions: MessageReader<Action>, mut next: ResMut<NextState<Screen>>) {
    for action in actions.read() {
        if *action == Action::Scenarios {
            next.set(Screen::Scenarios);
        }
    }
}

fn fill(
    mut commands: Commands,
    shown: Option<Res<ShownProgress>>,
    library: Option<Res<Library>>,
    font: Res<UiFont>,
    bodies: Query<Entity, With<ProgressBody>>,
) {
    let (Some(shown), Some(library)) = (shown, library) else {
        return;
    };
    if !shown.is_changed() {
        return;
    }
    let report = &shown.0;
    let rubric = &library.scorer.rubric().rubric;
    let catalogue = rule_catalogue(library.scorer.rubric());
    for body in &bodies {
        commands.entity(body).despawn_children();
        commands.entity(body).with_children(|body| {
            let scored: Vec<_> = report
                .attempts
                .iter()
                .filter(|a| !a.categories.is_empty())
                .collect();
            body.spawn(theme::label(
                &font,
                format!(
                    "Попыток: {}, оценённых: {}. Баллы по категориям за последние {} звонков:",
                    report.attempts.len(),
                    scored.len(),
                    CHART_ATTEMPTS.min(scored.len())
                ),
                16.0,
                theme::MUTED,
            ));
            if scored.is_empty() {
                body.spawn(theme::label(
                    &font,
                    "Сыграйте первый звонок — здесь появится график.",
                    18.0,
                    theme::MUTED,
                ));
            }
            let recent = &scored[scored.len().saturating_sub(CHART_ATTEMPTS)..];
            for category in Category::ALL {
                let max = rubric.categories.get(category).weight.max(1) as f32;
                body.spawn(Node {
                    column_gap: px(4),
                    align_items: AlignItems::End,
                    ..default()
                })
                .with_children(|row| {
                    row.spawn((
                        theme::label(&font, category.title(), 15.0, theme::TEXT),
                        Node {
                            width: px(180),
                            ..default()
                        },
                    ));
                    for attempt in recent {
                        let score =
                            attempt.categories.get(category.id()).copied().unwrap_or(0) as f32;
                        let share = (score / max).clamp(0.0, 1.0);
                        let colour = if share >= 0.99 {
                            theme::GOOD
                        } else if share >= 0.5 {
                            theme::WARN
                        } else {
                            theme::BAD
                        };
                        row.spawn((
                            Node {
                                width: px(18),
                                height: px((share * BAR_HEIGHT).max(2.0)),
                                ..default()
                            },
                            BackgroundColor(colour),
                        ));
                    }
                });
            }
            if let Some(trend) = report
                .trend
                .iter()
                .filter(|trend| trend.last > trend.first)
                .max_by(|a, b| (a.last - a.first).total_cmp(&(b.last - b.first)))
            {
                let title = Category::from_id(&trend.category).map_or("", Category::title);
                body.spawn(theme::label(
                    &font,
                    format!(
                        "Лучше всего растёт: {title} ({:.1} → {:.1})",
                        trend.first, trend.last
                    ),
                    16.0,
                    theme::GOOD,
                ));
            }
            body.spawn(theme::label(
                &font,
                "Чаще всего нарушаемые правила:",
                18.0,
                theme::TEXT,
            ));
            if report.broken_rules.is_empty() {
                body.spawn(theme::label(&font, "нарушений нет", 15.0, theme::GOOD));
            }
            for (rule, count) in report.broken_rules.iter().take(TOP_RULES) {
                let description = catalogue
                    .iter()
                    .find(|r| &r.id == rule)
                    .map_or(rule.as_str(), |r| r.description.as_str());
                body.spawn(theme::label(
                    &font,
                    format!("{count} × {description}"),
                    15.0,
                    theme::WARN,
                ));
            }
            body.spawn(theme::label(&font, "Сертификаты:", 18.0, theme::TEXT));
            if report.certificates.is_empty() {
                body.spawn(theme::label(
                    &font,
                    "пока нет — их выдаёт служба качества после экзамена",
                    15.0,
                    theme::MUTED,
                ));
            }
            for certificate in &report.certificates {
                let valid = certificate.valid_until >= report.made_at;
                body.spawn(theme::label(
                    &font,
                    format!(
                        "№ {} — {} {}",
                        certificate.number,
                        if valid {
                            "действителен до"
                        } else {
                            "истёк"
                        },
                        callcoach_core::certificate::date(certificate.valid_until)
                    ),
                    15.0,
                    if valid { theme::GOOD } else { theme::BAD },
                ));
            }
        });
    }
}
