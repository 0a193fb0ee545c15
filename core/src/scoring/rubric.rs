//! The rubric a quality service writes in RON (`assets/rubrics/default.ron`): category weights,
//! which categories a pass requires, the pass threshold and every word list the rules use.
//! The logic of the rules lives in code; the words live here, so a company adds its own stop
//! phrases and required phrases without touching code.
//!
//! One file over the usual size: the rubric as written and its compiled form mirror each other
//! field by field, and the compiler's problems point at the written fields, so they stay side by
//! side.

use serde::{Deserialize, Serialize};

use crate::scenario::{ClockTime, SpeechAct};
use crate::source::outline::Key;
use crate::text::{AnalyzedText, DurationPromise, Morphology, PhraseSet};

/// The default rubric, shipped inside the binary so `score` works from any folder.
pub const DEFAULT_RUBRIC: &str = include_str!("../../../assets/rubrics/default.ron");

/// The categories of the call standard, in debrief order.
///
/// Rubric files name them like scenario enums (`Greeting`); JSON reports use the ids
/// (`greeting`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all(serialize = "snake_case"))]
pub enum Category {
    /// The first agent turn: greeting word, name, position, company.
    Greeting,
    /// Announcing, keeping and thanking for holds.
    Hold,
    /// Obligation wording, «проблема» on the company's side, stop phrases.
    Wording,
    /// The last two agent turns: more questions, thanks for the call.
    Closing,
    /// Techniques that calm an angry customer.
    Deescalation,
    /// How the call ended and how the customer felt then.
    Outcome,
}

impl Category {
    /// Every category, in debrief order.
    pub const ALL: [Category; 6] = [
        Category::Greeting,
        Category::Hold,
        Category::Wording,
        Category::Closing,
        Category::Deescalation,
        Category::Outcome,
    ];

    /// The id used in rule ids and JSON: `greeting`.
    pub fn id(self) -> &'static str {
        match self {
            Category::Greeting => "greeting",
            Category::Hold => "hold",
            Category::Wording => "wording",
            Category::Closing => "closing",
            Category::Deescalation => "deescalation",
            Category::Outcome => "outcome",
        }
    }

    /// The category with this id (`greeting`), if there is one.
    pub fn from_id(id: &str) -> Option<Category> {
        Category::ALL
            .into_iter()
            .find(|category| category.id() == id)
    }

    /// The Russian title shown to trainees.
    pub fn title(self) -> &'static str {
        match self {
            Category::Greeting => "Приветствие",
            Category::Hold => "Удержание",
            Category::Wording => "Формулировки",
            Category::Closing => "Завершение",
            Category::Deescalation => "Снятие конфликта",
            Category::Outcome => "Итог звонка",
        }
    }
}

/// A rubric file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    /// Shown in reports: «Стандарт звонка техподдержки».
    pub title: String,
    /// The total (out of the sum of weights) a call needs to pass.
    pub pass_threshold: u32,
    /// Weight and pass requirement of each category.
    pub categories: Categories,
    /// Greeting word lists.
    pub greeting: GreetingWords,
    /// Hold word lists.
    pub hold: HoldWords,
    /// Wording word lists and stop phrases.
    pub wording: WordingWords,
    /// Closing word lists.
    pub closing: ClosingWords,
    /// De-escalation techniques.
    pub deescalation: DeescalationWords,
    /// How each ending and the customer's final mood count.
    #[serde(default)]
    pub outcome: OutcomeRules,
    /// A company's own phrases that must be said.
    #[serde(default)]
    pub required_phrases: Vec<RequiredPhrase>,
    /// SHA-256 of the text it was parsed from: the rubric version an attempt pins.
    #[serde(skip)]
    pub source_hash: String,
}

/// Weights and pass requirements of the five categories.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Categories {
    /// Greeting.
    pub greeting: CategoryRule,
    /// Hold etiquette.
    pub hold: CategoryRule,
    /// Wording.
    pub wording: CategoryRule,
    /// Closing.
    pub closing: CategoryRule,
    /// De-escalation.
    pub deescalation: CategoryRule,
    /// How the call ended; absent in rubrics written before it, where it counts for nothing.
    #[serde(default)]
    pub outcome: CategoryRule,
}

