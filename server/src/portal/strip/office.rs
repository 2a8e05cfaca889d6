//! Office Open XML (docx, xlsx, pptx): a zip whose `docProps/core.xml` names the author,
//! the last editor and dates, `docProps/app.xml` the company, manager and template, and
//! `docProps/custom.xml` whatever an organisation adds. All three are replaced by empty
//! property sets (the parts stay, so the package's relationships still hold). Every other part is copied
//! unchanged. (Authors of comments and tracked changes inside the document body are not
//! touched.)

use std::io::{Cursor, Read, Write};

use super::{Malformed, Outcome};

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
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Malformed)?;
    if zip.index_for_name("[Content_Types].xml").is_none() {
        return Ok(None);
    }
    let props = [CORE, APP, CUSTOM]
        .iter()
        .any(|n| zip.index_for_name(n).is_some());
    if !props {
        return Ok(None);
    }
    if zip.len() > MAX_ENTRIES {
        return Err(Malformed);
    }
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len())));
    let mut unpacked = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| Malformed)?;
        let name = entry.name().to_string();
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let replacement = match name.as_str() {
            CORE => Some(EMPTY_CORE),
            APP => Some(EMPTY_APP),
            CUSTOM => Some(EMPTY_CUSTOM),
            _ => None,
        };
        out.start_file(name, options).map_err(|_| Malformed)?;
        match replacement {
            Some(text) => out.write_all(text.as_bytes()).map_err(|_| Malformed)?,
            None => {
                unpacked += entry.size();
                if unpacked > MAX_UNPACKED {
                    return Err(Malformed);
                }
                let mut buf = Vec::new();
                (&mut entry)
                    .take(MAX_UNPACKED)
                    .read_to_end(&mut buf)
                    .map_err(|_| Malformed)?;
                out.write_all(&buf).map_err(|_| Malformed)?;
            }
        }
    }
    let cursor = out.finish().map_err(|_| Malformed)?;
    Ok(Some(cursor.into_inner()))
}
