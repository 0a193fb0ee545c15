//! A spoken reply through the real microphone path: a private PulseAudio server with a pipe
//! source is the system's microphone (fed in real time, silence between words as a microphone
//! gives), cpal records from it through ALSA, the voice-activity
//! capture ends the reply at the pause, whisper transcribes it, and the call scores it like the
//! typed reply. The recording is festival's Russian voice (tests/fixtures/speech).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::speech::{fixture, installed};
use super::{callcoach_command, resolved_replies, run_with_input, stderr, stdout};

/// A PulseAudio server of our own, with a pipe as its default source — the microphone. Like a
/// real microphone it delivers sound all the time: a feeder writes silence in real time and
/// speech when asked. Stopped when dropped.
pub(super) struct PulseAudio {
    runtime: tempfile::TempDir,
    server: Child,
    speech: Option<std::sync::mpsc::Sender<Vec<u8>>>,
    feeder: Option<std::thread::JoinHandle<()>>,
}

/// 20 ms of 16 kHz 16-bit mono.
const CHUNK: usize = 640;

impl PulseAudio {
    pub(super) fn start() -> PulseAudio {
        let runtime = tempfile::tempdir().expect("runtime dir");
        let pipe = runtime.path().join("virtmic");
        let server = Command::new("pulseaudio")
            .args([
                "--daemonize=no",
                "--exit-idle-time=-1",
                "-n",
                "--use-pid-file=no",
                "--load=module-native-protocol-unix",
                "--load=module-null-sink sink_name=nullsink",
            ])
            .arg(format!(
                "--load=module-pipe-source source_name=virtmic file={} format=s16le rate=16000 channels=1",
                pipe.display()
            ))
            .env("XDG_RUNTIME_DIR", runtime.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pulseaudio runs (./test.sh installs pulseaudio)");
        let started = Instant::now();
        while !pipe.exists() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "pulseaudio did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let (speech, requests) = std::sync::mpsc::channel::<Vec<u8>>();
        let feeder = std::thread::spawn(move || {
            let Ok(mut pipe) = std::fs::OpenOptions::new().write(true).open(&pipe) else {
                return;
            };
            let begun = Instant::now();
            let mut sent = 0usize;
            let mut queued: Vec<u8> = Vec::new();
            loop {
                match requests.try_recv() {
                    Ok(bytes) => queued.extend(bytes),
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => return,
                    Err(std::sync::mpsc::TryRecvError::Empty) => {}
                }
                let take = queued.len().min(CHUNK);
                let mut chunk: Vec<u8> = queued.drain(..take).collect();
                chunk.resize(CHUNK, 0);
                if pipe.write_all(&chunk).is_err() {
                    return;
                }
                sent += CHUNK;
                // Real time: 32,000 bytes a second.
                let due = Duration::from_secs_f64(sent as f64 / 32_000.0);
                if let Some(wait) = due.checked_sub(begun.elapsed()) {
                    std::thread::sleep(wait);
                }
            }
        });
        PulseAudio {
            runtime,
            server,
            speech: Some(speech),
            feeder: Some(feeder),
        }
    }

    pub(super) fn runtime(&self) -> &Path {
        self.runtime.path()
    }

    /// Speaks a recording into the microphone (the feeder's silence follows it).
    pub(super) fn say(&self, wav: &Path) {
        let mut reader = hound::WavReader::open(wav).expect("wav");
        assert_eq!(reader.spec().sample_rate, 16_000);
        let bytes: Vec<u8> = reader
            .samples::<i16>()
            .flat_map(|sample| sample.expect("sample").to_le_bytes())
            .collect();
        if let Some(speech) = &self.speech {
            speech.send(bytes).expect("the feeder runs");
        }
    }
}

impl Drop for PulseAudio {
    fn drop(&mut self) {
        self.speech = None;
        let _ = self.server.kill();
        let _ = self.server.wait();
        if let Some(feeder) = self.feeder.take() {
            let _ = feeder.join();
        }
    }
}

/// The walkthrough of internet_down to its resolved ending, with the last reply left out.
fn typed_replies() -> Vec<String> {
    let mut replies = resolved_replies("internet_down");
    replies.pop();
    replies
}

fn total(transcript: &PathBuf) -> u64 {
    let output = callcoach_command(&["score", "--format", "json"])
        .arg(transcript)
        .output()
        .expect("score runs");
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    report["total"].as_u64().expect("total")
}

#[test]
fn a_spoken_reply_through_the_microphone_is_heard_and_scored_like_the_typed_one() {
    let (_, model) = installed();
    let folder = tempfile::tempdir().expect("temp dir");
    let replies = typed_replies();

    // The call typed to the end, for reference.
    let typed_transcript = folder.path().join("typed.json");
    let mut typed = callcoach_command(&["play", "internet_down", "--text", "--seed", "1"]);
    typed.arg("--transcript").arg(&typed_transcript);
    let all_typed = format!(
        "{}\nБлагодарим за звонок, всего доброго!\n",
        replies.join("\n")
    );
    let output = run_with_input(&mut typed, &all_typed);
    assert!(output.status.success());

    // The same call with the last reply spoken.
    let pulse = PulseAudio::start();
    let spoken_transcript = folder.path().join("spoken.json");
    let mut child =
        callcoach_command(&["play", "internet_down", "--text", "--seed", "1", "--voice"])
            .arg("--model")
            .arg(model)
            .arg("--transcript")
            .arg(&spoken_transcript)
            .env("XDG_RUNTIME_DIR", pulse.runtime())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("play runs");
    let mut stdin = child.stdin.take();
    if let Some(stdin) = &mut stdin {
        writeln!(stdin, "{}\n", replies.join("\n")).expect("typed replies, then Enter");
    }
    let lines = BufReader::new(child.stdout.take().expect("stdout"));
    let mut shown = Vec::new();
    for line in lines.lines() {
        let line = line.expect("line");
        if line.contains("Говорите") {
            pulse.say(&fixture("thanks_call.plain.wav"));
        }
        if line.contains("Распознано") || line.contains("Ничего не слышно")
        {
            // Nothing more to say: the input ends.
            stdin = None;
        }
        shown.push(line);
    }
    drop(stdin);
    let status = child.wait().expect("ends");
    assert!(status.success(), "{}", shown.join("\n"));
    assert!(
        shown.iter().any(|line| line.contains("Распознано")),
        "the reply was heard: {}",
        shown.join("\n")
    );

    let transcript: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&spoken_transcript).expect("transcript"))
            .expect("json");
    let last = transcript["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .rev()
        .find(|turn| turn["speaker"] == "agent" && turn["text"].is_string())
        .expect("an agent reply");
    let heard = last["text"].as_str().expect("text").to_lowercase();
    let seconds = last["speech"]["seconds"].as_f64().unwrap_or(0.0);
    assert!(
        (2.0..10.0).contains(&seconds),
        "the reply is recorded as spoken, with its recording's length: {last}"
    );
    assert!(
        heard.contains("благодарим за звонок") && heard.contains("всего доброго"),
        "heard «{heard}»"
    );
    assert_eq!(
        total(&spoken_transcript),
        total(&typed_transcript),
        "the spoken call scores as the typed one"
    );
}

