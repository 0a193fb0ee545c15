//! Team mode end to end: desktops with their own databases, each command its own process, on
//! one real PostgreSQL (a private cluster per test).

use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::sync::OnceLock;
use std::time::Duration;

use callcoach_core::scoring::Scorer;
use callcoach_core::store::Store;
use callcoach_core::text::Morphology;
use callcoach_team::test_server::{CALL, TestServer, record_call};
use postgres::{Client, NoTls};

use super::exam::{PASSPHRASE, exam, exam_command, issued, passing_replies, resolved_input};
use super::{callcoach_command, run_with_input, stderr, stdout};

pub(super) const DESKTOP_PASSWORD: &str = "пароль-рабочих-мест-2026";
pub(super) const TEAM: &str = "КЦ Самара";

/// A team: its server and a folder for the desktops' databases (QA's is `qa.sqlite`).
pub(super) struct Team {
    pub(super) server: TestServer,
    folder: tempfile::TempDir,
}

impl Team {
    /// A private cluster with the team set up by `team init`, as QA runs it.
    pub(super) fn new() -> Team {
        let server = TestServer::start(false).expect("a private PostgreSQL starts");
        let folder = tempfile::tempdir().expect("temp dir");
        let team = Team { server, folder };
        let output = team.run(
            &team.db("qa"),
            &["team", "init", &team.server.admin_address(), "--name", TEAM],
            "",
        );
        assert!(
            output.status.success(),
            "{}{}",
            stdout(&output),
            stderr(&output)
        );
        team
    }

    pub(super) fn db(&self, desktop: &str) -> PathBuf {
        self.folder.path().join(format!("{desktop}.sqlite"))
    }

    /// The desktops' address, without the password (asked, here from the environment).
    pub(super) fn address(&self) -> String {
        self.server
            .address(callcoach_team::server::DESKTOP_ROLE, None)
    }

    fn command(&self, db: &Path, args: &[&str]) -> std::process::Command {
        let mut full = vec!["--db", db.to_str().expect("utf-8")];
        full.extend_from_slice(args);
        let mut command = callcoach_command(&full);
        command
            .env("CALLCOACH_EXAMINER_PASSPHRASE", PASSPHRASE)
            .env("CALLCOACH_TEAM_PASSWORD", DESKTOP_PASSWORD);
        command
    }

    #[track_caller]
    pub(super) fn run(&self, db: &Path, args: &[&str], stdin: &str) -> Output {
        run_with_input(&mut self.command(db, args), stdin)
    }

    /// A desktop joined to the team; returns its database.
    #[track_caller]
    pub(super) fn join(&self, desktop: &str) -> PathBuf {
        let db = self.db(desktop);
        let output = self.run(
            &db,
            &["team", "join", &self.address(), "--name", desktop],
            "",
        );
        assert!(
            output.status.success(),
            "{}{}",
            stdout(&output),
            stderr(&output)
        );
        db
    }

    /// Two desktops, Anna added on the first, and a folder for certificates.
    fn two_desktops_for_an_exam(&self) -> (PathBuf, PathBuf, PathBuf) {
        let first = self.join("место-1");
        let second = self.join("место-2");
        succeeded(&self.run(&first, &["trainee", "add", "Анна Смирнова"], ""));
        let out = self.folder.path().join("certificates");
        std::fs::create_dir_all(&out).expect("folder");
        (first, second, out)
    }

    fn admin(&self) -> Client {
        Client::connect(&self.server.admin_address(), NoTls).expect("QA connects")
    }

    pub(super) fn count(&self, sql: &str) -> i64 {
        self.admin().query_one(sql, &[]).expect(sql).get(0)
    }
}

fn scorer() -> &'static Scorer {
    static SCORER: OnceLock<Scorer> = OnceLock::new();
    SCORER.get_or_init(|| {
        Scorer::with_default_rubric(Morphology::shared().expect("dictionary")).expect("rubric")
    })
}

/// Records `count` calls of `trainee` straight into a desktop's database (as if made while the
/// server was away).
pub(super) fn record_calls(db: &Path, trainee: &str, count: usize) {
    let mut store = Store::open(db).expect("desktop database");
    for _ in 0..count {
        record_call(&mut store, scorer(), trainee, CALL).expect("call");
    }
}

