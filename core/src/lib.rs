//! callcoach core: scenarios, Russian phrase matching, the call engine and transcripts.
//!
//! Nothing here knows about Bevy, audio or a terminal: front ends drive [`session::Session`]
//! and render what it returns.

pub mod text;
pub mod scenario;
pub mod session;
pub mod transcript;
