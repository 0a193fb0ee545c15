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
        subtitles: true,
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

const PASSPHRASE: &str = "служба качества";

fn signed(valid_until: i64) -> (Certificate, [u8; 32]) {
    let folder = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&folder.path().join("p.sqlite")).expect("store");
    let examiner = store
        .set_up_examiner(PASSPHRASE)
        .expect("db")
        .expect("set up");
    let certificate = Certificate {
        number: "CC-2026-K7Q2XM-000001".to_owned(),
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
        exam_hash: "ef".repeat(32),
        public_key: String::new(),
        signature: String::new(),
    }
    .sign(&examiner);
    (certificate, examiner.public_key())
}

#[test]
fn a_certificate_is_valid_only_signed_by_a_trusted_key_untampered_and_unexpired() {
    let now = 1_800_000_000_000;
    let (certificate, key) = signed(now + 1000);
    let parsed = Certificate::from_json(&certificate.to_json()).expect("round trip");
    let check = parsed.verify(now, &[key]);
    assert!(check.valid(), "{check:?}");

    let mut forged = parsed.clone();
    forged.total = 100;
    assert!(!forged.verify(now, &[key]).valid());
    let mut rethresholded = parsed.clone();
    rethresholded.exam_hash = "00".repeat(32);
    assert!(
        !rethresholded.verify(now, &[key]).signature_holds,
        "the exam definition is signed too"
    );

    // A certificate its holder signed with a key of their own: the signature holds, the key is
    // nobody QA trusts.
    let (own, own_key) = signed(now + 1000);
    let check = own.verify(now, &[key]);
    assert!(
        check.signature_holds && !check.trusted && !check.valid(),
        "{check:?}"
    );
    assert!(
        !own.verify(now, &[]).valid(),
        "no trusted key, no valid certificate"
    );
    assert!(own.verify(now, &[key, own_key]).valid());

    let (expired, expired_key) = signed(now - 1000);
    let check = expired.verify(now, &[expired_key]);
    assert!(check.signature_holds && check.trusted && check.expired && !check.valid());
}

#[test]
fn certificates_issued_before_exam_hashes_still_verify() {
    // An earlier callcoach wrote no `exam_hash`; its signature covered the other fields.
    let now = 1_800_000_000_000;
    let (mut certificate, key) = signed(now + 1000);
    certificate.exam_hash.clear();
    let folder = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&folder.path().join("p.sqlite")).expect("store");
    let examiner = store.set_up_examiner(PASSPHRASE).expect("db").expect("set");
    let old = certificate.sign(&examiner).to_json();
    assert!(!old.contains("exam_hash"), "{old}");
    let parsed = Certificate::from_json(&old).expect("parses");
    assert!(parsed.verify(now, &[examiner.public_key()]).valid());
    assert!(!parsed.verify(now, &[key]).valid());
}

#[test]
fn the_examiner_is_set_up_once_with_a_strong_passphrase() {
    let folder = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&folder.path().join("p.sqlite")).expect("store");
    use callcoach_core::store::ExaminerError;
    assert_eq!(
        store.unlock_examiner("что угодно").expect("db").err(),
        Some(ExaminerError::NotSet)
    );
    for weak in [
        "коротко",
        "        ",
        "          ",
        "password123",
        "qwertyuiop",
        "1234567890",
    ] {
        assert_eq!(
            store.set_up_examiner(weak).expect("db").err(),
            Some(ExaminerError::WeakPassphrase),
            "{weak:?}"
        );
    }
    assert!(!store.examiner_is_set().expect("db"), "nothing stored");
    let first = store.set_up_examiner(PASSPHRASE).expect("db").expect("set");
    assert_eq!(
        store
            .set_up_examiner("другой длинный пароль")
            .expect("db")
            .err(),
        Some(ExaminerError::AlreadySet)
    );
    assert_eq!(
        store.unlock_examiner("неверный пароль").expect("db").err(),
        Some(ExaminerError::WrongPassphrase)
    );
    let again = store
        .unlock_examiner(PASSPHRASE)
        .expect("db")
        .expect("unlocked");
    assert_eq!(
        first.public_key(),
        again.public_key(),
        "the same signing key comes back"
    );
}

