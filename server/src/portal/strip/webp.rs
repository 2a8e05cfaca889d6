//! WebP: a RIFF container whose `EXIF` and `XMP ` chunks are dropped; the VP8X header's
//! flags for them are cleared and the RIFF size recomputed.

use super::{Malformed, Outcome};

const EXIF_FLAG: u8 = 0x08;
const XMP_FLAG: u8 = 0x04;

pub fn strip(bytes: &[u8]) -> Outcome {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..12]);
    let mut pos = 12;
    let mut removed = false;
    let mut vp8x_flags_at = None;
    while pos < bytes.len() {
        if pos + 8 > bytes.len() {
            return Err(Malformed);
        }
        let kind = &bytes[pos..pos + 4];
        let len = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().expect("4 bytes")) as usize;
        let padded = len + (len & 1);
        let end = (pos + 8).checked_add(padded).ok_or(Malformed)?;
        // The last chunk's padding byte is sometimes missing.
        let end = if end == bytes.len() + 1 {
            bytes.len()
        } else {
            end
        };
        if end > bytes.len() {
            return Err(Malformed);
        }
        if kind == b"EXIF" || kind == b"XMP " {
            removed = true;
        } else {
            if kind == b"VP8X" && len >= 1 {
                vp8x_flags_at = Some(out.len() + 8);
            }
            out.extend_from_slice(&bytes[pos..end]);
        }
        pos = end;
    }
    if !removed {
        return Ok(None);
    }
    if let Some(at) = vp8x_flags_at {
        out[at] &= !(EXIF_FLAG | XMP_FLAG);
    }
    let riff_size = u32::try_from(out.len() - 8).map_err(|_| Malformed)?;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    Ok(Some(out))
}
