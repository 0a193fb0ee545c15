//! From the trainee's reply being sent to the first sample of the customer's answer reaching the
//! sound device, the path the app takes: the call engine answers, the line's audio is found
//! (cache) or synthesised (Festival, SoX), read, converted to the device's rate and handed to the
//! output stream; the clock stops when the stream's callback writes the line's first sample.
//!
//! Three cases, over the customer's answers of the bundled «storyteller» walkthrough:
//! - **warm**: every line already in the cache (the app prepares a scenario's lines when its
//!   call starts);
//! - **cold, Festival running**: the line not cached, the synthesiser already started;
//! - **cold start**: nothing cached and Festival not running (the very first line of a fresh
//!   install).
//!
//! Runs on a private PulseAudio server with a null sink (started here, as the tests do) unless
//! `CALLCOACH_BENCH_SOUND=system` asks for the system's own output.
//! `cargo bench -p callcoach-speech --bench customer_voice`; `CALLCOACH_RUNS` (default 5).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use callcoach_core::meaning::Lexicon;
use callcoach_core::scenario::{Scenario, SourceFile, parse_scenario};
use callcoach_core::session::{
    AgentTurn, Event, Mode, NoAssessment, Session, SessionOptions, parse_turn,
};
use callcoach_speech::speaker::Speaker;
use callcoach_voice::{Synthesiser, line_audio, read_samples};

const CHILD: &str = "CALLCOACH_BENCH_CHILD";

fn storyteller() -> (PathBuf, Arc<Scenario>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/storyteller.ron");
    let source = SourceFile::read(&path).expect("bundled scenario");
    (path, Arc::new(parse_scenario(&source).expect("parses")))
}

fn main() {
    if std::env::var_os(CHILD).is_some()
        || std::env::var("CALLCOACH_BENCH_SOUND").as_deref() == Ok("system")
    {
        measure();
        return;
    }
    // The sound server is found through XDG_RUNTIME_DIR: this program runs again beside one.
    let runtime = tempfile::tempdir().expect("runtime dir");
    let mut server = Command::new("pulseaudio")
        .args([
            "--daemonize=no",
            "--exit-idle-time=-1",
            "-n",
            "--use-pid-file=no",
            "--load=module-native-protocol-unix",
            "--load=module-null-sink sink_name=nullsink",
        ])
        .env("XDG_RUNTIME_DIR", runtime.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pulseaudio runs (./test.sh installs it)");
    let socket = runtime.path().join("pulse/native");
    let started = Instant::now();
    while !socket.exists() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new(std::env::current_exe().expect("this program"))
        .args(std::env::args().skip(1))
        .env(CHILD, "1")
        .env("XDG_RUNTIME_DIR", runtime.path())
        .status()
        .expect("runs");
    let _ = server.kill();
    let _ = server.wait();
    assert!(status.success());
}

/// The customer's answers of the walkthrough, each timed from the reply to the first sample.
fn one_call(
    synthesiser: &Synthesiser,
    speaker: &Speaker,
    file: &Path,
    scenario: &Arc<Scenario>,
) -> Vec<Duration> {
    let replies = scenario
        .walkthroughs
        .iter()
        .find(|walkthrough| walkthrough.seed == 1)
        .expect("walkthrough")
        .replies
        .clone();
    let (mut session, _) = Session::start(
        Arc::clone(scenario),
        SessionOptions {
            seed: 1,
            mode: Mode::Practice,
        },
        Lexicon::shared().expect("lexicon"),
        Box::new(NoAssessment),
    )
    .expect("starts");
    let mut times = Vec::new();
    for reply in replies {
        let Ok(Some(turn @ AgentTurn::Reply(_))) = parse_turn(&reply) else {
            continue;
        };
        let sent = Instant::now();
        let events = session.advance(turn).expect("turn");
        let Some((text, mood)) = events.iter().find_map(|event| match event {
            Event::CustomerSpoke { text, mood, .. } => Some((text.clone(), *mood)),
            _ => None,
        }) else {
            continue;
        };
        let audio = line_audio(synthesiser, scenario, Some(file), &text, mood).expect("audio");
        let (samples, rate) = read_samples(&audio.path).expect("samples");
        let started = speaker.play(&samples, rate);
        let first = loop {
            if let Some(at) = speaker.first_sample_at(started) {
                break at;
            }
            assert!(sent.elapsed() < Duration::from_secs(30), "no sample played");
            std::thread::sleep(Duration::from_micros(200));
        };
        times.push(first.duration_since(sent));
        speaker.stop();
    }
    times
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}

fn measure() {
    let runs: usize = std::env::var("CALLCOACH_RUNS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(5);
    let (file, scenario) = storyteller();
    let speaker = Speaker::open(None).expect("a sound output");
    println!(
        "output: {} at {} Hz; {runs} runs of {} answers",
        speaker.device,
        speaker.rate,
        scenario.walkthroughs[0].replies.len()
    );
    let (mut cold_start, mut cold, mut warm) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let cache = tempfile::tempdir().expect("cache");
        // Festival not running, nothing cached: only the first answer is a cold start.
        let synthesiser = Synthesiser::new(cache.path().to_owned());
        let mut times = one_call(&synthesiser, &speaker, &file, &scenario).into_iter();
        cold_start.extend(times.next());
        cold.extend(times);
        // The same lines again: all cached.
        warm.extend(one_call(&synthesiser, &speaker, &file, &scenario));
    }
    let slowest = |times: &[Duration]| times.iter().max().copied().unwrap_or_default();
    println!(
        "warm (cached):            median {}, slowest {}",
        ms(median(warm.clone())),
        ms(slowest(&warm))
    );
    println!(
        "cold, Festival running:   median {}, slowest {}",
        ms(median(cold.clone())),
        ms(slowest(&cold))
    );
    println!(
        "cold start (first line):  median {}, slowest {}",
        ms(median(cold_start.clone())),
        ms(slowest(&cold_start))
    );
}