impl Categories {
    /// The settings of one category.
    pub fn get(&self, category: Category) -> &CategoryRule {
        match category {
            Category::Greeting => &self.greeting,
            Category::Hold => &self.hold,
            Category::Wording => &self.wording,
            Category::Closing => &self.closing,
            Category::Deescalation => &self.deescalation,
            Category::Outcome => &self.outcome,
        }
    }
}

/// How much a category counts and whether a pass requires it.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryRule {
    /// The category's maximum score.
    pub weight: u32,
    /// A call with this category failed does not pass, whatever its total.
    pub mandatory: bool,
}

/// How the outcome category counts each ending and the customer's final mood.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRules {
    /// Percent of the category's weight a resolved call earns.
    pub resolved: u32,
    /// … a call passed on as the situation required.
    pub escalated: u32,
    /// … a call the customer hung up on (the category fails).
    pub hung_up: u32,
    /// … a call the agent ended with the matter open (the category fails).
    pub ended_by_agent: u32,
    /// From this final mood (0 calm … 1 furious) the customer leaves irritated: a warning, and
    /// `mood_penalty` percent off.
    pub irritated: f32,
    /// Percent off for an irritated customer.
    pub mood_penalty: u32,
    /// From this final mood the customer leaves furious: the category fails.
    pub furious: f32,
}

impl Default for OutcomeRules {
    fn default() -> Self {
        OutcomeRules {
            resolved: 100,
            escalated: 100,
            hung_up: 0,
            ended_by_agent: 0,
            irritated: 0.7,
            mood_penalty: 30,
            furious: 0.85,
        }
    }
}

/// A greeting word and the hours it fits.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GreetingWord {
    /// The phrase: «=добрый =день».
    pub phrase: String,
    /// From `HH:MM` (inclusive); with `to`, the window may wrap past midnight.
    #[serde(default)]
    pub from: Option<String>,
    /// To `HH:MM` (inclusive).
    #[serde(default)]
    pub to: Option<String>,
}

/// Word lists of the greeting.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GreetingWords {
    /// Greeting words and their hours.
    pub words: Vec<GreetingWord>,
    /// Words that are not a corporate greeting: «=здрасте», «=алло».
    pub not_greetings: Vec<String>,
    /// Phrases after which the agent's name follows: «меня зовут».
    pub introductions: Vec<String>,
    /// Positions: «специалист», «поддержка».
    pub positions: Vec<String>,
    /// Questions that take the lead: «подсказать ... номер».
    pub lead_questions: Vec<String>,
    /// Words of a company name that do not identify it alone: «ООО», «Телеком».
    pub company_generic_words: Vec<String>,
}

/// Word lists of hold etiquette.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldWords {
    /// Asking to stay on the line: «оставаться на линии», «подождать».
    pub stay_on_line: Vec<String>,
    /// Thanks for waiting: «спасибо|благодарить за ожидание».
    pub thanks: Vec<String>,
    /// Seconds a hold may run over its promise before it counts as broken.
    #[serde(default)]
    pub grace_seconds: u32,
    /// How far, in percent, a hold may run over a promise said as an estimate («около минуты»,
    /// «пару минут», «минут пять»); never less than `grace_seconds`.
    #[serde(default)]
    pub approximate_percent: u32,
}

/// Word lists of the wording rules.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordingWords {
    /// Points one wording finding costs.
    pub penalty: u32,
    /// Obligation words and their exceptions: «должен», «!=должно =быть».
    pub obligation: Vec<String>,
    /// Wording praised instead of an obligation: «=необходимо».
    pub recommended: Vec<String>,
    /// Nouns that name the customer as a subject: «клиент», «абонент».
    pub customer_nouns: Vec<String>,
    /// The word «проблема» and its exceptions.
    pub problem: Vec<String>,
    /// Words that put a problem on the company's side: «наш», «у =нас».
    pub company_side: Vec<String>,
    /// Words that put it on the customer's side: «ваш», «у =вас».
    pub customer_side: Vec<String>,
    /// Phrases an agent never says, each with its reason and a better wording.
    pub stop_phrases: Vec<StopPhrase>,
}

