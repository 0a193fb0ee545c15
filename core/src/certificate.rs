//! Certificates: a JSON document signed with the examiner's Ed25519 key (its printable page is
//! the front end's), and verification that says whether the signature holds and whether it has expired.

use std::collections::BTreeMap;

use ed25519_dalek::{Signature, Signer, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

const DAY_MS: i64 = 86_400_000;

/// The unlocked examiner: the only one who can sign certificates. The store keeps the key
/// encrypted under the examiner's passphrase and hands out this value when it is unlocked.
pub struct Examiner {
    pub(crate) key: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for Examiner {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Examiner({})", hex(&self.public_key()))
    }
}

impl Examiner {
    /// The public half of the signing key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }
}

/// Bytes as lower-case hex: keys, signatures and hashes in documents.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A certificate. `signature` signs the canonical JSON of every other field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// «CC-2026-000007».
    pub number: String,
    /// The trainee's name.
    pub trainee: String,
    /// Exam id.
    pub exam_id: String,
    /// Exam title.
    pub exam_title: String,
    /// Issue time, ms since the epoch.
    pub issued_at: i64,
    /// End of validity, ms since the epoch.
    pub valid_until: i64,
    /// The average total over the exam's calls.
    pub total: u32,
    /// Average score per category id.
    pub categories: BTreeMap<String, u32>,
    /// SHA-256 of each scenario played, by id.
    pub scenarios: BTreeMap<String, String>,
    /// SHA-256 of the rubric.
    pub rubric_hash: String,
    /// SHA-256 of the exam definition's file: the pass rules the sitting was judged by
    /// (certificates issued before it was recorded have none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub exam_hash: String,
    /// The examiner's public key, hex.
    pub public_key: String,
    /// Ed25519 signature, hex.
    #[serde(default)]
    pub signature: String,
}

/// What verifying a certificate found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    /// The signature matches the content and the key.
    pub signature_holds: bool,
    /// Past `valid_until` at the time of checking.
    pub expired: bool,
    /// The key is one the checker trusts (QA's examiner, or a key QA signed in).
    pub trusted: bool,
}

impl Verification {
    /// Valid: the signature holds, by a trusted key, and it has not expired.
    pub fn valid(&self) -> bool {
        self.signature_holds && self.trusted && !self.expired
    }
}

impl Certificate {
    /// The bytes the signature covers: the canonical JSON ([`crate::canonical`]) of every
    /// field but `signature`.
    fn signed_bytes(&self) -> Vec<u8> {
        let mut unsigned = self.clone();
        unsigned.signature.clear();
        let value = serde_json::to_value(&unsigned).unwrap_or_default();
        crate::canonical::to_bytes(&value)
    }

    /// Signs the certificate with the examiner's key (sets `public_key` and `signature`).
    pub fn sign(mut self, examiner: &Examiner) -> Certificate {
        self.public_key = hex(&examiner.public_key());
        self.signature.clear();
        let signature = examiner.key.sign(&self.signed_bytes());
        self.signature = hex(&signature.to_bytes());
        self
    }

    /// The JSON file handed out.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses a certificate file.
    pub fn from_json(text: &str) -> Result<Certificate, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Checks the signature, the key against the `trusted` keys and the validity at `now` (ms
    /// since the epoch).
    pub fn verify(&self, now: i64, trusted: &[[u8; 32]]) -> Verification {
        let key: Option<[u8; 32]> = unhex(&self.public_key).and_then(|bytes| bytes.try_into().ok());
        let signature_holds =
            key.is_some_and(|key| signed_by(&key, &self.signed_bytes(), &self.signature));
        Verification {
            signature_holds,
            expired: now > self.valid_until,
            trusted: key.is_some_and(|key| trusted.contains(&key)),
        }
    }

    /// The fingerprint of the key it names, as people compare it.
    pub fn key_fingerprint(&self) -> String {
        crate::store::fingerprint(&unhex(&self.public_key).unwrap_or_default())
    }

    /// Validity: `days` after `issued_at`.
    pub fn valid_until(issued_at: i64, days: u32) -> i64 {
        issued_at + i64::from(days) * DAY_MS
    }
}

/// Whether `signature` (hex) is `key`'s Ed25519 signature over `bytes`: how certificates,
/// checkpoints and trusted keys are checked.
pub(crate) fn signed_by(key: &[u8; 32], bytes: &[u8], signature: &str) -> bool {
    let Some(signature) = unhex(signature).and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
    else {
        return false;
    };
    VerifyingKey::from_bytes(key).is_ok_and(|key| {
        key.verify(bytes, &Signature::from_bytes(&signature))
            .is_ok()
    })
}

/// Hex back to bytes; `None` unless it is whole bytes of hex digits.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(text.get(index..index + 2)?, 16).ok())
        .collect()
}

/// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian, UTC).
fn civil(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `ДД.ММ.ГГГГ` of a time in ms since the epoch (UTC).
pub fn date(ms: i64) -> String {
    let (year, month, day) = civil(ms.div_euclid(DAY_MS));
    format!("{day:02}.{month:02}.{year}")
}

/// `ДД.ММ.ГГГГ ЧЧ:ММ` of a time in ms since the epoch (UTC).
pub fn date_time(ms: i64) -> String {
    let minutes = ms.rem_euclid(DAY_MS) / 60_000;
    format!("{} {:02}:{:02}", date(ms), minutes / 60, minutes % 60)
}

/// The year of a time in ms since the epoch (UTC), for certificate numbers.
pub fn year(ms: i64) -> i64 {
    civil(ms.div_euclid(DAY_MS)).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(date(0), "01.01.1970");
        // 2026-11-22 15:00 UTC.
        assert_eq!(date_time(1_795_359_600_000), "22.11.2026 15:00");
        assert_eq!(date(951_782_400_000), "29.02.2000");
    }
}
