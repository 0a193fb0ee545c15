//! The progress database on its own thread: the rusqlite connection is not `Sync`, and a frame
//! must never wait for the disk. Screens send commands; replies arrive as messages.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use bevy::prelude::*;
use callcoach_core::exam::{Exam, ExamResult};
use callcoach_core::report::TraineeReport;
use callcoach_core::scoring::ScoreReport;
use callcoach_core::store::{
    AttemptMode, AttemptStatus, Examiner, NewAttempt, PlayedCalls, Store, StoreError, Trainee,
    content_hash, now_ms,
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
    /// Whether the examiner's passphrase has been set.
    ExaminerStatus,
    /// Unlock the examiner with this passphrase.
    UnlockExaminer {
        /// The passphrase.
        passphrase: String,
        /// When none is set yet, this one becomes it (the app asked for it twice); otherwise
        /// the reply is `ExaminerSet(false)`.
        may_set: bool,
    },
    /// Forget the unlocked examiner.
    LockExaminer,
    /// Start a sitting of an exam (the examiner must be unlocked; admission is checked).
    StartExam {
        /// Trainee name.
        trainee: String,
        /// The exam.
        exam: Box<Exam>,
        /// Its file, hashed into the sitting.
        exam_file: std::path::PathBuf,
        /// The sitting's seed.
        seed: u64,
    },
    /// Judge the sitting's calls, seal it, issue the certificate into this folder when passed,
    /// and lock the examiner.
    FinishExam {
        /// Where certificate files go.
        certificates: std::path::PathBuf,
    },
    /// Start the attempt every following turn belongs to.
    StartAttempt {
        /// Practice, or a call of the open exam sitting.
        mode: AttemptMode,
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
    /// Whether the examiner's passphrase has been set.
    ExaminerSet(bool),
    /// The examiner is unlocked (`first_use`: the passphrase was just set).
    ExaminerUnlocked {
        /// The passphrase was set now.
        first_use: bool,
    },
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
        attempt: None,
        examiner: None,
        sitting: None,
    };
    while let Ok(command) = commands.recv() {
        if let Err(error) = state.handle(command, replies) {
            let _ = replies.send(StoreReply::Failed(error.to_string()));
        }
    }
}

/// The database thread's state: the store, the attempt being played, and — only here, never in
/// the frame's world — the unlocked examiner's signing key.
struct Worker {
    store: Store,
    attempt: Option<i64>,
    examiner: Option<Examiner>,
    sitting: Option<OpenSitting>,
}

/// An exam sitting in progress.
struct OpenSitting {
    run: i64,
    trainee: Trainee,
    exam: Exam,
    played: PlayedCalls,
}

impl Worker {
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
                let trainee = self.trainee(name)?;
                let report = TraineeReport::build(&self.store, &trainee, now_ms())?;
                reply(StoreReply::Report(Box::new(report)));
            }
            StoreCommand::BestTotals(name) => {
                let trainee = self.trainee(name)?;
                reply(StoreReply::BestTotals(self.store.best_totals(&trainee)?));
            }
            StoreCommand::ExaminerStatus => {
                reply(StoreReply::ExaminerSet(self.store.examiner_is_set()?));
            }
            StoreCommand::UnlockExaminer {
                passphrase,
                may_set,
            } => {
                let first_use = !self.store.examiner_is_set()?;
                if first_use && !may_set {
                    reply(StoreReply::ExaminerSet(false));
                    return Ok(());
                }
                let unlocked = if first_use {
                    self.store.set_up_examiner(&passphrase)?
                } else {
                    self.store.unlock_examiner(&passphrase)?
                };
                match unlocked {
                    Ok(examiner) => {
                        self.examiner = Some(examiner);
                        reply(StoreReply::ExaminerUnlocked { first_use });
                    }
                    Err(error) => reply(StoreReply::ExaminerRefused(error.to_string())),
                }
            }
            StoreCommand::LockExaminer => self.examiner = None,
            StoreCommand::StartExam {
                trainee,
                exam,
                exam_file,
                seed,
            } => {
                let trainee = self.trainee(trainee)?;
                let refusal = if self.examiner.is_none() {
                    Some(
                        "режим экзамена закрыт: его открывает служба качества паролем экзаменатора"
                            .to_owned(),
                    )
                } else {
                    self.store.exam_admission(&trainee, &exam, now_ms())?.err()
                };
                if let Some(reason) = refusal {
                    reply(StoreReply::ExamRefused(reason));
                    return Ok(());
                }
                let exam_hash = hash_file(&exam_file);
                let run = self
                    .store
                    .start_exam_run(&trainee, &exam.id, &exam_hash, seed)?;
                self.sitting = Some(OpenSitting {
                    run,
                    trainee,
                    exam: *exam,
                    played: PlayedCalls {
                        all_finished: true,
                        ..PlayedCalls::default()
                    },
                });
                reply(StoreReply::ExamStarted);
            }
            StoreCommand::FinishExam { certificates } => {
                let (Some(sitting), Some(examiner)) = (self.sitting.take(), self.examiner.take())
                else {
                    reply(StoreReply::Failed("экзамен не был начат".to_owned()));
                    return Ok(());
                };
                let outcome = self.store.close_sitting(
                    sitting.run,
                    &sitting.trainee,
                    &sitting.exam,
                    &sitting.played,
                    &examiner,
                )?;
                let certificate = outcome.certificate.map(|certificate| IssuedCertificate {
                    number: certificate.number.clone(),
                    valid_until: certificate.valid_until,
                    files: certificate.write_files(&certificates),
                });
                reply(StoreReply::ExamFinished(Box::new(ExamVerdict {
                    result: outcome.result,
                    certificate,
                })));
            }
            StoreCommand::StartAttempt {
                mode,
                trainee,
                scenario,
                scenario_file,
                seed,
            } => {
                // The version played is pinned by the file's hash; an unreadable file pins nothing.
                let scenario_hash = hash_file(&scenario_file);
                let trainee = self.trainee(trainee)?;
                let exam_run = match (mode, &mut self.sitting) {
                    (AttemptMode::Exam, Some(sitting)) => {
                        sitting
                            .played
                            .scenario_hashes
                            .insert(scenario.clone(), scenario_hash.clone());
                        Some(sitting.run)
                    }
                    _ => None,
                };
                self.attempt = Some(self.store.start_attempt(&NewAttempt {
                    trainee: &trainee,
                    mode,
                    scenario_id: &scenario,
                    scenario_hash,
                    rubric_hash: content_hash(callcoach_core::scoring::DEFAULT_RUBRIC),
                    seed,
                    exam_run,
                })?);
            }
            StoreCommand::RecordTurns { from, turns } => {
                if let Some(attempt) = self.attempt {
                    for (offset, turn) in turns.iter().enumerate() {
                        self.store.record_turn(attempt, from + offset, turn)?;
                    }
                }
            }
            StoreCommand::Finish { finished, report } => {
                if let Some(attempt) = self.attempt.take() {
                    let status = if finished {
                        AttemptStatus::Finished
                    } else {
                        AttemptStatus::Abandoned
                    };
                    self.store.finish_attempt(attempt, status, Some(&report))?;
                }
                if let Some(sitting) = &mut self.sitting {
                    sitting.played.all_finished &= finished;
                    sitting.played.reports.push(*report);
                }
            }
        }
        Ok(())
    }
}

/// SHA-256 of a file's text; empty when it cannot be read.
fn hash_file(path: &std::path::Path) -> String {
    std::fs::read_to_string(path)
        .map(|text| content_hash(&text))
        .unwrap_or_default()
}