/// Waits until `condition` holds (never for a fixed time: a busy machine only makes it later).
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..6000 {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("gave up waiting: {what}");
}

#[track_caller]
pub(super) fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}{}",
        stdout(output),
        stderr(output)
    );
    stdout(output)
}

#[test]
fn a_trainee_added_on_one_desktop_is_known_on_all_and_one_name_is_one_trainee() {
    let team = Team::new();
    let first = team.join("место-1");
    let second = team.join("место-2");
    succeeded(&team.run(
        &first,
        &["trainee", "add", "Анна Смирнова", "--cohort", "Набор март"],
        "",
    ));
    // Two desktops add the same new name at the same moment.
    let spawn = |db: &Path| {
        let mut command = team.command(db, &["trainee", "add", "Борис Петров"]);
        command.spawn().expect("starts")
    };
    let (one, two): (Child, Child) = (spawn(&first), spawn(&second));
    for child in [one, two] {
        let output = child.wait_with_output().expect("finishes");
        succeeded(&output);
        assert!(
            !stderr(&output).contains("не отправлено"),
            "{}",
            stderr(&output)
        );
    }
    assert_eq!(team.count("SELECT count(*) FROM callcoach.trainees"), 2);
    // A desktop that joins later knows both, with the cohort.
    let third = team.join("место-3");
    let list = succeeded(&team.run(&third, &["trainee", "list"], ""));
    assert!(
        list.contains("Анна Смирнова") && list.contains("Борис Петров"),
        "{list}"
    );
    let store = Store::open_existing(&third).expect("db");
    let anna = store
        .trainee("Анна Смирнова")
        .expect("read")
        .expect("known here");
    assert_eq!(
        store.cohort(&anna).expect("cohort").as_deref(),
        Some("Набор март")
    );
    // Adding a name the team has is refused as a duplicate once the roster is here.
    let again = team.run(&third, &["trainee", "add", "Анна Смирнова"], "");
    assert!(!again.status.success());
    assert!(stderr(&again).contains("уже есть"), "{}", stderr(&again));
}

#[test]
fn a_failed_exam_on_one_desktop_blocks_a_retake_on_another_within_the_wait() {
    let team = Team::new();
    let (first, second, out) = team.two_desktops_for_an_exam();
    // A sitting failed on the first desktop (every reply a bare «Алло»).
    let failed = exam(&first, &out, Some(PASSPHRASE), &"Алло\n/end\n".repeat(3));
    let failed_text = succeeded(&failed);
    assert!(failed_text.contains("Экзамен не сдан"), "{failed_text}");
    assert_eq!(
        team.count("SELECT count(*) FROM callcoach.verdicts WHERE NOT passed"),
        1
    );
    // On the second desktop the trainee waits, as they would on the first.
    let retake = exam(&second, &out, Some(PASSPHRASE), &passing_replies());
    let text = stdout(&retake);
    assert!(!retake.status.success(), "{text}");
    assert!(
        text.contains("после неудачной попытки нужно подождать"),
        "{text}"
    );
    assert!(issued(&out, "json").is_empty());
    assert_eq!(team.count("SELECT count(*) FROM callcoach.sittings"), 1);
}

#[test]
fn an_exam_in_team_mode_needs_the_server_and_says_so() {
    let team = Team::new();
    let desktop = team.join("место-1");
    succeeded(&team.run(&desktop, &["trainee", "add", "Анна Смирнова"], ""));
    team.server.stop().expect("stopped");
    let out = team.folder.path();
    let refused = exam(&desktop, out, Some(PASSPHRASE), &passing_replies());
    let message = stderr(&refused);
    assert_eq!(refused.status.code(), Some(2), "{message}");
    assert!(
        message.contains("экзамен не начат") && message.contains("недоступен"),
        "{message}"
    );
    assert!(message.contains("только при связи с сервером"), "{message}");
    // Practice goes on without the server.
    let practice = team.run(
        &desktop,
        &["play", "internet_down", "--trainee", "Анна Смирнова"],
        "Добрый день! Меня зовут Анна.\n/end\n",
    );
    succeeded(&practice);
    assert!(
        stderr(&practice).contains("не отправлено в команду"),
        "{}",
        stderr(&practice)
    );
}

