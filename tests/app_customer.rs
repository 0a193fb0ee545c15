//! The customer speaks in the app: the call plays through a private sound server (PulseAudio
//! with a null sink as the system's output), its monitor is recorded, and the customer's lines
//! are found in the recording as sound of the right length, in the order they were said.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use callcoach::app::AppConfig;
use callcoach::app::customer::CustomerSpeech;

use super::app::{signed_in, start_call};
use super::app_exam::play_replies;
use super::bundled_scenario;
use super::voice::PulseAudio;

/// Marks the child process that plays the call on the test's sound server.
const CHILD: &str = "CALLCOACH_APP_CUSTOMER_CHILD";

/// The null sink's monitor recorded as raw 16 kHz mono, until dropped.
struct Monitor {
    recorder: Child,
    file: tempfile::NamedTempFile,
}

impl Monitor {
    fn record(pulse: &PulseAudio) -> Monitor {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        let recorder = Command::new("parecord")
            .args([
                "--device=nullsink.monitor",
                "--raw",
                "--format=s16le",
                "--rate=16000",
                "--channels=1",
                "--latency-msec=20",
            ])
            .arg(file.path())
            .env("XDG_RUNTIME_DIR", pulse.runtime())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("parecord runs (./test.sh installs pulseaudio-utils)");
        Monitor { recorder, file }
    }

    /// Stops recording and returns the samples.
    fn finish(mut self) -> Vec<f32> {
        let _ = self.recorder.kill();
        let _ = self.recorder.wait();
        std::fs::read(self.file.path())
            .expect("the recording")
            .chunks_exact(2)
            .map(|pair| f32::from(i16::from_le_bytes([pair[0], pair[1]])) / 32768.0)
            .collect()
    }
}

/// Stretches of sound in 20 ms frames, pauses shorter than `bridge` inside one: (start, length)
/// in seconds.
fn sounds(samples: &[f32], bridge: f64) -> Vec<(f64, f64)> {
    let frame = 320;
    let loud: Vec<bool> = samples
        .chunks(frame)
        .map(|chunk| (chunk.iter().map(|s| s * s).sum::<f32>() / chunk.len() as f32).sqrt() > 0.01)
        .collect();
    let mut found: Vec<(f64, f64)> = Vec::new();
    for (index, is_loud) in loud.iter().enumerate() {
        if !is_loud {
            continue;
        }
        let at = index as f64 * 0.02;
        match found.last_mut() {
            Some((start, length)) if at - (*start + *length) < bridge => {
                *length = at + 0.02 - *start;
            }
            _ => found.push((at, 0.02)),
        }
    }
    found
}

#[test]
fn the_customers_lines_are_heard_in_order_at_their_length() {
    let pulse = PulseAudio::start();
    let monitor = Monitor::record(&pulse);
    let cache = tempfile::tempdir().expect("cache");
    let child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "app_customer::customer_call_in_a_child_process",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("XDG_RUNTIME_DIR", pulse.runtime())
        .env("XDG_CACHE_HOME", cache.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the test binary runs");
    let output = child.wait_with_output().expect("ends");
    let shown = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() && shown.contains("1 passed"),
        "{shown}"
    );
    // The lines as the child heard them start: length and text.
    let lines: Vec<(f64, String)> = BufReader::new(shown.as_bytes())
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| {
            let rest = line.strip_prefix("LINE ")?;
            let (seconds, text) = rest.split_once(' ')?;
            Some((seconds.parse().ok()?, text.to_owned()))
        })
        .collect();
    assert!(lines.len() >= 5, "{shown}");
    let recorded = monitor.finish();
    let heard = sounds(&recorded, 0.7);
    eprintln!("lines: {lines:?}\nheard: {heard:?}");
    assert_eq!(
        heard.len(),
        lines.len(),
        "one stretch of sound per line: {heard:?} for {lines:?}"
    );
    for ((_, length), (seconds, text)) in heard.iter().zip(&lines) {
        // The synthesised line has a little silence at its ends.
        assert!(
            (seconds - length).abs() < 0.6,
            "«{text}»: {length:.2} s heard of a {seconds:.2} s line"
        );
    }
}

/// The call itself, run by the test above in a process of its own (the sound server is found
/// through XDG_RUNTIME_DIR, which a test may not change in its own process).
#[test]
#[ignore = "run by the_customers_lines_are_heard_in_order_at_their_length"]
fn customer_call_in_a_child_process() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let (_folder, mut app) = signed_in("Ирина Слушающая");
    app.world_mut().resource_mut::<AppConfig>().seed = Some(1);
    wait(
        &mut app,
        "the sound output",
        Duration::from_secs(20),
        |speech| {
            assert_eq!(
                speech.unavailable, None,
                "the private sound server is the output"
            );
            speech.output.is_some()
        },
    );
    start_call(&mut app, "storyteller");
    let replies = bundled_scenario("storyteller")
        .walkthroughs
        .into_iter()
        .find(|walkthrough| walkthrough.seed == 1)
        .expect("the resolved walkthrough")
        .replies;
    for (index, reply) in replies.iter().enumerate() {
        heard_whole(&mut app, index + 1);
        play_replies(&mut app, std::slice::from_ref(reply));
    }
    heard_whole(&mut app, replies.len() + 1);
    for (text, seconds) in &app.world().resource::<CustomerSpeech>().lines {
        println!("LINE {seconds:.3} {text}");
    }
}

/// Waits (in real time: the line plays in real time) until `lines` lines have been said whole,
/// then a second and a half more, so lines are apart in the recording.
fn heard_whole(app: &mut App, lines: usize) {
    wait(
        app,
        "the customer's line",
        Duration::from_secs(60),
        |speech| speech.lines.len() >= lines && speech.saying.is_none(),
    );
    let pause = Instant::now();
    while pause.elapsed() < Duration::from_millis(1_500) {
        app.update();
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[track_caller]
fn wait(app: &mut App, what: &str, limit: Duration, ready: impl Fn(&CustomerSpeech) -> bool) {
    let started = Instant::now();
    loop {
        app.update();
        if ready(app.world().resource::<CustomerSpeech>()) {
            return;
        }
        assert!(started.elapsed() < limit, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}
