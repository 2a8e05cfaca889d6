//! Real files carrying metadata (a JPEG with a GPS EXIF segment, a PDF with an author, and
//! so on); the cleaned copies must lose the metadata and still open.

use super::*;

// The same files the HTTP suite uploads: one home for both.
#[path = "../../../tests/api/portal_files.rs"]
mod files;
use files::{contains, exif_with_gps, jpeg_with_gps, pdf_with_author};

fn png_with_text() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(4, 4, image::Rgb([1, 2, 3]));
    let mut plain = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut plain),
            image::ImageFormat::Png,
        )
        .unwrap();
    // tEXt after IHDR (8 + 25 bytes).
    let data = b"Author\0Ahmad bin Ali";
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"tEXt");
    chunk.extend_from_slice(data);
    chunk.extend_from_slice(&[0, 0, 0, 0]);
    let mut out = plain[..33].to_vec();
    out.extend(chunk);
    out.extend_from_slice(&plain[33..]);
    out
}

fn webp_with_exif() -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    // VP8X with the EXIF flag, 1x1 canvas.
    body.extend_from_slice(b"VP8X");
    body.extend_from_slice(&10u32.to_le_bytes());
    body.extend_from_slice(&[0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    body.extend_from_slice(b"VP8L");
    let vp8l = [0x2f, 0, 0, 0, 0, 0x07, 0x10, 0x11, 0x04];
    body.extend_from_slice(&(vp8l.len() as u32).to_le_bytes());
    body.extend_from_slice(&vp8l);
    body.push(0);
    let exif = exif_with_gps();
    body.extend_from_slice(b"EXIF");
    body.extend_from_slice(&(exif.len() as u32).to_le_bytes());
    body.extend_from_slice(&exif);
    if exif.len() % 2 == 1 {
        body.push(0);
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

fn docx_with_author() -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    w.start_file("[Content_Types].xml", o).unwrap();
    w.write_all(b"<Types/>").unwrap();
    w.start_file("word/document.xml", o).unwrap();
    w.write_all(b"<w:document>Resit</w:document>").unwrap();
    w.start_file("docProps/core.xml", o).unwrap();
    w.write_all(b"<cp:coreProperties><dc:creator>Ahmad bin Ali</dc:creator></cp:coreProperties>")
        .unwrap();
    w.start_file("docProps/app.xml", o).unwrap();
    w.write_all(b"<Properties><Company>Syarikat Ahmad</Company></Properties>")
        .unwrap();
    w.finish().unwrap().into_inner()
}

fn bx(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(payload);
    b
}

/// A HEIF skeleton: ftyp, a meta box with one Exif item, and the item's bytes in mdat.
fn heic_with_exif() -> Vec<u8> {
    let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
    let mut infe = vec![2, 0, 0, 0, 0, 1, 0, 0];
    infe.extend_from_slice(b"Exif");
    infe.push(0);
    let mut iinf = vec![0, 0, 0, 0, 0, 1];
    iinf.extend(bx(b"infe", &infe));
    let exif = exif_with_gps();
    let build = |offset: u32| {
        // iloc v0: offset_size 4, length_size 4, base_offset_size 0.
        let mut iloc = vec![0, 0, 0, 0, 0x44, 0x00, 0, 1, 0, 1, 0, 0, 0, 1];
        iloc.extend_from_slice(&offset.to_be_bytes());
        iloc.extend_from_slice(&(exif.len() as u32).to_be_bytes());
        let mut meta = vec![0, 0, 0, 0];
        meta.extend(bx(b"iinf", &iinf));
        meta.extend(bx(b"iloc", &iloc));
        bx(b"meta", &meta)
    };
    let head = ftyp.len() + build(0).len() + 8;
    let mut out = ftyp;
    out.extend(build(head as u32));
    out.extend(bx(b"mdat", &exif));
    out
}

#[test]
fn jpeg_loses_its_gps_exif_and_still_decodes() {
    let original = jpeg_with_gps();
    assert!(contains(&original, b"GPS 3.1390N"));
    let cleaned = clean(&original);
    assert_eq!(cleaned.cleaning, Cleaning::Removed);
    let copy = cleaned.copy.unwrap();
    assert!(!contains(&copy, b"Exif\0\0"));
    assert!(!contains(&copy, b"GPS 3.1390N"));
    assert!(!contains(&copy, b"by Ali"));
    image::load_from_memory(&copy).expect("the cleaned JPEG decodes");
    // Cleaning a clean file changes nothing.
    assert_eq!(clean(&copy).cleaning, Cleaning::NoneFound);
}

#[test]
fn pdf_loses_its_author() {
    let original = pdf_with_author();
    assert!(contains(&original, b"Ahmad bin Ali"));
    let cleaned = clean(&original);
    assert_eq!(cleaned.cleaning, Cleaning::Removed);
    let copy = cleaned.copy.unwrap();
    assert!(!contains(&copy, b"Ahmad bin Ali"));
    assert!(!contains(&copy, b"/Author"));
    let doc = lopdf::Document::load_mem(&copy).expect("the cleaned PDF opens");
    assert_eq!(doc.get_pages().len(), 1);
    assert_eq!(clean(&copy).cleaning, Cleaning::NoneFound);
}

#[test]
fn png_loses_its_text_chunks() {
    let original = png_with_text();
    image::load_from_memory(&original).unwrap();
    let cleaned = clean(&original);
    assert_eq!(cleaned.cleaning, Cleaning::Removed);
    let copy = cleaned.copy.unwrap();
    assert!(!contains(&copy, b"Ahmad"));
    image::load_from_memory(&copy).expect("the cleaned PNG decodes");
}

#[test]
fn webp_loses_its_exif_chunk_and_flag() {
    let original = webp_with_exif();
    let cleaned = clean(&original);
    assert_eq!(cleaned.cleaning, Cleaning::Removed);
    let copy = cleaned.copy.unwrap();
    assert!(!contains(&copy, b"GPS 3.1390N"));
    assert_eq!(copy[20] & 0x08, 0, "EXIF flag cleared");
    let riff = u32::from_le_bytes(copy[4..8].try_into().unwrap()) as usize;
    assert_eq!(riff + 8, copy.len());
}

#[test]
fn office_documents_lose_their_properties() {
    let original = docx_with_author();
    let cleaned = clean(&original);
    assert_eq!(cleaned.cleaning, Cleaning::Removed);
    let copy = cleaned.copy.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&copy)).unwrap();
    for name in ["docProps/core.xml", "docProps/app.xml"] {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        assert!(!s.contains("Ahmad"), "{name}: {s}");
    }
    let mut body = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut body)
        .unwrap();
    assert_eq!(body, "<w:document>Resit</w:document>");
}

