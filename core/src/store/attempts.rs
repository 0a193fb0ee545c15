//! Attempts in the store: one is started, every turn is committed the moment it is made, and it
//! ends with its status, scores and findings sealed into the chain in one transaction.

use rusqlite::params;

use super::{Store, StoreError, Trainee, chain, now_ms};
use crate::attempt::{AttemptMode, AttemptStatus};
use crate::scoring::ScoreReport;
use crate::transcript::{BargeIn, Speaker, Speech, Transcript, TranscriptTurn};

/// What an attempt is about, fixed when it starts.
#[derive(Clone, Debug)]
pub struct NewAttempt<'a> {
    /// Who.
    pub trainee: &'a Trainee,
    /// Practice or exam.
    pub mode: AttemptMode,
    /// Scenario id.
    pub scenario_id: &'a str,
    /// SHA-256 of the scenario file's text.
    pub scenario_hash: String,
    /// SHA-256 of the rubric's text.
    pub rubric_hash: String,
    /// The call's seed.
    pub seed: u64,
    /// The exam run it belongs to, for exam calls.
    pub exam_run: Option<i64>,
}

/// An attempt as listed.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    /// Row id.
    pub id: i64,
    /// Scenario id.
    pub scenario_id: String,
    /// Practice or exam.
    pub mode: AttemptMode,
    /// Status.
    pub status: AttemptStatus,
    /// Start, milliseconds since the Unix epoch.
    pub started_at: i64,
    /// Total score, once finished.
    pub total: Option<u32>,
    /// Whether it passed, once finished.
    pub passed: Option<bool>,
    /// How many turns are recorded.
    pub turns: usize,
}

impl Store {
    /// Starts an attempt; returns its id.
    pub fn start_attempt(&self, attempt: &NewAttempt<'_>) -> Result<i64, StoreError> {
        self.connection
            .execute(
                "INSERT INTO attempts (trainee_id, mode, scenario_id, scenario_hash, rubric_hash, \
                 seed, started_at, status, pid, exam_run_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'in_progress', ?8, ?9)",
                params![
                    attempt.trainee.id,
                    attempt.mode.as_str(),
                    attempt.scenario_id,
                    attempt.scenario_hash,
                    attempt.rubric_hash,
                    // SQLite integers are signed; the seed's bits are kept as they are.
                    i64::from_ne_bytes(attempt.seed.to_ne_bytes()),
                    now_ms(),
                    i64::from(std::process::id()),
                    attempt.exam_run,
                ],
            )
            .map_err(|error| self.error(error))?;
        Ok(self.connection.last_insert_rowid())
    }

