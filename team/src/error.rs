//! What went wrong in team mode, said in Russian: what happened, where, and what to do. The
//! connection's password never appears in a message.

/// A team-mode problem.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// The server could not be reached or the connection broke.
    #[error(
        "сервер команды {server} недоступен: {reason}. На этом рабочем месте ничего не потеряно: всё записано в его базу и уйдёт на сервер при следующей синхронизации (callcoach team sync)."
    )]
    Unreachable {
        /// The server, without the password.
        server: String,
        /// Why, in Russian.
        reason: String,
    },
    /// The server refused the login.
    #[error(
        "сервер команды {server} не принял вход: {reason}. Проверьте имя и пароль рабочего места (служба качества задаёт их командой callcoach team init)."
    )]
    Login {
        /// The server, without the password.
        server: String,
        /// Why.
        reason: String,
    },
    /// The server has no team set up.
    #[error(
        "на сервере {server} команда callcoach не настроена. Служба качества настраивает её один раз: callcoach team init АДРЕС"
    )]
    NoTeam {
        /// The server.
        server: String,
    },
    /// The server's schema is older than this callcoach.
    #[error(
        "схема команды на сервере {server} старее этой версии callcoach ({found} < {known}): служба качества обновляет её, запустив callcoach team init АДРЕС новой версией."
    )]
    OlderServer {
        /// The server.
        server: String,
        /// The server's version.
        found: i32,
        /// This build's.
        known: i32,
    },
    /// The server's schema is newer than this callcoach.
    #[error(
        "схема команды на сервере {server} новее этой версии callcoach ({found} > {known}): обновите callcoach на этом рабочем месте."
    )]
    NewerServer {
        /// The server.
        server: String,
        /// The server's version.
        found: i32,
        /// This build's.
        known: i32,
    },
    /// The server refused a record (a tampered seal, an unknown desktop, …): its own Russian
    /// message names the desktop and the record.
    #[error("сервер команды отказал: {0}")]
    Refused(String),
    /// The server answered with an error of its own.
    #[error("сервер команды {server} ответил ошибкой: {reason}")]
    Server {
        /// The server.
        server: String,
        /// What it said.
        reason: String,
    },
    /// The connection address cannot be read.
    #[error(
        "адрес сервера команды не читается: {0}. Пример: postgresql://callcoach_desktop@сервер:5432/callcoach"
    )]
    BadAddress(String),
    /// The desktop's database has an examiner other than the team's.
    #[error(
        "в этой базе уже свой экзаменатор (ключ {here}), а у команды другой (ключ {team}): сертификаты команды подписывает только её ключ. Подключайте к команде новую базу (--db или CALLCOACH_DB) — записи этой базы остаются в ней."
    )]
    OtherExaminer {
        /// This database's key fingerprint.
        here: String,
        /// The team's.
        team: String,
    },
    /// This desktop has not joined a team.
    #[error(
        "это рабочее место не подключено к команде: callcoach team join АДРЕС (адрес даёт служба качества)"
    )]
    NotJoined,
    /// The local team settings file.
    #[error("{path}: {reason}")]
    Settings {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong, in Russian.
        reason: String,
    },
    /// The local database.
    #[error(transparent)]
    Store(#[from] callcoach_core::store::StoreError),
}

impl TeamError {
    /// Whether the server could not be reached (the records wait on the desktop).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, TeamError::Unreachable { .. })
    }

    /// Why a sitting does not start on a team's desktop when the server could not be asked.
    pub fn exam_refusal(&self) -> String {
        if self.is_unreachable() {
            format!(
                "рабочее место в команде, а {self} Экзамен в команде начинается только при связи с сервером: попытки и пауза после неудачи считаются по всем рабочим местам."
            )
        } else {
            self.to_string()
        }
    }

    /// Sorts a client error: refused records (our own codes, `CCA..`), logins, a missing team,
    /// and everything that means the connection is gone.
    pub(crate) fn from_postgres(server: &str, error: &postgres::Error) -> TeamError {
        let server = server.to_owned();
        if let Some(db) = error.as_db_error() {
            let code = db.code().code();
            return if code.starts_with("CCA") {
                TeamError::Refused(db.message().to_owned())
            } else if code == "28P01" || code == "28000" {
                TeamError::Login {
                    server,
                    reason: "неверный пароль или нет такого пользователя".to_owned(),
                }
            } else if code == "3F000" || (code == "42P01" && db.message().contains("callcoach")) {
                TeamError::NoTeam { server }
            } else if code == "3D000" {
                TeamError::Server {
                    server,
                    reason: "такой базы данных на сервере нет".to_owned(),
                }
            } else if code.starts_with("57P") || code.starts_with("08") {
                TeamError::Unreachable {
                    server,
                    reason: "сервер остановлен или перезапускается".to_owned(),
                }
            } else {
                TeamError::Server {
                    server,
                    reason: format!("{} (код {code})", db.message()),
                }
            };
        }
        // The client's own refusal to go on without a password the server asked for.
        let cause = std::error::Error::source(error).map(ToString::to_string);
        if cause.as_deref() == Some("password missing") {
            return TeamError::Login {
                server,
                reason: "сервер просит пароль, а он не указан".to_owned(),
            };
        }
        match connection_reason(error) {
            Some(reason) => TeamError::Unreachable { server, reason },
            // Neither the server nor the network: the client's own complaint, as it says it.
            None => TeamError::Server {
                server,
                reason: cause
                    .map_or_else(|| error.to_string(), |cause| format!("{error}: {cause}")),
            },
        }
    }

    /// Whether the server asked for a password that was not given.
    pub fn needs_password(&self) -> bool {
        matches!(self, TeamError::Login { reason, .. } if reason.contains("не указан"))
    }
}

/// Why a connection failed, in Russian; `None` when the error is not about the connection.
fn connection_reason(error: &postgres::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return Some(match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    "в соединении отказано (сервер не запущен или не слушает этот адрес)".to_owned()
                }
                std::io::ErrorKind::NotFound => {
                    "сервер не найден (нет такого сокета или имени)".to_owned()
                }
                std::io::ErrorKind::TimedOut => "сервер не ответил вовремя".to_owned(),
                _ => callcoach_core::source::io_reason(io),
            });
        }
        source = cause.source();
    }
    let text = error.to_string();
    if error.is_closed() || text.contains("connection closed") {
        Some("соединение закрыто".to_owned())
    } else if text.contains("timeout") || text.contains("timed out") {
        Some("сервер не ответил вовремя".to_owned())
    } else {
        None
    }
}
