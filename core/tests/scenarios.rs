//! The bundled scenarios: clean under `check`, every ending reached by a walkthrough.

use std::collections::BTreeSet;
use std::path::PathBuf;

use callcoach_core::check::check_paths;
use callcoach_core::scenario::EndingKind;
use callcoach_core::scoring::Scorer;
use callcoach_core::text::Morphology;

#[test]
fn every_bundled_scenario_is_clean_and_every_ending_is_walked() {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let morphology = Morphology::shared().expect("dictionary");
    let scorer = Scorer::with_default_rubric(morphology.clone()).expect("default rubric");
    let report = check_paths(&[folder], &morphology, &scorer);
    let shown: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
    assert!(shown.is_empty(), "{}", shown.join("\n"));
    let difficulties: BTreeSet<u8> = report.scenarios.iter().map(|(_, s)| s.difficulty).collect();
    for (path, scenario) in &report.scenarios {
        let walked: BTreeSet<&str> = scenario
            .walkthroughs
            .iter()
            .map(|w| w.ending.as_str())
            .collect();
        for ending in &scenario.endings {
            assert!(
                walked.contains(ending.id.as_str()),
                "{}: ending {} has no walkthrough",
                path.display(),
                ending.id
            );
        }
        let kinds: BTreeSet<_> = scenario
            .endings
            .iter()
            .map(|e| format!("{:?}", e.kind))
            .collect();
        assert!(
            kinds.len() >= 2,
            "{}: at least two kinds of ending",
            path.display()
        );
        assert!(
            scenario
                .endings
                .iter()
                .any(|e| e.kind == EndingKind::HungUp)
        );
    }
    assert!(
        report.scenarios.len() >= 8,
        "at least eight bundled scenarios"
    );
    assert_eq!(
        (difficulties.first(), difficulties.last()),
        (Some(&1), Some(&5)),
        "difficulty spreads from 1 to 5: {difficulties:?}"
    );
}
