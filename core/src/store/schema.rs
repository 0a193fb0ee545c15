//! Append-only migrations. Step N brings the schema from `user_version` N-1 to N; a step, once
//! released, is never edited — a change is a new step.

use rusqlite::{Connection, Transaction};

/// One step: its SQL and, when data must be rewritten in Rust, a function run after it in the
/// same transaction.
type Step = (
    &'static str,
    Option<fn(&Transaction<'_>) -> rusqlite::Result<()>>,
);

const MIGRATIONS: &[Step] = &[
    (
        // 1: trainees, attempts and their turns, findings and category scores.
        "CREATE TABLE trainees (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        trainee_id INTEGER NOT NULL REFERENCES trainees(id),
        mode TEXT NOT NULL CHECK (mode IN ('practice', 'exam')),
        scenario_id TEXT NOT NULL,
        scenario_hash TEXT NOT NULL,
        rubric_hash TEXT NOT NULL,
        seed INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        status TEXT NOT NULL
            CHECK (status IN ('in_progress', 'finished', 'interrupted', 'abandoned')),
        pid INTEGER,
        total INTEGER,
        passed INTEGER
    );
    CREATE INDEX attempts_by_trainee ON attempts (trainee_id, started_at);
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY,
        attempt_id INTEGER NOT NULL REFERENCES attempts(id),
        idx INTEGER NOT NULL,
        speaker TEXT NOT NULL CHECK (speaker IN ('agent', 'customer')),
        text TEXT,
        hold_seconds INTEGER,
        input TEXT NOT NULL CHECK (input IN ('typed', 'speech')),
        at_seconds REAL NOT NULL,
        recorded_at INTEGER NOT NULL,
        UNIQUE (attempt_id, idx)
    );
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        attempt_id INTEGER NOT NULL REFERENCES attempts(id),
        rule TEXT NOT NULL,
        category TEXT NOT NULL,
        turn INTEGER,
        span_start INTEGER,
        span_end INTEGER,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        suggestion TEXT NOT NULL
    );
    CREATE INDEX findings_by_attempt ON findings (attempt_id);
    CREATE TABLE category_scores (
        attempt_id INTEGER NOT NULL REFERENCES attempts(id),
        category TEXT NOT NULL,
        score INTEGER NOT NULL,
        max INTEGER NOT NULL,
        passed INTEGER NOT NULL,
        applicable INTEGER NOT NULL,
        PRIMARY KEY (attempt_id, category)
    );",
        None,
    ),
    (
        // 2: the hash chain over ended attempts (`callcoach db verify`).
        "ALTER TABLE attempts ADD COLUMN seal_seq INTEGER;
    ALTER TABLE attempts ADD COLUMN chain_hash TEXT;
    CREATE UNIQUE INDEX attempts_by_seal ON attempts (seal_seq);",
        Some(seal_existing),
    ),
    (
        // 3: the examiner's secrets, exam runs and certificates.
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value BLOB NOT NULL);
    CREATE TABLE exam_runs (
        id INTEGER PRIMARY KEY,
        exam_id TEXT NOT NULL,
        exam_hash TEXT NOT NULL,
        trainee_id INTEGER NOT NULL REFERENCES trainees(id),
        seed INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        passed INTEGER,
        total INTEGER
    );
    CREATE INDEX exam_runs_by_trainee ON exam_runs (trainee_id, exam_id, started_at);
    ALTER TABLE attempts ADD COLUMN exam_run_id INTEGER REFERENCES exam_runs(id);
    CREATE TABLE certificates (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        exam_run_id INTEGER NOT NULL UNIQUE REFERENCES exam_runs(id),
        trainee_id INTEGER NOT NULL REFERENCES trainees(id),
        issued_at INTEGER NOT NULL,
        valid_until INTEGER NOT NULL,
        document TEXT NOT NULL
    );",
        None,
    ),
    (
        // 4: indexes for reports over many attempts.
        "CREATE INDEX findings_by_rule ON findings (rule);
    CREATE INDEX attempts_by_trainee_total ON attempts (trainee_id, total, passed);",
        None,
    ),
    (
        // 5: a seal on every ended exam sitting.
        "ALTER TABLE exam_runs ADD COLUMN seal TEXT;",
        Some(seal_existing_runs),
    ),
    (
        // 6: how a spoken reply was said: the recording's length, and whether it began while
        // the customer was on hold.
        "ALTER TABLE turns ADD COLUMN speech_seconds REAL;
    ALTER TABLE turns ADD COLUMN speech_on_hold INTEGER;",
        None,
    ),
    (
        // 7: whether the customer understood the reply a line answers, as what, and at which
        // step: the data `report --misunderstood` widens intents from.
        "ALTER TABLE turns ADD COLUMN understood INTEGER;
    ALTER TABLE turns ADD COLUMN understood_as TEXT;
    ALTER TABLE turns ADD COLUMN step TEXT;",
        None,
    ),
    (
        // 8: trust. Seals from now on cover everything a report shows (`seal_version` 2; NULL is
        // the first form); the examiner's signed checkpoints of the chain; public keys the
        // examiner trusts, each signed by them; and this database's issuer id, which makes
        // certificate numbers from different databases different.
        "ALTER TABLE attempts ADD COLUMN seal_version INTEGER;
    CREATE TABLE checkpoints (
        seq INTEGER PRIMARY KEY,
        made_at INTEGER NOT NULL,
        reason TEXT NOT NULL,
        document TEXT NOT NULL,
        signature TEXT NOT NULL
    );
    CREATE TABLE trusted_keys (
        public_key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        added_at INTEGER NOT NULL,
        signature TEXT NOT NULL
    );",
        Some(issuer_id),
    ),
    (
        // 9: team mode. A trainee's cohort (the hiring group reports gather by), and what has
        // been sent to the team's server: each record once, by kind and local id.
        "ALTER TABLE trainees ADD COLUMN cohort TEXT;
    CREATE TABLE team_sent (
        kind TEXT NOT NULL,
        id INTEGER NOT NULL,
        sent_at INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
    );",
        None,
    ),
    (
        // 10: the customer speaks. A reply that cut the customer's line short records where:
        // seconds of the line said, and the line's length.
        "ALTER TABLE turns ADD COLUMN barge_in_after REAL;
    ALTER TABLE turns ADD COLUMN barge_in_of REAL;",
        None,
    ),
];