    /// Records one turn, committed at once; a spoken reply is recorded as `speech` with its
    /// recording's length.
    pub fn record_turn(
        &self,
        attempt: i64,
        index: usize,
        turn: &TranscriptTurn,
    ) -> Result<(), StoreError> {
        let speaker = match turn.speaker {
            Speaker::Agent => "agent",
            Speaker::Customer => "customer",
        };
        let input = if turn.speech.is_some() {
            "speech"
        } else {
            "typed"
        };
        self.connection
            .execute(
                "INSERT INTO turns (attempt_id, idx, speaker, text, hold_seconds, input, at_seconds, \
                 recorded_at, speech_seconds, speech_on_hold, understood, understood_as, step, \
                 barge_in_after, barge_in_of) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    attempt,
                    i64::try_from(index).unwrap_or(i64::MAX),
                    speaker,
                    turn.text,
                    turn.hold_seconds,
                    input,
                    turn.at,
                    now_ms(),
                    turn.speech.map(|speech| speech.seconds),
                    turn.speech.map(|speech| speech.on_hold),
                    turn.understood,
                    turn.understood_as,
                    turn.step,
                    turn.barge_in.map(|cut| cut.after),
                    turn.barge_in.map(|cut| cut.of),
                ],
            )
            .map_err(|error| self.error(error))?;
        Ok(())
    }

    /// Ends an attempt with its status and, when scored, its report, and seals it into the
    /// chain; one transaction.
    pub fn finish_attempt(
        &mut self,
        attempt: i64,
        status: AttemptStatus,
        report: Option<&ScoreReport>,
    ) -> Result<(), StoreError> {
        self.end(attempt, status, report)
    }

    pub(super) fn end(
        &mut self,
        attempt: i64,
        status: AttemptStatus,
        report: Option<&ScoreReport>,
    ) -> Result<(), StoreError> {
        self.immediate(|transaction| {
            let updated = transaction.execute(
                "UPDATE attempts SET status = ?1, ended_at = ?2, total = ?3, passed = ?4 \
                 WHERE id = ?5 AND status = 'in_progress'",
                params![
                    status.as_str(),
                    now_ms(),
                    report.map(|report| report.total),
                    report.map(|report| report.passed),
                    attempt
                ],
            )?;
            if updated == 0 {
                // Already ended (another window marked it interrupted): a sealed result never
                // changes.
                return Ok(());
            }
            if let Some(report) = report {
                record_report(transaction, attempt, report)?;
            }
            chain::seal(transaction, attempt)
        })
    }

    /// A trainee's attempts, oldest first.
    pub fn attempts(&self, trainee: &Trainee) -> Result<Vec<Attempt>, StoreError> {
        self.query(
            "SELECT a.id, a.scenario_id, a.mode, a.status, a.started_at, a.total, a.passed, \
                 (SELECT COUNT(*) FROM turns t WHERE t.attempt_id = a.id) \
                 FROM attempts a WHERE a.trainee_id = ?1 ORDER BY a.started_at, a.id",
            params![trainee.id],
            |row| {
                let mode: String = row.get(2)?;
                let status: String = row.get(3)?;
                let turns: i64 = row.get(7)?;
                Ok(Attempt {
                    id: row.get(0)?,
                    scenario_id: row.get(1)?,
                    mode: if mode == "exam" {
                        AttemptMode::Exam
                    } else {
                        AttemptMode::Practice
                    },
                    status: AttemptStatus::parse(&status),
                    started_at: row.get(4)?,
                    total: row.get(5)?,
                    passed: row.get(6)?,
                    turns: usize::try_from(turns).unwrap_or(0),
                })
            },
        )
    }

    /// The turns recorded for an attempt, as a transcript (without company and clock).
    pub fn attempt_turns(&self, attempt: i64) -> Result<Transcript, StoreError> {
        let turns = self.query(
            "SELECT speaker, text, hold_seconds, at_seconds, speech_seconds, speech_on_hold, \
                 understood, understood_as, step, barge_in_after, barge_in_of \
                 FROM turns WHERE attempt_id = ?1 ORDER BY idx",
            params![attempt],
            |row| {
                let speaker: String = row.get(0)?;
                Ok(TranscriptTurn {
                    speaker: if speaker == "agent" {
                        Speaker::Agent
                    } else {
                        Speaker::Customer
                    },
                    text: row.get(1)?,
                    hold_seconds: row.get(2)?,
                    at: row.get(3)?,
                    speech: row
                        .get::<_, Option<f64>>(4)?
                        .map(|seconds| -> rusqlite::Result<Speech> {
                            Ok(Speech {
                                seconds,
                                on_hold: row.get::<_, Option<bool>>(5)?.unwrap_or(false),
                            })
                        })
                        .transpose()?,
                    understood: row.get(6)?,
                    understood_as: row.get(7)?,
                    step: row.get(8)?,
                    barge_in: match (row.get(9)?, row.get(10)?) {
                        (Some(after), Some(of)) => Some(BargeIn { after, of }),
                        _ => None,
                    },
                })
            },
        )?;
        Ok(Transcript {
            turns,
            ..Transcript::default()
        })
    }
}

/// The category scores and findings of an ended attempt.
fn record_report(
    transaction: &rusqlite::Transaction<'_>,
    attempt: i64,
    report: &ScoreReport,
) -> rusqlite::Result<()> {
    for (category, result) in &report.categories {
        transaction.execute(
            "INSERT INTO category_scores (attempt_id, category, score, max, passed, applicable) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                attempt,
                category.id(),
                result.score,
                result.max,
                result.passed,
                result.applicable
            ],
        )?;
    }
    for finding in &report.findings {
        transaction.execute(
            "INSERT INTO findings (attempt_id, rule, category, turn, span_start, span_end, \
             severity, message, suggestion) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                attempt,
                finding.rule,
                finding.category.id(),
                finding.turn.and_then(|turn| i64::try_from(turn).ok()),
                finding.span.and_then(|span| i64::try_from(span.0).ok()),
                finding.span.and_then(|span| i64::try_from(span.1).ok()),
                format!("{:?}", finding.severity).to_lowercase(),
                finding.message,
                finding.suggestion
            ],
        )?;
    }
    Ok(())
}
