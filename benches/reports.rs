//! Reports over a big progress database: 100 000 attempts (100 trainees × 1 000), each with five
//! category scores and two findings. A trainee's report and the group report must stay well
//! under 100 ms.

// criterion_group! and criterion_main! generate functions without doc comments.
#![allow(missing_docs)]

use std::hint::black_box;

use callcoach_core::report::{GroupReport, TraineeReport};
use callcoach_core::store::Store;
use criterion::{Criterion, criterion_group, criterion_main};

const TRAINEES: i64 = 100;
const ATTEMPTS_EACH: i64 = 1_000;
const RULES: [&str; 6] = [
    "wording.obligation",
    "greeting.company",
    "hold.thanks",
    "closing.more_questions",
    "wording.stop.calm_down",
    "greeting.lead_question",
];

/// Fills the database with raw SQL in one transaction (the store's own API commits per turn,
/// which is right for a call and far too slow for 100 000 of them).
fn fill(path: &std::path::Path) {
    Store::open(path).expect("schema");
    let mut connection = rusqlite::Connection::open(path).expect("raw");
    let transaction = connection.transaction().expect("transaction");
    {
        let mut trainee = transaction
            .prepare("INSERT INTO trainees (id, name, created_at) VALUES (?1, ?2, 0)")
            .expect("prepare");
        let mut attempt = transaction
            .prepare(
                "INSERT INTO attempts (id, trainee_id, mode, scenario_id, scenario_hash, rubric_hash, \
                 seed, started_at, ended_at, status, total, passed) \
                 VALUES (?1, ?2, 'practice', 'internet_down', 'h', 'r', ?1, ?3, ?3, 'finished', ?4, ?5)",
            )
            .expect("prepare");
        let mut score = transaction
            .prepare(
                "INSERT INTO category_scores (attempt_id, category, score, max, passed, applicable) \
                 VALUES (?1, ?2, ?3, 30, 1, 1)",
            )
            .expect("prepare");
        let mut finding = transaction
            .prepare(
                "INSERT INTO findings (attempt_id, rule, category, turn, span_start, span_end, \
                 severity, message, suggestion) VALUES (?1, ?2, 'wording', 3, 0, 9, 'error', 'm', 's')",
            )
            .expect("prepare");
        for t in 1..=TRAINEES {
            trainee
                .execute(rusqlite::params![t, format!("Стажёр {t:03}")])
                .expect("trainee");
            for n in 0..ATTEMPTS_EACH {
                let id = (t - 1) * ATTEMPTS_EACH + n + 1;
                let total = 40 + (id * 7) % 61;
                attempt
                    .execute(rusqlite::params![
                        id,
                        t,
                        1_700_000_000_000 + id * 60_000,
                        total,
                        total >= 70
                    ])
                    .expect("attempt");
                for (index, category) in ["greeting", "hold", "wording", "closing", "deescalation"]
                    .iter()
                    .enumerate()
                {
                    score
                        .execute(rusqlite::params![id, category, (id + index as i64) % 26])
                        .expect("score");
                }
                for k in 0..2 {
                    let rule = RULES[((id + k) % RULES.len() as i64) as usize];
                    finding
                        .execute(rusqlite::params![id, rule])
                        .expect("finding");
                }
            }
        }
    }
    transaction.commit().expect("commit");
}

fn reports(c: &mut Criterion) {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("progress.sqlite");
    fill(&path);
    let store = Store::open(&path).expect("open");
    let trainee = store.trainee("Стажёр 042").expect("query").expect("exists");
    let now = 1_800_000_000_000;
    let mut group = c.benchmark_group("100 000 attempts");
    group.sample_size(20);
    group.bench_function("trainee report (1 000 attempts)", |b| {
        b.iter(|| TraineeReport::build(black_box(&store), &trainee, now).expect("report"))
    });
    group.bench_function("trainee report as HTML with the chart", |b| {
        b.iter(|| {
            callcoach::render::progress::trainee_html(
                &TraineeReport::build(black_box(&store), &trainee, now).expect("report"),
            )
        })
    });
    group.bench_function("group report (100 trainees)", |b| {
        b.iter(|| GroupReport::build(black_box(&store), now).expect("report"))
    });
    group.finish();
}

criterion_group!(benches, reports);
criterion_main!(benches);
