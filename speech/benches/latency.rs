//! Time from the end of speech to the text: the recogniser on recorded replies of about 2, 5 and
//! 10 seconds. Run with `cargo bench -p callcoach-speech -- FILE.wav…` (model: CALLCOACH_MODEL,
//! threads: CALLCOACH_THREADS, default 1).

use std::path::PathBuf;
use std::time::Instant;

use callcoach_speech::audio::read_wav;
use callcoach_speech::transcribe::Recogniser;

fn main() {
    let model = std::env::var_os("CALLCOACH_MODEL").map(PathBuf::from);
    let Some(model) = model else {
        eprintln!("CALLCOACH_MODEL is not set: skipping");
        return;
    };
    let files: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|arg| arg.ends_with(".wav"))
        .map(PathBuf::from)
        .collect();
    let mut recogniser = Recogniser::load(
        &model,
        std::env::var("CALLCOACH_THREADS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1),
    )
    .expect("model");
    for file in files {
        let samples = read_wav(&file).expect("wav");
        let runs: usize = std::env::var("CALLCOACH_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3);
        let mut times = Vec::new();
        let mut text = String::new();
        for _ in 0..runs {
            let started = Instant::now();
            text = recogniser
                .transcribe(
                    &samples,
                    &std::env::var("CALLCOACH_PROMPT").unwrap_or_default(),
                )
                .expect("text")
                .text;
            times.push(started.elapsed().as_millis());
        }
        times.sort_unstable();
        println!(
            "{}: {} ms (median of 3) — {text}",
            file.display(),
            times[times.len() / 2]
        );
    }
}
