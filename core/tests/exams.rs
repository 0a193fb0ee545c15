//! Exam rules: attempts allowed, the wait after a failure, pass rules per call or overall, the
//! seeded draw; certificates: signature, tampering, expiry.

use callcoach_core::certificate::Certificate;
use callcoach_core::exam::{Exam, ExamScenarios, PassRules, Per, Sitting, admission};
use callcoach_core::scoring::{Category, Scorer};
use callcoach_core::store::Store;
use callcoach_core::text::Morphology;
use callcoach_core::transcript::Transcript;

const HOUR: i64 = 3_600_000;

fn exam(per: Per, mandatory: Vec<Category>) -> Exam {
    Exam {
        id: "basic".to_owned(),
        title: "Базовая аттестация".to_owned(),
        scenarios: ExamScenarios::Fixed(vec!["internet_down".to_owned()]),
        pass: PassRules {
            total: 70,
            mandatory,
            per,
        },
        attempts_allowed: 2,
        wait_hours: 24,
        certificate_valid_days: 365,
        source_hash: String::new(),
    }
}

#[test]
fn attempts_are_limited_and_a_failure_waits() {
    let exam = exam(Per::EachScenario, vec![]);
    let now = 1_800_000_000_000;
    assert_eq!(admission(&exam, &[], now), Ok(()));
    let failed = Sitting {
        started_at: now - 2 * HOUR,
        passed: Some(false),
    };
    let refusal = admission(&exam, &[failed], now).expect_err("must wait");
    assert!(refusal.contains("подождать 24 ч"), "{refusal}");
    let long_ago = Sitting {
        started_at: now - 25 * HOUR,
        passed: Some(false),
    };
    assert_eq!(admission(&exam, &[long_ago], now), Ok(()));
    let interrupted = Sitting {
        started_at: now - HOUR,
        passed: None,
    };
    assert!(
        admission(&exam, &[interrupted], now).is_err(),
        "an abandoned sitting counts as a failure: no instant retry by killing the program"
    );
    let refusal = admission(&exam, &[long_ago, long_ago], now).expect_err("used up");
    assert!(refusal.contains("исчерпаны: 2 из 2"), "{refusal}");
}

fn report(text: &str) -> callcoach_core::scoring::ScoreReport {
    let scorer =
        Scorer::with_default_rubric(Morphology::shared().expect("dictionary")).expect("rubric");
    let transcript = Transcript::from_json(text).expect("transcript");
    scorer.score(&transcript)
}

const GOOD: &str = r#"{"company": "Ромашка Телеком", "clock": "14:00", "turns": [
  {"speaker": "customer", "text": "Не работает интернет!", "at": 0},
  {"speaker": "agent", "text": "Добрый день! Меня зовут Анна, специалист поддержки «Ромашка Телеком». Подскажите номер договора?", "at": 3},
  {"speaker": "agent", "text": "Перезагрузите роутер, потому что он завис. Остались ли у вас вопросы?", "at": 9},
  {"speaker": "agent", "text": "Спасибо за звонок!", "at": 20}]}"#;

const NO_CLOSING: &str = r#"{"company": "Ромашка Телеком", "clock": "14:00", "turns": [
  {"speaker": "customer", "text": "Не работает интернет!", "at": 0},
  {"speaker": "agent", "text": "Добрый день! Меня зовут Анна, специалист поддержки «Ромашка Телеком». Подскажите номер договора?", "at": 3},
  {"speaker": "agent", "text": "Перезагрузите роутер, потому что он завис.", "at": 9}]}"#;

#[test]
fn pass_rules_judge_each_call_or_the_average() {
    let good = report(GOOD);
    let weak = report(NO_CLOSING);
    assert!(good.passed && !weak.passed);
    assert_eq!((good.total, weak.total), (100, 85));
    let mut each = exam(Per::EachScenario, vec![]);
    each.pass.total = 90;
    let result = each.judge(&[good.clone(), weak.clone()]);
    assert!(!result.passed, "{result:?}");
    assert_eq!(result.reasons, ["звонок 2: 85 баллов при пороге 90"]);

    let mut overall = exam(Per::Overall, vec![]);
    overall.pass.total = 90;
    let result = overall.judge(&[good.clone(), weak.clone()]);
    assert!(
        result.passed,
        "the average {} reaches 90: {result:?}",
        result.total
    );

    let strict = exam(Per::Overall, vec![Category::Closing]);
    let result = strict.judge(&[good, weak]);
    assert!(!result.passed);
    assert!(result.reasons[0].contains("«Завершение»"), "{result:?}");
}

