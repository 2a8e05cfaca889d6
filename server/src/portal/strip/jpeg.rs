//! JPEG: the metadata lives in application segments before the image data. APP1 carries
//! EXIF (GPS, camera, thumbnail) and XMP, APP13 IPTC/Photoshop, APP12 and the others
//! vendor data, COM free text; APP0 (JFIF), APP2 ICC profiles and APP14 (Adobe colour
//! transform) are needed to draw the image and are kept.

use super::{Malformed, Outcome};

pub fn strip(bytes: &[u8]) -> Outcome {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut pos = 2;
    let mut removed = false;
    loop {
        if pos + 4 > bytes.len() || bytes[pos] != 0xff {
            return Err(Malformed);
        }
        let marker = bytes[pos + 1];
        // Fill bytes before a marker.
        if marker == 0xff {
            pos += 1;
            continue;
        }
        // Start of scan: the entropy-coded image and whatever follows are kept as they are.
        if marker == 0xda || marker == 0xd9 {
            out.extend_from_slice(&bytes[pos..]);
            break;
        }
        let len = usize::from(u16::from_be_bytes([bytes[pos + 2], bytes[pos + 3]]));
        let end = pos + 2 + len;
        if len < 2 || end > bytes.len() {
            return Err(Malformed);
        }
        let payload = &bytes[pos + 4..end];
        if drops(marker, payload) {
            removed = true;
        } else {
            out.extend_from_slice(&bytes[pos..end]);
        }
        pos = end;
    }
    Ok(removed.then_some(out))
}

fn drops(marker: u8, payload: &[u8]) -> bool {
    match marker {
        0xe0 | 0xee => false,
        0xe2 => !payload.starts_with(b"ICC_PROFILE\0"),
        0xe1 | 0xe3..=0xed | 0xef | 0xfe => true,
        _ => false,
    }
}
