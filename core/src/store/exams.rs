//! The examiner and exam sittings in the store: the passphrase and signing key, each sitting
//! from its start to its sealed verdict, and the certificates issued.

use rusqlite::params;

use super::checkpoint::{self, CheckpointInfo, CheckpointReason};
use super::{Examiner, ExaminerError, Store, StoreError, Trainee, chain, examiner, now_ms};
use crate::certificate::Certificate;

/// One sitting of an exam.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExamRun {
    /// Row id.
    pub id: i64,
    /// Exam id.
    pub exam_id: String,
    /// Start, milliseconds since the Unix epoch.
    pub started_at: i64,
    /// Whether it passed; `None` while running or if interrupted.
    pub passed: Option<bool>,
}

/// A certificate as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCertificate {
    /// Its number.
    pub number: String,
    /// Milliseconds since the Unix epoch.
    pub issued_at: i64,
    /// Milliseconds since the Unix epoch.
    pub valid_until: i64,
    /// The signed JSON document.
    pub document: String,
}

impl StoredCertificate {
    /// Whether the row is a genuine certificate of `trainee`: the document's signature holds,
    /// by one of the `trusted` keys, and the row says what the signed document says.
    pub fn is_genuine(&self, trainee: &str, trusted: &[[u8; 32]]) -> bool {
        Certificate::from_json(&self.document).is_ok_and(|certificate| {
            let check = certificate.verify(self.issued_at, trusted);
            check.signature_holds
                && check.trusted
                && certificate.trainee == trainee
                && certificate.number == self.number
                && certificate.issued_at == self.issued_at
                && certificate.valid_until == self.valid_until
        })
    }
}

impl Store {
    /// Whether the examiner has set a passphrase.
    pub fn examiner_is_set(&self) -> Result<bool, StoreError> {
        examiner::is_set(&self.connection).map_err(|error| self.error(error))
    }

    /// Sets up the examiner (`examiner init`): the passphrase, which must be strong enough, and
    /// a new signing key; refused when one is set up already.
    pub fn set_up_examiner(
        &self,
        passphrase: &str,
    ) -> Result<Result<Examiner, ExaminerError>, StoreError> {
        examiner::set_up(&self.connection, passphrase).map_err(|error| self.error(error))
    }

    /// Unlocks the examiner with the passphrase; after three wrong ones in a row each try waits
    /// (`ExaminerError::Wait`), longer each time, across restarts.
    pub fn unlock_examiner(
        &self,
        passphrase: &str,
    ) -> Result<Result<Examiner, ExaminerError>, StoreError> {
        self.unlock_examiner_at(passphrase, now_ms())
    }

    /// [`Store::unlock_examiner`] at `now` (ms since the epoch).
    pub fn unlock_examiner_at(
        &self,
        passphrase: &str,
        now: i64,
    ) -> Result<Result<Examiner, ExaminerError>, StoreError> {
        examiner::unlock(&self.connection, passphrase, now).map_err(|error| self.error(error))
    }

    /// The examiner's key file: the public key, and with `with_secret` the private key still
    /// encrypted under the passphrase (to install the same examiner on another desktop).
    pub fn export_examiner(
        &self,
        examiner: &Examiner,
        with_secret: bool,
    ) -> Result<String, StoreError> {
        examiner::export(&self.connection, examiner, with_secret).map_err(|error| self.error(error))
    }

    /// Installs an examiner exported `--with-secret` into this database, which must have none;
    /// the passphrase proves it is theirs.
    pub fn import_examiner(
        &self,
        key_file: &str,
        passphrase: &str,
    ) -> Result<Result<Examiner, ExaminerError>, StoreError> {
        examiner::import(&self.connection, key_file, passphrase).map_err(|error| self.error(error))
    }

    /// Trusts another examiner's public key (certificates and checkpoints they sign); the
    /// trust is signed by this database's examiner.
    pub fn trust_key(
        &self,
        examiner: &Examiner,
        key: &[u8; 32],
        name: &str,
    ) -> Result<(), StoreError> {
        examiner::trust(&self.connection, examiner, key, name, now_ms())
            .map_err(|error| self.error(error))
    }

    /// The keys this database's examiner trusts: their own and those they signed in.
    pub fn trusted_keys(&self) -> Result<Vec<[u8; 32]>, StoreError> {
        examiner::trusted_keys(&self.connection).map_err(|error| self.error(error))
    }

