//! The rules of the call standard, one module per category.

pub(crate) mod closing;
pub(crate) mod deescalation;
pub(crate) mod greeting;
pub(crate) mod hold;
pub(crate) mod outcome;
pub(crate) mod required;
pub(crate) mod wording;

use super::report::Finding;
use super::rubric::{Category, CompiledRubric};

/// A rule written in code, with what it checks: declared next to the code that applies it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rule {
    /// Stable id: `wording.obligation`.
    pub(crate) id: &'static str,
    /// Its category.
    pub(crate) category: Category,
    /// What it checks, in one Russian sentence.
    pub(crate) description: &'static str,
}

/// The rules written in code, category by category in debrief order.
pub(crate) const CODED: [&[Rule]; 6] = [
    greeting::RULES,
    hold::RULES,
    wording::RULES,
    closing::RULES,
    deescalation::RULES,
    outcome::RULES,
];

/// A rule as a trainer or scenario author sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// Stable id: `wording.obligation`.
    pub id: String,
    /// Its category.
    pub category: Category,
    /// What it checks, in one Russian sentence.
    pub description: String,
}

/// Every rule of a rubric: the ones written in code and those its word lists add (stop phrases,
/// techniques, required phrases).
pub fn rule_catalogue(rubric: &CompiledRubric) -> Vec<RuleInfo> {
    let rule = |id: &str, category, description: &str| RuleInfo {
        id: id.to_owned(),
        category,
        description: description.to_owned(),
    };
    let mut rules: Vec<RuleInfo> = CODED
        .iter()
        .flat_map(|rules| rules.iter())
        .map(|coded| rule(coded.id, coded.category, coded.description))
        .collect();
    for stop in &rubric.stops {
        rules.push(rule(&stop.rule, Category::Wording, &stop.message));
    }
    for technique in &rubric.techniques {
        rules.push(rule(
            &technique.rule,
            Category::Deescalation,
            &technique.title,
        ));
    }
    for required in &rubric.required {
        rules.push(rule(&required.rule, required.category, &required.message));
    }
    rules
}

/// Whether a finding about a turn is already final when that turn is said, so a live hint may
/// show it: the closing, de-escalation, the lead question and required phrases depend on turns
/// still to come.
pub(crate) fn is_final_when_said(finding: &Finding) -> bool {
    !matches!(
        finding.category,
        Category::Closing | Category::Deescalation | Category::Outcome
    ) && finding.rule != greeting::LEAD_QUESTION
        && !finding.rule.starts_with("required.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_of_the_default_rubric_has_its_own_id_and_a_description() {
        let morphology = crate::text::Morphology::shared().expect("dictionary");
        let scorer = crate::scoring::Scorer::with_default_rubric(morphology).expect("rubric");
        let rules = rule_catalogue(scorer.rubric());
        let mut ids: Vec<&str> = rules.iter().map(|rule| rule.id.as_str()).collect();
        ids.sort_unstable();
        let count = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), count, "a rule id is used twice: {rules:#?}");
        for rule in &rules {
            assert!(
                rule.id.starts_with(rule.category.id()) && !rule.description.trim().is_empty(),
                "{rule:?}"
            );
        }
    }

    #[test]
    fn each_coded_rule_sits_in_its_own_category() {
        for rules in CODED {
            let category = rules[0].category;
            assert!(rules.iter().all(|rule| rule.category == category));
        }
    }
}
