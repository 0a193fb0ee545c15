//! How the front ends render what the core reports: the debrief as text, progress as text, CSV
//! and an HTML page with a chart, and the certificate's printable page and files. The core
//! returns data (and the JSON contracts); what people read is made here, beside the front ends
//! that print it.

pub mod certificate;
pub mod debrief;
pub mod progress;

/// Text made safe inside HTML.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