#[test]
fn a_drawn_exam_is_fixed_by_its_seed() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let morphology = Morphology::shared().expect("dictionary");
    let scorer = Scorer::with_default_rubric(morphology.clone()).expect("rubric");
    let library: Vec<_> = callcoach_core::check::check_paths(&[folder], &morphology, &scorer)
        .scenarios
        .into_iter()
        .map(|(_, scenario)| scenario)
        .collect();
    let mut drawn = exam(Per::Overall, vec![]);
    drawn.scenarios = ExamScenarios::Drawn {
        count: 2,
        tags: vec!["удержание".to_owned()],
    };
    let ids = |seed| -> Vec<String> {
        drawn
            .pick(&library, seed)
            .iter()
            .map(|s| s.id.clone())
            .collect()
    };
    assert_eq!(ids(7), ids(7), "the same seed draws the same calls");
    assert_eq!(ids(7).len(), 2);
    for id in ids(7) {
        let scenario = library.iter().find(|s| s.id == id).expect("known");
        assert!(scenario.tags.contains(&"удержание".to_owned()));
    }
    let draws: std::collections::BTreeSet<Vec<String>> = (0..20).map(ids).collect();
    assert!(
        draws.len() > 1,
        "different seeds draw differently: {draws:?}"
    );
}

fn signed(valid_until: i64) -> (Certificate, Vec<u8>) {
    let folder = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&folder.path().join("p.sqlite")).expect("store");
    let examiner = store
        .set_up_examiner("длинный пароль")
        .expect("db")
        .expect("set up");
    let certificate = Certificate {
        number: "CC-2026-000001".to_owned(),
        trainee: "Анна Смирнова".to_owned(),
        exam_id: "basic".to_owned(),
        exam_title: "Базовая аттестация".to_owned(),
        issued_at: 1_790_000_000_000,
        valid_until,
        total: 91,
        categories: [("greeting".to_owned(), 25)].into_iter().collect(),
        scenarios: [("internet_down".to_owned(), "ab".repeat(32))]
            .into_iter()
            .collect(),
        rubric_hash: "cd".repeat(32),
        public_key: String::new(),
        signature: String::new(),
    }
    .sign(&examiner);
    let key = store.examiner_public_key().expect("db").expect("key");
    (certificate, key)
}

#[test]
fn a_certificate_verifies_until_it_is_tampered_with_or_expires() {
    let now = 1_800_000_000_000;
    let (certificate, key) = signed(now + 1000);
    let parsed = Certificate::from_json(&certificate.to_json()).expect("round trip");
    let check = parsed.verify(now, Some(&key));
    assert!(check.signature_holds && !check.expired, "{check:?}");
    assert_eq!(check.known_examiner, Some(true));

    let mut forged = parsed.clone();
    forged.total = 100;
    assert!(!forged.verify(now, Some(&key)).signature_holds);
    let mut renamed = parsed.clone();
    renamed.trainee = "Олег Петров".to_owned();
    assert!(!renamed.verify(now, None).signature_holds);

    let (expired, _) = signed(now - 1000);
    let check = expired.verify(now, None);
    assert!(check.signature_holds && check.expired, "{check:?}");
    assert_eq!(check.known_examiner, None);
    assert_eq!(
        expired.verify(now, Some(&key)).known_examiner,
        Some(false),
        "another examiner"
    );
}

#[test]
fn the_examiner_passphrase_is_set_once_and_checked() {
    let folder = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&folder.path().join("p.sqlite")).expect("store");
    use callcoach_core::store::ExaminerError;
    assert_eq!(
        store.unlock_examiner("что угодно").expect("db").err(),
        Some(ExaminerError::NotSet)
    );
    assert_eq!(
        store.set_up_examiner("коротко").expect("db").err(),
        Some(ExaminerError::WeakPassphrase)
    );
    let first = store
        .set_up_examiner("служба качества")
        .expect("db")
        .expect("set");
    assert_eq!(
        store.set_up_examiner("другой пароль").expect("db").err(),
        Some(ExaminerError::AlreadySet)
    );
    assert_eq!(
        store.unlock_examiner("неверный пароль").expect("db").err(),
        Some(ExaminerError::WrongPassphrase)
    );
    let again = store
        .unlock_examiner("служба качества")
        .expect("db")
        .expect("unlocked");
    assert_eq!(
        first.public_key(),
        again.public_key(),
        "the same signing key comes back"
    );
}
