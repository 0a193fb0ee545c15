//! Progress reports over the team's server: a trainee's report with the calls of every desktop,
//! and the team report by cohort with each desktop's last sync. The same data as the local
//! reports (`callcoach_core::report`), read with queries that stay fast at a million attempts:
//! the team report reads the running totals (`trainee_stats`, `rule_counts`), a trainee's report
//! their own rows by index.

use std::collections::{BTreeMap, HashMap};

use callcoach_core::report::{DesktopRow, GroupReport, TOP_RULES, TraineeReport};
use callcoach_core::store::{AttemptRow, CertificateRow, ExamRow, GroupRow, StoredCertificate};
use postgres::Client;

use crate::TeamError;

fn count(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn total(value: Option<i32>) -> Option<u32> {
    value.and_then(|value| u32::try_from(value).ok())
}

/// The team report at `now`; certificates count only when genuine by one of `trusted` keys.
pub fn group_report(
    client: &mut Client,
    server: &str,
    team: &str,
    trusted: &[[u8; 32]],
    now: i64,
) -> Result<GroupReport, TeamError> {
    let failed = |error: postgres::Error| TeamError::from_postgres(server, &error);
    let rows = client
        .query(
            "SELECT t.id, t.name, t.cohort, coalesce(s.attempts, 0), coalesce(s.scored, 0), \
             coalesce(s.total_sum, 0), coalesce(s.passed, 0), s.last_total, \
             coalesce(s.exams_passed, 0) \
             FROM callcoach.trainees t LEFT JOIN callcoach.trainee_stats s ON s.trainee_id = t.id \
             ORDER BY t.cohort IS NULL, t.cohort, t.name",
            &[],
        )
        .map_err(failed)?;
    let mut certificates: HashMap<i64, u32> = HashMap::new();
    for row in client
        .query(
            "SELECT c.trainee_id, t.name, c.number, c.issued_at, c.valid_until, c.document \
             FROM callcoach.certificates c JOIN callcoach.trainees t ON t.id = c.trainee_id \
             WHERE c.valid_until >= $1",
            &[&now],
        )
        .map_err(failed)?
    {
        let stored = StoredCertificate {
            number: row.get(2),
            issued_at: row.get(3),
            valid_until: row.get(4),
            document: row.get(5),
        };
        if stored.is_genuine(row.get(1), trusted) {
            *certificates.entry(row.get(0)).or_default() += 1;
        }
    }
    let trainees = rows
        .iter()
        .map(|row| {
            let scored: i64 = row.get(4);
            let share = |value: i64| (scored > 0).then(|| value as f64 / scored as f64);
            GroupRow {
                trainee: row.get(1),
                cohort: row.get(2),
                attempts: count(row.get(3)),
                scored: count(scored),
                average_total: share(row.get(5)),
                passed_share: share(row.get(6)),
                last_total: total(row.get(7)),
                exams_passed: count(row.get(8)),
                valid_certificates: certificates
                    .get(&row.get::<_, i64>(0))
                    .copied()
                    .unwrap_or(0),
            }
        })
        .collect();
    let limit = i64::try_from(TOP_RULES).unwrap_or(i64::MAX);
    let broken_rules = client
        .query(
            "SELECT rule, n FROM callcoach.rule_counts ORDER BY n DESC, rule LIMIT $1",
            &[&limit],
        )
        .map_err(failed)?
        .iter()
        .map(|row| (row.get(0), count(row.get(1))))
        .collect();
    let desktops = client
        .query(
            "SELECT d.id, d.name, \
             (SELECT max(s.at) FROM callcoach.syncs s WHERE s.desktop = d.id) \
             FROM callcoach.desktops d ORDER BY d.name, d.id",
            &[],
        )
        .map_err(failed)?
        .iter()
        .map(|row| DesktopRow {
            id: row.get(0),
            name: row.get(1),
            last_sync: row.get(2),
        })
        .collect();
    Ok(GroupReport {
        trainees,
        broken_rules,
        made_at: now,
        team: Some(team.to_owned()),
        desktops,
    })
}

/// A trainee's report over every desktop of the team; `None` when the team has no such
/// trainee.
pub fn trainee_report(
    client: &mut Client,
    server: &str,
    name: &str,
    trusted: &[[u8; 32]],
    now: i64,
) -> Result<Option<TraineeReport>, TeamError> {
    let failed = |error: postgres::Error| TeamError::from_postgres(server, &error);
    let Some(trainee) = client
        .query_opt(
            "SELECT id FROM callcoach.trainees WHERE name = $1",
            &[&name.trim()],
        )
        .map_err(failed)?
        .map(|row| row.get::<_, i64>(0))
    else {
        return Ok(None);
    };
    let mut attempts: Vec<AttemptRow> = client
        .query(
            "SELECT desktop, local_id, started_at, scenario_id, mode, status, total, passed \
             FROM callcoach.attempts WHERE trainee_id = $1 ORDER BY started_at, desktop, local_id",
            &[&trainee],
        )
        .map_err(failed)?
        .iter()
        .map(|row| AttemptRow {
            id: row.get(1),
            desktop: Some(row.get(0)),
            started_at: row.get(2),
            scenario_id: row.get(3),
            mode: row.get(4),
            status: row.get(5),
            total: total(row.get(6)),
            passed: row.get(7),
            categories: BTreeMap::new(),
        })
        .collect();
    let index: HashMap<(String, i64), usize> = attempts
        .iter()
        .enumerate()
        .map(|(position, row)| ((row.desktop.clone().unwrap_or_default(), row.id), position))
        .collect();
    for row in client
        .query(
            "SELECT c.desktop, c.attempt, c.category, c.score FROM callcoach.category_scores c \
             JOIN callcoach.attempts a ON a.desktop = c.desktop AND a.local_id = c.attempt \
             WHERE a.trainee_id = $1",
            &[&trainee],
        )
        .map_err(failed)?
    {
        if let Some(&position) = index.get(&(row.get(0), row.get(1))) {
            attempts[position]
                .categories
                .insert(row.get(2), count(i64::from(row.get::<_, i32>(3))));
        }
    }
    let limit = i64::try_from(TOP_RULES).unwrap_or(i64::MAX);
    let broken_rules = client
        .query(
            "SELECT f.rule, count(*) AS n FROM callcoach.findings f \
             JOIN callcoach.attempts a ON a.desktop = f.desktop AND a.local_id = f.attempt \
             WHERE a.trainee_id = $1 GROUP BY f.rule ORDER BY n DESC, f.rule LIMIT $2",
            &[&trainee, &limit],
        )
        .map_err(failed)?
        .iter()
        .map(|row| (row.get(0), count(row.get(1))))
        .collect();
    let exams = client
        .query(
            "SELECT s.exam_id, s.started_at, v.passed, v.total FROM callcoach.sittings s \
             LEFT JOIN callcoach.verdicts v ON v.desktop = s.desktop AND v.sitting = s.local_id \
             WHERE s.trainee_id = $1 ORDER BY s.started_at, s.desktop, s.local_id",
            &[&trainee],
        )
        .map_err(failed)?
        .iter()
        .map(|row| ExamRow {
            exam_id: row.get(0),
            started_at: row.get(1),
            passed: row.get(2),
            total: total(row.get(3)),
        })
        .collect();
    let certificates = client
        .query(
            "SELECT number, issued_at, valid_until, document FROM callcoach.certificates \
             WHERE trainee_id = $1 ORDER BY issued_at, number",
            &[&trainee],
        )
        .map_err(failed)?
        .iter()
        .map(|row| StoredCertificate {
            number: row.get(0),
            issued_at: row.get(1),
            valid_until: row.get(2),
            document: row.get(3),
        })
        .filter(|stored| stored.is_genuine(name.trim(), trusted))
        .map(|stored| CertificateRow {
            number: stored.number,
            issued_at: stored.issued_at,
            valid_until: stored.valid_until,
        })
        .collect();
    Ok(Some(TraineeReport::assemble(
        name.trim().to_owned(),
        attempts,
        broken_rules,
        exams,
        certificates,
        now,
    )))
}
