//! A desktop in the team: joining, sending what has ended here, taking the team's roster in,
//! and reading what other desktops recorded (a trainee's sittings, for the exam rules).

use std::path::Path;

use callcoach_core::exam::Sitting;
use callcoach_core::store::{RosterEntry, Sent, Store, fingerprint};
use postgres::Client;

use crate::config::{TeamSettings, client_config, server_name};
use crate::{TeamError, server};

/// A connection of this desktop to its team.
pub struct Team {
    client: Client,
    settings: TeamSettings,
    server: String,
}

impl std::fmt::Debug for Team {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Team({:?})", self.settings)
    }
}

/// What one sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Records the server took now.
    pub sent: usize,
    /// Records it had already (a sync repeated after a cut connection).
    pub known: usize,
    /// Trainees of other desktops now known here.
    pub new_trainees: usize,
    /// Trainees whose cohort here differs from the team's: name, here, the team's.
    pub cohort_conflicts: Vec<(String, String, String)>,
}

/// The team a server holds: its name and examiner key file (with the secret, encrypted).
#[derive(Clone, Debug)]
pub struct TeamRecord {
    /// Name.
    pub name: String,
    /// The examiner's key file.
    pub examiner_key: String,
}

/// How `team join` went.
#[derive(Debug)]
pub struct Joined {
    /// The connection, ready to sync.
    pub team: Team,
    /// The team examiner's public key, now this desktop's examiner.
    pub key: [u8; 32],
    /// Whether this desktop had joined before (the same key of connection).
    pub again: bool,
}

/// The team on the server, when one was set up.
pub fn team_record(client: &mut Client, server: &str) -> Result<Option<TeamRecord>, TeamError> {
    let row = client
        .query_opt("SELECT name, examiner_key FROM callcoach.team", &[])
        .map_err(|error| TeamError::from_postgres(server, &error))?;
    Ok(row.map(|row| TeamRecord {
        name: row.get(0),
        examiner_key: row.get(1),
    }))
}

/// Joins the desktop of `store` (the database at `db`) to the team at `address`: installs the
/// team's examiner (still locked), registers the desktop and saves the settings beside the
/// database. Joining again with the same settings is harmless.
pub fn join(
    store: &Store,
    db: &Path,
    address: &str,
    password: Option<String>,
    desktop_name: &str,
) -> Result<Joined, TeamError> {
    let server = server_name(address);
    let mut client = server::connect(&client_config(address, password.as_deref())?, &server)?;
    server::check_version(&mut client, &server)?;
    let record = team_record(&mut client, &server)?.ok_or_else(|| TeamError::NoTeam {
        server: server.clone(),
    })?;
    // A database with another examiner is refused before anything changes, here or there.
    let team_key =
        callcoach_core::store::key_file_public_key(&record.examiner_key).map_err(|error| {
            TeamError::Server {
                server: server.clone(),
                reason: format!("ключ экзаменатора команды не подходит: {error}"),
            }
        })?;
    if let Some(here) = store.examiner_public_key()?
        && here != team_key
    {
        return Err(TeamError::OtherExaminer {
            here: fingerprint(&here),
            team: fingerprint(&team_key),
        });
    }
    let desktop = store.issuer_id()?;
    let previous = TeamSettings::load(db)?.filter(|settings| settings.desktop == desktop);
    let token = match &previous {
        Some(settings) => settings.token.clone(),
        None => random_token().ok_or_else(|| TeamError::Settings {
            path: crate::config::settings_path(db),
            reason: "система не дала случайных чисел для ключа подключения; повторите".to_owned(),
        })?,
    };
    let outcome: String = client
        .query_one(
            "SELECT callcoach.join_desktop($1, $2, $3)",
            &[&desktop, &desktop_name, &token],
        )
        .map_err(|error| TeamError::from_postgres(&server, &error))?
        .get(0);
    let key = store
        .install_team_examiner(&record.examiner_key)?
        .map_err(|error| TeamError::Server {
            server: server.clone(),
            reason: format!("ключ экзаменатора команды не подходит: {error}"),
        })?;
    let settings = TeamSettings {
        address: address.to_owned(),
        password,
        desktop,
        desktop_name: desktop_name.to_owned(),
        token,
        team: record.name,
    };
    settings.save(db)?;
    Ok(Joined {
        team: Team {
            client,
            settings,
            server,
        },
        key,
        again: outcome == "known",
    })
}

