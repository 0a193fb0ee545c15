//! The queries behind progress reports; rendering lives in `crate::report`.

use std::collections::BTreeMap;

use rusqlite::params;

use super::{Store, StoreError, Trainee};

/// One attempt as a report row.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AttemptRow {
    /// Row id (on its desktop).
    pub id: i64,
    /// The desktop it was made on, in a team's report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desktop: Option<String>,
    /// Start, ms since the epoch.
    pub started_at: i64,
    /// Scenario id.
    pub scenario_id: String,
    /// `practice` or `exam`.
    pub mode: String,
    /// `finished`, `abandoned`, `interrupted` or `in_progress`.
    pub status: String,
    /// Total, when scored.
    pub total: Option<u32>,
    /// Whether it passed, when scored.
    pub passed: Option<bool>,
    /// Score per category id.
    pub categories: BTreeMap<String, u32>,
}

/// An exam sitting as a report row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExamRow {
    /// Exam id.
    pub exam_id: String,
    /// Start, ms since the epoch.
    pub started_at: i64,
    /// Verdict; `None` if never finished.
    pub passed: Option<bool>,
    /// Average total.
    pub total: Option<u32>,
}

/// A certificate as a report row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CertificateRow {
    /// Number.
    pub number: String,
    /// Issued, ms since the epoch.
    pub issued_at: i64,
    /// Valid until, ms since the epoch.
    pub valid_until: i64,
}

/// A trainee's line in the group report.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct GroupRow {
    /// Name.
    pub trainee: String,
    /// The hiring group, when set.
    pub cohort: Option<String>,
    /// Attempts of any status.
    pub attempts: u32,
    /// Scored attempts.
    pub scored: u32,
    /// Average total of scored attempts.
    pub average_total: Option<f64>,
    /// Share of scored attempts that passed, 0..1.
    pub passed_share: Option<f64>,
    /// The latest total.
    pub last_total: Option<u32>,
    /// Exam sittings passed.
    pub exams_passed: u32,
    /// Certificates still valid now.
    pub valid_certificates: u32,
}

/// A reply the customer did not understand, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MisunderstoodRow {
    /// Scenario id.
    pub scenario_id: String,
    /// The step the customer was at.
    pub step: String,
    /// The agent's reply.
    pub reply: String,
}

impl Store {
    /// Every recorded reply the customer did not understand, of one scenario or of all, in
    /// recording order. Nothing names the trainee: trainers widen intents from the words alone.
    pub fn misunderstood_replies(
        &self,
        scenario: Option<&str>,
    ) -> Result<Vec<MisunderstoodRow>, StoreError> {
        self.query(
            "SELECT a.scenario_id, c.step, r.text FROM turns c \
                 JOIN turns r ON r.attempt_id = c.attempt_id AND r.idx = c.idx - 1 \
                 JOIN attempts a ON a.id = c.attempt_id \
                 WHERE c.speaker = 'customer' AND c.understood = 0 AND c.step IS NOT NULL \
                 AND r.speaker = 'agent' AND r.text IS NOT NULL \
                 AND (?1 IS NULL OR a.scenario_id = ?1) \
                 ORDER BY c.attempt_id, c.idx",
            params![scenario],
            |row| {
                Ok(MisunderstoodRow {
                    scenario_id: row.get(0)?,
                    step: row.get(1)?,
                    reply: row.get(2)?,
                })
            },
        )
    }

