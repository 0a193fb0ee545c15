//! The team's server at scale: 1 000 000 attempts of 1 000 trainees from 10 desktops (each with
//! six category scores and two findings, and the running totals the team report reads), on a
//! private PostgreSQL with fsync on. Measured: a trainee's report (1 000 attempts, every
//! desktop), the team report, and one desktop pushing 1 000 ended attempts through the
//! seal-checking functions. The figures are in the README.

// criterion_group! and criterion_main! generate functions without doc comments.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use callcoach_core::scoring::Scorer;
use callcoach_core::store::Store;
use callcoach_core::text::Morphology;
use callcoach_team::test_server::{CALL, TestServer, record_call};
use callcoach_team::{server, server_name};
use criterion::{Criterion, criterion_group, criterion_main};
use postgres::{Client, NoTls};

const PASSWORD: &str = "пароль-рабочих-мест-bench";

/// Seeds the records in schema 1 with SQL on the server (a million pushes through the
/// functions would take hours), then migrates to the current schema, whose step 2 computes
/// the running totals from them — the path an existing team takes.
fn seed(client: &mut Client, label: &str) {
    let started = Instant::now();
    server::migrate(client, label, Some(1)).expect("schema 1");
    client
        .batch_execute(
            "INSERT INTO callcoach.desktops
                 SELECT 'SEED' || d, 'Место ' || d, 'x', 0 FROM generate_series(1, 10) d;
             INSERT INTO callcoach.trainees (name, cohort, added_by, added_at)
                 SELECT 'Стажёр ' || lpad(t::text, 4, '0'), 'Набор ' || (t % 12 + 1), 'SEED1', 0
                 FROM generate_series(1, 1000) t;
             INSERT INTO callcoach.attempts
                 SELECT 'SEED' || (n % 10 + 1), n, n % 1000 + 1, 'practice', 'internet_down',
                        1700000000000 + n * 1000, 1700000000000 + n * 1000 + 600000, 'finished',
                        40 + (n * 7) % 61, 40 + (n * 7) % 61 >= 70, NULL, n, 2, md5(n::text),
                        '{\"seal\":2}', 0
                 FROM generate_series(1, 1000000) n;
             INSERT INTO callcoach.category_scores
                 SELECT a.desktop, a.local_id, c.category, (a.local_id + c.k) % 30, 30
                 FROM callcoach.attempts a,
                      (VALUES ('greeting', 1), ('hold', 2), ('wording', 3), ('closing', 4),
                              ('deescalation', 5), ('outcome', 6)) c(category, k);
             INSERT INTO callcoach.findings
                 SELECT a.desktop, a.local_id, f.n,
                        (ARRAY['wording.obligation', 'greeting.company', 'hold.thanks',
                               'closing.more_questions', 'wording.stop.calm_down',
                               'greeting.lead_question'])[(a.local_id + f.n) % 6 + 1],
                        'wording', 'error'
                 FROM callcoach.attempts a, generate_series(1, 2) f(n);
             ANALYZE;",
        )
        .expect("seeded");
    server::migrate(client, label, None).expect("current schema");
    client.batch_execute("VACUUM ANALYZE").expect("analyzed");
    eprintln!(
        "seeded 1 000 000 attempts (1 000 trainees, 10 desktops) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn team(c: &mut Criterion) {
    let cluster = TestServer::start(true).expect("a private PostgreSQL starts");
    let folder = tempfile::tempdir().expect("temp dir");
    let label = server_name(&cluster.admin_address());
    let mut admin = Client::connect(&cluster.admin_address(), NoTls).expect("admin");
    seed(&mut admin, &label);
    server::define(&mut admin, &label, Some(PASSWORD)).expect("functions");
    let qa = Store::open(&folder.path().join("qa.sqlite")).expect("QA's database");
    let examiner = qa
        .set_up_examiner("служба качества проверяет звонки")
        .expect("store")
        .expect("examiner");
    let key = qa.export_examiner(&examiner, true).expect("key");
    server::create_team(&mut admin, &label, "Бенчмарк", &key).expect("team");

    let db = folder.path().join("desktop.sqlite");
    let mut store = Store::open(&db).expect("desktop");
    let address = cluster.address(server::DESKTOP_ROLE, Some(PASSWORD));
    let mut desktop = callcoach_team::join(&store, &db, &address, None, "Место замера")
        .expect("joined")
        .team;
    // The roster first (the desktop knows the team's trainees, as after `team join`).
    desktop.sync(&mut store).expect("roster");
    let trusted = [examiner.public_key()];
    let now = 1_800_000_000_000;

    let report = desktop
        .trainee_report("Стажёр 0500", &trusted, now)
        .expect("report")
        .expect("known");
    assert_eq!(report.attempts.len(), 1000);
    let group = desktop.group_report(&trusted, now).expect("team report");
    assert_eq!(group.trainees.len(), 1000);
    assert_eq!(
        group.trainees.iter().map(|row| row.attempts).sum::<u32>(),
        1_000_000
    );

    let mut reports = c.benchmark_group("team server, 1 000 000 attempts");
    reports.sample_size(20);
    reports.bench_function("trainee report (1 000 attempts)", |b| {
        b.iter(|| {
            desktop
                .trainee_report(black_box("Стажёр 0500"), &trusted, now)
                .expect("report")
        })
    });
    reports.bench_function("team report (1 000 trainees)", |b| {
        b.iter(|| {
            desktop
                .group_report(black_box(&trusted), now)
                .expect("report")
        })
    });
    reports.finish();

    // One desktop pushes 1 000 ended attempts (recorded while it was offline).
    let scorer =
        Scorer::with_default_rubric(Morphology::shared().expect("dictionary")).expect("rubric");
    for n in 0..1000 {
        record_call(
            &mut store,
            &scorer,
            &format!("Стажёр {:04}", n % 20 + 1),
            CALL,
        )
        .expect("call");
    }
    let started = Instant::now();
    let sent = desktop.sync(&mut store).expect("pushed");
    let elapsed = started.elapsed();
    assert_eq!(sent.sent, 1000);
    eprintln!(
        "push of 1 000 attempts from one desktop: {:.2} s ({:.2} ms per attempt)",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / 1000.0
    );
}

criterion_group!(benches, team);
criterion_main!(benches);
