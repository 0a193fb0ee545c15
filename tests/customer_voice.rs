//! The customer's voice from the command line: `voice say` renders a line as the customer says
//! it (Festival, shaped by voice and mood, cached), `voice script` lists what a trainer records,
//! and `check` validates a scenario's voice and recordings.

use std::path::Path;

use super::{callcoach_command, repository, run_with_input, stderr, stdout};

/// `voice say` into `out`, with its own cache folder.
#[track_caller]
fn say(cache: &Path, args: &[&str]) -> std::process::Output {
    let mut command = callcoach_command(&["voice", "say"]);
    command.args(args).env("XDG_CACHE_HOME", cache);
    run_with_input(&mut command, "")
}

/// The samples and rate of a WAV file.
fn samples(path: &Path) -> (Vec<f32>, u32) {
    let mut reader = hound::WavReader::open(path).expect("a WAV file");
    let spec = reader.spec();
    assert_eq!(spec.channels, 1);
    let samples = reader
        .samples::<i16>()
        .map(|sample| f32::from(sample.expect("sample")) / 32768.0)
        .collect();
    (samples, spec.sample_rate)
}

/// Zero crossings per second over the loud part: a higher voice crosses more often.
fn crossings_per_second(samples: &[f32], rate: u32) -> f64 {
    let loud: Vec<f32> = samples
        .chunks(320)
        .filter(|frame| frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32 > 0.002)
        .flatten()
        .copied()
        .collect();
    let crossings = loud
        .windows(2)
        .filter(|pair| (pair[0] < 0.0) != (pair[1] < 0.0))
        .count();
    crossings as f64 / (loud.len() as f64 / f64::from(rate))
}

const LINE: &str = "Мне пришла СМС, что с карты ушло 15 000 рублей! Договор 441722.";

#[test]
fn a_line_is_said_in_the_customers_voice_and_mood() {
    let work = tempfile::tempdir().expect("temp");
    let cache = work.path().join("cache");
    let render = |name: &str, extra: &[&str]| {
        let out = work.path().join(name);
        let mut args = vec![LINE, "--out", out.to_str().expect("utf-8")];
        args.extend_from_slice(extra);
        let output = say(&cache, &args);
        assert!(
            output.status.success(),
            "{}{}",
            stdout(&output),
            stderr(&output)
        );
        assert!(stdout(&output).contains("Записано"), "{}", stdout(&output));
        samples(&out)
    };
    let (calm, rate) = render("calm.wav", &["--mood", "спокойно"]);
    let (angry, _) = render("angry.wav", &["--mood", "0.9"]);
    let (woman, _) = render("woman.wav", &["--mood", "спокойно", "--voice", "female"]);
    assert_eq!(rate, 16_000);
    let seconds = |samples: &[f32]| samples.len() as f64 / f64::from(rate);
    // The sum and the contract number are spoken, not skipped: a long line.
    assert!(seconds(&calm) > 5.0, "{:.1} s", seconds(&calm));
    assert!(
        seconds(&angry) < seconds(&calm) * 0.9,
        "angry is faster: {:.2} s against {:.2} s",
        seconds(&angry),
        seconds(&calm)
    );
    let peak = |samples: &[f32]| samples.iter().fold(0.0f32, |max, s| max.max(s.abs()));
    assert!(peak(&angry) > peak(&calm) * 1.3, "angry is louder");
    assert!(
        crossings_per_second(&woman, rate) > crossings_per_second(&calm, rate) * 1.1,
        "a woman's voice is higher"
    );
    // Cached: the same line again is the same sound.
    let (again, _) = render("again.wav", &["--mood", "спокойно"]);
    assert_eq!(again, calm);
    assert!(
        std::fs::read_dir(&cache)
            .expect("the cache is used")
            .count()
            > 0,
        "cached under XDG_CACHE_HOME"
    );
}

#[test]
fn say_never_overwrites_without_force_and_bad_settings_are_said_in_russian() {
    let work = tempfile::tempdir().expect("temp");
    let cache = work.path().join("cache");
    let out = work.path().join("mine.wav");
    std::fs::write(&out, "мой файл").expect("write");
    let path = out.to_str().expect("utf-8");
    let refused = say(&cache, &["Да.", "--out", path]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    assert_eq!(std::fs::read_to_string(&out).expect("kept"), "мой файл");
    let forced = say(&cache, &["Да.", "--out", path, "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    for (args, said) in [
        (
            vec!["--mood", "громко"],
            "настроение «громко» не распознано",
        ),
        (vec!["--pitch", "9"], "вне диапазона −6…+6"),
        (vec!["--tempo", "2"], "вне диапазона 0.8–1.25"),
    ] {
        let mut all = vec!["Да.", "--out", path, "--force"];
        all.extend(args);
        let output = say(&cache, &all);
        assert!(!output.status.success());
        assert!(stderr(&output).contains(said), "{}", stderr(&output));
    }
}

#[test]
fn the_recording_script_lists_every_line_with_its_id_and_mood() {
    let mut command = callcoach_command(&["voice", "script", "storyteller"]);
    let output = run_with_input(&mut command, "");
    assert!(output.status.success(), "{}", stderr(&output));
    let script = stdout(&output);
    assert!(script.contains("Николай Иванович — любит рассказывать истории издалека"));
    assert!(
        script.contains("opening.1 · настроение 0,40 (напряжённо)"),
        "{script}"
    );
    assert!(
        script.contains("opening.on1.1 · настроение 0,20 (спокойно)"),
        "{script}"
    );
    assert!(script.contains("  Ой, да, конечно, договор..."), "{script}");
    assert!(script.contains("voice: Voice(recordings: \"recordings/storyteller\")"));
}

#[test]
fn check_validates_the_voice_and_the_recordings() {
    let work = tempfile::tempdir().expect("temp");
    let text = std::fs::read_to_string(repository().join("scenarios/storyteller.ron"))
        .expect("scenario")
        .replace(
            "        hold_patience: 300,\n",
            "        hold_patience: 300,\n        voice: Voice(pitch: 9, recordings: \"записи\"),\n",
        );
    let scenario = work.path().join("storyteller.ron");
    std::fs::write(&scenario, &text).expect("write");
    let check = || {
        let mut command = callcoach_command(&["check", scenario.to_str().expect("utf-8")]);
        let output = run_with_input(&mut command, "");
        stdout(&output) + &stderr(&output)
    };
    let said = check();
    assert!(said.contains("высота голоса 9 вне диапазона"), "{said}");
    assert!(said.contains("папки записей"), "{said}");
    let folder = work.path().join("записи");
    std::fs::create_dir(&folder).expect("folder");
    let good = folder.join("opening.1.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&good, spec).expect("wav");
    for i in 0..8_000 {
        writer
            .write_sample(((i as f32 * 0.05).sin() * 8_000.0) as i16)
            .expect("sample");
    }
    writer.finalize().expect("finalised");
    std::fs::write(folder.join("opening.2.wav"), "не звук").expect("write");
    std::fs::copy(&good, folder.join("old_line.wav")).expect("copy");
    let said = check();
    assert!(
        said.contains("opening.2.wav не читается: это не WAV-файл"),
        "{said}"
    );
    assert!(
        said.contains("old_line.wav не относится ни к одной реплике"),
        "{said}"
    );
    assert!(said.contains("нет записей для"), "{said}");
    assert!(
        !said.contains("opening.1.wav"),
        "a good recording is fine: {said}"
    );
}
