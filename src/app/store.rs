//! The progress database on its own thread: the rusqlite connection is not `Sync`, and a frame
//! must never wait for the disk. Screens send commands; replies arrive as messages.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread::JoinHandle;

use bevy::prelude::*;
use callcoach_core::attempt::Record;
use callcoach_core::exam::{ExamResult, ExamSitting};
use callcoach_core::ledger::Ledger;
use callcoach_core::report::TraineeReport;
use callcoach_core::store::{Examiner, Store, StoreError, Trainee, now_ms};

use super::AppConfig;

/// What the app says when the database thread is gone: every later turn would be lost silently.
const STORE_GONE: &str = "Прогресс больше не сохраняется: поток базы прогресса остановился. Перезапустите callcoach; звонки до этого момента сохранены.";

/// What the database thread is asked to do, in order.
#[derive(Debug)]
pub enum StoreCommand {
    /// List trainees.
    ListTrainees,
    /// Add a trainee (and list again).
    AddTrainee(String),
    /// Whether an examiner is set up in the database.
    ExaminerStatus,
    /// Unlock the examiner with this passphrase (when none is set up, the reply is
    /// `ExaminerSet(false)`: QA sets one up with `callcoach examiner init`, never the app).
    UnlockExaminer(String),
    /// Forget the unlocked examiner.
    LockExaminer,
    /// Open a sitting in the database (the examiner must be unlocked; admission is checked).
    BeginSitting(Box<ExamSitting>),
    /// Judge the played sitting, seal it, issue the certificate into this folder when passed,
    /// and lock the examiner.
    CloseSitting {
        /// The sitting with every call played.
        sitting: Box<ExamSitting>,
        /// Where certificate files go.
        certificates: std::path::PathBuf,
    },
    /// Write an attempt's records (its start, turns, end), in order.
    Record(Vec<Record>),
    /// Build a trainee's progress report.
    Report(String),
    /// A trainee's best total per scenario.
    BestTotals(String),
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
    /// Whether an examiner is set up in the database.
    ExaminerSet(bool),
    /// The examiner is unlocked.
    ExaminerUnlocked,
    /// The passphrase was refused; why, in Russian.
    ExaminerRefused(String),
    /// The sitting has begun.
    ExamStarted,
    /// The sitting could not begin; why, in Russian.
    ExamRefused(String),
    /// The sitting's verdict.
    ExamFinished(Box<ExamVerdict>),
    /// Something failed; the text says what, in Russian.
    Failed(String),
}

/// A judged sitting.
#[derive(Debug, Clone, PartialEq)]
pub struct ExamVerdict {
    /// The verdict.
    pub result: ExamResult,
    /// The certificate's number, validity and files, when passed.
    pub certificate: Option<IssuedCertificate>,
}

/// A certificate just issued.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedCertificate {
    /// «CC-2026-000007».
    pub number: String,
    /// End of validity, ms since the epoch.
    pub valid_until: i64,
    /// The signed JSON, or why it could not be written.
    pub files: Result<(std::path::PathBuf, std::path::PathBuf), String>,
}

/// The channel to the database thread.
#[derive(Resource)]
pub struct StoreLink {
    commands: Option<Sender<StoreCommand>>,
    replies: Mutex<Receiver<StoreReply>>,
    worker: Option<JoinHandle<()>>,
    /// The thread's end has been reported: said once, not every frame.
    gone_reported: AtomicBool,
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
    // A thread that cannot be spawned drops its ends of the channels: the first poll reports
    // the database as gone instead of the app waiting for replies that never come.
    let worker = std::thread::Builder::new()
        .name("progress-db".to_owned())
        .spawn(move || worker(&path, &command_receiver, &reply_sender))
        .inspect_err(|error| error!("the database thread could not start: {error}"))
        .ok();
    let link = StoreLink {
        commands: Some(command_sender),
        replies: Mutex::new(reply_receiver),
        worker,
        gone_reported: AtomicBool::new(false),
    };
    link.send(StoreCommand::ListTrainees);
    commands.insert_resource(link);
}

fn poll(link: Option<Res<StoreLink>>, mut replies: MessageWriter<StoreReply>) {
    let Some(link) = link else { return };
    let Ok(receiver) = link.replies.lock() else {
        return;
    };
    loop {
        match receiver.try_recv() {
            Ok(reply) => {
                replies.write(reply);
            }
            Err(TryRecvError::Empty) => break,
            Err(TryRecvError::Disconnected) => {
                if !link.gone_reported.swap(true, Ordering::Relaxed) {
                    error!("the database thread has ended");
                    replies.write(StoreReply::Failed(STORE_GONE.to_owned()));
                }
                break;
            }
        }
    }
}

