//! A private PostgreSQL cluster for tests and benchmarks: its own data folder and socket in a
//! temporary folder, scram passwords, stopped when dropped. Run as root (CI), the server's
//! tools run as the `postgres` user, which is the only way they run at all.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The superuser of a test cluster.
pub const ADMIN: &str = "callcoach_admin";
/// Its password.
pub const ADMIN_PASSWORD: &str = "admin-Пароль-7";

/// A running private cluster.
#[derive(Debug)]
pub struct TestServer {
    folder: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// The folder of the newest installed server's tools.
fn tools() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn running_as_root() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
    }
    #[cfg(not(unix))]
    false
}

fn failed(what: &str, output: &Output) -> std::io::Error {
    std::io::Error::other(format!(
        "{what}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

impl TestServer {
    /// Creates and starts a cluster; `durable` keeps fsync on (benchmarks measure real writes,
    /// tests do not need them).
    pub fn start(durable: bool) -> std::io::Result<TestServer> {
        let bin = tools().ok_or_else(|| {
            std::io::Error::other(
                "PostgreSQL не установлен (нет /usr/lib/postgresql/*/bin/initdb): ./test.sh ставит пакет postgresql",
            )
        })?;
        let folder = tempfile::Builder::new().prefix("cc-pg").tempdir()?;
        let as_postgres = running_as_root();
        std::fs::write(folder.path().join("pw"), ADMIN_PASSWORD)?;
        if as_postgres {
            let output = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(folder.path())
                .output()?;
            if !output.status.success() {
                return Err(failed("chown", &output));
            }
        }
        let mut port = 20_000 + (std::process::id() % 20_000) as u16;
        port = port.wrapping_add(
            (folder
                .path()
                .to_string_lossy()
                .bytes()
                .map(u16::from)
                .sum::<u16>())
                % 5000,
        );
        let server = TestServer {
            folder,
            bin,
            port,
            as_postgres,
        };
        let data = server.data();
        let output = server.tool(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                ADMIN,
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                &format!("--pwfile={}", server.folder.path().join("pw").display()),
            ],
        )?;
        if !output.status.success() {
            return Err(failed("initdb", &output));
        }
        let mut options = format!(
            "-k {} -p {} -c listen_addresses=''",
            server.folder.path().display(),
            server.port
        );
        if !durable {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        std::fs::write(
            Path::new(&data).join("postgresql.auto.conf"),
            "# options are passed by pg_ctl\n",
        )
        .ok();
        std::fs::write(server.folder.path().join("options"), options)?;
        server.start_again()?;
        Ok(server)
    }

    fn data(&self) -> String {
        self.folder.path().join("data").display().to_string()
    }

    fn tool(&self, name: &str, args: &[&str]) -> std::io::Result<Output> {
        let program = self.bin.join(name);
        if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(program)
                .args(args)
                .output()
        } else {
            Command::new(program).args(args).output()
        }
    }

    /// Starts the cluster (again, after [`TestServer::stop`]); returns once it takes connections.
    pub fn start_again(&self) -> std::io::Result<()> {
        let options = std::fs::read_to_string(self.folder.path().join("options"))?;
        let log = self.folder.path().join("log").display().to_string();
        let output = self.tool(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "-t",
                "120",
                "start",
            ],
        )?;
        if output.status.success() {
            Ok(())
        } else {
            Err(failed("pg_ctl start", &output))
        }
    }

    /// Stops the cluster at once (connections are cut); returns once it is down.
    pub fn stop(&self) -> std::io::Result<()> {
        let output = self.tool("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"])?;
        if output.status.success() {
            Ok(())
        } else {
            Err(failed("pg_ctl stop", &output))
        }
    }

    /// The address of a login on this cluster's `postgres` database, with its password when
    /// given.
    pub fn address(&self, user: &str, password: Option<&str>) -> String {
        let credentials = match password {
            Some(password) => format!("{user}:{}", encode(password)),
            None => user.to_owned(),
        };
        format!(
            "postgresql://{credentials}@/postgres?host={}&port={}",
            self.folder.path().display(),
            self.port
        )
    }

    /// A cluster with a team set up on it as `team init` does it: the schema, the desktops'
    /// password, and QA's examiner (with `passphrase`) made in `folder/qa.sqlite`.
    pub fn with_team(
        team: &str,
        desktop_password: &str,
        passphrase: &str,
        folder: &Path,
    ) -> Result<TestServer, String> {
        let cluster = TestServer::start(false).map_err(|error| error.to_string())?;
        let label = crate::server_name(&cluster.admin_address());
        let mut client = postgres::Client::connect(&cluster.admin_address(), postgres::NoTls)
            .map_err(|error| error.to_string())?;
        crate::server::migrate(&mut client, &label, None).map_err(|error| error.to_string())?;
        crate::server::define(&mut client, &label, Some(desktop_password))
            .map_err(|error| error.to_string())?;
        let qa = callcoach_core::store::Store::open(&folder.join("qa.sqlite"))
            .map_err(|error| error.to_string())?;
        let examiner = qa
            .set_up_examiner(passphrase)
            .map_err(|error| error.to_string())?
            .map_err(|error| error.to_string())?;
        let key = qa
            .export_examiner(&examiner, true)
            .map_err(|error| error.to_string())?;
        crate::server::create_team(&mut client, &label, team, &key)
            .map_err(|error| error.to_string())?;
        Ok(cluster)
    }

    /// The superuser's address (QA's `team init`).
    pub fn admin_address(&self) -> String {
        self.address(ADMIN, Some(ADMIN_PASSWORD))
    }
}

