//! A desktop's team settings: the server's address, this desktop's id and key of connection,
//! and the team it joined. Kept beside the progress database in a file only the user can read
//! (it holds the connection's password); nothing here is ever printed whole.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::TeamError;

/// How long connecting may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The settings of a desktop in a team.
#[derive(Clone, Serialize, Deserialize)]
pub struct TeamSettings {
    /// The server's address (`postgresql://…` or `host=… user=…`), as given.
    pub address: String,
    /// The password, when it was asked rather than written in the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// This desktop's id in the team (its database's issuer id).
    pub desktop: String,
    /// This desktop's name as reports show it.
    pub desktop_name: String,
    /// The secret that proves to the server this desktop is the one that joined.
    pub token: String,
    /// The team's name.
    pub team: String,
}

impl std::fmt::Debug for TeamSettings {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "TeamSettings({}, {}, desktop {})",
            self.team,
            server_name(&self.address),
            self.desktop
        )
    }
}

/// Where the team settings of the database at `db` live: beside it, `<file>.team`.
pub fn settings_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(ToOwned::to_owned).unwrap_or_default();
    name.push(".team");
    db.with_file_name(name)
}

impl TeamSettings {
    /// The settings of the database at `db`, when it joined a team.
    pub fn load(db: &Path) -> Result<Option<TeamSettings>, TeamError> {
        let path = settings_path(db);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(TeamError::Settings {
                    path,
                    reason: format!(
                        "не удалось прочитать настройки команды: {}",
                        callcoach_core::source::io_reason(&error)
                    ),
                });
            }
        };
        let settings = serde_json::from_str(&text).map_err(|_| TeamError::Settings {
            path: path.clone(),
            reason: "настройки команды повреждены. Подключите рабочее место заново: callcoach team join АДРЕС".to_owned(),
        })?;
        restrict(&path)?;
        Ok(Some(settings))
    }

    /// Writes the settings for the database at `db`, readable by the user only.
    pub fn save(&self, db: &Path) -> Result<(), TeamError> {
        let path = settings_path(db);
        let failed = |error: std::io::Error| TeamError::Settings {
            path: path.clone(),
            reason: format!(
                "не удалось записать настройки команды: {}",
                callcoach_core::source::io_reason(&error)
            ),
        };
        let folder = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        // A temporary file is created readable by its owner only, then renamed into place.
        let mut file = tempfile::NamedTempFile::new_in(folder).map_err(failed)?;
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        file.write_all(text.as_bytes()).map_err(failed)?;
        file.as_file().sync_all().map_err(failed)?;
        file.persist(&path).map_err(|error| failed(error.error))?;
        restrict(&path)
    }

    /// The server as people may see it: user, host, port and database, never the password.
    pub fn server(&self) -> String {
        server_name(&self.address)
    }

    /// The client's configuration: the address, the asked password, a bounded connect time.
    pub(crate) fn client_config(&self) -> Result<postgres::Config, TeamError> {
        client_config(&self.address, self.password.as_deref())
    }
}

/// Makes a settings file readable by its owner only (a copy made with wider rights is
/// narrowed, not refused: the user loses nothing).
fn restrict(path: &Path) -> Result<(), TeamError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let wide = std::fs::metadata(path)
            .map(|meta| meta.permissions().mode() & 0o077 != 0)
            .unwrap_or(false);
        if wide {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(
                |error| TeamError::Settings {
                    path: path.to_owned(),
                    reason: format!(
                        "настройки команды читают другие пользователи, а закрыть файл не удалось: {}",
                        callcoach_core::source::io_reason(&error)
                    ),
                },
            )?;
        }
    }
    Ok(())
}

/// The client's configuration for an address, with a password asked separately.
pub fn client_config(address: &str, password: Option<&str>) -> Result<postgres::Config, TeamError> {
    let mut config = postgres::Config::from_str(address)
        .map_err(|_| TeamError::BadAddress(server_name(address)))?;
    if let Some(password) = password {
        config.password(password);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("callcoach");
    }
    Ok(config)
}

/// Whether the address carries a password of its own.
pub fn has_password(address: &str) -> bool {
    postgres::Config::from_str(address).is_ok_and(|config| config.get_password().is_some())
}

/// An address without its password: `user@host:port/database`.
pub fn server_name(address: &str) -> String {
    let Ok(config) = postgres::Config::from_str(address) else {
        return "(адрес не читается)".to_owned();
    };
    let host = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(",");
    let port = config
        .get_ports()
        .first()
        .map_or(String::new(), |port| format!(":{port}"));
    format!(
        "{}@{}{}/{}",
        config.get_user().unwrap_or("?"),
        if host.is_empty() { "localhost" } else { &host },
        port,
        config.get_dbname().unwrap_or("?")
    )
}

/// The address desktops join with, made from QA's: the same server and database as the desktops'
/// role, without a password; `None` when the server is a local socket (no desktop reaches it).
pub fn desktop_address(address: &str) -> Option<String> {
    let config = postgres::Config::from_str(address).ok()?;
    let host = match config.get_hosts().first()? {
        postgres::config::Host::Tcp(name) => name.clone(),
        #[cfg(unix)]
        postgres::config::Host::Unix(_) => return None,
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    Some(format!(
        "postgresql://{}@{host}:{port}/{}",
        crate::server::DESKTOP_ROLE,
        config.get_dbname().unwrap_or("postgres")
    ))
}

/// This computer's name (a desktop joined without a name of its own is called so).
pub fn this_computer() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "рабочее место".to_owned())
}
