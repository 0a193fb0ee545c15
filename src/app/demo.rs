//! `callcoach --demo-screenshots DIR`: the app plays a scripted demo — the trainee screen, the
//! scenario list, a call with a live hint and the hold timer running, the debrief, the progress
//! chart, and the exams once an examiner has opened exam mode — saves one PNG per screen into
//! DIR, writes the frame times it measured, and exits.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};

use super::Screen;
use super::draft::Draft;
use super::library::Library;
use super::screens::progress::ShownProgress;
use super::screens::trainee::Trainees;
use super::state::ExamState;
use super::store::{StoreCommand, StoreLink};
use super::theme::Action;

/// Where the screenshots go.
#[derive(Resource, Clone, Debug)]
pub struct DemoOutput(pub PathBuf);

/// Frames to wait after a screen appears before capturing it: the renderer compiles its
/// pipelines during the first frames, which would come out black.
const SETTLE_FRAMES: u32 = 45;
/// Frames the hold timer runs before the call is captured.
const HOLD_FRAMES: u32 = 40;
/// The examiner's passphrase in the demo's own throwaway database.
const DEMO_PASSPHRASE: &str = "демонстрация тренажёра звонков";
/// Frames to let the last screenshot reach the disk before exiting.
const FLUSH_FRAMES: u32 = 30;

/// The demo's progress: which step, and how many frames it has waited.
#[derive(Resource, Default)]
struct Script {
    step: usize,
    waited: u32,
    frame_times: Vec<f32>,
    /// The frames drawn while the customer was speaking.
    speaking_times: Vec<f32>,
}

/// Sets up the examiner of the demo's own database, as QA would with `callcoach examiner init`
/// (the app never sets one up itself).
pub fn prepare(db: &std::path::Path) -> anyhow::Result<()> {
    let store = callcoach_core::store::Store::open(db)?;
    if !store.examiner_is_set()? {
        store
            .set_up_examiner(DEMO_PASSPHRASE)?
            .map_err(|error| anyhow::anyhow!("{error}"))?;
    }
    Ok(())
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Script>();
    app.add_systems(Update, run_script.in_set(super::AppSystems::Input));
}

