//! Removing identifying metadata from the public's files: EXIF/XMP/IPTC (with GPS
//! positions, camera serial numbers, thumbnails) from JPEG, PNG, WebP and HEIC images, the
//! author fields and XMP of PDF files, and the document properties of Office files. The
//! original is kept as evidence; officers get the copy made here.
//!
//! Each format is cleaned by keeping what draws the image or the document and dropping
//! the containers metadata travels in, never by re-encoding (no quality lost, and a
//! cleaner that does not understand a file leaves it unchanged and says so).

mod heic;
mod jpeg;
mod office;
mod pdf;
mod png;
mod webp;

use aduan_api::portal::Cleaning;

/// Files larger than this are not read into memory to be cleaned: they are kept as sent
/// and marked `too_large`.
pub const MAX_CLEAN_BYTES: u64 = 64 * 1024 * 1024;

/// What cleaning one file gave.
#[derive(Debug)]
pub struct Cleaned {
    pub cleaning: Cleaning,
    /// The cleaned copy, when metadata was removed.
    pub copy: Option<Vec<u8>>,
}

/// The formats cleaned here, told by their content, not their name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Jpeg,
    Png,
    Webp,
    Heic,
    Pdf,
    Zip,
}

fn format_of(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(Format::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Format::Webp)
    } else if heic::is_heif(bytes) {
        Some(Format::Heic)
    } else if bytes.starts_with(b"%PDF-") {
        Some(Format::Pdf)
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some(Format::Zip)
    } else {
        None
    }
}

/// Whether a file's first bytes name a format cleaned here (the rest need not be read).
pub fn is_cleanable(head: &[u8]) -> bool {
    format_of(head).is_some()
}

/// Clean one file. CPU-bound: call from a blocking task.
pub fn clean(bytes: &[u8]) -> Cleaned {
    let result = match format_of(bytes) {
        None => {
            return Cleaned {
                cleaning: Cleaning::Unsupported,
                copy: None,
            }
        }
        Some(Format::Jpeg) => jpeg::strip(bytes),
        Some(Format::Png) => png::strip(bytes),
        Some(Format::Webp) => webp::strip(bytes),
        Some(Format::Heic) => heic::strip(bytes),
        Some(Format::Pdf) => pdf::strip(bytes),
        Some(Format::Zip) => match office::strip(bytes) {
            Err(Malformed) => Ok(None),
            Ok(None) if !office::is_office(bytes) => {
                return Cleaned {
                    cleaning: Cleaning::Unsupported,
                    copy: None,
                }
            }
            other => other,
        },
    };
    match result {
        Ok(Some(copy)) => Cleaned {
            cleaning: Cleaning::Removed,
            copy: Some(copy),
        },
        Ok(None) => Cleaned {
            cleaning: Cleaning::NoneFound,
            copy: None,
        },
        Err(Malformed) => Cleaned {
            cleaning: Cleaning::Unreadable,
            copy: None,
        },
    }
}

/// A file that claims a format but does not follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// `Ok(Some(copy))` when metadata was removed, `Ok(None)` when there was none.
type Outcome = Result<Option<Vec<u8>>, Malformed>;

#[cfg(test)]
mod tests;
