//! The natural playthroughs in `tests/playthroughs/`: calls written in the agent's own words by
//! someone who read only each scenario's title, summary and customer lines. Every one must reach
//! the best ending, and at most 5 % of all customer lines may be fallbacks (`"understood":
//! false`). The same measurement runs on playthroughs nobody here has seen: README, «Как
//! измерить понимание».

use transcript_json::Call;

use super::{callcoach, repository, stderr, stdout};

/// The share of customer lines that may be fallbacks.
const MAX_NOT_UNDERSTOOD: f64 = 0.05;

mod transcript_json {
    use serde::Deserialize;

    #[derive(Deserialize)]
    pub struct Call {
        pub turns: Vec<Turn>,
        pub ending: Option<Ending>,
    }

    #[derive(Deserialize)]
    pub struct Turn {
        pub speaker: String,
        #[serde(default)]
        pub understood: Option<bool>,
    }

    #[derive(Deserialize)]
    pub struct Ending {
        pub result: String,
    }
}

/// A playthrough file: `# seed: N` and the replies, one per line, as typed in `play`.
fn read(path: &std::path::Path) -> (u64, String) {
    let text = std::fs::read_to_string(path).expect("playthrough");
    let seed = text
        .lines()
        .find_map(|line| line.strip_prefix("# seed:"))
        .and_then(|seed| seed.trim().parse().ok())
        .expect("a `# seed: N` line");
    let replies: String = text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| format!("{line}\n"))
        .collect();
    (seed, replies)
}

#[test]
fn natural_playthroughs_reach_the_best_ending_and_are_understood() {
    let folder = repository().join("tests/playthroughs");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .expect("playthroughs folder")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    files.sort();
    let scenarios: std::collections::BTreeSet<String> =
        files.iter().map(|path| scenario_of(path)).collect();
    assert!(
        files.len() >= 16 && scenarios.len() >= 8,
        "two playthroughs for each of the eight scenarios: {files:?}"
    );
    let temp = tempfile::tempdir().expect("temp dir");
    let (mut lines, mut fallbacks) = (0usize, 0usize);
    let mut problems = Vec::new();
    for (index, path) in files.iter().enumerate() {
        let (seed, replies) = read(path);
        let out = temp.path().join(format!("call-{index}.json"));
        let output = callcoach(
            &[
                "play",
                &scenario_of(path),
                "--text",
                "--seed",
                &seed.to_string(),
                "--transcript",
                out.to_str().expect("utf-8"),
            ],
            &replies,
        );
        assert!(output.status.success(), "{}", stderr(&output));
        let call: Call = serde_json::from_str(&std::fs::read_to_string(&out).expect("transcript"))
            .expect("the transcript contract");
        let customer: Vec<_> = call
            .turns
            .iter()
            .filter(|turn| turn.speaker == "customer")
            .collect();
        lines += customer.len();
        fallbacks += customer
            .iter()
            .filter(|turn| turn.understood == Some(false))
            .count();
        let result = call.ending.map(|ending| ending.result);
        if result.as_deref() != Some("resolved") {
            problems.push(format!(
                "{}: ended {result:?}\n{}",
                path.display(),
                stdout(&output)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let share = fallbacks as f64 / lines as f64;
    assert!(
        share <= MAX_NOT_UNDERSTOOD,
        "{fallbacks} of {lines} customer lines were fallbacks ({:.1} %)",
        share * 100.0
    );
}

/// `internet_down-1.txt` plays `internet_down`.
fn scenario_of(path: &std::path::Path) -> String {
    let stem = path
        .file_stem()
        .and_then(|stem| stem.to_str())
        .expect("name");
    stem.rsplit_once('-')
        .map_or(stem, |(scenario, _)| scenario)
        .to_owned()
}
