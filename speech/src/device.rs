//! What the microphone and the speaker share: finding a cpal device by name (or the system's
//! default) with its own configuration, and building its stream in the device's sample format.
//! Each side turns a [`Problem`] into its own message.

use cpal::traits::{DeviceTrait, HostTrait};
use cpal::{Device, SampleFormat, StreamConfig};

/// Which way the sound goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// A microphone.
    Input,
    /// Speakers or headphones.
    Output,
}

/// Why a device cannot be used.
#[derive(Debug)]
pub(crate) enum Problem {
    /// No device has this name; the names there are.
    Unknown(String, Vec<String>),
    /// The device is missing or cannot be opened: what failed, in Russian (the system's own
    /// words, English, went to the log).
    Unusable(String),
}

/// The problem `reason` (Russian), with the audio stack's own words logged.
pub(crate) fn unusable<E: std::fmt::Display>(
    direction: Direction,
    reason: &'static str,
) -> impl FnOnce(E) -> Problem {
    move |error| {
        let what = match direction {
            Direction::Input => "microphone",
            Direction::Output => "sound output",
        };
        eprintln!("{what} unavailable: {error}");
        Problem::Unusable(reason.to_owned())
    }
}

/// A device's name as the system gives it.
pub(crate) fn name(device: &Device) -> Option<String> {
    device
        .description()
        .ok()
        .map(|description| description.name().to_owned())
}

/// The names of the devices the system offers.
pub(crate) fn names(direction: Direction) -> Vec<String> {
    let host = cpal::default_host();
    let devices = match direction {
        Direction::Input => host
            .input_devices()
            .map(|devices| devices.collect::<Vec<_>>()),
        Direction::Output => host
            .output_devices()
            .map(|devices| devices.collect::<Vec<_>>()),
    };
    devices
        .map(|devices| devices.iter().filter_map(name).collect())
        .unwrap_or_default()
}

/// The device named `wanted` (the default when `None`) with its name, its own configuration
/// and sample format.
pub(crate) fn open(
    direction: Direction,
    wanted: Option<&str>,
) -> Result<(Device, String, StreamConfig, SampleFormat), Problem> {
    let host = cpal::default_host();
    let device = match (wanted, direction) {
        (Some(wanted), Direction::Input) => host
            .input_devices()
            .map_err(unusable(
                direction,
                "не удалось получить список устройств записи",
            ))?
            .find(|device| name(device).as_deref() == Some(wanted)),
        (Some(wanted), Direction::Output) => host
            .output_devices()
            .map_err(unusable(
                direction,
                "не удалось получить список звуковых выходов",
            ))?
            .find(|device| name(device).as_deref() == Some(wanted)),
        (None, Direction::Input) => host.default_input_device(),
        (None, Direction::Output) => host.default_output_device(),
    };
    let device = match (device, wanted) {
        (Some(device), _) => device,
        (None, Some(wanted)) => return Err(Problem::Unknown(wanted.to_owned(), names(direction))),
        (None, None) => {
            return Err(Problem::Unusable(
                match direction {
                    Direction::Input => "нет устройства записи",
                    Direction::Output => "нет устройства вывода",
                }
                .to_owned(),
            ));
        }
    };
    let supported = match direction {
        Direction::Input => device
            .default_input_config()
            .map_err(unusable(direction, "устройство записи недоступно"))?,
        Direction::Output => device
            .default_output_config()
            .map_err(unusable(direction, "устройство вывода недоступно"))?,
    };
    let format = supported.sample_format();
    let label = name(&device).unwrap_or_else(|| match direction {
        Direction::Input => "микрофон".to_owned(),
        Direction::Output => "динамики".to_owned(),
    });
    Ok((device, label, supported.into(), format))
}

/// Calls `$build::<T>($args…)` with `T` the stream's sample type for `$format`; a format
/// callcoach does not handle is a [`Problem`].
macro_rules! by_format {
    ($format:expr, $build:ident, $($arg:expr),* $(,)?) => {
        match $format {
            cpal::SampleFormat::I16 => $build::<i16>($($arg),*),
            cpal::SampleFormat::I32 => $build::<i32>($($arg),*),
            cpal::SampleFormat::U16 => $build::<u16>($($arg),*),
            cpal::SampleFormat::F32 => $build::<f32>($($arg),*),
            other => Err($crate::device::Problem::Unusable(format!(
                "формат звука {other} не поддерживается"
            ))),
        }
    };
}
pub(crate) use by_format;