#[test]
fn a_certificate_issued_on_one_desktop_verifies_on_another() {
    let team = Team::new();
    let (first, second, out) = team.two_desktops_for_an_exam();
    let passed = succeeded(&exam(&first, &out, Some(PASSPHRASE), &passing_replies()));
    assert!(passed.contains("Экзамен сдан"), "{passed}");
    let certificate = issued(&out, "json").pop().expect("a certificate");
    let file = certificate.to_str().expect("utf-8");
    let verified = succeeded(&team.run(&second, &["cert", "verify", file], ""));
    assert!(verified.contains("Сертификат действителен"), "{verified}");
    assert!(
        verified.contains(&format!("команды «{TEAM}»")),
        "{verified}"
    );
    assert_eq!(team.count("SELECT count(*) FROM callcoach.certificates"), 1);
    // A desktop outside the team has nothing to trust it by.
    let outside = team.folder.path().join("outside.sqlite");
    succeeded(&team.run(&outside, &["trainee", "add", "Кто-то"], ""));
    let refused = team.run(&outside, &["cert", "verify", file], "");
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
}

#[test]
fn the_server_stopped_during_a_call_and_during_a_sync_loses_nothing_and_sends_it_once() {
    let team = Team::new();
    let desktop = team.join("место-1");
    succeeded(&team.run(&desktop, &["trainee", "add", "Анна Смирнова"], ""));

    // During a call: the server goes away after the first reply.
    let mut call = team
        .command(
            &desktop,
            &["play", "internet_down", "--trainee", "Анна Смирнова"],
        )
        .spawn()
        .expect("starts");
    let mut input = call.stdin.take().expect("stdin");
    use std::io::Write;
    writeln!(
        input,
        "Добрый день! Меня зовут Анна, компания «Ромашка Телеком»."
    )
    .expect("reply");
    input.flush().expect("flush");
    wait_until("the reply is recorded", || {
        Store::open_existing(&desktop)
            .and_then(|store| {
                let anna = store.trainee("Анна Смирнова")?.expect("trainee");
                Ok(store.attempts(&anna)?.len())
            })
            .is_ok_and(|attempts| attempts == 1)
    });
    team.server.stop().expect("stopped");
    writeln!(input, "Понимаю, как это неудобно. Я проверю линию.\n/end").expect("reply");
    drop(input);
    let output = call.wait_with_output().expect("finishes");
    succeeded(&output);
    assert!(
        stderr(&output).contains("недоступен"),
        "{}",
        stderr(&output)
    );
    let status = succeeded(&team.run(&desktop, &["team", "status"], ""));
    assert!(status.contains("Ждут отправки: 1"), "{status}");

    // During a sync: many calls made meanwhile; QA holds the checkpoints table, so the sync
    // stops there with every attempt already on the server, and the server goes away.
    record_calls(&desktop, "Анна Смирнова", 30);
    succeeded(&team.run(&desktop, &["db", "anchor"], ""));
    team.server.start_again().expect("started");
    let mut qa = team.admin();
    let mut lock = qa.transaction().expect("transaction");
    lock.batch_execute("LOCK TABLE callcoach.checkpoints IN ACCESS EXCLUSIVE MODE")
        .expect("lock");
    let sync = team
        .command(&desktop, &["team", "sync"])
        .spawn()
        .expect("starts");
    let mut watcher = team.admin();
    wait_until("the sync waits for the checkpoints", || {
        watcher
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'callcoach' \
                 AND wait_event_type = 'Lock'",
                &[],
            )
            .map(|row| row.get::<_, i64>(0))
            .is_ok_and(|waiting| waiting == 1)
    });
    assert_eq!(team.count("SELECT count(*) FROM callcoach.attempts"), 31);
    // Stopped while the sync still waits (the lock goes with QA's cut session).
    team.server.stop().expect("stopped mid-sync");
    drop(lock);
    drop(qa);
    drop(watcher);
    let cut = sync.wait_with_output().expect("finishes");
    assert_eq!(
        cut.status.code(),
        Some(1),
        "{}{}",
        stdout(&cut),
        stderr(&cut)
    );
    assert!(
        stdout(&cut).contains("ничего не потеряно"),
        "{}",
        stdout(&cut)
    );

    team.server.start_again().expect("started again");
    let resumed = succeeded(&team.run(&desktop, &["team", "sync"], ""));
    assert!(resumed.contains("Ждут отправки: 0"), "{resumed}");
    assert_eq!(team.count("SELECT count(*) FROM callcoach.attempts"), 31);
    assert_eq!(
        team.count("SELECT count(DISTINCT (desktop, local_id)) FROM callcoach.attempts"),
        31
    );
    assert!(team.count("SELECT count(*) FROM callcoach.checkpoints") >= 1);
    assert_eq!(
        team.count("SELECT attempts FROM callcoach.trainee_stats"),
        31
    );
    // The same sync again sends nothing.
    let again = succeeded(&team.run(&desktop, &["team", "sync"], ""));
    assert!(again.contains("отправлено записей — 0"), "{again}");
    assert_eq!(team.count("SELECT count(*) FROM callcoach.attempts"), 31);
}

