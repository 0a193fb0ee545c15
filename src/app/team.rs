//! Team mode in the app: a thread of its own keeps this desktop in step with the team's server
//! — it sends what has ended as soon as it is in the local database and takes the roster in —
//! so neither a frame nor a turn ever waits for the network. The trainee screen shows whether
//! the desktop is in a team, how many records wait, and when it last synced; F7 there joins a
//! team (the address and the desktops' password, as `callcoach team join`).

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError, channel};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use callcoach_core::certificate::date_time;
use callcoach_core::store::{Store, now_ms};
use callcoach_team::{Team, TeamSettings};

use super::AppConfig;

/// How often the thread looks for records to send.
const TICK: Duration = Duration::from_secs(5);
/// How often it syncs with nothing to send (to take other desktops' trainees in).
const ROSTER_EVERY: Duration = Duration::from_secs(60);

/// What the team thread is asked.
#[derive(Debug)]
pub enum TeamCommand {
    /// Join the team at this address (with the password when the address has none).
    Join {
        /// The server's address.
        address: String,
        /// The desktops' password.
        password: Option<String>,
    },
}

/// What the team thread says.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum TeamReply {
    /// The line the trainee screen shows.
    Status(String),
    /// A join went through; what to tell the user.
    Joined(String),
    /// A join failed; why, in Russian.
    JoinFailed(String),
}

/// The team line of the trainee screen.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct TeamLine(pub String);

/// The channel to the team thread.
#[derive(Resource)]
pub struct TeamLink {
    commands: Sender<TeamCommand>,
    replies: Mutex<Receiver<TeamReply>>,
}

