//! What team mode needs of the local store: the records not yet sent to the team's server (each
//! with the exact document its seal covers, so the server checks the seal itself), marking them
//! sent, the team's roster and cohorts, and the team examiner's key installed still locked.
//!
//! The local database stays the record of everything made on this desktop: a sync only copies
//! out what has ended and notes that it did, so a sync cut off midway is simply repeated.

use rusqlite::{OptionalExtension, params};

use super::{ExaminerError, Store, StoreError, Trainee, chain, examiner, now_ms};

/// What a record sent to the team is, as `team_sent` remembers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// A trainee.
    Trainee,
    /// An ended, sealed attempt.
    Attempt,
    /// A sitting's start.
    SittingOpened,
    /// A sitting's sealed verdict.
    SittingClosed,
    /// A certificate (by its sitting's id).
    Certificate,
    /// An examiner's checkpoint.
    Checkpoint,
}

impl Sent {
    fn kind(self) -> &'static str {
        match self {
            Sent::Trainee => "trainee",
            Sent::Attempt => "attempt",
            Sent::SittingOpened => "sitting_opened",
            Sent::SittingClosed => "sitting_closed",
            Sent::Certificate => "certificate",
            Sent::Checkpoint => "checkpoint",
        }
    }
}

/// The SQL condition that the record of `kind` whose id is the column `id` was not sent yet.
fn not_sent(kind: Sent, id: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM team_sent s WHERE s.kind = '{}' AND s.id = {id})",
        kind.kind()
    )
}

/// A trainee to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingTrainee {
    /// Local id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Cohort, if set.
    pub cohort: Option<String>,
    /// When added here, ms since the epoch.
    pub added_at: i64,
}

/// An ended attempt to send: the document its seal is the link of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingAttempt {
    /// Local id.
    pub id: i64,
    /// The trainee's name.
    pub trainee: String,
    /// Place in this desktop's chain.
    pub seal_seq: i64,
    /// Seal form.
    pub seal_version: i64,
    /// The stored seal.
    pub chain_hash: String,
    /// The canonical JSON of the attempt as it is now (the seal holds only if it is unchanged).
    pub document: String,
}

/// A sitting to send: its start, and its sealed verdict once it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingSitting {
    /// Local id.
    pub id: i64,
    /// The trainee's name.
    pub trainee: String,
    /// Exam id.
    pub exam_id: String,
    /// The exam file's hash.
    pub exam_hash: String,
    /// Start, ms since the epoch.
    pub started_at: i64,
    /// The verdict's seal and the document it links, when ended and not sent yet.
    pub verdict: Option<(String, String)>,
    /// Whether the start was sent already.
    pub opened_sent: bool,
}

/// A certificate to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingCertificate {
    /// Its sitting's local id.
    pub sitting: i64,
    /// Number.
    pub number: String,
    /// The trainee's name.
    pub trainee: String,
    /// Issued, ms since the epoch.
    pub issued_at: i64,
    /// Valid until, ms since the epoch.
    pub valid_until: i64,
    /// The signed document.
    pub document: String,
}

/// An examiner's checkpoint to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingCheckpoint {
    /// Its number here.
    pub seq: i64,
    /// When, ms since the epoch.
    pub made_at: i64,
    /// Why it was made.
    pub reason: String,
    /// The signed document.
    pub document: String,
    /// The examiner's signature, hex.
    pub signature: String,
}

/// Everything not yet sent, in the order the server takes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outbox {
    /// Trainees added here.
    pub trainees: Vec<OutgoingTrainee>,
    /// Ended attempts, in chain order.
    pub attempts: Vec<OutgoingAttempt>,
    /// Sittings whose start or verdict is not sent.
    pub sittings: Vec<OutgoingSitting>,
    /// Certificates.
    pub certificates: Vec<OutgoingCertificate>,
    /// Checkpoints.
    pub checkpoints: Vec<OutgoingCheckpoint>,
}