/// A zip of `(name, content)` parts.
fn package(parts: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in parts {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(content).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Every part of a package and of the packages embedded in it, as text.
fn all_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    for i in 0..zip.len() {
        let mut part = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_index(i).unwrap(), &mut part).unwrap();
        if part.starts_with(b"PK") {
            out.push_str(&all_text(&part));
        } else {
            out.push_str(&String::from_utf8_lossy(&part));
        }
    }
    out
}

#[test]
fn people_in_comments_changes_and_embedded_documents_are_anonymised() {
    let embedded = package(&[
        ("[Content_Types].xml", b"<Types/>"),
        (
            "docProps/core.xml",
            b"<cp:coreProperties><dc:creator>Ahmad bin Ali</dc:creator></cp:coreProperties>",
        ),
    ]);
    let docx = package(&[
        ("[Content_Types].xml", b"<Types/>"),
        (
            "word/document.xml",
            br#"<w:document xmlns:w="w"><w:body><w:p><w:ins w:id="1" w:author="Ahmad bin Ali" w:date="2026-11-02T10:00:00Z"><w:r><w:t>Resit RM5,000</w:t></w:r></w:ins></w:p></w:body></w:document>"#,
        ),
        (
            "word/comments.xml",
            br#"<w:comments xmlns:w="w"><w:comment w:id="0" w:author="Ahmad bin Ali" w:initials="AA"><w:p><w:r><w:t>Lihat jumlah ini</w:t></w:r></w:p></w:comment></w:comments>"#,
        ),
        (
            "word/people.xml",
            br#"<w15:people xmlns:w15="w15"><w15:person w15:author="Ahmad bin Ali"><w15:presenceInfo w15:providerId="AD" w15:userId="ahmad@syarikat.my"/></w15:person></w15:people>"#,
        ),
        ("word/embeddings/Microsoft_Word_Document.docx", &embedded),
    ]);
    let cleaned = clean(&docx);
    assert_eq!(cleaned.cleaning, Cleaning::Removed);
    let text = all_text(&cleaned.copy.unwrap());
    for gone in ["Ahmad", "AA\"", "ahmad@syarikat.my"] {
        assert!(!text.contains(gone), "{gone} left in {text}");
    }
    for kept in [
        "Resit RM5,000",
        "Lihat jumlah ini",
        "w:date=\"2026-11-02T10:00:00Z\"",
    ] {
        assert!(text.contains(kept), "{kept} lost from {text}");
    }
    assert!(text.contains(r#"w:author="Anonymous""#), "{text}");

    let xlsx = package(&[
        ("[Content_Types].xml", b"<Types/>"),
        (
            "xl/comments1.xml",
            b"<comments><authors><author>Ahmad bin Ali</author></authors><commentList/></comments>",
        ),
        (
            "xl/persons/person.xml",
            br#"<personList><person displayName="Ahmad bin Ali" id="{1}" userId="ahmad@syarikat.my" providerId="AD"/></personList>"#,
        ),
        (
            "xl/tables/table1.xml",
            br#"<table id="1" name="Bayaran" displayName="Bayaran"/>"#,
        ),
    ]);
    let text = all_text(&clean(&xlsx).copy.unwrap());
    assert!(
        !text.contains("Ahmad") && !text.contains("ahmad@"),
        "{text}"
    );
    assert!(
        text.contains(r#"<table id="1" name="Bayaran" displayName="Bayaran"/>"#),
        "a table's name is not a person's: {text}"
    );

    let pptx = package(&[
        ("[Content_Types].xml", b"<Types/>"),
        (
            "ppt/commentAuthors.xml",
            br#"<p:cmAuthorLst xmlns:p="p"><p:cmAuthor id="1" name="Ahmad bin Ali" initials="AA" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>"#,
        ),
    ]);
    let text = all_text(&clean(&pptx).copy.unwrap());
    assert!(!text.contains("Ahmad"), "{text}");
    assert!(text.contains(r#"lastIdx="1""#), "{text}");

    let plain = package(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<w:document>Resit</w:document>"),
    ]);
    assert_eq!(clean(&plain).cleaning, Cleaning::NoneFound);
}

#[test]
fn heic_exif_items_are_blanked_in_place() {
    let original = heic_with_exif();
    let cleaned = clean(&original);
    assert_eq!(cleaned.cleaning, Cleaning::Removed);
    let copy = cleaned.copy.unwrap();
    assert_eq!(copy.len(), original.len());
    assert!(!contains(&copy, b"GPS 3.1390N"));
}

#[test]
fn other_and_broken_files_are_left_as_sent() {
    assert_eq!(clean(b"just some text").cleaning, Cleaning::Unsupported);
    assert_eq!(clean(b"%PDF-1.4 broken").cleaning, Cleaning::Unreadable);
    assert_eq!(
        clean(&[0xff, 0xd8, 0xff, 0xe1, 0xff]).cleaning,
        Cleaning::Unreadable
    );
}
