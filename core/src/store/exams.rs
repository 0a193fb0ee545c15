//! The examiner and exam sittings in the store: the passphrase and signing key, each sitting
//! from its start to its sealed verdict, and the certificates issued.

use rusqlite::params;

use super::{Examiner, ExaminerError, Store, StoreError, Trainee, chain, examiner, now_ms};

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

impl Store {
    /// Whether the examiner has set a passphrase.
    pub fn examiner_is_set(&self) -> Result<bool, StoreError> {
        examiner::is_set(&self.connection).map_err(|error| self.error(error))
    }

    /// Sets the examiner's passphrase (first use only) and creates the signing key.
    pub fn set_up_examiner(
        &self,
        passphrase: &str,
    ) -> Result<Result<Examiner, ExaminerError>, StoreError> {
        examiner::set_up(&self.connection, passphrase).map_err(|error| self.error(error))
    }

    /// Unlocks the examiner with the passphrase.
    pub fn unlock_examiner(
        &self,
        passphrase: &str,
    ) -> Result<Result<Examiner, ExaminerError>, StoreError> {
        examiner::unlock(&self.connection, passphrase).map_err(|error| self.error(error))
    }

    /// The examiner's public key, once set up.
    pub fn examiner_public_key(&self) -> Result<Option<Vec<u8>>, StoreError> {
        examiner::public_key(&self.connection).map_err(|error| self.error(error))
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

    /// A trainee's certificates, oldest first.
    pub fn certificates(&self, trainee: &Trainee) -> Result<Vec<StoredCertificate>, StoreError> {
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
