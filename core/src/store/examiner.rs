//! The examiner: a passphrase (stored as an argon2id hash) and an Ed25519 key for signing
//! certificates and checkpoints, its private half encrypted with a key derived from the
//! passphrase. QA sets it up deliberately (`callcoach examiner init`) with a passphrase strong
//! enough to survive guessing; wrong passphrases are slowed down, and the slow-down is kept in
//! the database so restarting the program does not reset it. The key travels to other desktops
//! in an exported file (`examiner export --with-secret`, still encrypted), and public keys of
//! other examiners are trusted only when this examiner signs them in.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use chacha20poly1305::aead::Aead;
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};
use ed25519_dalek::{Signer, SigningKey};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::certificate::{Examiner, hex, signed_by, unhex};

/// Why the examiner could not be set up or unlocked.
#[derive(Debug, PartialEq, Eq)]
pub enum ExaminerError {
    /// No examiner has been set up in this database.
    NotSet,
    /// An examiner is already set up.
    AlreadySet,
    /// The passphrase is wrong.
    WrongPassphrase,
    /// Too short or too easy to guess.
    WeakPassphrase,
    /// Too many wrong passphrases in a row: the next try is allowed in this many seconds.
    Wait(i64),
    /// Not an examiner key file.
    NotAKeyFile,
    /// The key file has no secret half: it can be trusted, not installed.
    PublicOnly,
    /// The stored secrets are damaged.
    Damaged,
}

/// Shortest passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// Wrong passphrases allowed in a row before each try must wait.
const FREE_TRIES: i64 = 3;

/// The first wait, doubled with each further wrong passphrase, up to [`LONGEST_WAIT_MS`].
const FIRST_WAIT_MS: i64 = 30_000;

/// The longest wait between tries: an hour.
const LONGEST_WAIT_MS: i64 = 3_600_000;

/// What the examiner is told, in Russian.
impl std::fmt::Display for ExaminerError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExaminerError::NotSet => formatter.write_str(
                "экзаменатор в этой базе не настроен: служба качества настраивает его командой callcoach examiner init (или устанавливает свой ключ: callcoach examiner import)",
            ),
            ExaminerError::AlreadySet => formatter.write_str(
                "экзаменатор в этой базе уже настроен; его ключ не заменяется",
            ),
            ExaminerError::WrongPassphrase => formatter.write_str("неверный пароль экзаменатора"),
            ExaminerError::WeakPassphrase => write!(
                formatter,
                "пароль экзаменатора слишком простой: нужно не меньше {MIN_PASSPHRASE_CHARS} символов, и его не должно быть легко угадать (не слово из словаря, не повтор, не ряд клавиш). Возьмите фразу из нескольких слов, например «Синий чайник поёт в 7 утра»"
            ),
            ExaminerError::Wait(seconds) => write!(
                formatter,
                "слишком много неверных паролей подряд: следующая попытка — через {} (защита от подбора)",
                wait_text(*seconds)
            ),
            ExaminerError::NotAKeyFile => {
                formatter.write_str("это не файл ключа экзаменатора callcoach")
            }
            ExaminerError::PublicOnly => formatter.write_str(
                "в файле только открытый ключ: ему можно доверять (callcoach examiner trust), но экзамены им не подписать. Для установки выгрузите ключ с --with-secret",
            ),
            ExaminerError::Damaged => formatter.write_str(
                "данные экзаменатора в базе повреждены; восстановите базу из резервной копии",
            ),
        }
    }
}

/// «45 с», «2 мин», «1 ч».
fn wait_text(seconds: i64) -> String {
    match seconds {
        ..60 => format!("{} с", seconds.max(1)),
        60..3600 => format!("{} мин", (seconds + 59) / 60),
        _ => format!("{} ч", (seconds + 3599) / 3600),
    }
}

/// Whether a passphrase is strong enough for the examiner: long enough, and not one an
/// attacker's guessing would find (zxcvbn's estimate, score 3 of 4: about 10^8 guesses).
pub fn strong_enough(passphrase: &str) -> bool {
    passphrase.trim().chars().count() >= MIN_PASSPHRASE_CHARS
        && zxcvbn::zxcvbn(passphrase, &["callcoach", "examiner", "экзаменатор"]).score()
            >= zxcvbn::Score::Three
}

