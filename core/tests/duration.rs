//! Durations agents promise before a hold.

use callcoach_core::text::{AnalyzedText, Morphology, promised_durations};

#[track_caller]
fn seconds(text: &str) -> Vec<u32> {
    let morphology = Morphology::shared().expect("dictionary");
    promised_durations(&AnalyzedText::new(&morphology, text))
        .iter()
        .map(|promise| promise.seconds)
        .collect()
}

#[test]
fn spoken_and_written_durations() {
    let cases: &[(&str, &[u32])] = &[
        ("Оставайтесь на линии, это займёт две минуты", &[120]),
        ("подождите пожалуйста около 30 секунд", &[30]),
        ("побудьте на линии пару минут", &[120]),
        ("одну минуту пожалуйста", &[60]),
        ("подождите минутку", &[60]),
        ("не кладите трубку, полторы минуты", &[90]),
        ("проверка займет двадцать пять секунд", &[25]),
        ("подождите две-три минуты", &[180]),
        ("это 1-2 минуты", &[120]),
        ("минуты через две я вернусь", &[120]),
        ("буквально полминуты", &[30]),
        ("подождите двух минут не больше", &[120]),
        ("пять минут", &[300]),
    ];
    for (text, expected) in cases {
        assert_eq!(seconds(text), *expected, "«{text}»");
    }
}

#[test]
fn vague_or_absent_durations_are_no_promise() {
    for text in [
        "подождите несколько минут",
        "подождите, пожалуйста",
        "оставайтесь на линии",
        "минус два градуса",
    ] {
        assert!(seconds(text).is_empty(), "«{text}» promises nothing");
    }
}
