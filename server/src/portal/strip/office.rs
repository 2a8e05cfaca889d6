//! Office Open XML (docx, xlsx, pptx): a zip of XML parts. Who made and touched a document
//! shows in three places, all cleaned here:
//! - the document properties: `docProps/core.xml` (author, last editor, dates),
//!   `docProps/app.xml` (company, manager, template) and `docProps/custom.xml` (whatever an
//!   organisation adds), replaced by empty property sets (the parts stay, so the package's
//!   relationships still hold);
//! - the people in the content: authors and initials of comments and tracked changes
//!   (`w:author`, `w:initials`), the people lists of Word, Excel and PowerPoint (names,
//!   account ids and providers) and Excel's comment authors, all replaced by
//!   [`ANONYMOUS`] in place, so comments and changes stay readable;
//! - Office documents embedded in the document (`*/embeddings/`), cleaned the same way.
//!
//! Every other part is copied unchanged.

use std::io::{Cursor, Read, Write};

use quick_xml::events::{BytesStart, BytesText, Event};

use super::{Malformed, Outcome};

/// What names and ids of people become.
const ANONYMOUS: &str = "Anonymous";
/// How deep embedded documents are cleaned (a document in a document in a document).
const MAX_DEPTH: u8 = 3;

const CORE: &str = "docProps/core.xml";
const APP: &str = "docProps/app.xml";
const CUSTOM: &str = "docProps/custom.xml";

const EMPTY_CORE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"></cp:coreProperties>"#;
const EMPTY_CUSTOM: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"></Properties>"#;
const EMPTY_APP: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"></Properties>"#;

/// Whether a zip is an Office document (has `[Content_Types].xml`).
pub fn is_office(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes))
        .map(|z| z.index_for_name("[Content_Types].xml").is_some())
        .unwrap_or(false)
}

/// Most entries and total unpacked size read: a zip bomb is refused, not unpacked.
const MAX_ENTRIES: usize = 10_000;
const MAX_UNPACKED: u64 = 512 * 1024 * 1024;

pub fn strip(bytes: &[u8]) -> Outcome {
    strip_at(bytes, 0, &mut 0)
}

/// Clean the package in `bytes`, an embedded one at `depth`; `unpacked` counts what all
/// levels read, against [`MAX_UNPACKED`].
fn strip_at(bytes: &[u8], depth: u8, unpacked: &mut u64) -> Outcome {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Malformed)?;
    if zip.index_for_name("[Content_Types].xml").is_none() {
        return Ok(None);
    }
    if zip.len() > MAX_ENTRIES {
        return Err(Malformed);
    }
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len())));
    let mut changed = false;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| Malformed)?;
        let name = entry.name().to_string();
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        *unpacked += entry.size();
        if *unpacked > MAX_UNPACKED {
            return Err(Malformed);
        }
        let mut part = Vec::new();
        (&mut entry)
            .take(MAX_UNPACKED)
            .read_to_end(&mut part)
            .map_err(|_| Malformed)?;
        let cleaned = match name.as_str() {
            CORE => Some(EMPTY_CORE.as_bytes().to_vec()),
            APP => Some(EMPTY_APP.as_bytes().to_vec()),
            CUSTOM => Some(EMPTY_CUSTOM.as_bytes().to_vec()),
            _ if is_embedded_office(&name) && depth < MAX_DEPTH => {
                // An embedded file that is not a readable package is left as it is.
                strip_at(&part, depth + 1, unpacked).unwrap_or(None)
            }
            _ if name.ends_with(".xml") || name.ends_with(".rels") => people(&part)?,
            _ => None,
        };
        changed |= cleaned.is_some();
        out.start_file(name, options).map_err(|_| Malformed)?;
        out.write_all(cleaned.as_deref().unwrap_or(&part))
            .map_err(|_| Malformed)?;
    }
    if !changed {
        return Ok(None);
    }
    let cursor = out.finish().map_err(|_| Malformed)?;
    Ok(Some(cursor.into_inner()))
}

fn is_embedded_office(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.contains("/embeddings/")
        && [".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pptm"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

/// Attributes naming a person on any element: comment and tracked-change authors.
const PERSON_ATTRIBUTES: [&str; 2] = ["author", "initials"];
/// Elements that describe a person (Word's and Excel's people lists, PowerPoint's comment
/// authors, Word's presence info): every attribute naming or identifying them.
const PERSON_ELEMENTS: [&str; 4] = ["person", "cmAuthor", "author", "presenceInfo"];
const IDENTIFYING: [&str; 6] = [
    "author",
    "initials",
    "name",
    "displayName",
    "userId",
    "providerId",
];

/// One XML part with the people in it replaced by [`ANONYMOUS`]; `None` when it names
/// nobody.
fn people(xml: &[u8]) -> Result<Option<Vec<u8>>, Malformed> {
    let mentions = [&b"author"[..], b"initials", b"userId", b"providerId"]
        .iter()
        .any(|w| xml.windows(w.len()).any(|x| x == *w));
    if !mentions {
        return Ok(None);
    }
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(xml.len()));
    let mut changed = false;
    // Inside an `<author>` element: Excel's comment authors are its text.
    let mut in_author = false;
    loop {
        let event = reader.read_event().map_err(|_| Malformed)?;
        let event = match event {
            Event::Eof => break,
            Event::Start(e) => {
                in_author = e.local_name().as_ref() == "author";
                Event::Start(anonymised(&e, &mut changed)?)
            }
            Event::Empty(e) => Event::Empty(anonymised(&e, &mut changed)?),
            Event::End(e) => {
                in_author = false;
                Event::End(e)
            }
            Event::Text(t) if in_author && !t.is_empty() => {
                changed = true;
                Event::Text(BytesText::new(ANONYMOUS))
            }
            other => other,
        };
        writer.write_event(event).map_err(|_| Malformed)?;
    }
    Ok(changed.then(|| writer.into_inner()))
}

/// `e` with the attributes that name or identify a person set to [`ANONYMOUS`].
fn anonymised(e: &BytesStart<'_>, changed: &mut bool) -> Result<BytesStart<'static>, Malformed> {
    let person = PERSON_ELEMENTS.contains(&e.local_name().as_ref());
    let mut out = e.to_owned();
    out.clear_attributes();
    for attr in e.attributes() {
        let attr = attr.map_err(|_| Malformed)?;
        let key = attr.key.local_name();
        let names = if person {
            IDENTIFYING.contains(&key.as_ref())
        } else {
            PERSON_ATTRIBUTES.contains(&key.as_ref())
        };
        if names && attr.value != ANONYMOUS {
            *changed = true;
            out.push_attribute((attr.key.as_ref(), ANONYMOUS));
        } else {
            out.push_attribute(attr);
        }
    }
    Ok(out)
}