fn worker(path: &std::path::Path, commands: &Receiver<StoreCommand>, replies: &Sender<StoreReply>) {
    let store = match Store::open(path) {
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
    let mut state = Worker {
        store,
        ledger: Ledger::new(),
        examiner: None,
        path: path.to_owned(),
    };
    while let Ok(command) = commands.recv() {
        if let Err(error) = state.handle(command, replies) {
            let _ = replies.send(StoreReply::Failed(error.to_string()));
        }
    }
}

/// The database thread's state: the store, the ledger of the attempt and sitting being
/// written, and — only here, never in the frame's world — the unlocked examiner's signing key.
struct Worker {
    store: Store,
    ledger: Ledger,
    examiner: Option<Examiner>,
    path: std::path::PathBuf,
}

impl Worker {
    /// The team's server, on a desktop that joined one and when it answers.
    fn team(&self) -> Option<callcoach_team::Team> {
        callcoach_team::Team::for_database(&self.path)
            .ok()
            .flatten()
    }

    fn trainee(&self, name: String) -> Result<Trainee, StoreError> {
        self.store
            .trainee(&name)?
            .ok_or(StoreError::UnknownTrainee(name))
    }

    fn handle(
        &mut self,
        command: StoreCommand,
        replies: &Sender<StoreReply>,
    ) -> Result<(), StoreError> {
        let reply = |reply| {
            let _ = replies.send(reply);
        };
        match command {
            StoreCommand::ListTrainees => {
                let names = self.store.trainees()?.into_iter().map(|t| t.name).collect();
                reply(StoreReply::Trainees(names));
            }
            StoreCommand::AddTrainee(name) => {
                if self.store.trainee(&name)?.is_none() {
                    self.store.add_trainee(&name)?;
                }
                let names = self.store.trainees()?.into_iter().map(|t| t.name).collect();
                reply(StoreReply::Trainees(names));
            }
            StoreCommand::Report(name) => {
                // A team's desktop shows the calls of every desktop, when the server answers.
                let from_team = self.team().and_then(|mut team| {
                    let trusted = self.store.trusted_keys().ok()?;
                    team.trainee_report(&name, &trusted, now_ms())
                        .ok()
                        .flatten()
                });
                let report = match from_team {
                    Some(report) => report,
                    None => TraineeReport::build(&self.store, &self.trainee(name)?, now_ms())?,
                };
                reply(StoreReply::Report(Box::new(report)));
            }
            StoreCommand::BestTotals(name) => {
                let trainee = self.trainee(name)?;
                reply(StoreReply::BestTotals(self.store.best_totals(&trainee)?));
            }
            StoreCommand::ExaminerStatus => {
                reply(StoreReply::ExaminerSet(self.store.examiner_is_set()?));
            }
            StoreCommand::UnlockExaminer(passphrase) => {
                if !self.store.examiner_is_set()? {
                    reply(StoreReply::ExaminerSet(false));
                    return Ok(());
                }
                match self.store.unlock_examiner(&passphrase)? {
                    Ok(examiner) => {
                        self.examiner = Some(examiner);
                        reply(StoreReply::ExaminerUnlocked);
                    }
                    Err(error) => reply(StoreReply::ExaminerRefused(error.to_string())),
                }
            }
            StoreCommand::LockExaminer => self.examiner = None,
            StoreCommand::BeginSitting(sitting) => {
                let Some(examiner) = &self.examiner else {
                    reply(StoreReply::ExamRefused(
                        "режим экзамена закрыт: его открывает служба качества паролем экзаменатора"
                            .to_owned(),
                    ));
                    return Ok(());
                };
                // On a team's desktop the trainee's sittings elsewhere count; no server, no sitting.
                let asked =
                    callcoach_team::Team::synced(&self.path, &mut self.store).and_then(|team| {
                        match team {
                            Some(mut team) => {
                                let sittings =
                                    team.sittings_elsewhere(sitting.trainee(), &sitting.exam().id)?;
                                Ok((Some(team), sittings))
                            }
                            None => Ok((None, Vec::new())),
                        }
                    });
                let (team, elsewhere) = match asked {
                    Ok(asked) => asked,
                    Err(error) => {
                        reply(StoreReply::ExamRefused(error.exam_refusal()));
                        return Ok(());
                    }
                };
                match self
                    .ledger
                    .begin_sitting(&mut self.store, &sitting, examiner, &elsewhere)?
                {
                    Ok(()) => {
                        // The team learns at once; if it cannot, the sync thread sends it later.
                        if let Some(mut team) = team {
                            let _ = team.sync(&mut self.store);
                        }
                        reply(StoreReply::ExamStarted);
                    }
                    Err(reason) => reply(StoreReply::ExamRefused(reason)),
                }
            }
            StoreCommand::CloseSitting {
                sitting,
                certificates,
            } => {
                let Some(examiner) = self.examiner.take() else {
                    reply(StoreReply::Failed("экзамен не был начат".to_owned()));
                    return Ok(());
                };
                let outcome = self
                    .ledger
                    .close_sitting(&mut self.store, &sitting, &examiner)?;
                let certificate = outcome.certificate.map(|certificate| IssuedCertificate {
                    number: certificate.number.clone(),
                    valid_until: certificate.valid_until,
                    files: crate::render::certificate::write(&certificate, &certificates),
                });
                reply(StoreReply::ExamFinished(Box::new(ExamVerdict {
                    result: outcome.result,
                    certificate,
                })));
            }
            StoreCommand::Record(records) => self.ledger.write(&mut self.store, records)?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_thread_that_ended_is_reported_once() {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins);
        app.add_message::<StoreReply>();
        app.add_systems(PreUpdate, poll);
        let (_, command_receiver) = channel::<StoreCommand>();
        let (reply_sender, reply_receiver) = channel::<StoreReply>();
        drop((command_receiver, reply_sender));
        app.insert_resource(StoreLink {
            commands: None,
            replies: Mutex::new(reply_receiver),
            worker: None,
            gone_reported: AtomicBool::new(false),
        });
        #[derive(Resource, Default)]
        struct Said(Vec<StoreReply>);
        app.init_resource::<Said>();
        app.add_systems(
            Update,
            |mut replies: MessageReader<StoreReply>, mut said: ResMut<Said>| {
                said.0.extend(replies.read().cloned());
            },
        );
        for _ in 0..3 {
            app.update();
        }
        assert_eq!(
            app.world().resource::<Said>().0,
            vec![StoreReply::Failed(STORE_GONE.to_owned())],
            "the trainee is told once that nothing is saved any more"
        );
    }
}