/// The id that tells this database's certificate numbers from another's: six random letters
/// and digits, drawn once.
fn issuer_id(transaction: &Transaction<'_>) -> rusqlite::Result<()> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes)
        .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
    let id: String = bytes
        .iter()
        .map(|byte| char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]))
        .collect();
    transaction.execute(
        "INSERT OR IGNORE INTO settings (key, value) VALUES ('issuer_id', ?1)",
        [id.as_bytes()],
    )?;
    Ok(())
}

/// `PRAGMA application_id` of a callcoach database: "CCch".
pub(super) const APPLICATION_ID: i64 = 0x4343_6368;

/// Seals the exam sittings that ended before sittings had seals.
fn seal_existing_runs(transaction: &Transaction<'_>) -> rusqlite::Result<()> {
    let ended: Vec<i64> = transaction
        .prepare("SELECT id FROM exam_runs WHERE ended_at IS NOT NULL ORDER BY id")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for run in ended {
        super::chain::seal_run(transaction, run)?;
    }
    Ok(())
}

/// Seals the attempts that ended before the chain existed, oldest first.
fn seal_existing(transaction: &Transaction<'_>) -> rusqlite::Result<()> {
    let ended: Vec<i64> = transaction
        .prepare("SELECT id FROM attempts WHERE status != 'in_progress' ORDER BY id")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for attempt in ended {
        super::chain::seal_first_form(transaction, attempt)?;
    }
    Ok(())
}

/// The schema version this build writes.
pub(super) fn version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Applies every step after `from`, each in its own transaction with its version.
pub(super) fn migrate(connection: &mut Connection, from: i64) -> rusqlite::Result<()> {
    for (index, (step, rewrite)) in MIGRATIONS.iter().enumerate() {
        let target = i64::try_from(index + 1).unwrap_or(i64::MAX);
        if target <= from {
            continue;
        }
        let transaction =
            connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        transaction.execute_batch(step)?;
        if let Some(rewrite) = rewrite {
            rewrite(&transaction)?;
        }
        transaction.pragma_update(None, "user_version", target)?;
        transaction.pragma_update(None, "application_id", APPLICATION_ID)?;
        transaction.commit()?;
    }
    Ok(())
}