    /// Signs a checkpoint of the whole record (`db anchor`, and whenever a sitting opens or
    /// closes).
    pub fn checkpoint(
        &mut self,
        examiner: &Examiner,
        reason: CheckpointReason,
    ) -> Result<CheckpointInfo, StoreError> {
        self.immediate(|transaction| checkpoint::make(transaction, examiner, reason, now_ms()))
    }

    /// This database's issuer id, which keeps its certificate numbers apart from another's.
    pub fn issuer_id(&self) -> Result<String, StoreError> {
        self.connection
            .query_row(
                "SELECT value FROM settings WHERE key = 'issuer_id'",
                [],
                |row| row.get::<_, Vec<u8>>(0),
            )
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .map_err(|error| self.error(error))
    }

    /// A trainee's sittings of an exam, oldest first.
    pub fn exam_runs(&self, trainee: &Trainee, exam_id: &str) -> Result<Vec<ExamRun>, StoreError> {
        self.query(
            "SELECT id, exam_id, started_at, passed FROM exam_runs \
                 WHERE trainee_id = ?1 AND exam_id = ?2 ORDER BY started_at, id",
            params![trainee.id, exam_id],
            |row| {
                Ok(ExamRun {
                    id: row.get(0)?,
                    exam_id: row.get(1)?,
                    started_at: row.get(2)?,
                    passed: row.get(3)?,
                })
            },
        )
    }

    /// Starts a sitting; returns its id.
    pub fn start_exam_run(
        &self,
        trainee: &Trainee,
        exam_id: &str,
        exam_hash: &str,
        seed: u64,
    ) -> Result<i64, StoreError> {
        self.connection
            .execute(
                "INSERT INTO exam_runs (exam_id, exam_hash, trainee_id, seed, started_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    exam_id,
                    exam_hash,
                    trainee.id,
                    i64::from_ne_bytes(seed.to_ne_bytes()),
                    now_ms()
                ],
            )
            .map_err(|error| self.error(error))?;
        Ok(self.connection.last_insert_rowid())
    }

    /// Ends a sitting with its verdict and seals it.
    pub fn finish_exam_run(
        &mut self,
        run: i64,
        passed: bool,
        total: u32,
    ) -> Result<(), StoreError> {
        self.immediate(|transaction| {
            let updated = transaction.execute(
                "UPDATE exam_runs SET ended_at = ?1, passed = ?2, total = ?3 \
                 WHERE id = ?4 AND ended_at IS NULL",
                params![now_ms(), passed, total, run],
            )?;
            if updated == 1 {
                chain::seal_run(transaction, run)?;
            }
            Ok(())
        })
    }

    /// Stores an issued certificate.
    pub fn add_certificate(
        &self,
        run: i64,
        trainee: &Trainee,
        certificate: &StoredCertificate,
    ) -> Result<(), StoreError> {
        self.connection
            .execute(
                "INSERT INTO certificates (number, exam_run_id, trainee_id, issued_at, \
                 valid_until, document) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    certificate.number,
                    run,
                    trainee.id,
                    certificate.issued_at,
                    certificate.valid_until,
                    certificate.document
                ],
            )
            .map_err(|error| self.error(error))?;
        Ok(())
    }

    /// A trainee's certificates that are genuine — the document's signature holds, by a key this
    /// database's examiner trusts, and it names this trainee — oldest first. A row a trainee
    /// added to the file with a certificate they signed themselves is not one.
    pub fn certificates(&self, trainee: &Trainee) -> Result<Vec<StoredCertificate>, StoreError> {
        self.genuine_certificates(trainee, &self.trusted_keys()?)
    }

    /// [`Store::certificates`] checked against keys already read (the group report reads them
    /// once for every trainee).
    pub(super) fn genuine_certificates(
        &self,
        trainee: &Trainee,
        trusted: &[[u8; 32]],
    ) -> Result<Vec<StoredCertificate>, StoreError> {
        Ok(self
            .stored_certificates(trainee)?
            .into_iter()
            .filter(|stored| stored.is_genuine(&trainee.name, trusted))
            .collect())
    }

    /// Every certificate row of a trainee, as stored.
    fn stored_certificates(&self, trainee: &Trainee) -> Result<Vec<StoredCertificate>, StoreError> {
        self.query(
            "SELECT number, issued_at, valid_until, document FROM certificates \
                 WHERE trainee_id = ?1 ORDER BY issued_at, id",
            params![trainee.id],
            |row| {
                Ok(StoredCertificate {
                    number: row.get(0)?,
                    issued_at: row.get(1)?,
                    valid_until: row.get(2)?,
                    document: row.get(3)?,
                })
            },
        )
    }
}