/// A step: what it needs before it may run, and what it does.
fn run_script(
    mut commands: Commands,
    mut script: ResMut<Script>,
    output: Res<DemoOutput>,
    screen: Res<State<Screen>>,
    trainees: Option<Res<Trainees>>,
    library: Option<Res<Library>>,
    progress: Option<Res<ShownProgress>>,
    exam: Res<ExamState>,
    link: Option<Res<StoreLink>>,
    mut draft: ResMut<Draft>,
    mut actions: MessageWriter<Action>,
    time: Res<Time<Real>>,
    mut exit: MessageWriter<AppExit>,
    speech: Res<super::customer::CustomerSpeech>,
) {
    script.waited += 1;
    if script.step > 0 {
        let delta = time.delta_secs() * 1000.0;
        script.frame_times.push(delta);
        if speech.saying.is_some() {
            script.speaking_times.push(delta);
        }
    }
    let settled = script.waited >= SETTLE_FRAMES;
    let shot = |commands: &mut Commands, name: &str| {
        let path = output.0.join(name);
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(path));
    };
    let say = |draft: &mut Draft, actions: &mut MessageWriter<Action>, text: &str| {
        draft.0 = text.to_owned();
        actions.write(Action::Send);
    };
    let done = match script.step {
        0 => {
            let ready = trainees.is_some() && settled;
            if ready {
                shot(&mut commands, "01-trainee.png");
            }
            ready
        }
        1 => {
            draft.0 = "Анна Смирнова".to_owned();
            actions.write(Action::AddTrainee);
            true
        }
        2 => {
            let ready = *screen.get() == Screen::Scenarios && library.is_some() && settled;
            if ready {
                shot(&mut commands, "02-scenarios.png");
            }
            ready
        }
        3 => {
            actions.write(Action::StartScenario("internet_down".to_owned()));
            true
        }
        4 => *screen.get() == Screen::Call && settled,
        5 => {
            say(
                &mut draft,
                &mut actions,
                "Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.",
            );
            true
        }
        6 => {
            say(
                &mut draft,
                &mut actions,
                "Вы должны перезагрузить роутер, а я пока проверю линию.",
            );
            true
        }
        7 => {
            say(
                &mut draft,
                &mut actions,
                "Оставайтесь, пожалуйста, на линии, проверка займёт около двух минут.",
            );
            true
        }
        8 => {
            actions.write(Action::ToggleHold);
            true
        }
        9 => {
            let ready = script.waited >= HOLD_FRAMES;
            if ready {
                shot(&mut commands, "03-call.png");
            }
            ready
        }
        10 => {
            actions.write(Action::ToggleHold);
            true
        }
        11 => {
            say(
                &mut draft,
                &mut actions,
                "Спасибо за ожидание! Линия в порядке. Остались ли у вас ещё вопросы? Спасибо за звонок!",
            );
            true
        }
        12 => {
            actions.write(Action::EndCall);
            true
        }
        13 => {
            let ready = *screen.get() == Screen::Debrief && settled;
            if ready {
                shot(&mut commands, "04-debrief.png");
            }
            ready
        }
        14 => {
            actions.write(Action::Scenarios);
            true
        }
        15 => {
            let ready = *screen.get() == Screen::Scenarios;
            if ready {
                actions.write(Action::Progress);
            }
            ready
        }
        16 => {
            let ready = *screen.get() == Screen::Progress && progress.is_some() && settled;
            if ready {
                shot(&mut commands, "05-progress.png");
            }
            ready
        }
        17 => {
            // The examiner opens exam mode (the demo set its own database's examiner up).
            if let Some(link) = &link {
                link.send(StoreCommand::UnlockExaminer(DEMO_PASSPHRASE.to_owned()));
            }
            true
        }
        18 => {
            let ready = exam.unlocked;
            if ready {
                actions.write(Action::Scenarios);
            }
            ready
        }
        19 => {
            let ready = *screen.get() == Screen::Scenarios;
            if ready {
                actions.write(Action::Exams);
            }
            ready
        }
        20 => {
            let ready = *screen.get() == Screen::Exam && settled;
            if ready {
                shot(&mut commands, "06-exam.png");
            }
            ready
        }
        // The screenshot is taken before the screen changes.
        21 => {
            let ready = script.waited >= FLUSH_FRAMES;
            if ready {
                actions.write(Action::Scenarios);
            }
            ready
        }
        22 => {
            let ready = *screen.get() == Screen::Scenarios;
            if ready {
                actions.write(Action::Settings);
            }
            ready
        }
        23 => {
            let ready = *screen.get() == Screen::Settings && settled;
            if ready {
                shot(&mut commands, "07-settings.png");
            }
            ready
        }
        24 => {
            let ready = script.waited >= FLUSH_FRAMES;
            if ready {
                write_frame_times(&output.0, &script.frame_times, &script.speaking_times);
                exit.write(AppExit::Success);
            }
            ready
        }
        _ => false,
    };
    if done {
        script.step += 1;
        script.waited = 0;
    }
}

/// The median and worst frame time over the scripted run and over the frames drawn while the
/// customer spoke, for the README.
fn write_frame_times(folder: &std::path::Path, times: &[f32], speaking: &[f32]) {
    let summary = |times: &[f32]| {
        let mut sorted = times.to_vec();
        sorted.sort_by(f32::total_cmp);
        let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
        let worst = sorted.last().copied().unwrap_or(0.0);
        format!(
            "frames: {}, median frame time: {median:.1} ms, worst: {worst:.1} ms",
            sorted.len()
        )
    };
    let text = format!(
        "{}\nwhile the customer spoke: {}\n",
        summary(times),
        summary(speaking)
    );
    info!("{}", text.trim_end());
    let _ = std::fs::write(folder.join("frame-times.txt"), text);
}