/// A phrase an agent never says.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopPhrase {
    /// The rule id is `wording.stop.<id>`.
    pub id: String,
    /// The phrase in its variants, with exceptions.
    pub phrases: Vec<String>,
    /// Why not, in Russian.
    pub message: String,
    /// What to say instead.
    pub suggestion: String,
}

/// Word lists of the closing.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosingWords {
    /// «Остались ли у вас вопросы?»
    pub more_questions: Vec<String>,
    /// «Спасибо за звонок».
    pub thanks: Vec<String>,
    /// «Будем рады помочь снова»: praised, never required.
    pub bonus: Vec<String>,
}

/// The de-escalation techniques.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeescalationWords {
    /// How many different techniques earn the full score.
    pub enough: u32,
    /// The techniques.
    pub techniques: Vec<Technique>,
}

/// One de-escalation technique.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Technique {
    /// The rule id is `deescalation.<id>`.
    pub id: String,
    /// What it is, in one Russian sentence.
    pub title: String,
    /// How it sounds.
    pub phrases: Vec<String>,
    /// In how many agent turns it must be heard to count (questions: 2).
    #[serde(default = "one")]
    pub min_turns: u32,
    /// The praise shown when it is used.
    pub praise: String,
}

fn one() -> u32 {
    1
}

/// Where a required phrase must be said.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Place {
    /// In the greeting (the first agent turn).
    Greeting,
    /// In the closing (the last two agent turns).
    Closing,
    /// Anywhere in the call.
    Anywhere,
}

/// A company's own phrase that must be said.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredPhrase {
    /// The rule id is `required.<id>`.
    pub id: String,
    /// The category it counts in.
    pub category: Category,
    /// Where it must be said.
    pub place: Place,
    /// How it may sound.
    pub phrases: Vec<String>,
    /// Why it is required, in Russian.
    pub message: String,
    /// The wording to use.
    pub suggestion: String,
}

/// A rubric problem with the place in the file it concerns.
#[derive(Clone, Debug)]
pub struct RubricProblem {
    /// Path to the value at fault.
    pub path: Vec<Key<'static>>,
    /// What is wrong, in Russian.
    pub message: String,
    /// What to do, in Russian.
    pub help: String,
}

/// A greeting word ready to match.
#[derive(Clone, Debug)]
pub(crate) struct CompiledGreeting {
    pub phrase: PhraseSet,
    pub source: String,
    /// Minutes since midnight, inclusive; `None` fits any time.
    pub window: Option<(u32, u32)>,
}

impl CompiledGreeting {
    /// Whether the greeting fits the clock.
    pub fn fits(&self, clock: Option<ClockTime>) -> bool {
        match (self.window, clock) {
            (Some((from, to)), Some(clock)) if from <= to => (from..=to).contains(&clock.minutes),
            (Some((from, to)), Some(clock)) => clock.minutes >= from || clock.minutes <= to,
            _ => true,
        }
    }
}

/// A stop phrase ready to match.
#[derive(Clone, Debug)]
pub(crate) struct CompiledStop {
    pub rule: String,
    pub phrases: PhraseSet,
    pub message: String,
    pub suggestion: String,
}

/// A technique ready to match.
#[derive(Clone, Debug)]
pub(crate) struct CompiledTechnique {
    pub rule: String,
    pub title: String,
    pub phrases: PhraseSet,
    pub min_turns: u32,
    pub praise: String,
}

/// A required phrase ready to match.
#[derive(Clone, Debug)]
pub(crate) struct CompiledRequired {
    pub rule: String,
    pub category: Category,
    pub place: Place,
    pub phrases: PhraseSet,
    pub message: String,
    pub suggestion: String,
}

