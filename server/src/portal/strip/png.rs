//! PNG: metadata is in its own chunks (eXIf, the text chunks, the modification time);
//! dropping whole chunks leaves every other chunk's CRC intact.

use super::{Malformed, Outcome};

const DROPPED: [&[u8; 4]; 5] = [b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"];

pub fn strip(bytes: &[u8]) -> Outcome {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..8]);
    let mut pos = 8;
    let mut removed = false;
    while pos < bytes.len() {
        if pos + 12 > bytes.len() {
            return Err(Malformed);
        }
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().expect("4 bytes")) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let end = pos
            .checked_add(12)
            .and_then(|p| p.checked_add(len))
            .ok_or(Malformed)?;
        if end > bytes.len() {
            return Err(Malformed);
        }
        if DROPPED.iter().any(|d| &d[..] == kind) {
            removed = true;
        } else {
            out.extend_from_slice(&bytes[pos..end]);
        }
        pos = end;
        if kind == b"IEND" {
            break;
        }
    }
    Ok(removed.then_some(out))
}
