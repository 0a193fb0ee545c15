//! Team mode: every desktop's calls, exams and certificates in the team's PostgreSQL.
//!
//! Offline-first: the local SQLite store stays the record of what happens on a desktop, every
//! turn committed there the moment it is made. A sync copies out what has ended (attempts with
//! the documents their seals cover, sittings, certificates, checkpoints, trainees) through
//! functions on the server that check each seal against the desktop's chain already there, and
//! takes the team's roster back. Each record's global id is its desktop's id and its id on that
//! desktop, so a sync repeated after a cut connection neither duplicates nor drops anything.
//!
//! The client is `postgres` (the synchronous face of tokio-postgres): the store works on its own
//! thread in the app and on the main thread in the terminal, so a blocking client fits both and
//! no async runtime of ours is needed; sqlx's SQLite driver could not link beside rusqlite 0.41.

mod config;
mod error;
pub mod report;
pub mod server;
mod sync;
#[doc(hidden)]
pub mod test_server;

pub use config::{
    TeamSettings, client_config, desktop_address, has_password, server_name, settings_path,
    this_computer,
};
pub use error::TeamError;
pub use sync::{Joined, SyncReport, Team, TeamRecord, join, team_record};