/// A rubric with every phrase parsed, ready for the scorer.
#[derive(Clone, Debug)]
pub struct CompiledRubric {
    /// The rubric as written.
    pub rubric: Rubric,
    pub(crate) greetings: Vec<CompiledGreeting>,
    pub(crate) not_greetings: PhraseSet,
    pub(crate) introductions: PhraseSet,
    pub(crate) positions: PhraseSet,
    pub(crate) lead_questions: PhraseSet,
    pub(crate) company_generic_words: Vec<String>,
    pub(crate) stay_on_line: PhraseSet,
    pub(crate) hold_thanks: PhraseSet,
    pub(crate) obligation: PhraseSet,
    pub(crate) recommended: PhraseSet,
    pub(crate) customer_nouns: PhraseSet,
    pub(crate) problem: PhraseSet,
    pub(crate) company_side: PhraseSet,
    pub(crate) customer_side: PhraseSet,
    pub(crate) stops: Vec<CompiledStop>,
    pub(crate) more_questions: PhraseSet,
    pub(crate) closing_thanks: PhraseSet,
    pub(crate) closing_bonus: PhraseSet,
    pub(crate) techniques: Vec<CompiledTechnique>,
    pub(crate) required: Vec<CompiledRequired>,
}

/// The technique whose phrases are the act of explaining («потому что»).
pub(crate) const EXPLANATION_TECHNIQUE: &str = "because";
/// The technique whose phrases are the act of apologising.
pub(crate) const APOLOGY_TECHNIQUE: &str = "apology";
/// The technique whose phrases are the act of naming a deadline.
pub(crate) const DEADLINE_TECHNIQUE: &str = "time_frame";

impl CompiledRubric {
    /// The longest hold that keeps `promise`: the promise plus the grace, or plus
    /// `approximate_percent` of it when it was an estimate.
    pub fn hold_allowance(&self, promise: &DurationPromise) -> u32 {
        let hold = &self.rubric.hold;
        let estimate = if promise.approximate {
            promise.seconds.saturating_mul(hold.approximate_percent) / 100
        } else {
            0
        };
        promise
            .seconds
            .saturating_add(hold.grace_seconds.max(estimate))
    }

    /// The acts of the call standard a reply performs, heard through this rubric's word lists:
    /// what a scenario's `Act(…)` conditions react to.
    pub fn acts(&self, reply: &AnalyzedText) -> Vec<SpeechAct> {
        let technique = |id: &str| {
            self.techniques
                .iter()
                .find(|technique| technique.rule.strip_prefix("deescalation.") == Some(id))
                .is_some_and(|technique| technique.phrases.matches_any(reply))
        };
        let heard = [
            self.greetings
                .iter()
                .any(|greeting| greeting.phrase.matches_any(reply)),
            self.lead_questions.matches_any(reply),
            self.stay_on_line.matches_any(reply),
            self.hold_thanks.matches_any(reply),
            technique(EXPLANATION_TECHNIQUE),
            technique(APOLOGY_TECHNIQUE),
            technique(DEADLINE_TECHNIQUE),
            self.more_questions.matches_any(reply),
            self.closing_thanks.matches_any(reply),
        ];
        SpeechAct::ALL
            .into_iter()
            .zip(heard)
            .filter_map(|(act, heard)| heard.then_some(act))
            .collect()
    }
}

/// Collects problems while compiling, so a trainer sees all of them at once.
struct Compiler<'m> {
    morphology: &'m Morphology,
    problems: Vec<RubricProblem>,
}

