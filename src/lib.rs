//! The callcoach front ends' shared parts: the Bevy app (feature `app`), where bundled files
//! live, and how a certificate is handed out as files. The binary (`src/main.rs`) is the command
//! line over them; tests drive the app headless.

#[cfg(feature = "app")]
pub mod app;
pub mod certificate_files;
pub mod paths;
