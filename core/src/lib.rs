//! callcoach core: scenarios, Russian phrase matching, the call engine and transcripts.
//!
//! Nothing here knows about Bevy, audio or a terminal: front ends drive [`session::Session`]
//! and render what it returns.

// The core never prints: it returns data and front ends decide how to show it.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod attempt;
pub mod canonical;
pub mod certificate;
pub mod check;
pub mod exam;
pub mod ledger;
pub mod meaning;
pub mod report;
pub mod scenario;
pub mod scoring;
pub mod session;
pub mod source;
pub mod store;
pub mod text;
pub mod transcript;