impl Compiler<'_> {
    fn problem(&mut self, path: Vec<Key<'static>>, message: String, help: &str) {
        self.problems.push(RubricProblem {
            path,
            message,
            help: help.to_owned(),
        });
    }

    /// The outcome's percentages are shares of a weight and its moods lie on the mood scale.
    fn outcome(&mut self, rules: &OutcomeRules) {
        for (field, percent) in [
            ("resolved", rules.resolved),
            ("escalated", rules.escalated),
            ("hung_up", rules.hung_up),
            ("ended_by_agent", rules.ended_by_agent),
            ("mood_penalty", rules.mood_penalty),
        ] {
            if percent > 100 {
                self.problem(
                    vec![Key::Field("outcome"), Key::Field(field)],
                    format!("{percent} процентов — больше ста"),
                    "Это доля веса категории «Итог звонка»: от 0 до 100.",
                );
            }
        }
        for (field, mood) in [("irritated", rules.irritated), ("furious", rules.furious)] {
            if !(0.0..=1.0).contains(&mood) {
                self.problem(
                    vec![Key::Field("outcome"), Key::Field(field)],
                    format!("настроение {mood} вне диапазона 0.0–1.0"),
                    "0.0 — клиент спокоен, 1.0 — в ярости.",
                );
            }
        }
        if rules.irritated > rules.furious {
            self.problem(
                vec![Key::Field("outcome"), Key::Field("irritated")],
                format!(
                    "порог раздражения {} выше порога ярости {}",
                    rules.irritated, rules.furious
                ),
                "Раздражение наступает раньше ярости: irritated должен быть не больше furious.",
            );
        }
    }

    /// Parses a phrase list at `path`; an empty or broken list is reported and replaced by a
    /// list that can never match, so compiling goes on.
    fn phrases(&mut self, path: &[Key<'static>], entries: &[String]) -> Option<PhraseSet> {
        if entries.is_empty() {
            self.problem(
                path.to_vec(),
                "пустой список фраз".to_owned(),
                "Перечислите хотя бы одну фразу, например [\"номер договора\"].",
            );
            return None;
        }
        match PhraseSet::parse(self.morphology, entries) {
            Ok(set) => Some(set),
            Err((index, error)) => {
                let mut at = path.to_vec();
                at.push(Key::Index(index));
                self.problem(at, error.message, &error.help);
                None
            }
        }
    }

    fn text(&mut self, path: Vec<Key<'static>>, text: &str, what: &str) {
        if text.trim().is_empty() {
            self.problem(
                path,
                format!("пустой текст: {what}"),
                "Напишите по-русски, что увидит стажёр.",
            );
        }
    }

    fn id(&mut self, path: Vec<Key<'static>>, id: &str, seen: &mut Vec<String>) {
        let valid = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            self.problem(
                path,
                format!("id «{id}» не подходит"),
                "Id пишется латиницей в нижнем регистре, цифрами и «_»: read_manual.",
            );
        } else if seen.iter().any(|known| known == id) {
            self.problem(
                path,
                format!("id «{id}» уже занят"),
                "Id в одном списке должны различаться: по ним сценарии ссылаются на правило.",
            );
        } else {
            seen.push(id.to_owned());
        }
    }

    fn clock(&mut self, path: Vec<Key<'static>>, value: &Option<String>) -> Option<u32> {
        let text = value.as_ref()?;
        match ClockTime::parse(text) {
            Some(time) => Some(time.minutes),
            None => {
                self.problem(
                    path,
                    format!("«{text}» — не время"),
                    "Время пишется как ЧЧ:ММ, например \"09:00\" или \"17:59\".",
                );
                None
            }
        }
    }
}

impl Rubric {
    /// The default rubric.
    pub fn default_rubric() -> Result<Rubric, ron::error::SpannedError> {
        Rubric::parse(DEFAULT_RUBRIC)
    }

    /// Parses rubric RON.
    pub fn parse(text: &str) -> Result<Rubric, ron::error::SpannedError> {
        let mut rubric: Rubric = crate::source::ron_options().from_str(text)?;
        rubric.source_hash = crate::source::content_hash(text);
        Ok(rubric)
    }

    /// The sum of category weights: the maximum total.
    pub fn max_total(&self) -> u32 {
        Category::ALL
            .iter()
            .map(|&category| self.categories.get(category).weight)
            .sum()
    }

    /// Checks the rubric and parses every phrase; all problems are reported at once.
    pub fn compile(self, morphology: &Morphology) -> Result<CompiledRubric, Vec<RubricProblem>> {
        let mut c = Compiler {
            morphology,
            problems: Vec::new(),
        };
        let max_total = self.max_total();
        if max_total == 0 {
            c.problem(
                vec![Key::Field("categories")],
                "у всех категорий вес 0".to_owned(),
                "Дайте категориям веса, например приветствие 25, удержание 20, формулировки 30.",
            );
        }
        if self.pass_threshold > max_total {
            c.problem(
                vec![Key::Field("pass_threshold")],
                format!(
                    "порог {} больше максимума {max_total} (сумма весов категорий)",
                    self.pass_threshold
                ),
                "Порог сдачи не может быть больше суммы весов, иначе сдать нельзя.",
            );
        }
        c.text(vec![Key::Field("title")], &self.title, "название рубрики");
        c.outcome(&self.outcome);
        // A broken list is reported and stands in as an empty set, so every problem is found.
        let set = |c: &mut Compiler<'_>, path: &[Key<'static>], entries: &[String]| {
            c.phrases(path, entries).unwrap_or_else(PhraseSet::empty)
        };