/// Percent-encodes a URL's password.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.tool(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }
}

/// Records a scored practice call of `trainee` (added when new) into `store`, the customer and
/// the agent taking turns from `lines` (the customer first): a desktop's history for tests and
/// benchmarks without a terminal.
pub fn record_call(
    store: &mut callcoach_core::store::Store,
    scorer: &callcoach_core::scoring::Scorer,
    trainee: &str,
    lines: &[&str],
) -> Result<i64, callcoach_core::store::StoreError> {
    use callcoach_core::store::{AttemptMode, AttemptStatus, NewAttempt, content_hash};
    use callcoach_core::transcript::{Speaker, Transcript, TranscriptTurn};
    let trainee = match store.trainee(trainee)? {
        Some(known) => known,
        None => store.add_trainee(trainee)?,
    };
    let id = store.start_attempt(&NewAttempt {
        trainee: &trainee,
        mode: AttemptMode::Practice,
        scenario_id: "internet_down",
        scenario_hash: content_hash("scenario"),
        rubric_hash: content_hash("rubric"),
        seed: 7,
        exam_run: None,
    })?;
    let mut transcript = Transcript::default();
    for (index, text) in lines.iter().enumerate() {
        let turn = TranscriptTurn {
            speaker: if index % 2 == 0 {
                Speaker::Customer
            } else {
                Speaker::Agent
            },
            text: Some((*text).to_owned()),
            hold_seconds: None,
            at: index as f64 * 5.0,
            speech: None,
            understood: None,
            understood_as: None,
            step: None,
            barge_in: None,
        };
        store.record_turn(id, index, &turn)?;
        transcript.turns.push(turn);
    }
    let report = scorer.score(&transcript);
    store.finish_attempt(id, AttemptStatus::Finished, Some(&report))?;
    Ok(id)
}

/// A call as a trainee makes it, for [`record_call`].
pub const CALL: &[&str] = &[
    "У меня третий день не работает интернет!",
    "Добрый день! Меня зовут Анна, компания «Ромашка Телеком». Подскажите номер договора, пожалуйста.",
    "Договор 123456.",
    "Спасибо. Понимаю, как это неудобно. Я проверю линию, это займёт около минуты.",
    "Ну проверяйте.",
    "Линия в порядке, мастер приедет завтра с десяти до двенадцати. Могу ещё чем-то помочь? Всего доброго!",
];
