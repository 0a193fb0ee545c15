//! A spoken reply through the real microphone path: a private PulseAudio server with a pipe
//! source is the system's microphone, cpal records from it through ALSA, the voice-activity
//! capture ends the reply at the pause, whisper transcribes it, and the call scores it like the
//! typed reply. The recording is festival's Russian voice (tests/fixtures/speech).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::speech::{fixture, installed};
use super::{callcoach_command, repository, run_with_input, stdout};

/// A PulseAudio server of our own, with a pipe as its default source; stopped when dropped.
struct PulseAudio {
    runtime: tempfile::TempDir,
    server: Child,
}

impl PulseAudio {
    fn start() -> PulseAudio {
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
        PulseAudio { runtime, server }
    }

    fn runtime(&self) -> &Path {
        self.runtime.path()
    }

    /// Speaks into the microphone: the recording's samples, then two seconds of silence (a
    /// pipe source delivers nothing while the pipe is empty, so the pause must be sent).
    fn say(&self, wav: &Path) {
        let mut reader = hound::WavReader::open(wav).expect("wav");
        assert_eq!(reader.spec().sample_rate, 16_000);
        let mut bytes: Vec<u8> = reader
            .samples::<i16>()
            .flat_map(|sample| sample.expect("sample").to_le_bytes())
            .collect();
        bytes.extend(std::iter::repeat_n(0u8, 16_000 * 2 * 2));
        let mut pipe = std::fs::OpenOptions::new()
            .write(true)
            .open(self.runtime().join("virtmic"))
            .expect("the pipe");
        pipe.write_all(&bytes).expect("spoken");
    }
}

impl Drop for PulseAudio {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// The walkthrough of internet_down to its resolved ending, with the last reply left out.
fn typed_replies() -> Vec<String> {
    let source = callcoach_core::scenario::SourceFile::read(
        &repository().join("scenarios/internet_down.ron"),
    )
    .expect("scenario");
    let scenario = callcoach_core::scenario::parse_scenario(&source).expect("parses");
    let mut replies = scenario
        .walkthroughs
        .into_iter()
        .find(|walkthrough| walkthrough.ending == "resolved")
        .expect("walkthrough")
        .replies;
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
