//! Speech input for callcoach: the whisper model (installed from a ggml file or converted from
//! the CTranslate2 model the package registries carry), offline Russian transcription, and the
//! microphone, and one spoken reply heard the same way by the terminal and the app; the speaker
//! the customer's voice plays through. No Bevy here: the command line and the app both use it.

pub mod audio;
pub mod convert;
mod device;
pub mod mic;
pub mod model;
pub mod reply;
pub mod speaker;
pub mod transcribe;
