//! The callcoach front ends' shared parts: the Bevy app (feature `app`), where bundled files
//! live, and how reports and certificates are rendered for people. The binary (`src/main.rs`) is the command
//! line over them; tests drive the app headless.

#[cfg(feature = "app")]
pub mod app;
pub mod output;
pub mod paths;
pub mod render;
