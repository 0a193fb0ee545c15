//! Where the lifecycle meets the progress store: an attempt's [`Record`]s and an exam sitting's
//! start and close written the same way for the terminal and the app's database thread.
//!
//! The store only stores; judging is the sitting's and signing the examiner's. What this module
//! owns is the order: an exam call belongs to the sitting opened here, a sitting opens only
//! with the examiner unlocked and the trainee admitted, and it closes with its verdict sealed
//! and, when passed, a signed certificate stored.

use crate::attempt::Record;
use crate::certificate::{Certificate, Examiner};
use crate::exam::{Exam, ExamResult, ExamSitting, Sitting, admission};
use crate::store::{
    CheckpointReason, NewAttempt, Store, StoreError, StoredCertificate, Trainee, now_ms,
};

/// How a sitting ended.
#[derive(Clone, Debug)]
pub struct SittingOutcome {
    /// The verdict.
    pub result: ExamResult,
    /// The signed certificate, when passed.
    pub certificate: Option<Certificate>,
}

/// The attempt and the sitting being written, for one front end's connection to the store.
#[derive(Debug, Default)]
pub struct Ledger {
    attempt: Option<i64>,
    sitting: Option<OpenSitting>,
    /// Records not written yet, oldest first.
    queue: std::collections::VecDeque<Record>,
}

/// A sitting begun in the store.
#[derive(Debug)]
struct OpenSitting {
    run: i64,
    trainee: Trainee,
}

/// Whether `trainee` may start `exam` at `now`: `Ok(Err(reason))` says why not, in Russian
/// (attempts used up, the wait after a failure). `elsewhere` are their sittings of this exam on
/// the team's other desktops (none outside team mode).
pub fn exam_admission(
    store: &Store,
    trainee: &Trainee,
    exam: &Exam,
    elsewhere: &[Sitting],
    now: i64,
) -> Result<Result<(), String>, StoreError> {
    let mut sittings: Vec<Sitting> = store
        .exam_runs(trainee, &exam.id)?
        .iter()
        .map(|run| Sitting {
            started_at: run.started_at,
            passed: run.passed,
        })
        .chain(elsewhere.iter().copied())
        .collect();
    sittings.sort_by_key(|sitting| sitting.started_at);
    Ok(admission(exam, &sittings, now))
}

impl Ledger {
    /// A ledger with nothing open.
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Writes an attempt's records, in order, after any still waiting; each turn is committed at
    /// once. A record that could not be written (another process holding the database past the
    /// wait) stays queued with everything after it, and the next call writes it first — a reply
    /// made while the database is busy is kept, never lost or written twice.
    pub fn write(&mut self, store: &mut Store, records: Vec<Record>) -> Result<(), StoreError> {
        self.queue.extend(records);
        while let Some(record) = self.queue.front() {
            match self.write_one(store, record.clone()) {
                Ok(()) => {
                    self.queue.pop_front();
                }
                // Busy: kept for the next write.
                Err(error @ StoreError::Locked { .. }) => return Err(error),
                // Anything else would fail the same way again: not retried.
                Err(error) => {
                    self.queue.clear();
                    return Err(error);
                }
            }
        }
        Ok(())
    }

    /// How many records wait for the database.
    pub fn waiting(&self) -> usize {
        self.queue.len()
    }

    fn write_one(&mut self, store: &mut Store, record: Record) -> Result<(), StoreError> {
        match record {
            Record::Started(start) => {
                let trainee = known_trainee(store, &start.trainee)?;
                let exam_run = match (&self.sitting, start.in_sitting) {
                    (Some(sitting), true) => Some(sitting.run),
                    // An exam call without a sitting is refused, never written.
                    (None, true) => return Err(StoreError::NoSitting),
                    (_, false) => None,
                };
                self.attempt = Some(store.start_attempt(&NewAttempt {
                    trainee: &trainee,
                    mode: start.mode,
                    scenario_id: &start.scenario_id,
                    scenario_hash: start.scenario_hash,
                    rubric_hash: start.rubric_hash,
                    seed: start.seed,
                    exam_run,
                })?);
            }
            Record::Turn { index, turn } => {
                if let Some(attempt) = self.attempt {
                    store.record_turn(attempt, index, &turn)?;
                }
            }
            Record::Ended { status, report } => {
                if let Some(attempt) = self.attempt {
                    store.finish_attempt(attempt, status, Some(&report))?;
                    self.attempt = None;
                }
            }
        }
        Ok(())
    }

    /// Opens `sitting` in the store when its trainee is admitted and the record is intact
    /// (a sitting deleted or rewound to regain an attempt would admit them unfairly);
    /// `Ok(Err(reason))` is a refusal in Russian. Taking the unlocked examiner is the proof that
    /// QA started it; the opening is checkpointed with their signature. `elsewhere` are the
    /// trainee's sittings of this exam on the team's other desktops.
    pub fn begin_sitting(
        &mut self,
        store: &mut Store,
        sitting: &ExamSitting,
        examiner: &Examiner,
        elsewhere: &[Sitting],
    ) -> Result<Result<(), String>, StoreError> {
        let trainee = known_trainee(store, sitting.trainee())?;
        let verification = store.verify(Some(&[examiner.public_key()]))?;
        if let Some(problem) = verification.problems.first() {
            return Ok(Err(format!(
                "база прогресса изменена вне callcoach ({}; всего нарушений: {}). Экзамен не начнётся, пока служба качества не разберётся: callcoach db verify",
                problem.message,
                verification.problems.len()
            )));
        }
        if let Err(reason) = exam_admission(store, &trainee, sitting.exam(), elsewhere, now_ms())? {
            return Ok(Err(reason));
        }
        let run = store.start_exam_run(
            &trainee,
            &sitting.exam().id,
            &sitting.exam().source_hash,
            sitting.seed(),
        )?;
        self.sitting = Some(OpenSitting { run, trainee });
        store.checkpoint(examiner, CheckpointReason::SittingOpened)?;
        Ok(Ok(()))
    }

    /// Judges the sitting, seals its verdict and, when passed, signs and stores its
    /// certificate. Writing the certificate's files is the front end's.
    pub fn close_sitting(
        &mut self,
        store: &mut Store,
        sitting: &ExamSitting,
        examiner: &Examiner,
    ) -> Result<SittingOutcome, StoreError> {
        let open = self.sitting.take().ok_or(StoreError::NoSitting)?;
        let result = sitting.judge();
        store.finish_exam_run(open.run, result.passed, result.total)?;
        if !result.passed {
            store.checkpoint(examiner, CheckpointReason::SittingClosed)?;
            return Ok(SittingOutcome {
                result,
                certificate: None,
            });
        }
        let certificate = sitting
            .certificate(&result, &store.issuer_id()?, open.run, now_ms())
            .sign(examiner);
        store.add_certificate(
            open.run,
            &open.trainee,
            &StoredCertificate {
                number: certificate.number.clone(),
                issued_at: certificate.issued_at,
                valid_until: certificate.valid_until,
                document: certificate.to_json(),
            },
        )?;
        store.checkpoint(examiner, CheckpointReason::SittingClosed)?;
        Ok(SittingOutcome {
            result,
            certificate: Some(certificate),
        })
    }
}

/// The trainee of this name, or the error that says how to add them.
fn known_trainee(store: &Store, name: &str) -> Result<Trainee, StoreError> {
    store
        .trainee(name)?
        .ok_or_else(|| StoreError::UnknownTrainee(name.trim().to_owned()))
}