    /// A trainee's attempts with category scores, oldest first.
    pub fn attempt_rows(&self, trainee: &Trainee) -> Result<Vec<AttemptRow>, StoreError> {
        let mut rows: Vec<AttemptRow> = self.query(
            "SELECT id, started_at, scenario_id, mode, status, total, passed FROM attempts \
                 WHERE trainee_id = ?1 ORDER BY started_at, id",
            params![trainee.id],
            |row| {
                Ok(AttemptRow {
                    id: row.get(0)?,
                    desktop: None,
                    started_at: row.get(1)?,
                    scenario_id: row.get(2)?,
                    mode: row.get(3)?,
                    status: row.get(4)?,
                    total: row.get(5)?,
                    passed: row.get(6)?,
                    categories: BTreeMap::new(),
                })
            },
        )?;
        let index: std::collections::HashMap<i64, usize> = rows
            .iter()
            .enumerate()
            .map(|(position, row)| (row.id, position))
            .collect();
        let scores: Vec<(i64, String, u32)> = self.query(
            "SELECT c.attempt_id, c.category, c.score FROM category_scores c \
             JOIN attempts a ON a.id = c.attempt_id WHERE a.trainee_id = ?1",
            params![trainee.id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        for (attempt, category, value) in scores {
            if let Some(&position) = index.get(&attempt) {
                rows[position].categories.insert(category, value);
            }
        }
        Ok(rows)
    }

    /// A trainee's best total per scenario.
    pub fn best_totals(&self, trainee: &Trainee) -> Result<BTreeMap<String, u32>, StoreError> {
        Ok(self
            .query(
                "SELECT scenario_id, MAX(total) FROM attempts \
                 WHERE trainee_id = ?1 AND total IS NOT NULL GROUP BY scenario_id",
                params![trainee.id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?
            .into_iter()
            .collect())
    }

    /// The rules broken most often (error and warning findings), most frequent first.
    /// `None` counts every trainee.
    pub fn broken_rules(
        &self,
        trainee: Option<&Trainee>,
        limit: usize,
    ) -> Result<Vec<(String, u32)>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let map = |row: &rusqlite::Row<'_>| Ok((row.get(0)?, row.get(1)?));
        match trainee {
            Some(trainee) => self.query(
                "SELECT f.rule, COUNT(*) AS n FROM findings f \
                     JOIN attempts a ON a.id = f.attempt_id WHERE a.trainee_id = ?1 \
                     GROUP BY f.rule ORDER BY n DESC, f.rule LIMIT ?2",
                params![trainee.id, limit],
                map,
            ),
            None => self.query(
                "SELECT rule, COUNT(*) AS n FROM findings GROUP BY rule \
                     ORDER BY n DESC, rule LIMIT ?1",
                params![limit],
                map,
            ),
        }
    }

    /// A trainee's exam sittings, oldest first.
    pub fn exam_rows(&self, trainee: &Trainee) -> Result<Vec<ExamRow>, StoreError> {
        self.query(
            "SELECT exam_id, started_at, passed, total FROM exam_runs WHERE trainee_id = ?1 \
                 ORDER BY started_at, id",
            params![trainee.id],
            |row| {
                Ok(ExamRow {
                    exam_id: row.get(0)?,
                    started_at: row.get(1)?,
                    passed: row.get(2)?,
                    total: row.get(3)?,
                })
            },
        )
    }

    /// A trainee's certificates as report rows.
    pub fn certificate_rows(&self, trainee: &Trainee) -> Result<Vec<CertificateRow>, StoreError> {
        Ok(self
            .certificates(trainee)?
            .into_iter()
            .map(|certificate| CertificateRow {
                number: certificate.number,
                issued_at: certificate.issued_at,
                valid_until: certificate.valid_until,
            })
            .collect())
    }

    /// One line per trainee, for the group report; `now` decides which certificates are valid.
    pub fn group_rows(&self, now: i64) -> Result<Vec<GroupRow>, StoreError> {
        let trusted = self.trusted_keys()?;
        self.query("SELECT t.name, COALESCE(s.attempts, 0), COALESCE(s.scored, 0), s.average, \
                   s.passed_share, \
                   (SELECT total FROM attempts a WHERE a.trainee_id = t.id AND total IS NOT NULL \
                      ORDER BY started_at DESC, id DESC LIMIT 1), \
                   (SELECT COUNT(*) FROM exam_runs e WHERE e.trainee_id = t.id AND e.passed = 1), \
                   t.id, t.cohort \
                 FROM trainees t LEFT JOIN ( \
                   SELECT trainee_id, COUNT(*) AS attempts, COUNT(total) AS scored, \
                     AVG(total) AS average, AVG(CASE WHEN total IS NOT NULL THEN passed END) AS passed_share \
                   FROM attempts GROUP BY trainee_id) s ON s.trainee_id = t.id \
                 ORDER BY t.cohort IS NULL, t.cohort, t.name", [], |row| {
                Ok((row.get::<_, i64>(7)?, GroupRow {
                    trainee: row.get(0)?,
                    cohort: row.get(8)?,
                    attempts: row.get(1)?,
                    scored: row.get(2)?,
                    average_total: row.get(3)?,
                    passed_share: row.get(4)?,
                    last_total: row.get(5)?,
                    exams_passed: row.get(6)?,
                    valid_certificates: 0,
                }))
            })?
            .into_iter()
            .map(|(id, mut row)| {
                // Only genuine certificates count (see `Store::certificates`).
                let trainee = Trainee {
                    id,
                    name: row.trainee.clone(),
                };
                row.valid_certificates = u32::try_from(
                    self.genuine_certificates(&trainee, &trusted)?
                        .iter()
                        .filter(|certificate| certificate.valid_until >= now)
                        .count(),
                )
                .unwrap_or(u32::MAX);
                Ok(row)
            })
            .collect()
    }
}
