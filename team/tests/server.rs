//! The team's server against a real PostgreSQL (a private cluster per test): what it accepts
//! from desktops, what it refuses, and its migrations.

use std::sync::OnceLock;

use callcoach_core::scoring::Scorer;
use callcoach_core::store::Store;
use callcoach_core::text::Morphology;
use callcoach_team::test_server::{CALL, TestServer, record_call};
use callcoach_team::{Team, TeamError, client_config, server, server_name};
use postgres::{Client, NoTls};

const PASSPHRASE: &str = "служба качества проверяет звонки";
const DESKTOP_PASSWORD: &str = "пароль-рабочих-мест-2026";

fn scorer() -> &'static Scorer {
    static SCORER: OnceLock<Scorer> = OnceLock::new();
    SCORER.get_or_init(|| {
        Scorer::with_default_rubric(Morphology::shared().expect("dictionary")).expect("rubric")
    })
}

fn admin(server: &TestServer) -> Client {
    Client::connect(&server.admin_address(), NoTls).expect("admin connects")
}

/// A server with a team set up as `team init` does it; QA's own database in `folder`.
fn team_server(folder: &std::path::Path) -> TestServer {
    TestServer::with_team("КЦ Самара", DESKTOP_PASSWORD, PASSPHRASE, folder)
        .expect("a private PostgreSQL with a team")
}

fn desktop_address(cluster: &TestServer) -> String {
    cluster.address(server::DESKTOP_ROLE, Some(DESKTOP_PASSWORD))
}

/// A desktop that joined, with its database.
fn desktop(cluster: &TestServer, folder: &std::path::Path, name: &str) -> (Store, Team) {
    let db = folder.join(format!("{name}.sqlite"));
    let store = Store::open(&db).expect("desktop database");
    let joined =
        callcoach_team::join(&store, &db, &desktop_address(cluster), None, name).expect("joined");
    (store, joined.team)
}

fn count(client: &mut Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).expect(sql).get(0)
}

#[test]
fn the_desktop_role_reads_but_never_updates_or_deletes_history() {
    let folder = tempfile::tempdir().expect("temp dir");
    let cluster = team_server(folder.path());
    let (mut store, mut team) = desktop(&cluster, folder.path(), "место-1");
    record_call(&mut store, scorer(), "Анна Смирнова", CALL).expect("call");
    team.sync(&mut store).expect("synced");

    let mut desktop = Client::connect(&desktop_address(&cluster), NoTls).expect("desktop logs in");
    assert_eq!(
        count(&mut desktop, "SELECT count(*) FROM callcoach.attempts"),
        1
    );
    for sql in [
        "UPDATE callcoach.attempts SET total = 100",
        "DELETE FROM callcoach.attempts",
        "DELETE FROM callcoach.findings",
        "UPDATE callcoach.trainees SET name = 'Кто-то другой'",
        "DELETE FROM callcoach.sittings",
        "UPDATE callcoach.verdicts SET passed = true",
        "DELETE FROM callcoach.certificates",
        "UPDATE callcoach.trainee_stats SET passed = 99",
        "TRUNCATE callcoach.attempts CASCADE",
        "INSERT INTO callcoach.trainees (name, added_by, added_at) VALUES ('Подставной', 'X', 0)",
        "SELECT token_hash FROM callcoach.desktops",
        "SELECT callcoach.checked_desktop('X', 'Y')",
    ] {
        let error = desktop
            .batch_execute(sql)
            .expect_err(&format!("the desktop role may not run: {sql}"));
        assert_eq!(
            error.code().map(|code| code.code()),
            Some("42501"),
            "{sql}: {error:?}"
        );
    }
    let mut qa = admin(&cluster);
    assert_eq!(count(&mut qa, "SELECT count(*) FROM callcoach.attempts"), 1);
    assert_eq!(
        count(&mut qa, "SELECT total::bigint FROM callcoach.attempts"),
        count(&mut qa, "SELECT total_sum FROM callcoach.trainee_stats")
    );
}

