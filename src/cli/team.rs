//! `callcoach team init|join|sync|status`: the desktops of a team sharing one PostgreSQL, and
//! the sync that follows every command which records something.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use callcoach_core::certificate::date_time;
use callcoach_core::store::{Store, fingerprint, key_file_public_key};
use callcoach_team::{Team, TeamError, TeamSettings, has_password, server, server_name};
use clap::Subcommand;

/// The environment variable with the desktops' password (scripts; asked otherwise).
const PASSWORD_ENV: &str = "CALLCOACH_TEAM_PASSWORD";
/// The environment variable with the server administrator's password for `team init`.
const ADMIN_PASSWORD_ENV: &str = "CALLCOACH_TEAM_ADMIN_PASSWORD";

/// Team commands.
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Настроить команду на сервере PostgreSQL (служба качества, один раз; повторный запуск
    /// новой версией обновляет схему): схема, роли, пароль рабочих мест, ключ экзаменатора
    /// команды.
    Init {
        /// Адрес сервера с правами администратора: postgresql://admin@сервер:5432/callcoach.
        address: String,
        /// Название команды, как его видят отчёты и проверка сертификатов.
        #[arg(long, default_value = "Служба качества")]
        name: String,
    },
    /// Подключить это рабочее место к команде: стажёры, попытки, экзамены и сертификаты уходят
    /// на сервер, экзаменатор — общий для команды.
    Join {
        /// Адрес сервера для рабочих мест: postgresql://callcoach_desktop@сервер:5432/callcoach.
        address: String,
        /// Как называть это рабочее место в отчётах (по умолчанию — имя компьютера).
        #[arg(long)]
        name: Option<String>,
    },
    /// Отправить на сервер команды всё, что ещё не отправлено, и получить список стажёров.
    Sync {
        /// Предложить серверу всё заново, а не только неотправленное (после восстановления
        /// сервера из старой копии): что у него есть, он пропустит, недостающее примет.
        #[arg(long)]
        all: bool,
    },
    /// Подключено ли рабочее место, к какой команде и сколько записей ждёт отправки.
    Status,
}