impl Outbox {
    /// How many records wait to be sent.
    pub fn len(&self) -> usize {
        self.trainees.len()
            + self.attempts.len()
            + self
                .sittings
                .iter()
                .map(|sitting| {
                    usize::from(!sitting.opened_sent) + usize::from(sitting.verdict.is_some())
                })
                .sum::<usize>()
            + self.certificates.len()
            + self.checkpoints.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A trainee of the team's roster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterEntry {
    /// Name.
    pub name: String,
    /// Cohort, if set.
    pub cohort: Option<String>,
}

impl Store {
    /// A trainee's cohort, if set.
    pub fn cohort(&self, trainee: &Trainee) -> Result<Option<String>, StoreError> {
        self.connection
            .query_row(
                "SELECT cohort FROM trainees WHERE id = ?1",
                params![trainee.id],
                |row| row.get(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|error| self.error(error))
    }

    /// Takes the team's roster in: trainees added on other desktops become known here (already
    /// sent, being the team's), a cohort set elsewhere fills one unset here. Returns how many
    /// trainees are new here.
    pub fn adopt_roster(&mut self, roster: &[RosterEntry]) -> Result<usize, StoreError> {
        let now = now_ms();
        self.immediate(|transaction| {
            let mut added = 0;
            for entry in roster {
                let inserted = transaction.execute(
                    "INSERT OR IGNORE INTO trainees (name, created_at, cohort) VALUES (?1, ?2, ?3)",
                    params![entry.name, now, entry.cohort],
                )?;
                if inserted == 1 {
                    added += 1;
                    transaction.execute(
                        "INSERT OR IGNORE INTO team_sent (kind, id, sent_at) VALUES (?1, ?2, ?3)",
                        params![Sent::Trainee.kind(), transaction.last_insert_rowid(), now],
                    )?;
                } else if entry.cohort.is_some() {
                    transaction.execute(
                        "UPDATE trainees SET cohort = ?1 WHERE name = ?2 AND cohort IS NULL",
                        params![entry.cohort, entry.name],
                    )?;
                }
            }
            Ok(added)
        })
    }

    /// Everything not yet sent to the team.
    pub fn outbox(&self) -> Result<Outbox, StoreError> {
        let trainees = self.query(
            &format!(
                "SELECT id, name, cohort, created_at FROM trainees t WHERE {} ORDER BY id",
                not_sent(Sent::Trainee, "t.id")
            ),
            [],
            |row| {
                Ok(OutgoingTrainee {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    cohort: row.get(2)?,
                    added_at: row.get(3)?,
                })
            },
        )?;
        let sealed: Vec<(i64, String, i64, Option<i64>, String)> = self.query(
            &format!(
                "SELECT a.id, t.name, a.seal_seq, a.seal_version, a.chain_hash FROM attempts a \
                 JOIN trainees t ON t.id = a.trainee_id \
                 WHERE a.seal_seq IS NOT NULL AND a.chain_hash IS NOT NULL AND {} \
                 ORDER BY a.seal_seq",
                not_sent(Sent::Attempt, "a.id")
            ),
            [],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                ))
            },
        )?;
        let mut attempts = Vec::with_capacity(sealed.len());
        for (id, trainee, seal_seq, version, chain_hash) in sealed {
            let version = version.unwrap_or(1);
            let document =
                chain::content(&self.connection, id, version).map_err(|error| self.error(error))?;
            attempts.push(OutgoingAttempt {
                id,
                trainee,
                seal_seq,
                seal_version: version,
                chain_hash,
                document: String::from_utf8_lossy(&document).into_owned(),
            });
        }
        // A sitting's row: itself, its seal, and whether its start and verdict were sent.
        struct Run {
            sitting: OutgoingSitting,
            seal: Option<String>,
            closed_sent: bool,
        }
        let runs: Vec<Run> = self.query(
            &format!(
                "SELECT r.id, t.name, r.exam_id, r.exam_hash, r.started_at, r.seal, \
                 NOT {}, NOT {} FROM exam_runs r JOIN trainees t ON t.id = r.trainee_id \
                 ORDER BY r.id",
                not_sent(Sent::SittingOpened, "r.id"),
                not_sent(Sent::SittingClosed, "r.id")
            ),
            [],
            |row| {
                Ok(Run {
                    sitting: OutgoingSitting {
                        id: row.get(0)?,
                        trainee: row.get(1)?,
                        exam_id: row.get(2)?,
                        exam_hash: row.get(3)?,
                        started_at: row.get(4)?,
                        verdict: None,
                        opened_sent: row.get(6)?,
                    },
                    seal: row.get(5)?,
                    closed_sent: row.get(7)?,
                })
            },
        )?;
        let mut sittings = Vec::new();
        for run in runs {
            let mut sitting = run.sitting;
            if let Some(seal) = run.seal.filter(|_| !run.closed_sent) {
                let document = chain::run_document(&self.connection, sitting.id)
                    .map_err(|error| self.error(error))?;
                sitting.verdict = Some((seal, String::from_utf8_lossy(&document).into_owned()));
            }
            if !(sitting.opened_sent && sitting.verdict.is_none()) {
                sittings.push(sitting);
            }
        }
        let certificates = self.query(
            &format!(
                "SELECT c.exam_run_id, c.number, t.name, c.issued_at, c.valid_until, c.document \
                 FROM certificates c JOIN trainees t ON t.id = c.trainee_id \
                 WHERE {} ORDER BY c.id",
                not_sent(Sent::Certificate, "c.exam_run_id")
            ),
            [],
            |row| {
                Ok(OutgoingCertificate {
                    sitting: row.get(0)?,
                    number: row.get(1)?,
                    trainee: row.get(2)?,
                    issued_at: row.get(3)?,
                    valid_until: row.get(4)?,
                    document: row.get(5)?,
                })
            },
        )?;
        let checkpoints = self.query(
            &format!(
                "SELECT seq, made_at, reason, document, signature FROM checkpoints c \
                 WHERE {} ORDER BY seq",
                not_sent(Sent::Checkpoint, "c.seq")
            ),
            [],
            |row| {
                Ok(OutgoingCheckpoint {
                    seq: row.get(0)?,
                    made_at: row.get(1)?,
                    reason: row.get(2)?,
                    document: row.get(3)?,
                    signature: row.get(4)?,
                })
            },
        )?;
        Ok(Outbox {
            trainees,
            attempts,
            sittings,
            certificates,
            checkpoints,
        })
    }

    /// How many records wait to be sent (what [`Store::outbox`] would hold, counted without
    /// building the documents).
    pub fn unsent(&self) -> Result<usize, StoreError> {
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM trainees t WHERE {}) \
             + (SELECT COUNT(*) FROM attempts a WHERE a.seal_seq IS NOT NULL \
                AND a.chain_hash IS NOT NULL AND {}) \
             + (SELECT COUNT(*) FROM exam_runs r WHERE {}) \
             + (SELECT COUNT(*) FROM exam_runs r WHERE r.seal IS NOT NULL AND {}) \
             + (SELECT COUNT(*) FROM certificates c WHERE {}) \
             + (SELECT COUNT(*) FROM checkpoints c WHERE {})",
            not_sent(Sent::Trainee, "t.id"),
            not_sent(Sent::Attempt, "a.id"),
            not_sent(Sent::SittingOpened, "r.id"),
            not_sent(Sent::SittingClosed, "r.id"),
            not_sent(Sent::Certificate, "c.exam_run_id"),
            not_sent(Sent::Checkpoint, "c.seq"),
        );
        self.connection
            .query_row(&sql, [], |row| row.get::<_, i64>(0))
            .map(|count| usize::try_from(count).unwrap_or(0))
            .map_err(|error| self.error(error))
    }

    /// Notes that a record reached the team's server.
    pub fn mark_sent(&self, sent: Sent, id: i64) -> Result<(), StoreError> {
        self.connection
            .execute(
                "INSERT OR IGNORE INTO team_sent (kind, id, sent_at) VALUES (?1, ?2, ?3)",
                params![sent.kind(), id, now_ms()],
            )
            .map_err(|error| self.error(error))?;
        Ok(())
    }

    /// Forgets what was sent, so the next sync offers everything again (the server keeps what
    /// it has and takes the rest: after it was restored from an older backup).
    pub fn forget_sent(&self) -> Result<(), StoreError> {
        self.connection
            .execute("DELETE FROM team_sent", [])
            .map_err(|error| self.error(error))?;
        Ok(())
    }

    /// The examiner's public key, when one is set up.
    pub fn examiner_public_key(&self) -> Result<Option<[u8; 32]>, StoreError> {
        examiner::public_key_of(&self.connection).map_err(|error| self.error(error))
    }

    /// Installs the team's examiner from a key file with the secret, still locked: a desktop
    /// joins without knowing QA's passphrase, which is asked when a sitting starts. A database
    /// with the same examiner already is left as it is; one with another is refused.
    pub fn install_team_examiner(
        &self,
        key_file: &str,
    ) -> Result<Result<[u8; 32], ExaminerError>, StoreError> {
        examiner::install_locked(&self.connection, key_file).map_err(|error| self.error(error))
    }
}
