//! Integration tests of the core: phrase matching, scenarios, the call engine.

mod duration;
mod matcher;