#[test]
fn wrong_passphrases_are_slowed_down_across_restarts() {
    use callcoach_core::store::ExaminerError;
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("p.sqlite");
    Store::open(&path)
        .expect("store")
        .set_up_examiner(PASSPHRASE)
        .expect("db")
        .expect("set");
    let now = 1_800_000_000_000;
    for attempt in 0..3 {
        // A new process each time: the count lives in the database.
        let store = Store::open(&path).expect("store");
        assert_eq!(
            store
                .unlock_examiner_at("подбор пароля", now + attempt)
                .expect("db")
                .err(),
            Some(ExaminerError::WrongPassphrase)
        );
    }
    let store = Store::open(&path).expect("store");
    // Even the right passphrase waits now: a guess is not even checked.
    assert_eq!(
        store
            .unlock_examiner_at(PASSPHRASE, now + 10)
            .expect("db")
            .err(),
        Some(ExaminerError::Wait(30))
    );
    assert!(
        store
            .unlock_examiner_at(PASSPHRASE, now + 2 + 30_000)
            .expect("db")
            .is_ok(),
        "after the wait the right passphrase opens, and the count starts again"
    );
    for attempt in 0..4 {
        let refused = store
            .unlock_examiner_at("подбор пароля", now + 100_000 + attempt * 120_000)
            .expect("db")
            .err();
        assert_eq!(refused, Some(ExaminerError::WrongPassphrase));
    }
    // Four wrong in a row: the wait has doubled.
    let wait = store
        .unlock_examiner_at(PASSPHRASE, now + 100_000 + 3 * 120_000)
        .expect("db")
        .err();
    assert_eq!(wait, Some(ExaminerError::Wait(60)));
    assert!(
        wait.is_some_and(|error| error.to_string().contains("через 1 мин")),
        "said in Russian"
    );
}

#[test]
fn an_examiner_travels_to_another_desktop_and_trusts_another_key() {
    use callcoach_core::store::{ExaminerError, key_file_public_key};
    let folder = tempfile::tempdir().expect("temp dir");
    let qa = Store::open(&folder.path().join("qa.sqlite")).expect("store");
    let examiner = qa.set_up_examiner(PASSPHRASE).expect("db").expect("set");
    let public = qa.export_examiner(&examiner, false).expect("export");
    assert!(!public.contains("private_key"), "{public}");
    assert_eq!(key_file_public_key(&public), Ok(examiner.public_key()));
    let with_secret = qa.export_examiner(&examiner, true).expect("export");

    let desk = Store::open(&folder.path().join("desk.sqlite")).expect("store");
    assert_eq!(
        desk.import_examiner(&public, PASSPHRASE).expect("db").err(),
        Some(ExaminerError::PublicOnly)
    );
    assert_eq!(
        desk.import_examiner(&with_secret, "чужой пароль")
            .expect("db")
            .err(),
        Some(ExaminerError::WrongPassphrase)
    );
    let installed = desk
        .import_examiner(&with_secret, PASSPHRASE)
        .expect("db")
        .expect("installed");
    assert_eq!(installed.public_key(), examiner.public_key());
    assert_eq!(
        desk.trusted_keys().expect("db"),
        vec![examiner.public_key()]
    );
    assert_eq!(
        desk.import_examiner(&with_secret, PASSPHRASE)
            .expect("db")
            .err(),
        Some(ExaminerError::AlreadySet)
    );

    // Another QA's key, signed in by this examiner.
    let other = Store::open(&folder.path().join("other.sqlite")).expect("store");
    let second = other
        .set_up_examiner("вторая служба качества")
        .expect("db")
        .expect("set");
    qa.trust_key(&examiner, &second.public_key(), "Служба качества, Казань")
        .expect("trust");
    assert_eq!(
        qa.trusted_keys().expect("db"),
        vec![examiner.public_key(), second.public_key()]
    );
}