#[test]
fn without_a_microphone_play_says_so_in_russian_and_what_to_do() {
    // No sound server and an audio system without devices: a machine with no microphone.
    let empty = tempfile::tempdir().expect("temp dir");
    let alsa = empty.path().join("asound.conf");
    std::fs::write(&alsa, "").expect("empty ALSA configuration");
    let output = callcoach_command(&["play", "internet_down", "--text", "--voice"])
        .env("XDG_RUNTIME_DIR", empty.path())
        .env("ALSA_CONFIG_PATH", &alsa)
        .env("XDG_DATA_HOME", empty.path())
        .stdin(Stdio::null())
        .output()
        .expect("play runs");
    assert!(!output.status.success());
    let message = stderr(&output)
        .lines()
        .find(|line| line.contains("микрофон"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no message about the microphone: {}", stderr(&output)));
    assert!(
        message.contains("микрофон не найден") && message.contains("с клавиатуры"),
        "{message}"
    );
    assert!(
        !message.chars().any(|c| c.is_ascii_alphabetic()),
        "the reason is in Russian, not the audio stack's English: {message}"
    );
}

#[test]
fn a_trainer_records_a_line_through_the_microphone_and_the_scenario_plays_it() {
    let pulse = PulseAudio::start();
    let folder = tempfile::tempdir().expect("temp dir");
    let scenario = folder.path().join("storyteller.ron");
    std::fs::copy(
        super::repository().join("scenarios/storyteller.ron"),
        &scenario,
    )
    .expect("scenario");
    let mut child = callcoach_command(&[
        "voice",
        "record",
        scenario.to_str().expect("utf-8"),
        "--line",
        "opening.2",
    ])
    .env("XDG_RUNTIME_DIR", pulse.runtime())
    .spawn()
    .expect("runs");
    let mut input = child.stdin.take().expect("stdin");
    let mut output = BufReader::new(child.stdout.take().expect("stdout"));
    // Reads what the program says up to a prompt ending with `until`.
    let mut said = String::new();
    let mut read_until = |until: &str| {
        let mut byte = [0u8; 1];
        let mut seen = Vec::new();
        while !String::from_utf8_lossy(&seen).contains(until) {
            match std::io::Read::read(output.get_mut(), &mut byte) {
                Ok(1) => seen.push(byte[0]),
                _ => panic!("the program ended: {}", String::from_utf8_lossy(&seen)),
            }
        }
        said.push_str(&String::from_utf8_lossy(&seen));
    };
    read_until("q — выйти:");
    writeln!(input).expect("Enter starts the take");
    read_until("Enter — стоп.");
    // The trainer says the line (the recording plays in real time), then presses Enter.
    let spoken = fixture("thanks_call.plain.wav");
    pulse.say(&spoken);
    std::thread::sleep(Duration::from_millis(4_137 + 500));
    writeln!(input).expect("Enter stops it");
    read_until("прослушать ещё раз:");
    writeln!(input).expect("Enter keeps it");
    let status = child.wait().expect("ends");
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(output.get_mut(), &mut rest);
    said.push_str(&rest);
    assert!(status.success(), "{said}");
    let recording = folder.path().join("recordings/storyteller/opening.2.wav");
    assert!(said.contains("Сохранено"), "{said}");
    assert!(
        said.contains("voice: Voice(recordings: \"recordings/storyteller\")"),
        "{said}"
    );
    let reader = hound::WavReader::open(&recording).expect("a WAV file");
    let seconds = reader.duration() as f64 / f64::from(reader.spec().sample_rate);
    // The take is the speech with a fifth of a second each side, not the silence around it.
    assert!((2.5..4.6).contains(&seconds), "{seconds:.2} s");
    // Named in the scenario, the recording is what check finds and the call plays.
    let text = std::fs::read_to_string(&scenario).expect("scenario").replace(
        "        hold_patience: 300,\n",
        "        hold_patience: 300,\n        voice: Voice(recordings: \"recordings/storyteller\"),\n",
    );
    std::fs::write(&scenario, text).expect("write");
    let check = run_with_input(
        &mut callcoach_command(&["check", scenario.to_str().expect("utf-8")]),
        "",
    );
    let report = stdout(&check) + &stderr(&check);
    assert!(check.status.success(), "{report}");
    assert!(report.contains("нет записей для"), "{report}");
    assert!(!report.contains("opening.2"), "{report}");
}
