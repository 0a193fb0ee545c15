//! The customer speaks in the app: the call plays through a private sound server (PulseAudio
//! with a null sink as the system's output), its monitor is recorded, and the customer's lines
//! are found in the recording as sound of the right length, in the order they were said — a
//! line the trainer recorded as that recording. Speaking over the customer (the pipe microphone
//! of the same server) cuts the line within 100 ms, the transcript records where, and the
//! storyteller reacts to being taken in hand.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use callcoach::app::AppConfig;
use callcoach::app::customer::CustomerSpeech;

use callcoach::app::library::Library;
use callcoach::app::screens::trainee::Trainees;

use super::app::{headless_on, signed_in, start_call, type_line, update_until};
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

/// This test binary run again to play `test` (a call of this module) on the test's sound
/// server, with its own voice cache: the server is found through XDG_RUNTIME_DIR, which a test
/// may not change in its own process.
fn child(test: &str, pulse: &PulseAudio, cache: &std::path::Path) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args([
            &format!("app_customer::{test}"),
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("XDG_RUNTIME_DIR", pulse.runtime())
        .env("XDG_CACHE_HOME", cache)
        .stdout(Stdio::piped());
    command
}

/// The committed recording of the storyteller's line `opening.2`.
fn recorded() -> std::path::PathBuf {
    super::repository().join("tests/fixtures/voice/opening.2.wav")
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
fn the_customers_lines_are_heard_in_order_at_their_length_a_recorded_one_as_recorded() {
    let pulse = PulseAudio::start();
    let monitor = Monitor::record(&pulse);
    let cache = tempfile::tempdir().expect("cache");
    let child = child("customer_call_in_a_child_process", &pulse, cache.path())
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
    // The first line is the trainer's recording, played instead of synthesis.
    let (samples, rate) = callcoach_voice::read_samples(&recorded()).expect("the recording");
    let recording = samples.len() as f64 / f64::from(rate);
    assert!(
        lines[0].1.starts_with("Алло, это телевидение") && (lines[0].0 - recording).abs() < 0.05,
        "{:?} against the recording's {recording:.2} s",
        lines[0]
    );
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
#[ignore = "run by the_customers_lines_are_heard_in_order_at_their_length_a_recorded_one_as_recorded"]
fn customer_call_in_a_child_process() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    // The bundled storyteller with a trainer's recording of its first line.
    let folder = tempfile::tempdir().expect("temp dir");
    let scenarios = folder.path().join("scenarios");
    let recordings = scenarios.join("recordings/storyteller");
    std::fs::create_dir_all(&recordings).expect("folders");
    let text = std::fs::read_to_string(super::repository().join("scenarios/storyteller.ron"))
        .expect("scenario")
        .replace(
            "        hold_patience: 300,\n",
            "        hold_patience: 300,\n        voice: Voice(recordings: \"recordings/storyteller\"),\n",
        );
    std::fs::write(scenarios.join("storyteller.ron"), text).expect("scenario");
    std::fs::copy(recorded(), recordings.join("opening.2.wav")).expect("recording");
    let mut app = headless_on(&scenarios, &folder.path().join("progress.sqlite"));
    update_until(&mut app, "the trainee list", |world| {
        world.get_resource::<Trainees>().is_some()
    });
    type_line(&mut app, "Ирина Слушающая");
    update_until(&mut app, "the scenarios", |world| {
        world.get_resource::<Library>().is_some()
    });
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

/// What the barge-in child measured, printed for the parent.
const CUT: &str = "CUT ";

#[test]
fn speaking_over_the_customer_cuts_the_line_within_100_ms_and_the_storyteller_is_glad() {
    let (_, model) = super::speech::installed();
    let pulse = PulseAudio::start();
    let monitor = Monitor::record(&pulse);
    let cache = tempfile::tempdir().expect("cache");
    let mut child = child("barge_in_in_a_child_process", &pulse, cache.path())
        .env("CALLCOACH_MODEL", model)
        .spawn()
        .expect("the test binary runs");
    let mut shown = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("line");
        if line == "SPEAK" {
            // «Подскажите, пожалуйста, номер вашего договора.» into the microphone.
            pulse.say(&super::speech::fixture("lead_question.plain.wav"));
        }
        shown.push(line);
    }
    let status = child.wait().expect("ends");
    let shown = shown.join("\n");
    assert!(status.success() && shown.contains("1 passed"), "{shown}");
    let measured: Vec<f64> = shown
        .lines()
        .find_map(|line| line.strip_prefix(CUT))
        .expect("the child measured the cut")
        .split(' ')
        .map(|value| value.parse().expect("number"))
        .collect();
    let [said, after_ms, lead, line_seconds] = measured[..] else {
        panic!("{measured:?}");
    };
    let recorded = monitor.finish();
    let heard = sounds(&recorded, 0.7);
    eprintln!(
        "cut at {said:.2} s of {line_seconds:.2} s, {after_ms:.0} ms after the voice arrived; heard {heard:?}"
    );
    let (_, played) = heard.first().copied().expect("the customer was heard");
    // The line's sound went on after the cut for what was already on its way to the device.
    let tail = played - (said - lead);
    eprintln!("sound after the cut: {:.0} ms", tail * 1000.0);
    assert!(
        played < line_seconds - 1.0,
        "the line was cut short: {played:.2} s heard"
    );
    assert!(
        after_ms + tail * 1000.0 <= 100.0 + 20.0,
        "the customer stopped {after_ms:.0} ms after the voice arrived, and was heard {:.0} ms more (20 ms is the analysis frame)",
        tail * 1000.0
    );
}

/// The barge-in call, run by the test above in a process of its own.
#[test]
#[ignore = "run by speaking_over_the_customer_cuts_the_line_within_100_ms_and_the_storyteller_is_glad"]
fn barge_in_in_a_child_process() {
    use callcoach::app::draft::Draft;
    use callcoach::app::screens::call::{CallLog, Line};
    use callcoach::app::state::ActiveCall;
    use callcoach::app::voice::{MicrophoneState, VoiceSettings, VoiceState};
    use callcoach_core::transcript::Speaker;

    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let (folder, mut app) = signed_in("Пётр Перебивающий");
    // Voice activity listens all the time; practice without subtitles.
    let settings = VoiceSettings {
        voice_activity: true,
        no_subtitles: true,
        ..VoiceSettings::default()
    };
    app.insert_resource(settings);
    // The call's clock follows the wall clock, as the customer's voice does.
    app.insert_resource(bevy::time::TimeUpdateStrategy::Automatic);
    app.world_mut().resource_mut::<AppConfig>().seed = Some(1);
    wait(
        &mut app,
        "the sound output",
        Duration::from_secs(20),
        |speech| speech.output.is_some(),
    );
    start_call(&mut app, "storyteller");
    let started = Instant::now();
    loop {
        app.update();
        let world = app.world();
        let state = world.resource::<VoiceState>();
        let speech = world.resource::<CustomerSpeech>();
        if matches!(state.microphone, MicrophoneState::Open(_))
            && state.model_ready
            && speech.saying.is_some()
            && speech.said >= 2.7
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the line plays"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // Without subtitles the words are not on the screen while they are said.
    let (opening, line_seconds) = app.world().resource::<CustomerSpeech>().lines[0].clone();
    let shown = super::app::shown_texts(&mut app).join("\n");
    assert!(!shown.contains(&opening), "{shown}");
    assert!(shown.contains("♪ говорит…"), "{shown}");
    // The recording has half a second of silence before the words: they arrive 3.2 s into
    // the line.
    println!("SPEAK");
    std::io::Write::flush(&mut std::io::stdout()).expect("stdout");
    wait(&mut app, "the cut", Duration::from_secs(20), |speech| {
        speech.cut.is_some()
    });
    let cut = app.world().resource::<CustomerSpeech>().cut.expect("cut");
    // The recognised reply lands in the field; practice sends it with Enter.
    let waited = Instant::now();
    while app.world().resource::<Draft>().0.is_empty() {
        app.update();
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "the reply is heard"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    super::app::press(
        &mut app,
        bevy::input::keyboard::KeyCode::Enter,
        bevy::input::keyboard::Key::Enter,
        None,
    );
    let transcript = app.world().resource::<ActiveCall>().transcript().clone();
    let reply = &transcript.turns[1];
    assert_eq!(reply.speaker, Speaker::Agent);
    let barge_in = reply.barge_in.expect("the cut is in the transcript");
    assert!(
        (barge_in.after - cut.said).abs() < 0.06,
        "{barge_in:?} {cut:?}"
    );
    // Cut in three seconds into the story with the question: the storyteller is glad.
    let answer = transcript.turns[2].text.clone().unwrap_or_default();
    assert!(answer.starts_with("Ой, да, конечно, договор"), "{answer}");
    assert!(
        app.world()
            .resource::<CallLog>()
            .0
            .iter()
            .any(|line| matches!(line, Line::Agent(text) if text.contains("договора"))),
    );
    // Where the line's words begin: its first loud frame, at the volume played.
    let synthesiser = callcoach_voice::Synthesiser::new(callcoach_voice::default_cache());
    let scenario = super::bundled_scenario("storyteller");
    let path = synthesiser.cached_path(
        &opening,
        &scenario.customer.voice,
        callcoach_voice::Mood::of(scenario.customer.mood),
    );
    let (samples, rate) = callcoach_voice::read_samples(&path).expect("the line's audio");
    let volume = VoiceSettings::default().volume;
    let lead = samples
        .chunks(rate as usize / 50)
        .position(|frame| {
            (frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32).sqrt() * volume > 0.01
        })
        .unwrap_or(0) as f64
        * 0.02;
    println!("{CUT}{} {} {lead} {line_seconds}", cut.said, cut.after_ms);
    drop(folder);
}

#[test]
fn an_exam_decides_whether_the_customer_is_subtitled_and_without_sound_the_words_are_shown() {
    use std::sync::Arc;

    use callcoach::app::library::load;
    use callcoach::app::screens::call::subtitles_shown;
    use callcoach::app::state::{ExamState, Sitting};
    use callcoach::app::voice::VoiceSettings;
    use callcoach_core::exam::ExamSitting;

    let library = load(&super::repository().join("scenarios")).expect("the library loads");
    let scenarios: Vec<_> = library
        .scenarios
        .iter()
        .map(|(_, scenario)| Arc::new(scenario.clone()))
        .collect();
    let sitting = |id: &str| {
        let (_, exam) = library
            .exams
            .iter()
            .find(|(_, exam)| exam.id == id)
            .expect("a bundled exam");
        ExamState {
            unlocked: true,
            sitting: Some(Sitting {
                plan: ExamSitting::begin(Arc::new(exam.clone()), &scenarios, "Стажёр", Some(3))
                    .expect("draws"),
                admitted: true,
                verdict: None,
            }),
            refusal: String::new(),
        }
    };
    let heard = CustomerSpeech {
        output: Some("наушники".to_owned()),
        ..CustomerSpeech::default()
    };
    let listening = VoiceSettings {
        no_subtitles: true,
        ..VoiceSettings::default()
    };
    let reading = VoiceSettings::default();
    let practice = ExamState::default();
    assert!(subtitles_shown(Some(&reading), &practice, &heard));
    assert!(
        !subtitles_shown(Some(&listening), &practice, &heard),
        "practice without subtitles"
    );
    // hold_and_conflict says `subtitles: false`: the trainee listens whatever they chose.
    assert!(!subtitles_shown(
        Some(&reading),
        &sitting("hold_and_conflict"),
        &heard
    ));
    // basic leaves them on, over a trainee's own practice setting.
    assert!(subtitles_shown(Some(&listening), &sitting("basic"), &heard));
    // Without a sound output the words are the only way to the customer.
    let silent = CustomerSpeech {
        unavailable: Some("нет звукового выхода".to_owned()),
        ..CustomerSpeech::default()
    };
    assert!(subtitles_shown(
        Some(&listening),
        &sitting("hold_and_conflict"),
        &silent
    ));
}
