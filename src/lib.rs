//! The callcoach front ends' shared parts: the Bevy app and where bundled files live. The
//! binary (`src/main.rs`) is the command line over them; tests drive the app headless.

pub mod app;
pub mod paths;
