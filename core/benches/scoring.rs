//! Scoring speed: a 20-turn call with the default rubric (dictionary already loaded), the same
//! call with one reply of 1, 10 and 100 KB (the cost must grow with the length, not its square),
//! and the one-off start-up costs measured apart: loading the dictionary and compiling the rubric.

// criterion_group! and criterion_main! generate functions without doc comments.
#![allow(missing_docs)]

use std::hint::black_box;

use callcoach_core::scoring::{Rubric, Scorer};
use callcoach_core::text::Morphology;
use callcoach_core::transcript::{Speaker, Transcript, TranscriptTurn};
use criterion::{Criterion, criterion_group, criterion_main};

/// A realistic 20-turn call: greeting, a hold, wording mistakes and a proper closing.
fn twenty_turn_call() -> Transcript {
    let lines: [(Speaker, &str); 19] = [
        (
            Speaker::Customer,
            "Не работает интернет! Я уже третий раз звоню!",
        ),
        (
            Speaker::Agent,
            "Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора?",
        ),
        (
            Speaker::Customer,
            "Договор 44172. Сколько можно это терпеть?",
        ),
        (
            Speaker::Agent,
            "Я понимаю, как это неприятно. Я правильно понимаю, что вы хотите решить проблему с доступом на вашем компьютере?",
        ),
        (
            Speaker::Customer,
            "Да не на компьютере, у вас всё сломалось!",
        ),
        (
            Speaker::Agent,
            "Оставайтесь, пожалуйста, на линии, мне потребуется около двух минут, чтобы проверить линию.",
        ),
        (Speaker::Agent, ""),
        (
            Speaker::Agent,
            "Спасибо за ожидание! На линии всё в порядке.",
        ),
        (Speaker::Customer, "И что мне теперь делать?"),
        (
            Speaker::Agent,
            "Вы должны перезагрузить роутер, потому что он мог зависнуть.",
        ),
        (Speaker::Customer, "Я вам ничего не должен!"),
        (
            Speaker::Agent,
            "Простите, вам необходимо его перезагрузить, это займёт минуту.",
        ),
        (Speaker::Customer, "Ладно, перезагружаю. Лампочки мигают."),
        (
            Speaker::Agent,
            "Скажите, пожалуйста, какая лампочка горит сейчас зелёным?",
        ),
        (Speaker::Customer, "Все горят. Заработало!"),
        (
            Speaker::Agent,
            "Отлично. Если снова пропадёт, звоните, мастер приедет в течение дня.",
        ),
        (Speaker::Customer, "Хорошо."),
        (Speaker::Agent, "Остались ли у вас ещё вопросы?"),
        (Speaker::Customer, "Нет, спасибо."),
    ];
    let mut turns: Vec<TranscriptTurn> = lines
        .iter()
        .enumerate()
        .map(|(index, &(speaker, text))| TranscriptTurn {
            speaker,
            text: (index != 6).then(|| text.to_owned()),
            hold_seconds: (index == 6).then_some(90),
            at: index as f64 * 8.0,
            speech: None,
            understood: None,
            understood_as: None,
            step: None,
            barge_in: None,
        })
        .collect();
    turns.push(TranscriptTurn {
        speaker: Speaker::Agent,
        text: Some("Спасибо за звонок, будем рады помочь снова!".to_owned()),
        hold_seconds: None,
        at: 160.0,
        speech: None,
        understood: None,
        understood_as: None,
        step: None,
        barge_in: None,
    });
    Transcript {
        company: Some("Ромашка Телеком".to_owned()),
        clock: Some("16:20".to_owned()),
        turns,
        ..Transcript::default()
    }
}

fn scoring(c: &mut Criterion) {
    let morphology = Morphology::bundled().expect("dictionary");
    let scorer = Scorer::with_default_rubric(morphology.clone()).expect("rubric");
    let call = twenty_turn_call();
    assert_eq!(call.turns.len(), 20);
    c.bench_function("score a 20-turn call (default rubric)", |b| {
        b.iter(|| scorer.score(black_box(&call)))
    });
    c.bench_function("live findings for one reply", |b| {
        b.iter(|| scorer.live_findings(black_box(&call), 9))
    });
    c.bench_function("compile the default rubric", |b| {
        b.iter(|| {
            Rubric::default_rubric()
                .expect("parses")
                .compile(black_box(&morphology))
                .expect("compiles")
        })
    });
}

/// The 20-turn call with its tenth turn (an agent's reply) grown to about `bytes` of speech full
/// of faults — «проблема» on the company's side, obligations, a stop phrase — as one endless
/// sentence, the worst case for rules that look for words near each other.
fn call_with_long_reply(bytes: usize) -> Transcript {
    let sentence = "у нас проблема на линии, вы должны перезагрузить роутер, к сожалению, это не наша проблема, мастер приедет в течение дня, ";
    let mut call = twenty_turn_call();
    call.turns[9].text = Some(sentence.repeat(bytes / sentence.len() + 1));
    call
}

/// Scoring stays near-linear in the length of a turn: 1, 10 and 100 KB in one reply.
fn long_turns(c: &mut Criterion) {
    let morphology = Morphology::bundled().expect("dictionary");
    let scorer = Scorer::with_default_rubric(morphology).expect("rubric");
    let mut group = c.benchmark_group("one long reply");
    group.sample_size(10);
    for kilobytes in [1, 10, 100] {
        let call = call_with_long_reply(kilobytes * 1024);
        group.bench_function(format!("score, {kilobytes} KB"), |b| {
            b.iter(|| scorer.score(black_box(&call)))
        });
        group.bench_function(format!("live findings, {kilobytes} KB"), |b| {
            b.iter(|| scorer.live_findings(black_box(&call), 9))
        });
    }
    group.finish();
}

fn startup(c: &mut Criterion) {
    let mut group = c.benchmark_group("start-up");
    group.sample_size(20);
    group.bench_function("load the bundled dictionary", |b| {
        b.iter(|| Morphology::bundled().expect("dictionary"))
    });
    group.finish();
}

criterion_group!(benches, scoring, long_turns, startup);
criterion_main!(benches);
