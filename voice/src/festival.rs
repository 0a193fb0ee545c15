//! Festival, kept running: its Russian voice loads once (0.7 s) and each line then takes what its
//! synthesis takes (tens of milliseconds for a word, under a second for a long sentence). We
//! write Scheme to its standard input and wait for a marker line on its output after each
//! command.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use crate::VoiceError;

/// Festival's Russian voice (Debian's `festvox-ru`): a man's voice, unit selection from the
/// recordings of Moscow State University.
pub const RUSSIAN_VOICE: &str = "msu_ru_nsh_clunits";

/// The longest a command may take before Festival counts as hung: a long line takes ~1 s.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// A running Festival with the Russian voice loaded.
pub struct Festival {
    child: Child,
    input: ChildStdin,
    lines: Receiver<String>,
    counter: u64,
}

impl Festival {
    /// Starts Festival and loads the Russian voice.
    pub fn start() -> Result<Festival, VoiceError> {
        let mut child = Command::new("festival")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::NotFound => VoiceError::NotInstalled,
                _ => VoiceError::Failed(format!("Festival не запустился ({error})")),
            })?;
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(VoiceError::Failed(
                "Festival запустился без ввода и вывода".to_owned(),
            ));
        };
        let (sender, lines) = channel();
        std::thread::Builder::new()
            .name("festival-output".to_owned())
            .spawn(move || {
                for line in BufReader::new(output).lines() {
                    let Ok(line) = line else { break };
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            })
            .map_err(|error| VoiceError::Failed(format!("поток Festival ({error})")))?;
        let mut festival = Festival {
            child,
            input,
            lines,
            counter: 0,
        };
        let answer = festival.run(&format!(
            "(voice_{RUSSIAN_VOICE})\n(format t \"CCVOICE %l\\n\" current-voice)\n"
        ))?;
        if !answer
            .iter()
            .any(|line| line.trim() == format!("CCVOICE {RUSSIAN_VOICE}"))
        {
            return Err(VoiceError::VoiceMissing);
        }
        Ok(festival)
    }

    /// Synthesises `text` (already speakable: Cyrillic words and punctuation) into a WAV file
    /// at `out` (16 kHz mono, 16 bit).
    pub fn synthesise(&mut self, text: &str, out: &Path) -> Result<(), VoiceError> {
        let escaped: String = text
            .chars()
            .filter(|c| !c.is_control())
            .map(|c| match c {
                '"' | '\\' => ' ',
                other => other,
            })
            .collect();
        let path = out.to_string_lossy().replace(['"', '\\'], "");
        let _ = std::fs::remove_file(out);
        self.run(&format!(
            "(utt.save.wave (utt.synth (Utterance Text \"{escaped}\")) \"{path}\" 'riff)\n"
        ))?;
        if out.is_file() {
            Ok(())
        } else {
            Err(VoiceError::Failed(format!(
                "Festival не произнёс «{}»",
                text.chars().take(60).collect::<String>()
            )))
        }
    }

    /// Sends `commands`, then a marker, and returns what Festival printed before the marker.
    fn run(&mut self, commands: &str) -> Result<Vec<String>, VoiceError> {
        self.counter += 1;
        let marker = format!("CCDONE{}", self.counter);
        let script = format!("{commands}(format t \"{marker}\\n\")\n(fflush)\n");
        self.input
            .write_all(script.as_bytes())
            .and_then(|()| self.input.flush())
            .map_err(|_| VoiceError::Failed("Festival завершился".to_owned()))?;
        let mut before = Vec::new();
        loop {
            match self.lines.recv_timeout(ANSWER_WITHIN) {
                Ok(line) if line.contains(&marker) => return Ok(before),
                Ok(line) => before.push(line),
                Err(RecvTimeoutError::Timeout) => {
                    return Err(VoiceError::Failed(format!(
                        "Festival не ответил за {} с",
                        ANSWER_WITHIN.as_secs()
                    )));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(VoiceError::Failed("Festival завершился".to_owned()));
                }
            }
        }
    }
}

impl Drop for Festival {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