/// Runs a team command.
pub fn run(command: &TeamCommand, db: &Path) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        TeamCommand::Init { address, name } => init(address, name.trim(), db, &mut out),
        TeamCommand::Join { address, name } => {
            let store = Store::open(db)?;
            let password = if has_password(address) {
                None
            } else {
                Some(password(&format!(
                    "Пароль рабочих мест для {}: ",
                    server_name(address)
                ))?)
            };
            let desktop = name.clone().unwrap_or_else(callcoach_team::this_computer);
            let joined = callcoach_team::join(&store, db, address, password, desktop.trim())?;
            let settings = joined.team.settings().clone();
            writeln!(
                out,
                "Рабочее место «{}» (номер {}) {} к команде «{}» на {}.\nЭкзаменатор — ключ команды {}: экзамены здесь начинает служба качества своим паролем. Настройки подключения: {} (читает только владелец).",
                settings.desktop_name,
                settings.desktop,
                if joined.again {
                    "снова подключено"
                } else {
                    "подключено"
                },
                settings.team,
                settings.server(),
                fingerprint(&joined.key),
                callcoach_team::settings_path(db).display()
            )?;
            let mut team = joined.team;
            let mut store = store;
            sync_and_say(&mut team, &mut store, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        TeamCommand::Sync { all } => {
            let mut store = Store::open_existing(db)?;
            let settings = TeamSettings::load(db)?.ok_or(TeamError::NotJoined)?;
            if *all {
                store.forget_sent()?;
            }
            let waiting = store.unsent()?;
            let mut team = match Team::connect(settings) {
                Ok(team) => team,
                Err(error) if error.is_unreachable() => {
                    writeln!(out, "{error}\nЖдут отправки: {waiting}.")?;
                    return Ok(ExitCode::from(1));
                }
                Err(error) => return Err(error.into()),
            };
            match sync_and_say(&mut team, &mut store, &mut out) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(error) => match error.downcast_ref::<TeamError>() {
                    Some(team_error) if team_error.is_unreachable() => {
                        writeln!(out, "{team_error}\nЖдут отправки: {}.", store.unsent()?)?;
                        Ok(ExitCode::from(1))
                    }
                    _ => Err(error),
                },
            }
        }
        TeamCommand::Status => {
            let Some(settings) = TeamSettings::load(db)? else {
                writeln!(
                    out,
                    "Рабочее место не подключено к команде: всё хранится только в {}. Подключить: callcoach team join АДРЕС",
                    db.display()
                )?;
                return Ok(ExitCode::SUCCESS);
            };
            let waiting = Store::open_existing(db)?.unsent()?;
            writeln!(
                out,
                "Команда «{}» на {}; это рабочее место — «{}» (номер {}). Ждут отправки: {waiting}.",
                settings.team,
                settings.server(),
                settings.desktop_name,
                settings.desktop
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `team init`: the schema and roles; on the first run the desktops' password and the team's
/// examiner (this database's, or a new one).
fn init(address: &str, name: &str, db: &Path, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let server_label = server_name(address);
    // The administrator's password: in the address, else asked when the server wants one (a
    // local socket with peer authentication needs none).
    let mut client = match server::connect(
        &callcoach_team::client_config(address, None)?,
        &server_label,
    ) {
        Err(error) if error.needs_password() => {
            let password = super::secret(
                ADMIN_PASSWORD_ENV,
                &format!("Пароль администратора для {server_label}: "),
                "администратора",
                " или в адресе",
            )?;
            server::connect(
                &callcoach_team::client_config(address, Some(&password))?,
                &server_label,
            )?
        }
        connected => connected?,
    };
    let found = server::migrate(&mut client, &server_label, None)?;
    let existing = callcoach_team::team_record(&mut client, &server_label)
        .ok()
        .flatten();
    if let Some(record) = existing {
        server::define(&mut client, &server_label, None)?;
        writeln!(
            out,
            "Команда «{}» на {} уже настроена; схема {} (была {found}). Ключ экзаменатора команды: {}.",
            record.name,
            server_label,
            server::schema_version(),
            key_file_public_key(&record.examiner_key)
                .map(|key| fingerprint(&key))
                .unwrap_or_default()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if name.is_empty() {
        bail!("у команды должно быть название: --name «Служба качества, Самара»");
    }
    let desktop_password = new_desktop_password()?;
    let store = Store::open(db)?;
    let examiner = if store.examiner_is_set()? {
        super::exam::examiner(&store)?
    } else {
        super::exam::new_examiner(&store)?
    };
    let key_file = store.export_examiner(&examiner, true)?;
    server::define(&mut client, &server_label, Some(&desktop_password))?;
    server::create_team(&mut client, &server_label, name, &key_file)?;
    writeln!(
        out,
        "Команда «{name}» настроена на {server_label} (схема {}).\nЭкзаменатор команды — ключ {} из {}, зашифрован паролем экзаменатора; он же будет на каждом рабочем месте.\nРабочие места подключаются так: callcoach team join {} (пароль рабочих мест — тот, что вы только что задали). Подключите так и это место: тогда report --all здесь — отчёт по всей команде.\nСлужба качества читает всё как член роли {}: GRANT {} TO ваш_логин;",
        server::schema_version(),
        fingerprint(&examiner.public_key()),
        db.display(),
        callcoach_team::desktop_address(address)
            .unwrap_or_else(|| format!("postgresql://{}@СЕРВЕР:ПОРТ/БАЗА", server::DESKTOP_ROLE)),
        server::QA_ROLE,
        server::QA_ROLE
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The desktops' password for `team init`: from the environment, else asked twice.
fn new_desktop_password() -> anyhow::Result<String> {
    let first = password("Новый пароль рабочих мест (для входа на сервер команды): ")?;
    if first.chars().count() < 12 {
        bail!(
            "пароль рабочих мест короче 12 символов: сервер команды виден из сети, нужен длиннее"
        );
    }
    if std::env::var(PASSWORD_ENV).is_err() {
        let second = password("Повторите пароль: ")?;
        if first != second {
            bail!("пароли не совпадают; команда не настроена, запустите команду ещё раз");
        }
    }
    Ok(first)
}

/// The desktops' password: from the environment (scripts), else asked without echo.
fn password(prompt: &str) -> anyhow::Result<String> {
    super::secret(PASSWORD_ENV, prompt, "рабочих мест", " или в адресе")
}

/// Syncs and says what went.
fn sync_and_say(team: &mut Team, store: &mut Store, out: &mut impl Write) -> anyhow::Result<()> {
    let report = team.sync(store)?;
    writeln!(
        out,
        "Синхронизация с командой «{}»: отправлено записей — {}{}, новых стажёров из команды — {}. Ждут отправки: {}. Время: {} (UTC).",
        team.settings().team,
        report.sent,
        if report.known > 0 {
            format!(" (ещё {} уже были на сервере)", report.known)
        } else {
            String::new()
        },
        report.new_trainees,
        store.unsent()?,
        date_time(callcoach_core::store::now_ms())
    )?;
    for (name, here, team_cohort) in &report.cohort_conflicts {
        writeln!(
            out,
            "Стажёр «{name}» уже есть в команде с группой «{team_cohort}», а здесь указана «{here}»: в отчётах команды он в группе «{team_cohort}». Если это другой человек, добавьте его с уточнением имени."
        )?;
    }
    Ok(())
}

/// The team connection for `exam start`, synced (the roster and this desktop's records are the
/// server's before the trainee is admitted); `None` outside team mode. A team desktop that
/// cannot reach the server does not start a sitting.
pub fn for_exam(db: &Path, store: &mut Store) -> anyhow::Result<Option<Team>> {
    Team::synced(db, store).map_err(exam_needs_server)
}

/// Why a sitting does not start without the server.
pub fn exam_needs_server(error: TeamError) -> anyhow::Error {
    anyhow::anyhow!("экзамен не начат: {}", error.exam_refusal())
}

/// The team connection, synced first so this desktop's own records and the roster are the
/// team's; `None` outside team mode, or — said on stderr, after `offline` — when the server cannot
/// be reached and the command works on this desktop's records alone.
pub fn synced(db: &Path, offline: &str) -> Option<Team> {
    let connected = Store::open_existing(db)
        .map_err(TeamError::from)
        .and_then(|mut store| Team::synced(db, &mut store));
    match connected {
        Ok(team) => team,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "{offline}: {error}");
            None
        }
    }
}

/// After a command that recorded something: in team mode, sends it; a server that cannot be
/// reached is said on stderr and the records wait (nothing fails because of it).
pub fn after_recording(db: &Path) {
    synced(db, "не отправлено в команду");
}