/// 32 random bytes as hex; `None` without the system's randomness (no safe key then).
fn random_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

impl Team {
    /// Connects with the settings of a desktop that joined.
    pub fn connect(settings: TeamSettings) -> Result<Team, TeamError> {
        let server = settings.server();
        let mut client = server::connect(&settings.client_config()?, &server)?;
        server::check_version(&mut client, &server)?;
        Ok(Team {
            client,
            settings,
            server,
        })
    }

    /// Connects the desktop of the database at `db`, when it joined a team.
    pub fn for_database(db: &Path) -> Result<Option<Team>, TeamError> {
        TeamSettings::load(db)?.map(Team::connect).transpose()
    }

    /// Connects the desktop of the database at `db` and syncs `store` (that database): its own
    /// records go out and the roster comes in before anything is read from the team. `None`
    /// when the desktop has not joined a team.
    pub fn synced(db: &Path, store: &mut Store) -> Result<Option<Team>, TeamError> {
        let Some(mut team) = Team::for_database(db)? else {
            return Ok(None);
        };
        team.sync(store)?;
        Ok(Some(team))
    }

    /// The settings.
    pub fn settings(&self) -> &TeamSettings {
        &self.settings
    }

    /// The server, without the password.
    pub fn server(&self) -> &str {
        &self.server
    }

