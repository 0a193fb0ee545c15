//! The team's PostgreSQL: its schema, migrated by versioned append-only steps like the local
//! store's, and the functions and rights (re-created by every `team init`) through which
//! desktops add records.

use postgres::{Client, NoTls};

use crate::TeamError;

/// Step N brings the schema from version N-1 to N; a released step is never edited.
const MIGRATIONS: &[&str] = &[
    include_str!("sql/001_records.sql"),
    include_str!("sql/002_statistics.sql"),
];

/// What desktops may run, and the rights of the two roles; re-created after migrating.
const DEFINITIONS: &str = include_str!("sql/definitions.sql");

/// The role every desktop logs in as.
pub const DESKTOP_ROLE: &str = "callcoach_desktop";
/// The role that reads everything (QA's login is made a member of it).
pub const QA_ROLE: &str = "callcoach_qa";

/// The schema version this build writes and expects.
pub fn schema_version() -> i32 {
    i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX)
}

/// Connects with `config`; `server` names it in messages.
pub fn connect(config: &postgres::Config, server: &str) -> Result<Client, TeamError> {
    config
        .connect(NoTls)
        .map_err(|error| TeamError::from_postgres(server, &error))
}

/// The server's schema version, 0 when no team was set up there.
pub fn version(client: &mut Client, server: &str) -> Result<i32, TeamError> {
    let row = client
        .query_one(
            "SELECT CASE WHEN to_regclass('callcoach.schema_migrations') IS NULL THEN 0 \
             ELSE (SELECT coalesce(max(version), 0) FROM callcoach.schema_migrations) END",
            &[],
        )
        .map_err(|error| TeamError::from_postgres(server, &error))?;
    Ok(row.get(0))
}

/// Checks that the server holds a team of exactly this build's schema.
pub fn check_version(client: &mut Client, server: &str) -> Result<(), TeamError> {
    let found = version(client, server)?;
    let known = schema_version();
    match found {
        0 => Err(TeamError::NoTeam {
            server: server.to_owned(),
        }),
        found if found < known => Err(TeamError::OlderServer {
            server: server.to_owned(),
            found,
            known,
        }),
        found if found > known => Err(TeamError::NewerServer {
            server: server.to_owned(),
            found,
            known,
        }),
        _ => Ok(()),
    }
}

/// Brings the schema up to `target` (all of this build's steps by default), each step in the
/// same transaction as its version; another `team init` running at once waits. Returns the
/// version found before.
pub fn migrate(client: &mut Client, server: &str, target: Option<i32>) -> Result<i32, TeamError> {
    let failed = |error: postgres::Error| TeamError::from_postgres(server, &error);
    let known = schema_version();
    let target = target.unwrap_or(known).min(known);
    client
        .batch_execute(
            "CREATE SCHEMA IF NOT EXISTS callcoach;
             CREATE TABLE IF NOT EXISTS callcoach.schema_migrations (
                 version integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             );",
        )
        .map_err(failed)?;
    let mut transaction = client.transaction().map_err(failed)?;
    transaction
        .batch_execute("LOCK TABLE callcoach.schema_migrations IN EXCLUSIVE MODE")
        .map_err(failed)?;
    let found: i32 = transaction
        .query_one(
            "SELECT coalesce(max(version), 0) FROM callcoach.schema_migrations",
            &[],
        )
        .map_err(failed)?
        .get(0);
    if found > known {
        return Err(TeamError::NewerServer {
            server: server.to_owned(),
            found,
            known,
        });
    }
    for (index, step) in MIGRATIONS.iter().enumerate() {
        let version = i32::try_from(index + 1).unwrap_or(i32::MAX);
        if version <= found || version > target {
            continue;
        }
        transaction.batch_execute(step).map_err(failed)?;
        transaction
            .execute(
                "INSERT INTO callcoach.schema_migrations (version) VALUES ($1)",
                &[&version],
            )
            .map_err(failed)?;
    }
    transaction.commit().map_err(failed)?;
    Ok(found)
}

/// Creates the two roles when missing, sets the desktops' password (sent already hashed, so it
/// never appears in the server's logs) and re-creates the functions and rights.
pub fn define(
    client: &mut Client,
    server: &str,
    desktop_password: Option<&str>,
) -> Result<(), TeamError> {
    let failed = |error: postgres::Error| TeamError::from_postgres(server, &error);
    let mut transaction = client.transaction().map_err(failed)?;
    transaction
        .batch_execute(&format!(
            "DO $$ BEGIN
                 IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{DESKTOP_ROLE}') THEN
                     CREATE ROLE {DESKTOP_ROLE} LOGIN;
                 END IF;
                 IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{QA_ROLE}') THEN
                     CREATE ROLE {QA_ROLE} NOLOGIN;
                 END IF;
             END $$;"
        ))
        .map_err(failed)?;
    if let Some(password) = desktop_password {
        let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
        // The verifier is SCRAM's salted hash; quoted as a literal (it has no quotes).
        transaction
            .batch_execute(&format!(
                "ALTER ROLE {DESKTOP_ROLE} LOGIN PASSWORD '{}'",
                verifier.replace('\'', "")
            ))
            .map_err(failed)?;
    }
    transaction.batch_execute(DEFINITIONS).map_err(failed)?;
    transaction.commit().map_err(failed)
}

/// Records the team on a server just set up: its name and examiner (the key file with the
/// secret, still encrypted under QA's passphrase). A team there already is kept.
pub fn create_team(
    client: &mut Client,
    server: &str,
    name: &str,
    examiner_key: &str,
) -> Result<(), TeamError> {
    client
        .execute(
            "INSERT INTO callcoach.team (name, examiner_key, created_at) \
             VALUES ($1, $2, callcoach.now_ms()) ON CONFLICT DO NOTHING",
            &[&name, &examiner_key],
        )
        .map_err(|error| TeamError::from_postgres(server, &error))?;
    Ok(())
}
