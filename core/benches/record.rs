//! What checking the record costs: `db verify` (and `exam start`, which runs the same check
//! before it opens a sitting) recomputes every seal and checks every checkpoint, so its time
//! grows with the attempts a desktop has recorded.

// criterion_group! and criterion_main! generate functions without doc comments.
#![allow(missing_docs)]

use std::hint::black_box;

use callcoach_core::store::{
    AttemptMode, AttemptStatus, CheckpointReason, NewAttempt, Store, content_hash,
};
use callcoach_core::transcript::{Speaker, TranscriptTurn};
use criterion::{Criterion, criterion_group, criterion_main};

/// A desktop's record: `attempts` calls of eight turns each, sealed, and a checkpoint.
fn record(path: &std::path::Path, attempts: usize) -> Store {
    let mut store = Store::open(path).expect("store");
    let examiner = store
        .set_up_examiner("служба качества")
        .expect("db")
        .expect("set up");
    let trainee = store.add_trainee("Анна Смирнова").expect("trainee");
    for _ in 0..attempts {
        let id = store
            .start_attempt(&NewAttempt {
                trainee: &trainee,
                mode: AttemptMode::Practice,
                scenario_id: "internet_down",
                scenario_hash: content_hash("scenario"),
                rubric_hash: content_hash("rubric"),
                seed: 1,
                exam_run: None,
            })
            .expect("attempt");
        for index in 0..8 {
            let turn = TranscriptTurn {
                speaker: if index % 2 == 0 {
                    Speaker::Customer
                } else {
                    Speaker::Agent
                },
                text: Some("Добрый день! Меня зовут Анна, специалист поддержки.".to_owned()),
                hold_seconds: None,
                at: f64::from(index) * 6.0,
                speech: None,
                understood: None,
                understood_as: None,
                step: None,
                barge_in: None,
            };
            store.record_turn(id, index as usize, &turn).expect("turn");
        }
        store
            .finish_attempt(id, AttemptStatus::Finished, None)
            .expect("finished");
    }
    store
        .checkpoint(&examiner, CheckpointReason::Anchor)
        .expect("checkpoint");
    store
}

fn verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("db verify");
    group.sample_size(10);
    for attempts in [100, 1000] {
        let folder = tempfile::tempdir().expect("temp dir");
        let store = record(&folder.path().join("progress.sqlite"), attempts);
        group.bench_function(format!("{attempts} sealed attempts"), |b| {
            b.iter(|| {
                let verification = black_box(&store).verify(None).expect("verify");
                assert!(verification.problems.is_empty());
            })
        });
    }
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