fn random<const N: usize>() -> Result<[u8; N], ExaminerError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|_| ExaminerError::Damaged)?;
    Ok(bytes)
}

fn setting(connection: &Connection, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    connection
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            params![key],
            |row| row.get(0),
        )
        .optional()
}

/// Whether a passphrase exists.
pub(super) fn is_set(connection: &Connection) -> rusqlite::Result<bool> {
    Ok(setting(connection, "examiner_passphrase")?.is_some())
}

/// The examiner's public key, if set.
pub(super) fn public_key(connection: &Connection) -> rusqlite::Result<Option<Vec<u8>>> {
    setting(connection, "examiner_public_key")
}

/// Sets the passphrase and creates the signing key; only once.
pub(super) fn set_up(
    connection: &Connection,
    passphrase: &str,
) -> Result<Result<Examiner, ExaminerError>, rusqlite::Error> {
    if is_set(connection)? {
        return Ok(Err(ExaminerError::AlreadySet));
    }
    if !strong_enough(passphrase) {
        return Ok(Err(ExaminerError::WeakPassphrase));
    }
    let made = (|| {
        let salt: [u8; 16] = random()?;
        let hash = Argon2::default()
            .hash_password_with_salt(passphrase.as_bytes(), &salt)
            .map_err(|_| ExaminerError::Damaged)?
            .to_string();
        let key = SigningKey::from_bytes(&random::<32>()?);
        let key_salt: [u8; 16] = random()?;
        let nonce: [u8; 12] = random()?;
        let sealed = seal(passphrase, &key_salt, &nonce, &key.to_bytes())?;
        Ok::<_, ExaminerError>((
            Secret {
                passphrase_hash: hash,
                key_salt: hex(&key_salt),
                key_nonce: hex(&nonce),
                private_key: hex(&sealed),
            },
            key,
        ))
    })();
    let (secret, key) = match made {
        Ok(parts) => parts,
        Err(error) => return Ok(Err(error)),
    };
    install(connection, &key.verifying_key().to_bytes(), &secret)?;
    Ok(Ok(Examiner { key }))
}

/// The encrypted half of an examiner, as stored and as exported.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Secret {
    passphrase_hash: String,
    key_salt: String,
    key_nonce: String,
    private_key: String,
}

/// An exported examiner key: the public key, and with `--with-secret` the encrypted private one.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: String,
    public_key: String,
    fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret: Option<Secret>,
}

const KEY_FILE_FORMAT: &str = "callcoach-examiner-key-1";

fn install(connection: &Connection, public_key: &[u8], secret: &Secret) -> rusqlite::Result<()> {
    let put = |name: &str, value: &[u8]| {
        connection.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)",
            params![name, value],
        )
    };
    let bytes = |text: &str| unhex(text).unwrap_or_default();
    put("examiner_passphrase", secret.passphrase_hash.as_bytes())?;
    put("examiner_public_key", public_key)?;
    put("examiner_key_salt", &bytes(&secret.key_salt))?;
    put("examiner_key_nonce", &bytes(&secret.key_nonce))?;
    put("examiner_private_key", &bytes(&secret.private_key))?;
    Ok(())
}

/// The stored secret half, when an examiner is set up.
fn stored_secret(connection: &Connection) -> rusqlite::Result<Option<Secret>> {
    let parts = (
        setting(connection, "examiner_passphrase")?,
        setting(connection, "examiner_key_salt")?,
        setting(connection, "examiner_key_nonce")?,
        setting(connection, "examiner_private_key")?,
    );
    let (Some(hash), Some(salt), Some(nonce), Some(sealed)) = parts else {
        return Ok(None);
    };
    Ok(Some(Secret {
        passphrase_hash: String::from_utf8_lossy(&hash).into_owned(),
        key_salt: hex(&salt),
        key_nonce: hex(&nonce),
        private_key: hex(&sealed),
    }))
}

/// The examiner's key file: the public key, and with `with_secret` the encrypted private key.
pub(super) fn export(
    connection: &Connection,
    examiner: &Examiner,
    with_secret: bool,
) -> rusqlite::Result<String> {
    let public_key = examiner.public_key();
    let file = KeyFile {
        format: KEY_FILE_FORMAT.to_owned(),
        public_key: hex(&public_key),
        fingerprint: super::fingerprint(&public_key),
        secret: if with_secret {
            stored_secret(connection)?
        } else {
            None
        },
    };
    Ok(serde_json::to_string_pretty(&file).unwrap_or_default() + "\n")
}

