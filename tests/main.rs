//! End-to-end tests of the `callcoach` binary: golden `check` output and terminal play.

#[cfg(feature = "app")]
mod app;
#[cfg(feature = "app")]
mod app_customer;
#[cfg(feature = "app")]
mod app_exam;
#[cfg(feature = "app")]
mod app_team;
#[cfg(feature = "app")]
mod app_voice;
mod check;
mod customer_voice;
mod exam;
mod messages;
#[cfg(feature = "app")]
mod parity;
mod play;
mod playthroughs;
mod progress;
mod progress_reports;
mod report;
mod score;
#[cfg(feature = "speech")]
mod speech;
mod team;
mod trust;
#[cfg(feature = "speech")]
mod voice;

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The binary as every test starts it: from the repository root, on the bundled scenarios, with
/// no examiner passphrase or speech model inherited from the environment, and its standard
/// streams piped.
fn callcoach_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callcoach"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CALLCOACH_SCENARIOS")
        .env_remove("CALLCOACH_EXAMINER_PASSPHRASE")
        .env_remove("CALLCOACH_MODEL")
        .env_remove("CALLCOACH_TEAM_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Adds a trainee to the database at `db` through the binary (creating the database).
#[track_caller]
fn add_trainee(db: &Path, name: &str) {
    let output = callcoach(
        &["--db", db.to_str().expect("utf-8"), "trainee", "add", name],
        "",
    );
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Runs the binary from the repository root with `stdin` piped in.
#[track_caller]
fn callcoach(args: &[&str], stdin: &str) -> Output {
    run_with_input(&mut callcoach_command(args), stdin)
}

/// Starts `command`, writes `stdin` and closes it, and waits for everything it printed.
#[track_caller]
fn run_with_input(command: &mut Command, stdin: &str) -> Output {
    use std::io::Write;
    let mut child = command.spawn().expect("the binary starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    input
        .write_all(stdin.as_bytes())
        .expect("stdin accepts the replies");
    drop(input);
    child.wait_with_output().expect("the binary finishes")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A bundled scenario, parsed.
fn bundled_scenario(id: &str) -> callcoach_core::scenario::Scenario {
    let path = repository().join("scenarios").join(format!("{id}.ron"));
    let source = callcoach_core::scenario::SourceFile::read(&path).expect("scenario");
    callcoach_core::scenario::parse_scenario(&source).expect("parses")
}

/// The replies (and `/hold`s) of a bundled scenario's walkthrough to its resolved ending.
fn resolved_replies(id: &str) -> Vec<String> {
    bundled_scenario(id)
        .walkthroughs
        .into_iter()
        .find(|walkthrough| walkthrough.ending == "resolved")
        .expect("a walkthrough to the resolved ending")
        .replies
}
