//! The first screen: pick yourself from the list, or type your name and press Enter. Here the
//! examiner opens exam mode (F9) with the passphrase, typed into the same field and shown as dots.
//! The examiner is set up by QA with `callcoach examiner init`, never here: whoever opens the app
//! first must not become the examiner.

use bevy::prelude::*;

use crate::app::draft::{Draft, DraftMasked, DraftView};
use crate::app::state::{CurrentTrainee, ExamState, Notice};
use crate::app::store::{StoreCommand, StoreLink, StoreReply};
use crate::app::team::{TeamCommand, TeamLine, TeamLink, TeamReply};
use crate::app::theme::{self, Action, UiFont};
use crate::app::{AppSystems, Screen};

/// Known trainees, by name.
#[derive(Resource, Default, Debug)]
pub struct Trainees(pub Vec<String>);

/// What the field of the trainee screen asks for.
#[derive(Resource, Default, Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// A new trainee's name.
    #[default]
    Name,
    /// The examiner's passphrase (asked whether an examiner is set up yet).
    Passphrase {
        /// No examiner is set up in this database: the field only says how QA sets one up.
        missing: bool,
    },
    /// Waiting for the database thread to check it.
    Checking,
    /// The team server's address (F7).
    TeamAddress,
    /// The desktops' password for this address.
    TeamPassword {
        /// The address typed before.
        address: String,
    },
    /// Waiting for the team thread to join.
    Joining,
}

impl Field {
    fn caption(&self) -> String {
        match self {
            Field::Name => "Новый стажёр:".to_owned(),
            Field::Passphrase { missing: false } => {
                "Пароль экзаменатора (Enter — открыть режим экзамена, Esc — отмена):".to_owned()
            }
            Field::Passphrase { missing: true } => {
                "Экзаменатор в этой базе не настроен: служба качества настраивает его командой callcoach examiner init (Esc — отмена)."
                    .to_owned()
            }
            Field::Checking => "Проверяем пароль…".to_owned(),
            Field::TeamAddress => "Адрес сервера команды, его даёт служба качества: postgresql://callcoach_desktop@сервер:5432/callcoach (Enter — дальше, Esc — отмена):".to_owned(),
            Field::TeamPassword { .. } => {
                "Пароль рабочих мест (Enter — подключить, Esc — отмена):".to_owned()
            }
            Field::Joining => "Подключаемся к команде…".to_owned(),
        }
    }
}

#[derive(Component)]
struct TraineeList;

#[derive(Component)]
struct FieldCaption;

#[derive(Component)]
struct ExamModeView;

#[derive(Component)]
struct NoticeView;

#[derive(Component)]
struct TeamLineView;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Trainees>();
    app.init_resource::<CurrentTrainee>();
    app.init_resource::<Notice>();
    app.init_resource::<Field>();
    app.add_systems(OnEnter(Screen::Trainee), spawn);
    app.add_systems(OnExit(Screen::Trainee), close_field);
    app.add_systems(
        Update,
        (receive, examiner_replies, team_replies).in_set(AppSystems::Act),
    );
    app.add_systems(Update, (show_notice, show_team).in_set(AppSystems::Show));
    app.add_systems(
        Update,
        (
            (act, examiner, join_team).in_set(AppSystems::Act),
            (refresh_list, show_field).in_set(AppSystems::Show),
        )
            .run_if(in_state(Screen::Trainee)),
    );
}

fn spawn(
    mut commands: Commands,
    font: Res<UiFont>,
    draft: Res<Draft>,
    notice: Res<Notice>,
    field: Res<Field>,
    exam: Res<ExamState>,
    team: Res<TeamLine>,
) {
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
                    (
                        theme::label(&font, field.caption(), 16.0, theme::MUTED),
                        FieldCaption
                    ),
                    (
                        theme::label(&font, format!("{}▏", draft.0), 22.0, theme::TEXT),
                        DraftView
                    ),
                    theme::button(&font, "Добавить и начать (Enter)", Action::AddTrainee),
                ]
            ),
            (
                theme::button(&font, exam_mode_caption(exam.unlocked), Action::ExamMode),
                ExamModeView
            ),
            (
                theme::label(&font, notice.0.clone(), 16.0, theme::WARN),
                NoticeView
            ),
            (
                theme::label(&font, team.0.clone(), 15.0, theme::MUTED),
                TeamLineView
            ),
        ],
    ));
}

fn show_team(team: Res<TeamLine>, mut views: Query<&mut Text, With<TeamLineView>>) {
    if team.is_changed() {
        for mut view in &mut views {
            view.0.clone_from(&team.0);
        }
    }
}

/// F7 asks for the team server's address, then (unless the address has one) the desktops'
/// password, and hands both to the team thread; Esc cancels.
fn join_team(
    mut actions: MessageReader<Action>,
    mut field: ResMut<Field>,
    mut draft: ResMut<Draft>,
    link: Option<Res<TeamLink>>,
) {
    let join = |address: String, password: Option<String>| {
        if let Some(link) = &link {
            link.send(TeamCommand::Join { address, password });
        }
    };
    for action in actions.read() {
        match (action, field.clone()) {
            (Action::Team, Field::Name) => {
                *field = Field::TeamAddress;
                draft.0.clear();
            }
            (Action::Team | Action::Cancel, Field::TeamAddress | Field::TeamPassword { .. }) => {
                *field = Field::Name;
                draft.0.clear();
            }
            (Action::AddTrainee, Field::TeamAddress) => {
                let address = std::mem::take(&mut draft.0).trim().to_owned();
                if address.is_empty() {
                    continue;
                }
                if callcoach_team::has_password(&address) {
                    join(address, None);
                    *field = Field::Joining;
                } else {
                    *field = Field::TeamPassword { address };
                }
            }
            (Action::AddTrainee, Field::TeamPassword { address }) => {
                join(address, Some(std::mem::take(&mut draft.0)));
                *field = Field::Joining;
            }
            _ => {}
        }
    }
}

