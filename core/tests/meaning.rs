//! Intent matching: replies in the agent's own words are understood by meaning.

use callcoach_core::meaning::{Embeddings, Intent, Lexicon, Utterance};

fn lexicon() -> Lexicon {
    Lexicon::shared().expect("the bundled lexicon")
}

fn score(examples: &[&str], reply: &str) -> f32 {
    let lexicon = lexicon();
    let intent = Intent::new(&lexicon, "намерение", examples).expect("examples");
    intent
        .best(&lexicon, &Utterance::new(&lexicon, reply))
        .score
}

fn understood(examples: &[&str], reply: &str) -> bool {
    score(examples, reply) >= callcoach_core::meaning::UNDERSTOOD
}

#[test]
fn a_derived_word_means_the_same_action() {
    let check_line = ["давайте я проверю линию"];
    assert!(understood(
        &check_line,
        "Сейчас сделаю проверку линии до вашего дома."
    ));
    assert!(understood(
        &check_line,
        "Я продиагностирую подключение, это быстро."
    ));
    assert!(understood(
        &["заблокировать карту"],
        "Сейчас поставлю блокировку на вашу карту."
    ));
}

#[test]
fn a_synonym_means_the_same_thing() {
    assert!(understood(
        &["заблокировать карту"],
        "Я поставлю запрет на все операции по карте."
    ));
    assert!(understood(
        &["перезагрузить роутер"],
        "Попробуйте перезапустить маршрутизатор."
    ));
    assert!(understood(
        &["фабрика прислала брак"],
        "Производитель прислал фасады с дефектом, поэтому мы их вернули."
    ));
}

#[test]
fn word_order_is_free() {
    assert!(understood(
        &["перезагрузить роутер"],
        "Роутер нужно будет перезагрузить."
    ));
    assert!(understood(
        &["линия в порядке"],
        "В порядке у вас линия, я проверил."
    ));
}

#[test]
fn negation_answers_the_question_and_never_means_its_opposite() {
    let no_outage = ["аварии нет"];
    assert!(understood(&no_outage, "Нет, аварии нет, дело в роутере."));
    assert!(understood(&no_outage, "Никакой аварии, линия в порядке."));
    assert!(!understood(&no_outage, "Да, у нас авария на линии."));
    let outage = ["у нас авария"];
    assert!(!understood(&outage, "Нет, аварии нет."));
    assert!(!understood(
        &["я проверю линию"],
        "К сожалению, я не могу проверить линию."
    ));
}

#[test]
fn unrelated_replies_are_not_understood() {
    let check_line = ["давайте я проверю линию", "посмотрю соединение"];
    assert!(!understood(
        &check_line,
        "Назовите, пожалуйста, номер договора."
    ));
    assert!(!understood(&check_line, "Вам нужно перезагрузить роутер."));
    assert!(!understood(
        &["предложить компенсацию"],
        "Курьер приедет завтра."
    ));
}

#[test]
fn embeddings_bring_near_synonyms_nothing_else_knows() {
    let embeddings = Embeddings::shared().expect("the bundled embeddings");
    assert!(embeddings.len() > 30_000);
    let near = embeddings
        .similarity("роутер", "маршрутизатор")
        .expect("vectors");
    let far = embeddings.similarity("роутер", "пирог").expect("vectors");
    assert!(near > 0.5 && far < 0.3, "{near} {far}");
    // «ноутбук» and «компьютер» share no lemma, stem or synonym group: only the vectors (0.68)
    // relate them.
    assert!(understood(
        &["перезагрузите компьютер"],
        "Перезагрузите, пожалуйста, ноутбук."
    ));
    assert!(!understood(
        &["перезагрузите компьютер"],
        "Перезагрузите, пожалуйста, пирог."
    ));
}

#[test]
fn the_same_reply_always_scores_the_same() {
    let examples = ["мы компенсируем вам доставку", "вернём часть денег"];
    let reply = "В качестве извинения мы возместим вам доставку.";
    let first = score(&examples, reply);
    for _ in 0..5 {
        assert_eq!(score(&examples, reply), first);
    }
    assert!(first >= callcoach_core::meaning::UNDERSTOOD, "{first}");
}

#[test]
fn a_phrasing_of_only_function_words_matches_literally() {
    assert!(understood(&["да"], "Да, конечно."));
    assert!(!understood(&["да"], "Нет."));
}

#[test]
fn an_incidental_word_of_a_longer_example_may_be_left_unsaid() {
    let call_back = ["перезвоню вам вечером, когда вы будете дома"];
    assert!(understood(
        &call_back,
        "Могу перезвонить, когда вы будете дома."
    ));
    // Of three words, the two said must be the example's own, not merely related ones.
    assert!(!understood(
        &["давайте я сам всё настрою через удалённый доступ"],
        "Регистратору не хватает выхода в интернет, нужно настроить роутер."
    ));
}

#[test]
fn a_negated_word_contradicts_the_example_whatever_else_matches() {
    assert!(!understood(
        &["проверю соединение до вашего дома"],
        "К сожалению, я не могу проверить соединение до вашего дома."
    ));
}

#[test]
fn no_negates_the_word_after_it_or_the_whole_clause_before_it() {
    let no_outage = ["аварии нет"];
    assert!(understood(&no_outage, "У вас на линии нет аварии."));
    assert!(understood(
        &no_outage,
        "Аварий в вашем районе нет, дело в роутере."
    ));
    assert!(!understood(&no_outage, "Нет, у нас авария."));
}