        let mut greetings = Vec::new();
        if self.greeting.words.is_empty() {
            c.problem(
                vec![Key::Field("greeting"), Key::Field("words")],
                "нет ни одного приветствия".to_owned(),
                "Добавьте хотя бы (phrase: \"=здравствуйте\").",
            );
        }
        for (index, word) in self.greeting.words.iter().enumerate() {
            let at = |field| {
                vec![
                    Key::Field("greeting"),
                    Key::Field("words"),
                    Key::Index(index),
                    Key::Field(field),
                ]
            };
            let phrase = set(&mut c, &at("phrase"), std::slice::from_ref(&word.phrase));
            let from = c.clock(at("from"), &word.from);
            let to = c.clock(at("to"), &word.to);
            let window = match (&word.from, &word.to) {
                (None, None) => None,
                (Some(_), Some(_)) => from.zip(to),
                _ => {
                    c.problem(
                        at("phrase"),
                        format!("у приветствия «{}» указана только одна граница времени", word.phrase),
                        "Укажите обе границы, from и to, или ни одной — тогда приветствие подходит всегда.",
                    );
                    None
                }
            };
            greetings.push(CompiledGreeting {
                phrase,
                source: word.phrase.trim_start_matches('=').replace(" =", " "),
                window,
            });
        }
        let g = |field| vec![Key::Field("greeting"), Key::Field(field)];
        let not_greetings = set(&mut c, &g("not_greetings"), &self.greeting.not_greetings);
        let introductions = set(&mut c, &g("introductions"), &self.greeting.introductions);
        let positions = set(&mut c, &g("positions"), &self.greeting.positions);
        let lead_questions = set(&mut c, &g("lead_questions"), &self.greeting.lead_questions);
        let company_generic_words = self
            .greeting
            .company_generic_words
            .iter()
            .map(|word| crate::text::fold(word.trim()))
            .collect();

        let h = |field| vec![Key::Field("hold"), Key::Field(field)];
        let stay_on_line = set(&mut c, &h("stay_on_line"), &self.hold.stay_on_line);
        let hold_thanks = set(&mut c, &h("thanks"), &self.hold.thanks);

        let w = |field| vec![Key::Field("wording"), Key::Field(field)];
        let obligation = set(&mut c, &w("obligation"), &self.wording.obligation);
        let recommended = set(&mut c, &w("recommended"), &self.wording.recommended);
        let customer_nouns = set(&mut c, &w("customer_nouns"), &self.wording.customer_nouns);
        let problem = set(&mut c, &w("problem"), &self.wording.problem);
        let company_side = set(&mut c, &w("company_side"), &self.wording.company_side);
        let customer_side = set(&mut c, &w("customer_side"), &self.wording.customer_side);
        if self.wording.penalty == 0 {
            c.problem(
                w("penalty"),
                "штраф за нарушение формулировок равен 0".to_owned(),
                "Укажите, сколько баллов снимает одно нарушение, например 10.",
            );
        }
        let mut seen = Vec::new();
        let mut stops = Vec::new();
        for (index, stop) in self.wording.stop_phrases.iter().enumerate() {
            let at = |field| {
                vec![
                    Key::Field("wording"),
                    Key::Field("stop_phrases"),
                    Key::Index(index),
                    Key::Field(field),
                ]
            };
            c.id(at("id"), &stop.id, &mut seen);
            c.text(at("message"), &stop.message, "причина");
            c.text(at("suggestion"), &stop.suggestion, "лучшая формулировка");
            stops.push(CompiledStop {
                rule: format!("wording.stop.{}", stop.id),
                phrases: set(&mut c, &at("phrases"), &stop.phrases),
                message: stop.message.clone(),
                suggestion: stop.suggestion.clone(),
            });
        }

