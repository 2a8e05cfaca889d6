//! Encryption at rest for the outbox: XChaCha20-Poly1305 (RustCrypto) with a random key
//! per outbox, kept in the OS keyring (see [`super::keys`]).
//!
//! The queue is one sealed blob (`magic | 24-byte nonce | ciphertext`), rewritten whole on
//! every change (it holds a handful of complaints). Attachments may be hundreds of MB, so
//! they are sealed in 64 KiB chunks with the STREAM construction (`magic | 19-byte nonce
//! prefix | chunk…`): never held whole in memory, and a truncated, reordered or swapped
//! chunk fails to open. The associated data binds each blob to its outbox and item, so a
//! file copied into another user's outbox does not open even under the same key.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use futures::Stream;
use tokio::io::AsyncReadExt;

const BLOB_MAGIC: &[u8; 8] = b"ADUOBX01";
const FILE_MAGIC: &[u8; 8] = b"ADUOBF01";
const NONCE: usize = 24;
const PREFIX: usize = 19;
const TAG: usize = 16;
/// Plaintext bytes per sealed chunk of an attachment.
pub const CHUNK: usize = 64 * 1024;

/// A 256-bit outbox key. Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SealKey([u8; 32]);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(..)")
    }
}

impl SealKey {
    /// A new key from the OS random generator.
    pub fn random() -> Self {
        Self(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    /// The key as kept in the keyring (hex).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A key read back from the keyring; `None` when it is not 32 hex-encoded bytes.
    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = hex::decode(text.trim()).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0.into())
    }
}

/// Why sealed data did not open.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// Wrong key, wrong outbox or item, or altered or truncated data.
    #[error("the saved data does not open with this user's key (wrong key, or altered)")]
    Open,
    #[error("saved data could not be read or written: {0}")]
    Io(#[from] io::Error),
}

/// Seal `plain` for the place named by `aad`.
pub fn seal(key: &SealKey, aad: &[u8], plain: &[u8]) -> Vec<u8> {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = key
        .cipher()
        .encrypt(&nonce, Payload { msg: plain, aad })
        .expect("XChaCha20-Poly1305 encrypts any message under 256 GiB");
    [BLOB_MAGIC.as_slice(), nonce.as_slice(), &sealed].concat()
}

/// Open what [`seal`] made with the same key and `aad`.
pub fn open(key: &SealKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
    let body = sealed.strip_prefix(BLOB_MAGIC).ok_or(SealError::Open)?;
    if body.len() < NONCE + TAG {
        return Err(SealError::Open);
    }
    let (nonce, ct) = body.split_at(NONCE);
    key.cipher()
        .decrypt(nonce.into(), Payload { msg: ct, aad })
        .map_err(|_| SealError::Open)
}

/// Copy `src` into `dst` sealed, chunk by chunk; returns the plaintext size. `dst` is
/// synced before returning.
pub fn seal_file(key: &SealKey, aad: &[u8], src: &Path, dst: &Path) -> Result<u64, SealError> {
    let mut input = File::open(src)?;
    let mut out = File::create(dst)?;
    let mut prefix = [0u8; PREFIX];
    OsRng.fill_bytes(&mut prefix);
    out.write_all(FILE_MAGIC)?;
    out.write_all(&prefix)?;
    let mut enc = EncryptorBE32::from_aead(key.cipher(), (&prefix).into());
    let mut size = 0u64;
    let mut cur = read_full(&mut input, CHUNK)?;
    loop {
        size += cur.len() as u64;
        // A full chunk may be the last one: look ahead, so the last is always marked.
        let next = if cur.len() == CHUNK {
            read_full(&mut input, CHUNK)?
        } else {
            Vec::new()
        };
        let payload = Payload { msg: &cur, aad };
        if next.is_empty() {
            out.write_all(&enc.encrypt_last(payload).map_err(|_| SealError::Open)?)?;
            break;
        }
        out.write_all(&enc.encrypt_next(payload).map_err(|_| SealError::Open)?)?;
        cur = next;
    }
    out.sync_all()?;
    Ok(size)
}

fn read_full(r: &mut impl Read, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

async fn read_full_async(r: &mut tokio::fs::File, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    (&mut *r).take(n as u64).read_to_end(&mut buf).await?;
    Ok(buf)
}

/// The plaintext of a file [`seal_file`] made, as a stream of chunks opened one at a time
/// (for an upload). A chunk that does not open ends the stream with an error, so nothing
/// altered reaches the server as if it were the complainant's file.
pub async fn open_file_stream(
    key: &SealKey,
    aad: Vec<u8>,
    path: &Path,
) -> Result<impl Stream<Item = io::Result<bytes::Bytes>> + Send + 'static, SealError> {
    let mut file = tokio::fs::File::open(path).await?;
    let head = read_full_async(&mut file, FILE_MAGIC.len() + PREFIX).await?;
    let prefix = head.strip_prefix(FILE_MAGIC).ok_or(SealError::Open)?;
    if prefix.len() != PREFIX {
        return Err(SealError::Open);
    }
    let dec = DecryptorBE32::from_aead(key.cipher(), prefix.into());
    let state = (file, Some(dec), None::<Vec<u8>>, aad);
    Ok(futures::stream::try_unfold(
        state,
        |(mut file, dec, ahead, aad)| async move {
            let Some(mut dec) = dec else {
                return Ok(None);
            };
            let cur = match ahead {
                Some(c) => c,
                None => read_full_async(&mut file, CHUNK + TAG).await?,
            };
            let next = if cur.len() == CHUNK + TAG {
                read_full_async(&mut file, CHUNK + TAG).await?
            } else {
                Vec::new()
            };
            let payload = Payload {
                msg: &cur,
                aad: &aad,
            };
            let bad = |_| io::Error::new(io::ErrorKind::InvalidData, SealError::Open);
            if next.is_empty() {
                let plain = dec.decrypt_last(payload).map_err(bad)?;
                Ok(Some((plain.into(), (file, None, None, aad))))
            } else {
                let plain = dec.decrypt_next(payload).map_err(bad)?;
                Ok(Some((plain.into(), (file, Some(dec), Some(next), aad))))
            }
        },
    ))
}
