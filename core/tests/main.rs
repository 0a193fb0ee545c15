//! Integration tests of the core: phrase matching, scenarios, the call engine.

mod adversarial;
mod corpus;
mod duration;
mod engine;
mod exams;
mod lifecycle;
mod matcher;
mod meaning;
mod outcome;
mod properties;
mod rules;
mod scenarios;
mod store;
mod support;
mod trust;
mod understanding;