        let cl = |field| vec![Key::Field("closing"), Key::Field(field)];
        let more_questions = set(&mut c, &cl("more_questions"), &self.closing.more_questions);
        let closing_thanks = set(&mut c, &cl("thanks"), &self.closing.thanks);
        let closing_bonus = set(&mut c, &cl("bonus"), &self.closing.bonus);

        let mut seen = Vec::new();
        let mut techniques = Vec::new();
        if self.deescalation.enough == 0 {
            c.problem(
                vec![Key::Field("deescalation"), Key::Field("enough")],
                "enough равно 0".to_owned(),
                "Укажите, сколько разных приёмов дают полный балл, например 2.",
            );
        }
        for (index, technique) in self.deescalation.techniques.iter().enumerate() {
            let at = |field| {
                vec![
                    Key::Field("deescalation"),
                    Key::Field("techniques"),
                    Key::Index(index),
                    Key::Field(field),
                ]
            };
            c.id(at("id"), &technique.id, &mut seen);
            c.text(at("title"), &technique.title, "название приёма");
            c.text(at("praise"), &technique.praise, "похвала");
            if technique.min_turns == 0 {
                c.problem(
                    at("min_turns"),
                    "min_turns равно 0".to_owned(),
                    "Приём засчитывается, если прозвучал хотя бы в одной реплике: min_turns: 1.",
                );
            }
            techniques.push(CompiledTechnique {
                rule: format!("deescalation.{}", technique.id),
                title: technique.title.clone(),
                phrases: set(&mut c, &at("phrases"), &technique.phrases),
                min_turns: technique.min_turns.max(1),
                praise: technique.praise.clone(),
            });
        }

        let mut seen = Vec::new();
        let mut required = Vec::new();
        for (index, phrase) in self.required_phrases.iter().enumerate() {
            let at = |field| {
                vec![
                    Key::Field("required_phrases"),
                    Key::Index(index),
                    Key::Field(field),
                ]
            };
            c.id(at("id"), &phrase.id, &mut seen);
            c.text(at("message"), &phrase.message, "причина");
            c.text(at("suggestion"), &phrase.suggestion, "нужная фраза");
            required.push(CompiledRequired {
                rule: format!("required.{}", phrase.id),
                category: phrase.category,
                place: phrase.place,
                phrases: set(&mut c, &at("phrases"), &phrase.phrases),
                message: phrase.message.clone(),
                suggestion: phrase.suggestion.clone(),
            });
        }

        if !c.problems.is_empty() {
            return Err(c.problems);
        }
        Ok(CompiledRubric {
            rubric: self,
            greetings,
            not_greetings,
            introductions,
            positions,
            lead_questions,
            company_generic_words,
            stay_on_line,
            hold_thanks,
            obligation,
            recommended,
            customer_nouns,
            problem,
            company_side,
            customer_side,
            stops,
            more_questions,
            closing_thanks,
            closing_bonus,
            techniques,
            required,
        })
    }
}

/// Reads, parses and compiles a rubric file; every problem becomes a diagnostic with the line
/// and column of the value at fault.
pub fn load_rubric(
    source: &crate::source::SourceFile,
    morphology: &Morphology,
) -> Result<CompiledRubric, Vec<crate::source::Diagnostic>> {
    use crate::source::outline::Node;
    use crate::source::{Diagnostic, Severity};

    let rubric = Rubric::parse(&source.text)
        .map_err(|error| vec![crate::source::ron_diagnostic(&source.path, &error)])?;
    rubric.compile(morphology).map_err(|problems| {
        let outline = Node::parse(&source.text);
        problems
            .into_iter()
            .map(|problem| {
                let (line, column) = outline.as_ref().map_or((1, 1), |outline| {
                    let position = outline.locate(&problem.path);
                    (position.line, position.column)
                });
                Diagnostic {
                    file: source.path.clone(),
                    line,
                    column,
                    severity: Severity::Error,
                    message: problem.message,
                    help: problem.help,
                }
            })
            .collect()
    })
}

/// Whether RON text is a rubric rather than a scenario: its top-level value is `Rubric(…)`.
pub fn is_rubric(text: &str) -> bool {
    crate::source::top_level_is(text, "Rubric")
}
