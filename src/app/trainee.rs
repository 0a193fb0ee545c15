//! The first screen: pick yourself from the list, or type your name and press Enter.

use bevy::prelude::*;

use super::draft::{Draft, DraftView};
use super::store::{StoreCommand, StoreLink, StoreReply};
use super::theme::{self, Action, UiFont};
use super::{AppSystems, Screen};

/// Known trainees, by name.
#[derive(Resource, Default, Debug)]
pub struct Trainees(pub Vec<String>);

/// Who is practising; `None` until chosen.
#[derive(Resource, Default, Debug, Clone)]
pub struct CurrentTrainee(pub Option<String>);

/// A message for the user at the bottom of every screen (the database failed, …).
#[derive(Resource, Default, Debug)]
pub struct Notice(pub String);

#[derive(Component)]
struct TraineeList;

#[derive(Component)]
struct NoticeView;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Trainees>();
    app.init_resource::<CurrentTrainee>();
    app.init_resource::<Notice>();
    app.add_systems(OnEnter(Screen::Trainee), spawn);
    app.add_systems(Update, receive.in_set(AppSystems::Act));
    app.add_systems(Update, show_notice.in_set(AppSystems::Show));
    app.add_systems(
        Update,
        (
            act.in_set(AppSystems::Act),
            refresh_list.in_set(AppSystems::Show),
        )
            .run_if(in_state(Screen::Trainee)),
    );
}

fn spawn(mut commands: Commands, font: Res<UiFont>, draft: Res<Draft>, notice: Res<Notice>) {
    commands.spawn((
        theme::screen_root(Screen::Trainee),
        children![
            theme::label(
                &font,
                "callcoach — тренажёр трудных звонков",
                34.0,
                theme::TEXT
            ),
            theme::label(
                &font,
                "Кто сегодня тренируется? Выберите себя или наберите имя и нажмите Enter.",
                18.0,
                theme::MUTED
            ),
            (theme::panel(), TraineeList),
            (
                theme::panel(),
                children![
                    theme::label(&font, "Новый стажёр:", 16.0, theme::MUTED),
                    (
                        theme::label(&font, format!("{}▏", draft.0), 22.0, theme::TEXT),
                        DraftView
                    ),
                    theme::button(&font, "Добавить и начать (Enter)", Action::AddTrainee),
                ]
            ),
            (
                theme::label(&font, notice.0.clone(), 16.0, theme::WARN),
                NoticeView
            ),
        ],
    ));
}

fn receive(
    mut replies: MessageReader<StoreReply>,
    mut trainees: ResMut<Trainees>,
    mut notice: ResMut<Notice>,
) {
    for reply in replies.read() {
        match reply {
            StoreReply::Trainees(names) => trainees.0.clone_from(names),
            StoreReply::Failed(reason) => notice.0.clone_from(reason),
            StoreReply::Report(_) | StoreReply::BestTotals(_) => {}
        }
    }
}

fn show_notice(notice: Res<Notice>, mut views: Query<&mut Text, With<NoticeView>>) {
    if notice.is_changed() {
        for mut view in &mut views {
            view.0.clone_from(&notice.0);
        }
    }
}

fn refresh_list(
    mut commands: Commands,
    trainees: Res<Trainees>,
    font: Res<UiFont>,
    lists: Query<Entity, With<TraineeList>>,
    added: Query<(), Added<TraineeList>>,
) {
    if !trainees.is_changed() && added.is_empty() {
        return;
    }
    for list in &lists {
        commands.entity(list).despawn_children();
        commands.entity(list).with_children(|list| {
            if trainees.0.is_empty() {
                list.spawn(theme::label(
                    &font,
                    "Стажёров пока нет — добавьте себя ниже.",
                    18.0,
                    theme::MUTED,
                ));
            }
            for name in &trainees.0 {
                list.spawn(theme::button(
                    &font,
                    name.clone(),
                    Action::PickTrainee(name.clone()),
                ));
            }
        });
    }
}

fn act(
    mut actions: MessageReader<Action>,
    mut draft: ResMut<Draft>,
    mut current: ResMut<CurrentTrainee>,
    link: Option<Res<StoreLink>>,
    mut next: ResMut<NextState<Screen>>,
) {
    for action in actions.read() {
        let name = match action {
            Action::PickTrainee(name) => name.clone(),
            Action::AddTrainee => {
                let name = draft.0.trim().to_owned();
                if name.is_empty() {
                    continue;
                }
                if let Some(link) = &link {
                    link.send(StoreCommand::AddTrainee(name.clone()));
                }
                draft.0.clear();
                name
            }
            _ => continue,
        };
        current.0 = Some(name);
        next.set(Screen::Scenarios);
    }
}