#[test]
fn a_sitting_that_loses_the_server_midway_goes_on_and_is_sent_later() {
    let team = Team::new();
    let (desktop, other, out) = team.two_desktops_for_an_exam();
    let mut sitting = exam_command(&desktop, &out, Some(PASSPHRASE))
        .spawn()
        .expect("starts");
    let mut input = sitting.stdin.take().expect("stdin");
    // The basic exam's three calls in the order it plays them (as `passing_replies`).
    let calls: Vec<String> = ["internet_down", "warranty_repair", "fraud_sms"]
        .into_iter()
        .map(resolved_input)
        .collect();
    use std::io::Write;
    input
        .write_all(calls[0].as_bytes())
        .expect("the first call");
    input.flush().expect("flush");
    wait_until("the first call of the sitting is sealed", || {
        Store::open_existing(&desktop)
            .and_then(|store| store.outbox())
            .is_ok_and(|outbox| !outbox.attempts.is_empty())
    });
    assert_eq!(
        team.count("SELECT count(*) FROM callcoach.sittings"),
        1,
        "the start was sent"
    );
    team.server.stop().expect("stopped");
    for call in &calls[1..] {
        input.write_all(call.as_bytes()).expect("the next call");
    }
    drop(input);
    let output = sitting.wait_with_output().expect("finishes");
    let text = succeeded(&output);
    assert!(text.contains("Экзамен сдан"), "{text}");
    assert!(
        stderr(&output).contains("не отправлено в команду"),
        "{}",
        stderr(&output)
    );

    team.server.start_again().expect("started");
    succeeded(&team.run(&desktop, &["team", "sync"], ""));
    assert_eq!(
        team.count("SELECT count(*) FROM callcoach.verdicts WHERE passed"),
        1
    );
    assert_eq!(team.count("SELECT count(*) FROM callcoach.certificates"), 1);
    assert_eq!(
        team.count("SELECT count(*) FROM callcoach.attempts WHERE sitting IS NOT NULL"),
        3
    );
    // The other desktop's report of Anna shows the passed sitting.
    let report = succeeded(&team.run(&other, &["report", "--trainee", "Анна Смирнова"], ""));
    assert!(
        report.contains("basic") && report.contains("CC-"),
        "{report}"
    );
}

