//! The progress database on its own thread: the rusqlite connection is not `Sync`, and a frame
//! must never wait for the disk. Screens send commands; replies arrive as messages.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use bevy::prelude::*;
use callcoach_core::report::TraineeReport;
use callcoach_core::scoring::ScoreReport;
use callcoach_core::store::{
    AttemptMode, AttemptStatus, NewAttempt, Store, StoreError, TurnInput, content_hash,
};
use callcoach_core::transcript::TranscriptTurn;

use super::AppConfig;

/// What the database thread is asked to do, in order.
#[derive(Debug)]
pub enum StoreCommand {
    /// List trainees.
    ListTrainees,
    /// Add a trainee (and list again).
    AddTrainee(String),
    /// Start the attempt every following turn belongs to.
    StartAttempt {
        /// Trainee name.
        trainee: String,
        /// Scenario id.
        scenario: String,
        /// The scenario's file: read and hashed here, never on a frame.
        scenario_file: std::path::PathBuf,
        /// The call's seed.
        seed: u64,
    },
    /// Record turns of the current attempt from this index on.
    RecordTurns {
        /// Index of the first turn given.
        from: usize,
        /// The turns.
        turns: Vec<TranscriptTurn>,
    },
    /// Build a trainee's progress report.
    Report(String),
    /// A trainee's best total per scenario.
    BestTotals(String),
    /// End the current attempt.
    Finish {
        /// How it ended.
        finished: bool,
        /// Its score.
        report: Box<ScoreReport>,
    },
}

/// What came back.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum StoreReply {
    /// The trainees, by name.
    Trainees(Vec<String>),
    /// A trainee's progress.
    Report(Box<TraineeReport>),
    /// Best total per scenario id.
    BestTotals(std::collections::BTreeMap<String, u32>),
    /// Something failed; the text says what, in Russian.
    Failed(String),
}

/// The channel to the database thread.
#[derive(Resource)]
pub struct StoreLink {
    commands: Option<Sender<StoreCommand>>,
    replies: Mutex<Receiver<StoreReply>>,
    worker: Option<JoinHandle<()>>,
}

impl StoreLink {
    /// Queues a command; a dead worker is reported on the next poll.
    pub fn send(&self, command: StoreCommand) {
        if let Some(commands) = &self.commands {
            let _ = commands.send(command);
        }
    }
}

/// When the app closes, the worker finishes every queued command before the process ends: the
/// last turns and the score of a call just ended are not lost.
impl Drop for StoreLink {
    fn drop(&mut self) {
        self.commands = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_message::<StoreReply>();
    app.add_systems(PreStartup, start_worker);
    app.add_systems(PreUpdate, poll);
}

fn start_worker(mut commands: Commands, config: Option<Res<AppConfig>>) {
    let Some(config) = config else { return };
    let (command_sender, command_receiver) = channel::<StoreCommand>();
    let (reply_sender, reply_receiver) = channel::<StoreReply>();
    let path = config.db.clone();
    let worker = std::thread::Builder::new()
        .name("progress-db".to_owned())
        .spawn(move || worker(&path, &command_receiver, &reply_sender))
        .ok();
    let link = StoreLink {
        commands: Some(command_sender),
        replies: Mutex::new(reply_receiver),
        worker,
    };
    link.send(StoreCommand::ListTrainees);
    commands.insert_resource(link);
}

fn poll(link: Option<Res<StoreLink>>, mut replies: MessageWriter<StoreReply>) {
    let Some(link) = link else { return };
    let Ok(receiver) = link.replies.lock() else {
        return;
    };
    while let Ok(reply) = receiver.try_recv() {
        replies.write(reply);
    }
}

fn worker(path: &std::path::Path, commands: &Receiver<StoreCommand>, replies: &Sender<StoreReply>) {
    let mut store = match Store::open(path) {
        Ok(store) => store,
        Err(error) => {
            let _ = replies.send(StoreReply::Failed(format!(
                "Прогресс не сохраняется: {error}"
            )));
            // Keep draining commands so the app never blocks on a full channel.
            while commands.recv().is_ok() {}
            return;
        }
    };
    let mut current: Option<i64> = None;
    while let Ok(command) = commands.recv() {
        if let Err(error) = handle(&mut store, &mut current, command, replies) {
            let _ = replies.send(StoreReply::Failed(error.to_string()));
        }
    }
}

fn handle(
    store: &mut Store,
    current: &mut Option<i64>,
    command: StoreCommand,
    replies: &Sender<StoreReply>,
) -> Result<(), StoreError> {
    match command {
        StoreCommand::ListTrainees => {
            let names = store.trainees()?.into_iter().map(|t| t.name).collect();
            let _ = replies.send(StoreReply::Trainees(names));
        }
        StoreCommand::AddTrainee(name) => {
            if store.trainee(&name)?.is_none() {
                store.add_trainee(&name)?;
            }
            let names = store.trainees()?.into_iter().map(|t| t.name).collect();
            let _ = replies.send(StoreReply::Trainees(names));
        }
        StoreCommand::Report(name) => {
            let trainee = store
                .trainee(&name)?
                .ok_or(StoreError::UnknownTrainee(name))?;
            let report = TraineeReport::build(store, &trainee, callcoach_core::store::now_ms())?;
            let _ = replies.send(StoreReply::Report(Box::new(report)));
        }
        StoreCommand::BestTotals(name) => {
            let trainee = store
                .trainee(&name)?
                .ok_or(StoreError::UnknownTrainee(name))?;
            let _ = replies.send(StoreReply::BestTotals(store.best_totals(&trainee)?));
        }
        StoreCommand::StartAttempt {
            trainee,
            scenario,
            scenario_file,
            seed,
        } => {
            // The version played is pinned by the file's hash; an unreadable file pins nothing.
            let scenario_hash = std::fs::read_to_string(&scenario_file)
                .map(|text| content_hash(&text))
                .unwrap_or_default();
            let trainee = store
                .trainee(&trainee)?
                .ok_or(StoreError::UnknownTrainee(trainee))?;
            *current = Some(store.start_attempt(&NewAttempt {
                trainee: &trainee,
                mode: AttemptMode::Practice,
                scenario_id: &scenario,
                scenario_hash,
                rubric_hash: content_hash(callcoach_core::scoring::DEFAULT_RUBRIC),
                seed,
                exam_run: None,
            })?);
        }
        StoreCommand::RecordTurns { from, turns } => {
            if let Some(attempt) = *current {
                for (offset, turn) in turns.iter().enumerate() {
                    store.record_turn(attempt, from + offset, turn, TurnInput::Typed)?;
                }
            }
        }
        StoreCommand::Finish { finished, report } => {
            if let Some(attempt) = current.take() {
                let status = if finished {
                    AttemptStatus::Finished
                } else {
                    AttemptStatus::Abandoned
                };
                store.finish_attempt(attempt, status, Some(&report))?;
            }
        }
    }
    Ok(())
}
