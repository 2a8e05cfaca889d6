//! PDF: the document information dictionary (Author, Creator, Producer, Title, Subject,
//! Keywords, dates) and the catalogue's XMP metadata stream are removed, and the file is
//! written again without the objects nothing refers to any more (earlier revisions
//! included).

use super::{Malformed, Outcome};

pub fn strip(bytes: &[u8]) -> Outcome {
    let mut doc = lopdf::Document::load_mem(bytes).map_err(|_| Malformed)?;
    let mut removed = doc.trailer.remove(b"Info").is_some();
    if let Ok(catalog) = doc.catalog_mut() {
        removed |= catalog.remove(b"Metadata").is_some();
        removed |= catalog.remove(b"PieceInfo").is_some();
    }
    // Pages may carry their own XMP too.
    for (_, id) in doc.get_pages() {
        if let Ok(page) = doc.get_object_mut(id).and_then(|o| o.as_dict_mut()) {
            removed |= page.remove(b"Metadata").is_some();
            removed |= page.remove(b"PieceInfo").is_some();
        }
    }
    // An incremental update's older revisions still hold the original fields: rewriting
    // the whole file is needed even when only a stale revision had them.
    let stale_revisions = count(bytes, b"%%EOF") > 1 || contains(bytes, b"/Author");
    if !removed && !stale_revisions {
        return Ok(None);
    }
    doc.prune_objects();
    let mut out = Vec::with_capacity(bytes.len());
    doc.save_to(&mut out).map_err(|_| Malformed)?;
    Ok(Some(out))
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