#[test]
fn eight_desktops_push_at_once() {
    let team = Team::new();
    let desktops: Vec<PathBuf> = (1..=8).map(|n| team.join(&format!("место-{n}"))).collect();
    for (n, db) in desktops.iter().enumerate() {
        record_calls(db, &format!("Стажёр {}", n % 3), 12);
    }
    let children: Vec<Child> = desktops
        .iter()
        .map(|db| team.command(db, &["team", "sync"]).spawn().expect("starts"))
        .collect();
    for child in children {
        succeeded(&child.wait_with_output().expect("finishes"));
    }
    assert_eq!(team.count("SELECT count(*) FROM callcoach.attempts"), 96);
    assert_eq!(
        team.count("SELECT count(DISTINCT desktop) FROM callcoach.attempts"),
        8
    );
    assert_eq!(team.count("SELECT count(*) FROM callcoach.trainees"), 3);
    assert_eq!(
        team.count("SELECT sum(attempts)::bigint FROM callcoach.trainee_stats"),
        96
    );
    assert_eq!(
        team.count("SELECT sum(n)::bigint FROM callcoach.rule_counts"),
        team.count("SELECT count(*) FROM callcoach.findings")
    );
}

#[test]
fn a_tampered_desktop_database_is_refused_naming_the_desktop_and_the_attempt() {
    let team = Team::new();
    let desktop = team.join("место-1");
    record_calls(&desktop, "Анна Смирнова", 2);
    let raw = rusqlite::Connection::open(&desktop).expect("raw");
    raw.execute(
        "UPDATE attempts SET total = 100, passed = 1 WHERE id = 2",
        [],
    )
    .expect("score raised behind callcoach's back");
    let id = Store::open_existing(&desktop)
        .expect("db")
        .issuer_id()
        .expect("id");
    let refused = team.run(&desktop, &["team", "sync"], "");
    let message = stderr(&refused);
    assert_eq!(refused.status.code(), Some(2), "{message}");
    assert!(
        message.contains(&id) && message.contains("№ 2"),
        "{message}"
    );
    assert!(message.contains("изменена после завершения"), "{message}");
    assert_eq!(team.count("SELECT count(*) FROM callcoach.attempts"), 1);
    assert_eq!(
        team.count("SELECT count(*) FROM callcoach.attempts WHERE total = 100"),
        0
    );
}

#[test]
fn secrets_are_never_printed_and_the_settings_are_the_users_alone() {
    let team = Team::new();
    let db = team.db("место-1");
    let address = team
        .server
        .address(callcoach_team::server::DESKTOP_ROLE, Some(DESKTOP_PASSWORD));
    let mut join = callcoach_command(&[
        "--db",
        db.to_str().expect("utf-8"),
        "team",
        "join",
        &address,
    ]);
    let joined = run_with_input(&mut join, "");
    let mut printed = succeeded(&joined) + &stderr(&joined);
    printed += &stdout(&team.run(&db, &["team", "status"], ""));
    team.server.stop().expect("stopped");
    let down = team.run(&db, &["team", "sync"], "");
    printed += &stdout(&down);
    printed += &stderr(&down);
    assert!(printed.contains("callcoach_desktop@"), "{printed}");
    let encoded: String = DESKTOP_PASSWORD
        .bytes()
        .map(|b| format!("%{b:02X}"))
        .collect();
    assert!(
        !printed.contains(DESKTOP_PASSWORD) && !printed.contains(&encoded),
        "{printed}"
    );
    let settings = callcoach_team::settings_path(&db);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&settings)
        .expect("settings")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{settings:?}");
}