/// The public key of a key file.
pub fn key_file_public_key(text: &str) -> Result<[u8; 32], ExaminerError> {
    let file: KeyFile = serde_json::from_str(text).map_err(|_| ExaminerError::NotAKeyFile)?;
    if file.format != KEY_FILE_FORMAT {
        return Err(ExaminerError::NotAKeyFile);
    }
    unhex(&file.public_key)
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or(ExaminerError::NotAKeyFile)
}

/// The public key and the encrypted secret of a key file exported `--with-secret`.
fn with_secret(text: &str) -> Result<([u8; 32], Secret), ExaminerError> {
    let public_key = key_file_public_key(text)?;
    serde_json::from_str::<KeyFile>(text)
        .ok()
        .and_then(|file| file.secret)
        .map(|secret| (public_key, secret))
        .ok_or(ExaminerError::PublicOnly)
}

/// Installs the examiner of a key file exported `--with-secret` into a database without one;
/// the passphrase proves it is theirs.
pub(super) fn import(
    connection: &Connection,
    text: &str,
    passphrase: &str,
) -> Result<Result<Examiner, ExaminerError>, rusqlite::Error> {
    let (public_key, secret) = match with_secret(text) {
        Ok(parts) => parts,
        Err(error) => return Ok(Err(error)),
    };
    if is_set(connection)? {
        return Ok(Err(ExaminerError::AlreadySet));
    }
    let examiner = match open_secret(&secret, passphrase) {
        Ok(examiner) if examiner.public_key() == public_key => examiner,
        Ok(_) => return Ok(Err(ExaminerError::NotAKeyFile)),
        Err(error) => return Ok(Err(error)),
    };
    install(connection, &public_key, &secret)?;
    Ok(Ok(examiner))
}

/// Installs the examiner of a key file with the secret without unlocking it (a team's key on a
/// desktop that joins: QA's passphrase is asked when a sitting starts, and [`unlock`] checks
/// then that the secret is the public key's). The same examiner already here is kept; another
/// is refused.
pub(super) fn install_locked(
    connection: &Connection,
    text: &str,
) -> Result<Result<[u8; 32], ExaminerError>, rusqlite::Error> {
    let (public_key, secret) = match with_secret(text) {
        Ok(parts) => parts,
        Err(error) => return Ok(Err(error)),
    };
    if is_set(connection)? {
        return Ok(match public_key_of(connection)? {
            Some(key) if key == public_key => Ok(key),
            _ => Err(ExaminerError::AlreadySet),
        });
    }
    install(connection, &public_key, &secret)?;
    Ok(Ok(public_key))
}

/// The examiner's public key as 32 bytes, when set up.
pub(super) fn public_key_of(connection: &Connection) -> rusqlite::Result<Option<[u8; 32]>> {
    Ok(public_key(connection)?.and_then(|bytes| <[u8; 32]>::try_from(bytes).ok()))
}

/// Trusts another examiner's public key: the row is signed by this examiner, so a key added to
/// the file by anyone else is ignored.
pub(super) fn trust(
    connection: &Connection,
    examiner: &Examiner,
    key: &[u8; 32],
    name: &str,
    now: i64,
) -> rusqlite::Result<()> {
    let signature = hex(&examiner
        .key
        .sign(&trust_bytes(&hex(key), name, now))
        .to_bytes());
    connection.execute(
        "INSERT OR REPLACE INTO trusted_keys (public_key, name, added_at, signature) \
         VALUES (?1, ?2, ?3, ?4)",
        params![hex(key), name, now, signature],
    )?;
    Ok(())
}

fn trust_bytes(key: &str, name: &str, added_at: i64) -> Vec<u8> {
    crate::canonical::to_bytes(&serde_json::json!({
        "trusted_key": key,
        "name": name,
        "added_at": added_at,
    }))
}

/// The keys this database's examiner trusts: their own, and the ones they signed in.
pub(super) fn trusted_keys(connection: &Connection) -> rusqlite::Result<Vec<[u8; 32]>> {
    let Some(own) = public_key_of(connection)? else {
        return Ok(Vec::new());
    };
    let rows: Vec<(String, String, i64, String)> = connection
        .prepare("SELECT public_key, name, added_at, signature FROM trusted_keys")?
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut keys = vec![own];
    for (key, name, added_at, signature) in rows {
        let signed = signed_by(&own, &trust_bytes(&key, &name, added_at), &signature);
        if let Some(key) = unhex(&key).and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            && signed
        {
            keys.push(key);
        }
    }
    Ok(keys)
}

