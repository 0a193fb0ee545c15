//! Progress reports for a trainee and for the whole group, built from the store: the data, and
//! its JSON for the LMS. How they look (text, CSV, HTML with a chart) is the front end's.

use serde::Serialize;

use crate::scoring::Category;
use crate::store::{AttemptRow, CertificateRow, ExamRow, GroupRow, Store, StoreError, Trainee};
use crate::text::fold;

/// How many rules the "most often broken" lists show.
pub const TOP_RULES: usize = 10;
/// How many scored attempts at each end of the history the trend compares.
const TREND_WINDOW: usize = 5;

/// How a category moved: the average of the first and of the last scored attempts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trend {
    /// Category id.
    pub category: String,
    /// Average of the first attempts.
    pub first: f64,
    /// Average of the latest attempts.
    pub last: f64,
}

/// One trainee's progress.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraineeReport {
    /// Name.
    pub trainee: String,
    /// Every attempt, oldest first.
    pub attempts: Vec<AttemptRow>,
    /// Per category, in debrief order.
    pub trend: Vec<Trend>,
    /// Rules broken most often, with counts.
    pub broken_rules: Vec<(String, u32)>,
    /// Exam sittings.
    pub exams: Vec<ExamRow>,
    /// Certificates.
    pub certificates: Vec<CertificateRow>,
    /// When the report was made, ms since the epoch (decides certificate validity).
    pub made_at: i64,
}

/// The group's progress.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupReport {
    /// One line per trainee, by cohort (those without one last), then by name.
    pub trainees: Vec<GroupRow>,
    /// Rules broken most often across the group.
    pub broken_rules: Vec<(String, u32)>,
    /// When the report was made, ms since the epoch.
    pub made_at: i64,
    /// The team, when the report is over a team's server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// The team's desktops and when each last synced (empty for one desktop's report).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub desktops: Vec<DesktopRow>,
}

/// A desktop of the team, as the team report lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DesktopRow {
    /// Its id (its database's issuer id).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The last sync, ms since the epoch; `None` if it never synced.
    pub last_sync: Option<i64>,
}

impl TraineeReport {
    /// Builds the report from the store.
    pub fn build(store: &Store, trainee: &Trainee, now: i64) -> Result<TraineeReport, StoreError> {
        Ok(TraineeReport::assemble(
            trainee.name.clone(),
            store.attempt_rows(trainee)?,
            store.broken_rules(Some(trainee), TOP_RULES)?,
            store.exam_rows(trainee)?,
            store.certificate_rows(trainee)?,
            now,
        ))
    }

    /// The report of rows read elsewhere (the team's server): the trend is computed here.
    pub fn assemble(
        trainee: String,
        attempts: Vec<AttemptRow>,
        broken_rules: Vec<(String, u32)>,
        exams: Vec<ExamRow>,
        certificates: Vec<CertificateRow>,
        now: i64,
    ) -> TraineeReport {
        let mut trend = Vec::new();
        for category in Category::ALL {
            let scores: Vec<f64> = attempts
                .iter()
                .filter_map(|attempt| attempt.categories.get(category.id()))
                .map(|&score| f64::from(score))
                .collect();
            if scores.is_empty() {
                continue;
            }
            // At most half the history at each end, so a short history still shows a change.
            let window = TREND_WINDOW.min((scores.len() / 2).max(1));
            let average = |part: &[f64]| part.iter().sum::<f64>() / part.len() as f64;
            trend.push(Trend {
                category: category.id().to_owned(),
                first: average(&scores[..window]),
                last: average(&scores[scores.len() - window..]),
            });
        }
        TraineeReport {
            trainee,
            attempts,
            trend,
            broken_rules,
            exams,
            certificates,
            made_at: now,
        }
    }

    /// JSON for other tools (the LMS).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl GroupReport {
    /// Builds the group report.
    pub fn build(store: &Store, now: i64) -> Result<GroupReport, StoreError> {
        Ok(GroupReport {
            trainees: store.group_rows(now)?,
            broken_rules: store.broken_rules(None, TOP_RULES)?,
            made_at: now,
            team: None,
            desktops: Vec::new(),
        })
    }

    /// JSON for other tools.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// The replies customers did not understand, step by step: where trainers widen intents.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MisunderstoodReport {
    /// The scenario asked for; `None` for all.
    pub scenario: Option<String>,
    /// Steps with misunderstood replies, the most misunderstood first.
    pub steps: Vec<MisunderstoodStep>,
}

/// One step's misunderstood replies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MisunderstoodStep {
    /// Scenario id.
    pub scenario: String,
    /// Step id.
    pub step: String,
    /// How many replies it did not understand.
    pub total: u32,
    /// Each distinct reply (as first said) with how often, most frequent first.
    pub replies: Vec<(String, u32)>,
}

impl MisunderstoodReport {
    /// Builds the report from the store; `scenario` narrows it to one scenario.
    pub fn build(store: &Store, scenario: Option<&str>) -> Result<Self, StoreError> {
        // Each step with the folded words of its distinct replies: the same reply typed with
        // other capitals or punctuation counts once.
        let mut steps: Vec<(MisunderstoodStep, Vec<String>)> = Vec::new();
        for row in store.misunderstood_replies(scenario)? {
            let at = match steps
                .iter()
                .position(|(step, _)| step.scenario == row.scenario_id && step.step == row.step)
            {
                Some(at) => at,
                None => {
                    let step = MisunderstoodStep {
                        scenario: row.scenario_id.clone(),
                        step: row.step.clone(),
                        total: 0,
                        replies: Vec::new(),
                    };
                    steps.push((step, Vec::new()));
                    steps.len() - 1
                }
            };
            let key = crate::text::words(&row.reply)
                .into_iter()
                .map(|word| word.folded)
                .collect::<Vec<_>>()
                .join(" ");
            let (step, keys) = &mut steps[at];
            step.total += 1;
            match keys.iter().position(|known| known == &key) {
                Some(reply) => step.replies[reply].1 += 1,
                None => {
                    keys.push(key);
                    step.replies.push((row.reply.trim().to_owned(), 1));
                }
            }
        }
        let mut steps: Vec<MisunderstoodStep> = steps.into_iter().map(|(step, _)| step).collect();
        for step in &mut steps {
            step.replies
                .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| fold(&a.0).cmp(&fold(&b.0))));
        }
        steps.sort_by(|a, b| {
            b.total
                .cmp(&a.total)
                .then_with(|| (&a.scenario, &a.step).cmp(&(&b.scenario, &b.step)))
        });
        Ok(MisunderstoodReport {
            scenario: scenario.map(str::to_owned),
            steps,
        })
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