#[test]
fn the_server_checks_each_seal_itself_and_names_the_desktop_and_attempt() {
    let folder = tempfile::tempdir().expect("temp dir");
    let cluster = team_server(folder.path());
    let (mut store, team) = desktop(&cluster, folder.path(), "место-2");
    for _ in 0..3 {
        record_call(&mut store, scorer(), "Анна Смирнова", CALL).expect("call");
    }
    let outbox = store.outbox().expect("outbox");
    let [first, second, third] = &outbox.attempts[..] else {
        panic!("three attempts to send: {:?}", outbox.attempts.len());
    };
    let settings = team.settings().clone();
    let mut desktop = Client::connect(&desktop_address(&cluster), NoTls).expect("desktop logs in");
    let push =
        |client: &mut Client, attempt: &callcoach_core::store::OutgoingAttempt, document: &str| {
            client
                .query_one(
                    "SELECT callcoach.push_attempt($1, $2, $3, $4, $5, $6)",
                    &[
                        &settings.desktop,
                        &settings.token,
                        &attempt.trainee,
                        &i32::try_from(attempt.seal_version).expect("form"),
                        &attempt.chain_hash,
                        &document,
                    ],
                )
                .map(|row| row.get::<_, String>(0))
        };
    // The trainee first, as a sync sends them.
    desktop
        .query_one(
            "SELECT callcoach.add_trainee($1, $2, 'Анна Смирнова', NULL, 0)",
            &[&settings.desktop, &settings.token],
        )
        .expect("trainee");

    // A raised score, sent with the seal the attempt was sealed with.
    let forged = first.document.replacen(
        &format!("\"finished\",{}", total_of(&first.document)),
        "\"finished\",100",
        1,
    );
    assert_ne!(forged, first.document, "the forged document differs");
    let error = push(&mut desktop, first, &forged).expect_err("a forged document is refused");
    let message = error
        .as_db_error()
        .expect("server's message")
        .message()
        .to_owned();
    assert!(
        message.contains(&settings.desktop) && message.contains(&format!("№ {}", first.id)),
        "{message}"
    );
    assert!(message.contains("изменена после завершения"), "{message}");

    // A gap: the third attempt before the second.
    assert_eq!(
        push(&mut desktop, first, &first.document).expect("genuine"),
        "added"
    );
    let error = push(&mut desktop, third, &third.document).expect_err("a gap is refused");
    let message = error
        .as_db_error()
        .expect("server's message")
        .message()
        .to_owned();
    assert!(message.contains("предыдущая запись цепочки"), "{message}");
    assert_eq!(
        push(&mut desktop, second, &second.document).expect("genuine"),
        "added"
    );
    assert_eq!(
        push(&mut desktop, third, &third.document).expect("genuine"),
        "added"
    );
    // The same attempt again is known, not doubled.
    assert_eq!(
        push(&mut desktop, first, &first.document).expect("again"),
        "known"
    );
    let mut qa = admin(&cluster);
    assert_eq!(count(&mut qa, "SELECT count(*) FROM callcoach.attempts"), 3);
    assert_eq!(
        count(&mut qa, "SELECT attempts FROM callcoach.trainee_stats"),
        3
    );
}

/// The total in an attempt document (form 2: the 12th value of its row).
fn total_of(document: &str) -> i64 {
    let value: serde_json::Value = serde_json::from_str(document).expect("json");
    value["attempt"][0][11].as_i64().expect("a scored attempt")
}

#[test]
fn a_sync_cut_after_the_server_took_records_is_repeated_without_duplicates() {
    let folder = tempfile::tempdir().expect("temp dir");
    let cluster = team_server(folder.path());
    let (mut store, mut team) = desktop(&cluster, folder.path(), "место-3");
    for _ in 0..4 {
        record_call(&mut store, scorer(), "Борис Петров", CALL).expect("call");
    }
    let first = team.sync(&mut store).expect("synced");
    assert_eq!(first.sent, 5, "a trainee and four attempts: {first:?}");
    // The answer was lost: the desktop does not know the server has them.
    let raw = rusqlite::Connection::open(folder.path().join("место-3.sqlite")).expect("raw");
    raw.execute("DELETE FROM team_sent", [])
        .expect("marks lost");
    let again = team.sync(&mut store).expect("synced again");
    assert_eq!((again.sent, again.known), (1, 4), "{again:?}");
    let mut qa = admin(&cluster);
    assert_eq!(count(&mut qa, "SELECT count(*) FROM callcoach.attempts"), 4);
    assert_eq!(count(&mut qa, "SELECT count(*) FROM callcoach.trainees"), 1);
    assert_eq!(
        count(&mut qa, "SELECT attempts FROM callcoach.trainee_stats"),
        4
    );
    let nothing = team.sync(&mut store).expect("nothing new");
    assert_eq!((nothing.sent, nothing.known), (0, 0));
}

