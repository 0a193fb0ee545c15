//! Time from the end of speech to the text, for replies of about 2, 5 and 10 seconds: the
//! recogniser as the app uses it (model loaded once and warm, the reply's own window, greedy,
//! the prompt the app gives in the bundled scenario «Не работает интернет», the app's number of
//! threads), and in the same run whisper.cpp's own command-line tool on the same model, audio and
//! prompt — with its defaults, and with callcoach's settings.
//!
//! `cargo bench -p callcoach-speech --bench latency` with `CALLCOACH_MODEL` (the ggml model),
//! optionally `CALLCOACH_REFERENCE_CLI` (whisper-cli; `speech/benches/reference.sh` builds it),
//! `CALLCOACH_THREADS` (default: the app's, [`default_threads`]) and `CALLCOACH_RUNS` (default
//! 5). The replies are festival recordings from `tests/fixtures/speech`; the 10 s one joins two
//! of them with a breath between.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use callcoach_core::scenario::{SourceFile, parse_scenario};
use callcoach_speech::audio::read_wav;
use callcoach_speech::transcribe::{Recogniser, SAMPLE_RATE, audio_ctx, default_threads};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixtures() -> PathBuf {
    repository().join("tests/fixtures/speech")
}

/// The prompt the app gives whisper in a call of the bundled scenario the replies belong to.
fn app_prompt() -> String {
    let path = repository().join("scenarios/internet_down.ron");
    let source = SourceFile::read(&path).expect("bundled scenario");
    parse_scenario(&source).expect("parses").speech_prompt()
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The utterances: about 2, 5 and 10 seconds of festival's plain voice.
fn utterances() -> Vec<(String, Vec<f32>)> {
    let read = |name: &str| read_wav(&fixtures().join(name)).expect("fixture");
    let breath = vec![0.0f32; SAMPLE_RATE as usize * 3 / 10];
    let mut ten = read("hold_minute.plain.wav");
    ten.extend(&breath);
    ten.extend(read("our_problem.plain.wav"));
    vec![
        // The shortest recording (no reply of the standard is said in 2 s).
        ("2 s".to_owned(), read("thanks_call_short.plain.wav")),
        ("5 s".to_owned(), read("thanks_waiting.plain.wav")),
        ("10 s".to_owned(), ten),
    ]
}

fn write_wav(path: &Path, samples: &[f32]) {
    callcoach_voice::write_wav(path, samples, SAMPLE_RATE).expect("wav");
}

/// A time whisper.cpp prints in its timings (`whisper_print_timings: load time = 81.05 ms`),
/// in seconds.
fn printed_time(stderr: &str, what: &str) -> Option<f64> {
    stderr
        .lines()
        .find(|line| line.contains("whisper_print_timings") && line.contains(what))
        .and_then(|line| line.split('=').nth(1))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|ms| ms.parse::<f64>().ok())
        .map(|ms| ms / 1000.0)
}

/// One whisper-cli run: wall seconds, seconds without loading the model (its own timings), and
/// the text it printed.
fn run_cli(
    cli: &Path,
    prompt: &str,
    model: &Path,
    wav: &Path,
    threads: usize,
    extra: &[String],
) -> (f64, f64, String) {
    let started = Instant::now();
    let output = Command::new(cli)
        .args([
            "-l",
            "ru",
            "-nt",
            "-t",
            &threads.to_string(),
            "--prompt",
            prompt,
            "-m",
        ])
        .arg(model)
        .arg("-f")
        .arg(wav)
        .args(extra)
        .output()
        .expect("whisper-cli runs");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warm = match (
        printed_time(&stderr, "total time"),
        printed_time(&stderr, "load time"),
    ) {
        (Some(total), Some(load)) => total - load,
        _ => f64::NAN,
    };
    (seconds, warm, text)
}

fn main() {
    let Some(model) = std::env::var_os("CALLCOACH_MODEL").map(PathBuf::from) else {
        eprintln!("CALLCOACH_MODEL is not set: skipping");
        return;
    };
    let cli = std::env::var_os("CALLCOACH_REFERENCE_CLI").map(PathBuf::from);
    let threads = env_number("CALLCOACH_THREADS", default_threads());
    let prompt = app_prompt();
    let runs = env_number("CALLCOACH_RUNS", 5).max(1);
    let folder = std::env::temp_dir().join(format!("callcoach-latency-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("temp folder");

    let mut recogniser = Recogniser::load(&model, threads).expect("model");
    println!(
        "model {} · {threads} threads · median of {runs} runs\n",
        model.display()
    );
    println!(
        "| reply | callcoach (model warm) | whisper-cli, callcoach's settings | whisper-cli, defaults |"
    );
    println!("|---|---|---|---|");
    for (name, samples) in utterances() {
        let seconds = samples.len() as f32 / SAMPLE_RATE as f32;
        // Warm-up, as the app's first reply after loading.
        let mut text = recogniser.transcribe(&samples, &prompt).expect("text").text;
        let ours = median(
            (0..runs)
                .map(|_| {
                    let started = Instant::now();
                    text = recogniser.transcribe(&samples, &prompt).expect("text").text;
                    started.elapsed().as_secs_f64()
                })
                .collect(),
        );
        let (matched, defaults) = match &cli {
            Some(cli) => {
                let wav = folder.join(format!("{}.wav", name.replace(' ', "")));
                write_wav(&wav, &samples);
                let same = [
                    "-bs".to_owned(),
                    "1".to_owned(),
                    "-nf".to_owned(),
                    "-ac".to_owned(),
                    audio_ctx(seconds).to_string(),
                ];
                let measure = |extra: &[String]| {
                    let mut cli_text = String::new();
                    let mut walls = Vec::new();
                    let mut warms = Vec::new();
                    for _ in 0..runs {
                        let (wall, warm, text) =
                            run_cli(cli, &prompt, &model, &wav, threads, extra);
                        walls.push(wall);
                        warms.push(warm);
                        cli_text = text;
                    }
                    format!(
                        "{:.2} s ({:.2} s without loading) «{cli_text}»",
                        median(walls),
                        median(warms)
                    )
                };
                (measure(&same), measure(&[]))
            }
            None => ("—".to_owned(), "—".to_owned()),
        };
        println!("| {name} ({seconds:.1} s) | {ours:.2} s «{text}» | {matched} | {defaults} |");
    }
    let _ = std::fs::remove_dir_all(&folder);
}
