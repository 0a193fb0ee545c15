//! One spoken reply, as the terminal (`play --voice`) and the app hear it: listen until the
//! trainee pauses, recognising the words during the pause; then keep that text, or recognise
//! the recording now; and say how long the trainee waited for it. Both front ends call this, so
//! a reply is cut, recognised and timed the same way.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use crate::mic::{Microphone, Recording};
use crate::transcribe::{Recogniser, TranscribeError, Transcription};

/// How long one spoken reply may last.
pub const LISTEN_LIMIT: Duration = Duration::from_secs(30);
/// The pause that ends a spoken reply in voice-activity mode.
pub const END_OF_REPLY: Duration = Duration::from_millis(800);

/// Whatever recognises the reply: the terminal's recogniser is loaded before the call; the
/// app's is loaded (and installed) on first use and says so on screen.
pub trait RecogniseReply {
    /// During the closing pause, on the audio so far; `None` when no recogniser is ready (the
    /// look-ahead never waits for one).
    fn during_pause(
        &mut self,
        recording: &Recording,
        prompt: &str,
    ) -> Option<Result<Transcription, TranscribeError>>;

    /// Once the reply is over, on the whole recording; `None` when no recogniser could be had
    /// (the implementation has said why).
    fn after_reply(
        &mut self,
        recording: &Recording,
        prompt: &str,
    ) -> Option<Result<Transcription, TranscribeError>>;
}

impl RecogniseReply for Recogniser {
    fn during_pause(
        &mut self,
        recording: &Recording,
        prompt: &str,
    ) -> Option<Result<Transcription, TranscribeError>> {
        Some(self.transcribe(&recording.samples, prompt))
    }

    fn after_reply(
        &mut self,
        recording: &Recording,
        prompt: &str,
    ) -> Option<Result<Transcription, TranscribeError>> {
        Some(self.transcribe(&recording.samples, prompt))
    }
}

/// A reply as heard.
#[derive(Clone, Debug, PartialEq)]
pub struct SpokenReply {
    /// The recognised text.
    pub text: String,
    /// The recording's length, seconds.
    pub seconds: f32,
    /// From the end of the reply to the text.
    pub waited: Duration,
    /// Recognised while the trainee paused, before the pause ended the reply.
    pub during_pause: bool,
}

/// What listening for a reply came to.
#[derive(Clone, Debug, PartialEq)]
pub enum Heard {
    /// A reply.
    Reply(SpokenReply),
    /// Speech was recorded, but nothing was recognised in it.
    Unrecognised,
    /// Recognition failed (Russian, with what to do).
    Failed(String),
    /// No recogniser could be had (the recogniser has said why).
    NoRecogniser,
}

/// Listens for one reply on `microphone` until the trainee has spoken and paused for
/// [`END_OF_REPLY`] (at most [`LISTEN_LIMIT`]); `None` when nobody spoke or `cancel` was set.
pub fn listen_for_reply(
    microphone: &Microphone,
    cancel: &AtomicBool,
    prompt: &str,
    recogniser: &mut impl RecogniseReply,
) -> Option<Heard> {
    let listened = microphone.listen(LISTEN_LIMIT, END_OF_REPLY, cancel, |so_far| {
        recogniser.during_pause(so_far, prompt)
    })?;
    // The reply ended `late` before listening noticed: the wait is counted from its end.
    let ended = Instant::now()
        .checked_sub(listened.late)
        .unwrap_or_else(Instant::now);
    let ahead = listened.ahead.flatten().and_then(Result::ok);
    Some(recognise_reply(
        &listened.recording,
        ended,
        prompt,
        ahead,
        recogniser,
    ))
}

/// What `recording`, a reply that `ended` then, says: `ahead` when it was recognised during
/// the closing pause, or else recognised now.
pub fn recognise_reply(
    recording: &Recording,
    ended: Instant,
    prompt: &str,
    ahead: Option<Transcription>,
    recogniser: &mut impl RecogniseReply,
) -> Heard {
    let during_pause = ahead.is_some();
    let heard = match ahead {
        Some(heard) => heard,
        None => match recogniser.after_reply(recording, prompt) {
            None => return Heard::NoRecogniser,
            Some(Err(error)) => return Heard::Failed(error.to_string()),
            Some(Ok(heard)) => heard,
        },
    };
    if heard.text.is_empty() {
        return Heard::Unrecognised;
    }
    Heard::Reply(SpokenReply {
        text: heard.text,
        seconds: recording.seconds,
        waited: ended.elapsed(),
        during_pause,
    })
}