#[test]
fn migrations_from_an_older_schema_keep_the_records_and_fill_the_statistics() {
    let cluster = TestServer::start(false).expect("a private PostgreSQL starts");
    let mut client = admin(&cluster);
    let label = server_name(&cluster.admin_address());
    assert_eq!(
        server::migrate(&mut client, &label, Some(1)).expect("v1"),
        0
    );
    // Records written by a callcoach of schema 1.
    client
        .batch_execute(
            "INSERT INTO callcoach.desktops VALUES ('AAA111', 'место', 'x', 0);
             INSERT INTO callcoach.trainees (name, cohort, added_by, added_at)
                 VALUES ('Анна Смирнова', 'Набор март', 'AAA111', 0);
             INSERT INTO callcoach.attempts VALUES
                 ('AAA111', 1, 1, 'practice', 'internet_down', 1000, 2000, 'finished', 60, false,
                  NULL, 1, 2, 'h1', '{}', 0),
                 ('AAA111', 2, 1, 'practice', 'internet_down', 3000, 4000, 'finished', 90, true,
                  NULL, 2, 2, 'h2', '{}', 0);
             INSERT INTO callcoach.findings VALUES
                 ('AAA111', 1, 1, 'greeting.name', 'greeting', 'error'),
                 ('AAA111', 2, 1, 'greeting.name', 'greeting', 'error');",
        )
        .expect("old records");
    // A desktop of this build does not work against the old schema: QA upgrades it first.
    let error = server::check_version(&mut client, &label).expect_err("old schema");
    assert!(
        matches!(error, TeamError::OlderServer { found: 1, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("team init"), "{error}");

    assert_eq!(
        server::migrate(&mut client, &label, None).expect("upgraded"),
        1
    );
    server::check_version(&mut client, &label).expect("current now");
    let row = client
        .query_one(
            "SELECT attempts, scored, total_sum, passed, last_total FROM callcoach.trainee_stats",
            &[],
        )
        .expect("statistics");
    let stats: (i64, i64, i64, i64, Option<i32>) =
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
    assert_eq!(stats, (2, 2, 150, 1, Some(90)));
    assert_eq!(
        count(
            &mut client,
            "SELECT n FROM callcoach.rule_counts WHERE rule = 'greeting.name'"
        ),
        2
    );
    // Migrating again changes nothing.
    assert_eq!(
        server::migrate(&mut client, &label, None).expect("again"),
        2
    );
    assert_eq!(
        count(
            &mut client,
            "SELECT count(*) FROM callcoach.schema_migrations"
        ),
        2
    );
}

#[test]
fn a_server_that_is_down_is_said_in_russian_and_the_records_wait() {
    let folder = tempfile::tempdir().expect("temp dir");
    let cluster = team_server(folder.path());
    let (mut store, team) = desktop(&cluster, folder.path(), "место-4");
    let settings = team.settings().clone();
    drop(team);
    cluster.stop().expect("stopped");
    record_call(&mut store, scorer(), "Анна Смирнова", CALL).expect("a call while it is down");
    let error = Team::connect(settings.clone()).expect_err("down");
    assert!(error.is_unreachable(), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("недоступен") && message.contains("ничего не потеряно"),
        "{message}"
    );
    assert!(!message.contains(DESKTOP_PASSWORD), "{message}");
    let outbox = store.outbox().expect("outbox");
    assert_eq!(outbox.attempts.len(), 1);
    // The count the status lines show is the outbox's.
    assert_eq!(store.unsent().expect("count"), outbox.len());
    cluster.start_again().expect("started");
    let mut team = Team::connect(settings).expect("back");
    // The trainee and the call.
    assert_eq!(team.sync(&mut store).expect("synced").sent, 2);
    assert!(store.outbox().expect("outbox").is_empty());
}

#[test]
fn a_wrong_password_is_a_login_error_without_the_password() {
    let folder = tempfile::tempdir().expect("temp dir");
    let cluster = team_server(folder.path());
    let store = Store::open(&folder.path().join("x.sqlite")).expect("db");
    let address = cluster.address(server::DESKTOP_ROLE, Some("не-тот-пароль"));
    let error = callcoach_team::join(&store, &folder.path().join("x.sqlite"), &address, None, "x")
        .expect_err("refused");
    assert!(matches!(error, TeamError::Login { .. }), "{error}");
    assert!(!error.to_string().contains("не-тот-пароль"), "{error}");
    assert!(client_config(&address, None).is_ok());
}

#[test]
fn a_database_with_another_examiner_does_not_join_and_nothing_changes() {
    let folder = tempfile::tempdir().expect("temp dir");
    let cluster = team_server(folder.path());
    let db = folder.path().join("своя.sqlite");
    let store = Store::open(&db).expect("database");
    let own = store
        .set_up_examiner("своя служба качества в другом городе")
        .expect("store")
        .expect("examiner");
    let error = callcoach_team::join(&store, &db, &desktop_address(&cluster), None, "своя")
        .expect_err("refused");
    assert!(matches!(error, TeamError::OtherExaminer { .. }), "{error}");
    assert!(error.to_string().contains("новую базу"), "{error}");
    assert_eq!(
        store.examiner_public_key().expect("key"),
        Some(own.public_key()),
        "this database's examiner is kept"
    );
    assert!(!callcoach_team::settings_path(&db).exists());
    let mut qa = admin(&cluster);
    assert_eq!(count(&mut qa, "SELECT count(*) FROM callcoach.desktops"), 0);
}
