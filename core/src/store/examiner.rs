//! The examiner: a passphrase (stored as an argon2 hash) and an Ed25519 key for signing
//! certificates, created on first use, its private half encrypted with a key derived from the
//! passphrase.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use chacha20poly1305::aead::Aead;
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};
use ed25519_dalek::SigningKey;
use rusqlite::{Connection, OptionalExtension, params};

use crate::certificate::Examiner;

/// Why the examiner could not be set up or unlocked.
#[derive(Debug, PartialEq, Eq)]
pub enum ExaminerError {
    /// No passphrase has been set yet.
    NotSet,
    /// A passphrase is already set.
    AlreadySet,
    /// The passphrase is wrong.
    WrongPassphrase,
    /// Too short to protect anything.
    WeakPassphrase,
    /// The stored secrets are damaged.
    Damaged,
}

/// Shortest passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// What the examiner is told, in Russian.
impl std::fmt::Display for ExaminerError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExaminerError::NotSet => formatter.write_str(
                "пароль экзаменатора ещё не задан: его задаёт служба качества, начиная первый экзамен",
            ),
            ExaminerError::AlreadySet => formatter.write_str("пароль экзаменатора уже задан"),
            ExaminerError::WrongPassphrase => formatter.write_str(
                "неверный пароль экзаменатора: начать экзамен может только служба качества",
            ),
            ExaminerError::WeakPassphrase => write!(
                formatter,
                "пароль экзаменатора должен быть не короче {MIN_PASSPHRASE_CHARS} символов"
            ),
            ExaminerError::Damaged => formatter.write_str(
                "данные экзаменатора в базе повреждены; восстановите базу из резервной копии",
            ),
        }
    }
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
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Ok(Err(ExaminerError::WeakPassphrase));
    }
    let made = (|| {
        let salt: [u8; 16] = random()?;
        let argon = Argon2::default();
        let hash = argon
            .hash_password_with_salt(passphrase.as_bytes(), &salt)
            .map_err(|_| ExaminerError::Damaged)?
            .to_string();
        let key = SigningKey::from_bytes(&random::<32>()?);
        let key_salt: [u8; 16] = random()?;
        let nonce: [u8; 12] = random()?;
        let sealed = seal(passphrase, &key_salt, &nonce, &key.to_bytes())?;
        Ok::<_, ExaminerError>((hash, key, key_salt, nonce, sealed))
    })();
    let (hash, key, key_salt, nonce, sealed) = match made {
        Ok(parts) => parts,
        Err(error) => return Ok(Err(error)),
    };
    let put = |name: &str, value: &[u8]| {
        connection.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)",
            params![name, value],
        )
    };
    put("examiner_passphrase", hash.as_bytes())?;
    put("examiner_public_key", &key.verifying_key().to_bytes())?;
    put("examiner_key_salt", &key_salt)?;
    put("examiner_key_nonce", &nonce)?;
    put("examiner_private_key", &sealed)?;
    Ok(Ok(Examiner { key }))
}

/// Checks the passphrase and decrypts the signing key.
pub(super) fn unlock(
    connection: &Connection,
    passphrase: &str,
) -> Result<Result<Examiner, ExaminerError>, rusqlite::Error> {
    let Some(stored) = setting(connection, "examiner_passphrase")? else {
        return Ok(Err(ExaminerError::NotSet));
    };
    let parts = (
        setting(connection, "examiner_key_salt")?,
        setting(connection, "examiner_key_nonce")?,
        setting(connection, "examiner_private_key")?,
    );
    Ok((|| {
        let stored = String::from_utf8(stored).map_err(|_| ExaminerError::Damaged)?;
        let hash = PasswordHash::new(&stored).map_err(|_| ExaminerError::Damaged)?;
        Argon2::default()
            .verify_password(passphrase.as_bytes(), &hash)
            .map_err(|_| ExaminerError::WrongPassphrase)?;
        let (Some(salt), Some(nonce), Some(sealed)) = parts else {
            return Err(ExaminerError::Damaged);
        };
        let bytes = open(passphrase, &salt, &nonce, &sealed)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| ExaminerError::Damaged)?;
        Ok(Examiner {
            key: SigningKey::from_bytes(&bytes),
        })
    })())
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