/// The team thread's answer to a join: said, and the list shows the team's trainees.
fn team_replies(
    mut replies: MessageReader<TeamReply>,
    mut field: ResMut<Field>,
    mut notice: ResMut<Notice>,
    link: Option<Res<StoreLink>>,
) {
    for reply in replies.read() {
        match reply {
            TeamReply::Joined(text) => {
                notice.0.clone_from(text);
                if let Some(link) = &link {
                    link.send(StoreCommand::ListTrainees);
                }
            }
            TeamReply::JoinFailed(text) => notice.0.clone_from(text),
            TeamReply::Status(_) => continue,
        }
        if *field == Field::Joining {
            *field = Field::Name;
        }
    }
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
            _ => {}
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
    field: Res<Field>,
    link: Option<Res<StoreLink>>,
    mut next: ResMut<NextState<Screen>>,
) {
    for action in actions.read() {
        let name = match action {
            Action::PickTrainee(name) => name.clone(),
            Action::AddTrainee if *field == Field::Name => {
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

fn exam_mode_caption(unlocked: bool) -> &'static str {
    if unlocked {
        "Режим экзамена открыт — закрыть (F9)"
    } else {
        "Режим экзамена (F9, для службы качества)"
    }
}

/// Leaving the screen drops a half-typed passphrase.
fn close_field(mut field: ResMut<Field>, mut masked: ResMut<DraftMasked>) {
    *field = Field::Name;
    masked.0 = false;
}

/// F9 opens the passphrase field (or closes exam mode), Enter submits, Esc cancels; the database
/// thread checks the passphrase and keeps the signing key.
fn examiner(
    mut actions: MessageReader<Action>,
    mut field: ResMut<Field>,
    mut draft: ResMut<Draft>,
    mut masked: ResMut<DraftMasked>,
    mut notice: ResMut<Notice>,
    mut exam: ResMut<ExamState>,
    link: Option<Res<StoreLink>>,
) {
    let send = |command| {
        if let Some(link) = &link {
            link.send(command);
        }
    };
    for action in actions.read() {
        match (action, field.clone()) {
            (Action::ExamMode, _) if exam.unlocked => {
                send(StoreCommand::LockExaminer);
                exam.unlocked = false;
                notice.0 = "Режим экзамена закрыт.".to_owned();
            }
            (Action::ExamMode, Field::Name) => {
                send(StoreCommand::ExaminerStatus);
                *field = Field::Passphrase { missing: false };
                draft.0.clear();
            }
            (Action::ExamMode | Action::Cancel, Field::Passphrase { .. }) => {
                *field = Field::Name;
                draft.0.clear();
            }
            (Action::AddTrainee, Field::Passphrase { missing: false }) => {
                send(StoreCommand::UnlockExaminer(std::mem::take(&mut draft.0)));
                *field = Field::Checking;
            }
            (Action::AddTrainee, Field::Passphrase { missing: true }) => draft.0.clear(),
            _ => {}
        }
    }
    let secret = matches!(
        *field,
        Field::Passphrase { .. } | Field::Checking | Field::TeamPassword { .. }
    );
    if masked.0 != secret {
        masked.0 = secret;
    }
}

/// The database's answers to the passphrase; read on every screen so none is missed.
fn examiner_replies(
    mut replies: MessageReader<StoreReply>,
    mut field: ResMut<Field>,
    mut notice: ResMut<Notice>,
    mut exam: ResMut<ExamState>,
) {
    for reply in replies.read() {
        match reply {
            // Also the answer to a passphrase sent before the field knew none was set up.
            StoreReply::ExaminerSet(set) => match *field {
                Field::Passphrase { .. } => *field = Field::Passphrase { missing: !set },
                Field::Checking if !set => *field = Field::Passphrase { missing: true },
                _ => {}
            },
            StoreReply::ExaminerUnlocked => {
                exam.unlocked = true;
                *field = Field::Name;
                notice.0 =
                    "Режим экзамена открыт: выберите стажёра, который сдаёт экзамен.".to_owned();
            }
            StoreReply::ExaminerRefused(reason) => {
                *field = Field::Passphrase { missing: false };
                notice.0 = format!("Режим экзамена не открыт: {reason}.");
            }
            _ => {}
        }
    }
}

fn show_field(
    field: Res<Field>,
    exam: Res<ExamState>,
    mut captions: Query<&mut Text, With<FieldCaption>>,
    modes: Query<&Children, With<ExamModeView>>,
    mut texts: Query<&mut Text, Without<FieldCaption>>,
) {
    if field.is_changed() {
        for mut caption in &mut captions {
            caption.0 = field.caption();
        }
    }
    if exam.is_changed() {
        for children in &modes {
            for child in children {
                if let Ok(mut text) = texts.get_mut(*child) {
                    text.0 = exam_mode_caption(exam.unlocked).to_owned();
                }
            }
        }
    }
}