    fn call(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Option<String>, TeamError> {
        let row = self
            .client
            .query_one(sql, params)
            .map_err(|error| TeamError::from_postgres(&self.server, &error))?;
        Ok(row.try_get::<_, Option<String>>(0).ok().flatten())
    }

    /// Sends everything ended here and not sent yet, in the order the server checks it
    /// (trainees, sittings' starts, attempts in chain order, verdicts, certificates,
    /// checkpoints), noting each record sent as soon as the server has it; then takes the
    /// team's roster in. Cut off midway, it is simply run again: the server keeps each record
    /// once by its global id.
    pub fn sync(&mut self, store: &mut Store) -> Result<SyncReport, TeamError> {
        let outbox = store.outbox()?;
        let mut report = SyncReport::default();
        let desktop = self.settings.desktop.clone();
        let token = self.settings.token.clone();
        let mut count = |outcome: Option<String>| {
            if outcome.as_deref() == Some("known") {
                report.known += 1;
            } else {
                report.sent += 1;
            }
        };
        for trainee in &outbox.trainees {
            let cohort = self.call(
                "SELECT callcoach.add_trainee($1, $2, $3, $4, $5)",
                &[
                    &desktop,
                    &token,
                    &trainee.name,
                    &trainee.cohort,
                    &trainee.added_at,
                ],
            )?;
            if let (Some(here), Some(team)) = (&trainee.cohort, &cohort)
                && here != team
            {
                report
                    .cohort_conflicts
                    .push((trainee.name.clone(), here.clone(), team.clone()));
            }
            store.mark_sent(Sent::Trainee, trainee.id)?;
            count(None);
        }
        for sitting in outbox
            .sittings
            .iter()
            .filter(|sitting| !sitting.opened_sent)
        {
            self.call(
                "SELECT callcoach.open_sitting($1, $2, $3, $4, $5, $6, $7)::text",
                &[
                    &desktop,
                    &token,
                    &sitting.id,
                    &sitting.trainee,
                    &sitting.exam_id,
                    &sitting.exam_hash,
                    &sitting.started_at,
                ],
            )?;
            store.mark_sent(Sent::SittingOpened, sitting.id)?;
            count(None);
        }
        for attempt in &outbox.attempts {
            let version = i32::try_from(attempt.seal_version).unwrap_or(i32::MAX);
            let outcome = self.call(
                "SELECT callcoach.push_attempt($1, $2, $3, $4, $5, $6)",
                &[
                    &desktop,
                    &token,
                    &attempt.trainee,
                    &version,
                    &attempt.chain_hash,
                    &attempt.document,
                ],
            )?;
            store.mark_sent(Sent::Attempt, attempt.id)?;
            count(outcome);
        }
        for sitting in &outbox.sittings {
            if let Some((seal, document)) = &sitting.verdict {
                let outcome = self.call(
                    "SELECT callcoach.close_sitting($1, $2, $3, $4)",
                    &[&desktop, &token, seal, document],
                )?;
                store.mark_sent(Sent::SittingClosed, sitting.id)?;
                count(outcome);
            }
        }
        for certificate in &outbox.certificates {
            self.call(
                "SELECT callcoach.add_certificate($1, $2, $3, $4, $5, $6, $7, $8)::text",
                &[
                    &desktop,
                    &token,
                    &certificate.sitting,
                    &certificate.number,
                    &certificate.trainee,
                    &certificate.issued_at,
                    &certificate.valid_until,
                    &certificate.document,
                ],
            )?;
            store.mark_sent(Sent::Certificate, certificate.sitting)?;
            count(None);
        }
        for checkpoint in &outbox.checkpoints {
            self.call(
                "SELECT callcoach.add_checkpoint($1, $2, $3, $4, $5, $6, $7)::text",
                &[
                    &desktop,
                    &token,
                    &checkpoint.seq,
                    &checkpoint.made_at,
                    &checkpoint.reason,
                    &checkpoint.document,
                    &checkpoint.signature,
                ],
            )?;
            store.mark_sent(Sent::Checkpoint, checkpoint.seq)?;
            count(None);
        }
        let sent = i32::try_from(report.sent).unwrap_or(i32::MAX);
        self.call(
            "SELECT callcoach.record_sync($1, $2, $3)::text",
            &[&desktop, &token, &sent],
        )?;
        let roster = self.roster()?;
        report.new_trainees = store.adopt_roster(&roster)?;
        Ok(report)
    }

    /// The team's roster.
    pub fn roster(&mut self) -> Result<Vec<RosterEntry>, TeamError> {
        let rows = self
            .client
            .query(
                "SELECT name, cohort FROM callcoach.trainees ORDER BY id",
                &[],
            )
            .map_err(|error| TeamError::from_postgres(&self.server, &error))?;
        Ok(rows
            .iter()
            .map(|row| RosterEntry {
                name: row.get(0),
                cohort: row.get(1),
            })
            .collect())
    }

    /// A trainee's sittings of an exam on the team's other desktops, oldest first; one without
    /// a verdict on the server counts as not passed.
    pub fn sittings_elsewhere(
        &mut self,
        trainee: &str,
        exam_id: &str,
    ) -> Result<Vec<Sitting>, TeamError> {
        let rows = self
            .client
            .query(
                "SELECT s.started_at, v.passed FROM callcoach.sittings s \
                 JOIN callcoach.trainees t ON t.id = s.trainee_id \
                 LEFT JOIN callcoach.verdicts v ON v.desktop = s.desktop AND v.sitting = s.local_id \
                 WHERE t.name = $1 AND s.exam_id = $2 AND s.desktop <> $3 ORDER BY s.started_at",
                &[&trainee, &exam_id, &self.settings.desktop],
            )
            .map_err(|error| TeamError::from_postgres(&self.server, &error))?;
        Ok(rows
            .iter()
            .map(|row| Sitting {
                started_at: row.get(0),
                passed: row.get(1),
            })
            .collect())
    }

    /// The team report (see [`crate::report::group_report`]).
    pub fn group_report(
        &mut self,
        trusted: &[[u8; 32]],
        now: i64,
    ) -> Result<callcoach_core::report::GroupReport, TeamError> {
        crate::report::group_report(
            &mut self.client,
            &self.server,
            &self.settings.team,
            trusted,
            now,
        )
    }

    /// A trainee's report over the team (see [`crate::report::trainee_report`]).
    pub fn trainee_report(
        &mut self,
        name: &str,
        trusted: &[[u8; 32]],
        now: i64,
    ) -> Result<Option<callcoach_core::report::TraineeReport>, TeamError> {
        crate::report::trainee_report(&mut self.client, &self.server, name, trusted, now)
    }
}
