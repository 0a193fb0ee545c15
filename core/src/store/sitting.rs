//! An exam sitting from admission to its verdict and certificate: shared by `callcoach exam
//! start` and the app's exam screen, so both judge and certify the same way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Examiner, Store, StoreError, StoredCertificate, Trainee, now_ms};
use crate::certificate::{Certificate, year};
use crate::exam::{Exam, ExamResult, Sitting, admission};
use crate::scoring::{DEFAULT_RUBRIC, ScoreReport};

/// How a sitting ended.
#[derive(Clone, Debug)]
pub struct SittingOutcome {
    /// The verdict.
    pub result: ExamResult,
    /// The signed certificate, when passed.
    pub certificate: Option<Certificate>,
}

/// What was played in a sitting, to judge it.
#[derive(Clone, Debug, Default)]
pub struct PlayedCalls {
    /// The score of each call, in order.
    pub reports: Vec<ScoreReport>,
    /// Whether every call reached an ending (input did not run out midway).
    pub all_finished: bool,
    /// SHA-256 of each scenario file played, by scenario id.
    pub scenario_hashes: BTreeMap<String, String>,
}

impl Store {
    /// Whether `trainee` may start `exam` at `now`: `Ok(Err(reason))` says why not, in Russian
    /// (attempts used up, the wait after a failure).
    pub fn exam_admission(
        &self,
        trainee: &Trainee,
        exam: &Exam,
        now: i64,
    ) -> Result<Result<(), String>, StoreError> {
        let sittings: Vec<Sitting> = self
            .exam_runs(trainee, &exam.id)?
            .iter()
            .map(|run| Sitting {
                started_at: run.started_at,
                passed: run.passed,
            })
            .collect();
        Ok(admission(exam, &sittings, now))
    }

    /// Judges a sitting, seals its verdict and, when passed, signs and stores its certificate.
    pub fn close_sitting(
        &mut self,
        run: i64,
        trainee: &Trainee,
        exam: &Exam,
        played: &PlayedCalls,
        examiner: &Examiner,
    ) -> Result<SittingOutcome, StoreError> {
        let mut result = exam.judge(&played.reports);
        if !played.all_finished {
            result.passed = false;
            result
                .reasons
                .push("не все звонки доведены до конца".to_owned());
        }
        self.finish_exam_run(run, result.passed, result.total)?;
        if !result.passed {
            return Ok(SittingOutcome {
                result,
                certificate: None,
            });
        }
        let issued_at = now_ms();
        let certificate = Certificate {
            number: format!("CC-{}-{run:06}", year(issued_at)),
            trainee: trainee.name.clone(),
            exam_id: exam.id.clone(),
            exam_title: exam.title.clone(),
            issued_at,
            valid_until: Certificate::valid_until(issued_at, exam.certificate_valid_days),
            total: result.total,
            categories: result
                .categories
                .iter()
                .map(|(category, score)| (category.id().to_owned(), *score))
                .collect(),
            scenarios: played.scenario_hashes.clone(),
            rubric_hash: super::content_hash(DEFAULT_RUBRIC),
            public_key: String::new(),
            signature: String::new(),
        }
        .sign(examiner);
        self.add_certificate(
            run,
            trainee,
            &StoredCertificate {
                number: certificate.number.clone(),
                issued_at,
                valid_until: certificate.valid_until,
                document: certificate.to_json(),
            },
        )?;
        Ok(SittingOutcome {
            result,
            certificate: Some(certificate),
        })
    }
}

impl Certificate {
    /// Writes the signed JSON and the printable HTML into `folder` (created if missing); returns
    /// both paths. The error says which file could not be written, in Russian.
    pub fn write_files(&self, folder: &Path) -> Result<(PathBuf, PathBuf), String> {
        std::fs::create_dir_all(folder)
            .map_err(|error| format!("не удалось создать папку {}: {error}", folder.display()))?;
        let json = folder.join(format!("{}.json", self.number));
        let html = folder.join(format!("{}.html", self.number));
        for (path, content) in [(&json, self.to_json() + "\n"), (&html, self.to_html())] {
            std::fs::write(path, content)
                .map_err(|error| format!("не удалось записать {}: {error}", path.display()))?;
        }
        Ok((json, html))
    }
}
