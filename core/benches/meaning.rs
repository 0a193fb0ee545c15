//! How long understanding a reply takes: every intent a step names matched against it, word
//! embeddings included, and the one-time parse of the embeddings. The README quotes the figures.

// criterion_group! and criterion_main! generate functions without doc comments.
#![allow(missing_docs)]

use std::hint::black_box;

use callcoach_core::meaning::{Embeddings, Intent, Lexicon, Utterance};
use criterion::{Criterion, criterion_group, criterion_main};

/// The intents of internet_down's busiest step, as written in the scenario.
fn step_intents(lexicon: &Lexicon) -> Vec<Intent> {
    let intents: [(&str, &[&str]); 4] = [
        (
            "предложить выезд мастера",
            &[
                "пришлю к вам мастера",
                "оформлю выезд специалиста",
                "к вам приедет инженер",
                "направим техника на дом",
            ],
        ),
        (
            "попросить перезагрузить роутер",
            &[
                "перезагрузите роутер",
                "выключите и включите роутер",
                "роутер нужно перезапустить",
                "надо перезагрузить маршрутизатор",
            ],
        ),
        (
            "сказать, что аварии нет",
            &[
                "аварии нет",
                "на линии всё в порядке",
                "линия работает нормально",
                "с нашей стороны всё исправно",
                "сигнал до вас доходит",
            ],
        ),
        (
            "предложить созвониться, когда клиент будет дома",
            &[
                "перезвоню вам вечером, когда вы будете дома",
                "давайте созвонимся, когда вы вернётесь домой",
                "во сколько вам удобно, чтобы я перезвонил",
                "когда будете дома, мы вместе перезагрузим роутер",
                "позвоню вам, как только вы придёте домой",
            ],
        ),
    ];
    intents
        .iter()
        .map(|(label, examples)| Intent::new(lexicon, label, examples).expect("intent"))
        .collect()
}

fn matching(c: &mut Criterion) {
    let lexicon = Lexicon::shared().expect("lexicon");
    // Parsed before timing, as the app does at start-up.
    Embeddings::shared().expect("embeddings");
    let intents = step_intents(&lexicon);
    // A long reply no example covers word for word: every word goes to the embeddings.
    let reply = "Спасибо, что подождали. Сигнал до вашего дома проходит без потерь, оборудование \
                 станции исправно. Вероятнее всего, ваш маршрутизатор завис после скачка \
                 напряжения, поэтому его стоит обесточить секунд на десять.";
    c.bench_function(
        "understand a reply (4 intents, 18 examples, embeddings)",
        |b| {
            b.iter(|| {
                let utterance = Utterance::new(&lexicon, black_box(reply));
                intents
                    .iter()
                    .map(|intent| intent.best(&lexicon, &utterance).score)
                    .fold(0.0, f32::max)
            })
        },
    );
}

fn loading(c: &mut Criterion) {
    let mut group = c.benchmark_group("start-up");
    group.sample_size(10);
    group.bench_function("parse the bundled embeddings", |b| {
        b.iter(|| Embeddings::parse_bundled().expect("embeddings"))
    });
    let morphology = callcoach_core::text::Morphology::shared().expect("dictionary");
    group.bench_function("build the lexicon", |b| {
        b.iter(|| Lexicon::bundled(morphology.clone()).expect("lexicon"))
    });
    group.finish();
}

criterion_group!(benches, matching, loading);
criterion_main!(benches);