impl TeamLink {
    /// Asks the thread; a thread that is gone drops the command (the status line says so).
    pub fn send(&self, command: TeamCommand) {
        let _ = self.commands.send(command);
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_message::<TeamReply>();
    app.init_resource::<TeamLine>();
    app.add_systems(PreStartup, start);
    app.add_systems(PreUpdate, poll);
}

fn start(mut commands: Commands, config: Option<Res<AppConfig>>) {
    let Some(config) = config else { return };
    let (command_sender, command_receiver) = channel();
    let (reply_sender, reply_receiver) = channel();
    let db = config.db.clone();
    if let Err(error) = std::thread::Builder::new()
        .name("team-sync".to_owned())
        .spawn(move || worker(&db, &command_receiver, &reply_sender))
    {
        error!("the team thread could not start: {error}");
    }
    commands.insert_resource(TeamLink {
        commands: command_sender,
        replies: Mutex::new(reply_receiver),
    });
}

fn poll(
    link: Option<Res<TeamLink>>,
    mut line: ResMut<TeamLine>,
    mut replies: MessageWriter<TeamReply>,
) {
    let Some(link) = link else { return };
    let Ok(receiver) = link.replies.lock() else {
        return;
    };
    loop {
        match receiver.try_recv() {
            Ok(TeamReply::Status(text)) => {
                if line.0 != text {
                    line.0 = text;
                }
            }
            Ok(reply) => {
                replies.write(reply);
            }
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
        }
    }
}

/// The thread: a tick every few seconds, or a command; each tick sends what waits.
fn worker(db: &std::path::Path, commands: &Receiver<TeamCommand>, replies: &Sender<TeamReply>) {
    let mut sync = Sync {
        db: db.to_owned(),
        team: None,
        last_sync: None,
        last_attempt: None,
        problem: None,
    };
    loop {
        let forced = match commands.recv_timeout(TICK) {
            Ok(TeamCommand::Join { address, password }) => {
                let reply = sync.join(&address, password);
                if replies.send(reply).is_err() {
                    return;
                }
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let status = sync.tick(forced);
        if replies.send(TeamReply::Status(status)).is_err() {
            return;
        }
    }
}

/// The team thread's state: the connection while it holds, and when it last worked.
struct Sync {
    db: std::path::PathBuf,
    team: Option<Team>,
    last_sync: Option<i64>,
    /// When a connection was last tried: an unreachable server is not retried every tick.
    last_attempt: Option<Instant>,
    /// What went wrong the last time the server was tried, until it works again.
    problem: Option<callcoach_team::TeamError>,
}

impl Sync {
    fn join(&mut self, address: &str, password: Option<String>) -> TeamReply {
        let joined = (|| {
            let store = Store::open(&self.db)?;
            let name = callcoach_team::this_computer();
            callcoach_team::join(&store, &self.db, address.trim(), password, &name)
        })();
        match joined {
            Ok(joined) => {
                let settings = joined.team.settings().clone();
                let mut team = joined.team;
                // The team's roster before the trainee list is shown again.
                if let Ok(mut store) = Store::open_existing(&self.db)
                    && team.sync(&mut store).is_ok()
                {
                    self.last_sync = Some(now_ms());
                }
                self.team = Some(team);
                self.last_attempt = None;
                self.problem = None;
                TeamReply::Joined(format!(
                    "Рабочее место «{}» подключено к команде «{}» на {}: список стажёров, попытки и экзамены теперь общие.",
                    settings.desktop_name,
                    settings.team,
                    settings.server()
                ))
            }
            Err(error) => TeamReply::JoinFailed(format!("к команде не подключено: {error}")),
        }
    }

    /// Sends what waits (or, now and then, nothing, to take the roster in); the status line.
    fn tick(&mut self, forced: bool) -> String {
        let settings = match TeamSettings::load(&self.db) {
            Ok(Some(settings)) => settings,
            Ok(None) => {
                return "Только это рабочее место: команда не подключена (F7 — подключить к серверу команды).".to_owned();
            }
            Err(error) => return format!("Команда: {error}"),
        };
        let Ok(mut store) = Store::open_existing(&self.db) else {
            return format!(
                "Команда «{}»: база прогресса ещё не создана.",
                settings.team
            );
        };
        let waiting = store.unsent().unwrap_or(0);
        let due = self.last_sync.is_none_or(|at| {
            now_ms() - at > i64::try_from(ROSTER_EVERY.as_millis()).unwrap_or(i64::MAX)
        });
        let retry = forced
            || self
                .last_attempt
                .is_none_or(|at| at.elapsed() >= ROSTER_EVERY / 2);
        if (waiting > 0 || due) && (self.team.is_some() || retry) {
            if self.team.is_none() {
                self.last_attempt = Some(Instant::now());
                match Team::connect(settings.clone()) {
                    Ok(team) => self.team = Some(team),
                    Err(error) => self.problem = Some(error),
                }
            }
            if let Some(team) = &mut self.team {
                match team.sync(&mut store) {
                    Ok(_) => {
                        self.last_sync = Some(now_ms());
                        self.problem = None;
                    }
                    Err(error) => {
                        // A broken connection is made again on a later tick.
                        self.team = None;
                        self.last_attempt = Some(Instant::now());
                        self.problem = Some(error);
                    }
                }
            }
        }
        let waiting = store.unsent().unwrap_or(waiting);
        let synced = self.last_sync.map_or_else(
            || "ещё не синхронизировалось".to_owned(),
            |at| format!("синхронизировано {} (UTC)", date_time(at)),
        );
        match &self.problem {
            Some(error) if error.is_unreachable() => format!(
                "Команда «{}»: сервер недоступен, ждут отправки: {waiting} — всё сохранено здесь и уйдёт, когда связь вернётся.",
                settings.team
            ),
            Some(error) => format!("Команда «{}»: {error}", settings.team),
            None => format!(
                "Команда «{}» ({}) · ждут отправки: {waiting} · {synced}",
                settings.team,
                settings.server()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use callcoach_core::scoring::Scorer;
    use callcoach_core::text::Morphology;
    use callcoach_team::test_server::{CALL, TestServer, record_call};

    const PASSWORD: &str = "пароль-рабочих-мест-2026";

    #[test]
    fn the_team_line_says_what_waits_while_the_server_is_away_and_when_it_is_back() {
        let folder = tempfile::tempdir().expect("temp dir");
        let cluster = TestServer::with_team(
            "КЦ Самара",
            PASSWORD,
            "служба качества проверяет звонки",
            folder.path(),
        )
        .expect("a private PostgreSQL with a team");
        let db = folder.path().join("окно.sqlite");
        let mut sync = Sync {
            db: db.clone(),
            team: None,
            last_sync: None,
            last_attempt: None,
            problem: None,
        };
        assert!(sync.tick(true).contains("команда не подключена"));
        let address = cluster.address(callcoach_team::server::DESKTOP_ROLE, None);
        let joined = sync.join(&address, Some(PASSWORD.to_owned()));
        assert!(matches!(joined, TeamReply::Joined(_)), "{joined:?}");
        let line = sync.tick(true);
        assert!(
            line.contains("Команда «КЦ Самара»") && line.contains("ждут отправки: 0"),
            "{line}"
        );
        assert!(!line.contains(PASSWORD), "{line}");

        cluster.stop().expect("stopped");
        let scorer =
            Scorer::with_default_rubric(Morphology::shared().expect("dictionary")).expect("rubric");
        let mut store = Store::open_existing(&db).expect("database");
        record_call(&mut store, &scorer, "Анна Смирнова", CALL).expect("a call");
        let line = sync.tick(true);
        // The trainee and the call wait.
        assert!(
            line.contains("сервер недоступен, ждут отправки: 2"),
            "{line}"
        );
        // Between retries the line keeps saying so.
        assert!(sync.tick(false).contains("сервер недоступен"));

        cluster.start_again().expect("started");
        let line = sync.tick(true);
        assert!(
            line.contains("ждут отправки: 0") && line.contains("синхронизировано"),
            "{line}"
        );
    }
}
