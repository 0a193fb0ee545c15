//! One sitting of an exam, from the draw to the verdict and the certificate: which scenario and
//! seed come next, the versions it pins, judging the calls and drafting the certificate. `exam
//! start` and the app's exam screen both play a sitting through this type, so they draw, seed,
//! judge and certify the same way.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Exam, ExamResult};
use crate::attempt::{AttemptPlan, FinishedCall};
use crate::certificate::{Certificate, year};
use crate::scenario::Scenario;
use crate::session::Mode;

/// Why a sitting cannot begin.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SittingError {
    /// A scenario the exam names is not in the library (its file is missing or broken).
    #[error(
        "для экзамена «{exam}» не хватает сценариев: {missing}. Запустите callcoach check и исправьте их файлы."
    )]
    MissingScenarios {
        /// Exam id.
        exam: String,
        /// What is missing.
        missing: String,
    },
}

/// A sitting in progress.
#[derive(Clone, Debug)]
pub struct ExamSitting {
    exam: Arc<Exam>,
    trainee: String,
    seed: u64,
    scenarios: Vec<Arc<Scenario>>,
    calls: Vec<FinishedCall>,
}

impl ExamSitting {
    /// Draws the sitting's scenarios from `library` with `seed` (drawn when `None`).
    pub fn begin(
        exam: Arc<Exam>,
        library: &[Arc<Scenario>],
        trainee: &str,
        seed: Option<u64>,
    ) -> Result<ExamSitting, SittingError> {
        let seed = seed.unwrap_or_else(crate::attempt::draw_seed);
        let scenarios: Vec<Arc<Scenario>> = exam.pick(library, seed).into_iter().cloned().collect();
        if let super::ExamScenarios::Fixed(ids) = &exam.scenarios {
            let missing: Vec<&str> = ids
                .iter()
                .filter(|id| !scenarios.iter().any(|scenario| &&scenario.id == id))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                return Err(SittingError::MissingScenarios {
                    exam: exam.id.clone(),
                    missing: missing.join(", "),
                });
            }
        }
        if scenarios.is_empty() {
            return Err(SittingError::MissingScenarios {
                exam: exam.id.clone(),
                missing: "ни одного подходящего".to_owned(),
            });
        }
        Ok(ExamSitting {
            exam,
            trainee: trainee.trim().to_owned(),
            seed,
            scenarios,
            calls: Vec::new(),
        })
    }

    /// The exam.
    pub fn exam(&self) -> &Exam {
        &self.exam
    }

    /// Who sits it.
    pub fn trainee(&self) -> &str {
        &self.trainee
    }

    /// The seed of the draw; each call's seed follows from it.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The scenarios, in the order they are played.
    pub fn scenarios(&self) -> &[Arc<Scenario>] {
        &self.scenarios
    }

    /// The calls played so far.
    pub fn calls(&self) -> &[FinishedCall] {
        &self.calls
    }

    /// The scenario of the next call, while calls remain.
    pub fn next_scenario(&self) -> Option<&Arc<Scenario>> {
        self.scenarios.get(self.calls.len())
    }

    /// Every call has been played: the sitting can be closed.
    pub fn is_complete(&self) -> bool {
        self.next_scenario().is_none()
    }

    /// The next call: its scenario, in exam mode, seeded from the sitting (the sitting's seed
    /// plus the call's index), recorded for the trainee as a call of this sitting.
    pub fn next_call(&self) -> Option<AttemptPlan> {
        let scenario = self.next_scenario()?;
        Some(AttemptPlan {
            scenario: Arc::clone(scenario),
            mode: Mode::Exam,
            seed: Some(self.seed.wrapping_add(self.calls.len() as u64)),
            trainee: Some(self.trainee.clone()),
            in_sitting: true,
        })
    }

    /// A call of the sitting is over.
    pub fn call_ended(&mut self, call: FinishedCall) {
        self.calls.push(call);
    }

    /// SHA-256 of each scenario played, by id: what the certificate pins.
    pub fn scenario_hashes(&self) -> BTreeMap<String, String> {
        self.calls
            .iter()
            .map(|call| (call.scenario_id.clone(), call.scenario_hash.clone()))
            .collect()
    }

    /// The verdict: the exam's pass rules over the calls played; a call left before its ending,
    /// or a call never played, fails the sitting.
    pub fn judge(&self) -> ExamResult {
        let reports: Vec<_> = self.calls.iter().map(|call| call.report.clone()).collect();
        let mut result = self.exam.judge(&reports);
        if !self.is_complete() || !self.calls.iter().all(FinishedCall::finished) {
            result.passed = false;
            result
                .reasons
                .push("не все звонки доведены до конца".to_owned());
        }
        result
    }

    /// The certificate a passed sitting earns, unsigned: numbered by the issuing database's id
    /// (`issuer`) and the sitting's record (`sequence`), so numbers from two databases never
    /// collide; issued at `issued_at`, pinning the exam's, the scenarios' and the rubric's
    /// versions.
    pub fn certificate(
        &self,
        result: &ExamResult,
        issuer: &str,
        sequence: i64,
        issued_at: i64,
    ) -> Certificate {
        Certificate {
            number: format!("CC-{}-{issuer}-{sequence:06}", year(issued_at)),
            trainee: self.trainee.clone(),
            exam_id: self.exam.id.clone(),
            exam_title: self.exam.title.clone(),
            issued_at,
            valid_until: Certificate::valid_until(issued_at, self.exam.certificate_valid_days),
            total: result.total,
            categories: result
                .categories
                .iter()
                .map(|(category, score)| (category.id().to_owned(), *score))
                .collect(),
            scenarios: self.scenario_hashes(),
            rubric_hash: self
                .calls
                .first()
                .map(|call| call.rubric_hash.clone())
                .unwrap_or_default(),
            exam_hash: self.exam.source_hash.clone(),
            public_key: String::new(),
            signature: String::new(),
        }
    }
}