#[test]
fn without_a_team_the_desktop_works_alone_and_says_so() {
    let folder = tempfile::tempdir().expect("temp dir");
    let db = folder.path().join("progress.sqlite");
    let mut add = callcoach_command(&[
        "--db",
        db.to_str().expect("utf-8"),
        "trainee",
        "add",
        "Анна",
    ]);
    let added = run_with_input(&mut add, "");
    succeeded(&added);
    assert!(stderr(&added).is_empty(), "{}", stderr(&added));
    let mut status = callcoach_command(&["--db", db.to_str().expect("utf-8"), "team", "status"]);
    let text = succeeded(&run_with_input(&mut status, ""));
    assert!(text.contains("не подключено к команде"), "{text}");
    let mut sync = callcoach_command(&["--db", db.to_str().expect("utf-8"), "team", "sync"]);
    let refused = run_with_input(&mut sync, "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("callcoach team join"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn reports_cover_every_desktop_of_the_team_by_cohort_with_each_desktops_last_sync() {
    let team = Team::new();
    let first = team.join("место-1");
    let second = team.join("место-2");
    succeeded(&team.run(
        &first,
        &["trainee", "add", "Анна Смирнова", "--cohort", "Набор март"],
        "",
    ));
    succeeded(&team.run(
        &second,
        &["trainee", "add", "Олег Иванов", "--cohort", "Набор апрель"],
        "",
    ));
    record_calls(&first, "Анна Смирнова", 2);
    record_calls(&second, "Анна Смирнова", 1);
    record_calls(&second, "Олег Иванов", 3);
    succeeded(&team.run(&first, &["team", "sync"], ""));

    // Anna's progress on the second desktop has the calls she made on the first.
    let anna = succeeded(&team.run(&second, &["report", "--trainee", "Анна Смирнова"], ""));
    assert!(anna.contains("Попытки (3)"), "{anna}");
    let first_id = Store::open_existing(&first)
        .expect("db")
        .issuer_id()
        .expect("id");
    assert!(anna.contains(&format!("(место {first_id})")), "{anna}");

    // QA's report over the team, from the second desktop.
    let group = succeeded(&team.run(&second, &["report", "--all"], ""));
    assert!(
        group.contains(&format!("Команда «{TEAM}»: стажёров 2")),
        "{group}"
    );
    assert!(group.contains("Группа «Набор март»: стажёров 1"), "{group}");
    assert!(
        group.contains("Группа «Набор апрель»: стажёров 1"),
        "{group}"
    );
    assert!(
        group.contains("место-1 (") && group.contains("место-2 ("),
        "{group}"
    );
    assert!(!group.contains("ещё не синхронизировалось"), "{group}");
    let anna_line = group
        .lines()
        .find(|line| line.contains("Анна Смирнова"))
        .expect("Anna's line");
    assert_eq!(
        anna_line.split_whitespace().nth(2),
        Some("3"),
        "{anna_line}"
    );
    let csv = succeeded(&team.run(&second, &["report", "--all", "--format", "csv"], ""));
    assert!(
        csv.lines()
            .any(|line| line.starts_with("Олег Иванов,3,3,") && line.ends_with(",Набор апрель")),
        "{csv}"
    );
    let json = succeeded(&team.run(&second, &["report", "--all", "--format", "json"], ""));
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(value["team"], TEAM);
    assert_eq!(value["desktops"].as_array().map(Vec::len), Some(2));
    let html = succeeded(&team.run(&second, &["report", "--all", "--format", "html"], ""));
    assert!(
        html.contains("<svg") && html.contains("Средний итог по группам"),
        "chart"
    );

    // With the server away the report is this desktop's alone, and says so.
    team.server.stop().expect("stopped");
    let alone = team.run(&second, &["report", "--trainee", "Анна Смирнова"], "");
    let text = succeeded(&alone);
    assert!(text.contains("Попытки (1)"), "{text}");
    assert!(
        stderr(&alone).contains("отчёт только по этому рабочему месту"),
        "{}",
        stderr(&alone)
    );
}

#[test]
fn after_the_server_is_restored_from_an_older_backup_sync_all_sends_what_it_lacks() {
    let team = Team::new();
    let desktop = team.join("место-1");
    record_calls(&desktop, "Анна Смирнова", 3);
    succeeded(&team.run(&desktop, &["team", "sync"], ""));
    // The backup was taken before the third call arrived.
    team.admin()
        .batch_execute(
            "DELETE FROM callcoach.findings WHERE attempt = 3;
             DELETE FROM callcoach.category_scores WHERE attempt = 3;
             DELETE FROM callcoach.attempts WHERE local_id = 3;",
        )
        .expect("restored");
    let plain = succeeded(&team.run(&desktop, &["team", "sync"], ""));
    assert!(plain.contains("отправлено записей — 0"), "{plain}");
    assert_eq!(team.count("SELECT count(*) FROM callcoach.attempts"), 2);
    let all = succeeded(&team.run(&desktop, &["team", "sync", "--all"], ""));
    // The two calls the server kept are skipped, not doubled.
    assert!(all.contains("(ещё 2 уже были на сервере)"), "{all}");
    assert_eq!(team.count("SELECT count(*) FROM callcoach.attempts"), 3);
}