/// Checks the passphrase and decrypts the signing key at `now` (ms since the epoch). After
/// [`FREE_TRIES`] wrong passphrases in a row every try waits, twice as long each time; the
/// count is kept in the database.
pub(super) fn unlock(
    connection: &Connection,
    passphrase: &str,
    now: i64,
) -> Result<Result<Examiner, ExaminerError>, rusqlite::Error> {
    let Some(secret) = stored_secret(connection)? else {
        return Ok(Err(if is_set(connection)? {
            ExaminerError::Damaged
        } else {
            ExaminerError::NotSet
        }));
    };
    let (failures, last) = failures(connection)?;
    if failures >= FREE_TRIES {
        let wait = (FIRST_WAIT_MS << (failures - FREE_TRIES).min(20)).min(LONGEST_WAIT_MS);
        let next = last.saturating_add(wait);
        if now < next {
            return Ok(Err(ExaminerError::Wait((next - now + 999) / 1000)));
        }
    }
    // A key installed locked (a team's) is checked here: the secret must be the public key's.
    let opened =
        open_secret(&secret, passphrase).and_then(|examiner| match public_key_of(connection) {
            Ok(Some(key)) if key != examiner.public_key() => Err(ExaminerError::Damaged),
            _ => Ok(examiner),
        });
    match &opened {
        Err(ExaminerError::WrongPassphrase) => set_failures(connection, failures + 1, now)?,
        Ok(_) if failures > 0 => set_failures(connection, 0, now)?,
        _ => {}
    }
    Ok(opened)
}

/// Wrong passphrases in a row and when the last was given.
fn failures(connection: &Connection) -> rusqlite::Result<(i64, i64)> {
    let text = setting(connection, "examiner_failures")?
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let mut parts = text.split(':').map(|part| part.parse::<i64>().unwrap_or(0));
    Ok((parts.next().unwrap_or(0), parts.next().unwrap_or(0)))
}

fn set_failures(connection: &Connection, count: i64, at: i64) -> rusqlite::Result<()> {
    connection.execute(
        "INSERT OR REPLACE INTO settings (key, value) VALUES ('examiner_failures', ?1)",
        params![format!("{count}:{at}").as_bytes()],
    )?;
    Ok(())
}

/// The signing key of `secret`, when `passphrase` is its examiner's.
fn open_secret(secret: &Secret, passphrase: &str) -> Result<Examiner, ExaminerError> {
    let hash = PasswordHash::new(&secret.passphrase_hash).map_err(|_| ExaminerError::Damaged)?;
    Argon2::default()
        .verify_password(passphrase.as_bytes(), &hash)
        .map_err(|_| ExaminerError::WrongPassphrase)?;
    let bytes = |text: &str| unhex(text).ok_or(ExaminerError::Damaged);
    let key = open(
        passphrase,
        &bytes(&secret.key_salt)?,
        &bytes(&secret.key_nonce)?,
        &bytes(&secret.private_key)?,
    )?;
    let key: [u8; 32] = key.try_into().map_err(|_| ExaminerError::Damaged)?;
    Ok(Examiner {
        key: SigningKey::from_bytes(&key),
    })
}

fn cipher(passphrase: &str, salt: &[u8]) -> Result<ChaCha20Poly1305, ExaminerError> {
    let mut key = [0u8; 32];
    Argon2::default()
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|_| ExaminerError::Damaged)?;
    Ok(ChaCha20Poly1305::new((&key).into()))
}

fn seal(
    passphrase: &str,
    salt: &[u8],
    nonce: &[u8; 12],
    secret: &[u8],
) -> Result<Vec<u8>, ExaminerError> {
    cipher(passphrase, salt)?
        .encrypt(nonce.into(), secret)
        .map_err(|_| ExaminerError::Damaged)
}

fn open(
    passphrase: &str,
    salt: &[u8],
    nonce: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>, ExaminerError> {
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| ExaminerError::Damaged)?;
    cipher(passphrase, salt)?
        .decrypt((&nonce).into(), sealed)
        .map_err(|_| ExaminerError::WrongPassphrase)
}
