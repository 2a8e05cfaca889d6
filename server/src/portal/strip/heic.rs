//! HEIC/HEIF (ISO base media file format): EXIF and XMP are items of the `meta` box,
//! typed in `iinf` (`Exif`, or `mime` with an RDF/XML content type) and located by
//! `iloc`. Their bytes are overwritten with zeros in place, so every offset in the file
//! stays valid and the image items are untouched.

use super::{Malformed, Outcome};

/// `ftyp` with a HEIF brand.
pub fn is_heif(bytes: &[u8]) -> bool {
    if bytes.len() < 12 || &bytes[4..8] != b"ftyp" {
        return false;
    }
    let brand = &bytes[8..12];
    [
        b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif",
    ]
    .iter()
    .any(|b| &b[..] == brand)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let end = self.pos.checked_add(n).ok_or(Malformed)?;
        let s = self.bytes.get(self.pos..end).ok_or(Malformed)?;
        self.pos = end;
        Ok(s)
    }

    /// An unsigned big-endian integer of `n` bytes (0, 2, 4 or 8).
    fn uint(&mut self, n: usize) -> Result<u64, Malformed> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }
}

/// The boxes in `bytes`: (type, payload start, payload end), absolute to `base`.
fn boxes(bytes: &[u8], base: usize) -> Result<Vec<([u8; 4], usize, usize)>, Malformed> {
    let mut out = Vec::new();
    let mut r = Reader { bytes, pos: 0 };
    while r.pos < bytes.len() {
        let start = r.pos;
        let size = r.uint(4)?;
        let kind: [u8; 4] = r.take(4)?.try_into().expect("4 bytes");
        let size = match size {
            0 => (bytes.len() - start) as u64,
            1 => r.uint(8)?,
            n => n,
        };
        let end = start
            .checked_add(usize::try_from(size).map_err(|_| Malformed)?)
            .ok_or(Malformed)?;
        if end > bytes.len() || end < r.pos {
            return Err(Malformed);
        }
        out.push((kind, base + r.pos, base + end));
        r.pos = end;
    }
    Ok(out)
}

/// The ids of the EXIF and XMP items listed in `iinf`'s payload.
fn metadata_items(payload: &[u8]) -> Result<Vec<u32>, Malformed> {
    let version = *payload.first().ok_or(Malformed)?;
    let skip = if version == 0 { 6 } else { 8 };
    let mut ids = Vec::new();
    for (kind, start, end) in boxes(payload.get(skip..).ok_or(Malformed)?, skip)? {
        if &kind != b"infe" {
            continue;
        }
        let mut r = Reader {
            bytes: &payload[start..end],
            pos: 0,
        };
        let v = r.uint(1)?;
        r.take(3)?;
        if v < 2 {
            continue;
        }
        let id = r.uint(if v == 2 { 2 } else { 4 })? as u32;
        r.take(2)?;
        let item_type = r.take(4)?;
        let rest = &payload[start + r.pos..end];
        let xmp = item_type == b"mime"
            && rest
                .split(|b| *b == 0)
                .nth(1)
                .is_some_and(|ct| ct == b"application/rdf+xml");
        if item_type == b"Exif" || xmp {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The file ranges of `items` as `iloc`'s payload places them (file offsets only).
fn extents(payload: &[u8], items: &[u32]) -> Result<Vec<(usize, usize)>, Malformed> {
    let mut r = Reader {
        bytes: payload,
        pos: 0,
    };
    let version = r.uint(1)?;
    r.take(3)?;
    let sizes = r.uint(1)?;
    let (offset_size, length_size) = ((sizes >> 4) as usize, (sizes & 15) as usize);
    let sizes = r.uint(1)?;
    let base_size = (sizes >> 4) as usize;
    let index_size = if version == 1 || version == 2 {
        (sizes & 15) as usize
    } else {
        0
    };
    let count = r.uint(if version < 2 { 2 } else { 4 })?;
    let mut out = Vec::new();
    for _ in 0..count {
        let id = r.uint(if version < 2 { 2 } else { 4 })? as u32;
        let method = if version == 1 || version == 2 {
            r.uint(2)? & 15
        } else {
            0
        };
        let data_ref = r.uint(2)?;
        let base = r.uint(base_size)?;
        let extent_count = r.uint(2)?;
        for _ in 0..extent_count {
            r.uint(index_size)?;
            let offset = r.uint(offset_size)?;
            let length = r.uint(length_size)?;
            if items.contains(&id) && method == 0 && data_ref == 0 {
                let start = usize::try_from(base + offset).map_err(|_| Malformed)?;
                out.push((start, usize::try_from(length).map_err(|_| Malformed)?));
            }
        }
    }
    Ok(out)
}

pub fn strip(bytes: &[u8]) -> Outcome {
    let Some((_, start, end)) = boxes(bytes, 0)?.into_iter().find(|b| &b.0 == b"meta") else {
        return Ok(None);
    };
    // `meta` is a full box: version and flags first.
    let children = boxes(bytes.get(start + 4..end).ok_or(Malformed)?, start + 4)?;
    let payload = |name: &[u8; 4]| {
        children
            .iter()
            .find(|b| &b.0 == name)
            .map(|b| &bytes[b.1..b.2])
    };
    let (Some(iinf), Some(iloc)) = (payload(b"iinf"), payload(b"iloc")) else {
        return Ok(None);
    };
    let items = metadata_items(iinf)?;
    if items.is_empty() {
        return Ok(None);
    }
    let ranges = extents(iloc, &items)?;
    let mut out = bytes.to_vec();
    let mut removed = false;
    for (start, len) in ranges {
        let end = start.checked_add(len).ok_or(Malformed)?;
        let slot = out.get_mut(start..end).ok_or(Malformed)?;
        if slot.iter().any(|b| *b != 0) {
            slot.fill(0);
            removed = true;
        }
    }
    Ok(removed.then_some(out))
}
