//! Client-supplied filenames are kept for display only. They never reach the filesystem
//! (blobs are stored by hash), but they are shown to officers and sent back in
//! `Content-Disposition`, so they are cleaned of paths and control characters.

const MAX_FILENAME_CHARS: usize = 200;

/// Why a filename was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilenameError {
    /// Contains NUL or another control character: almost certainly an attack or a bug.
    ControlCharacter,
}

/// The display name for an uploaded file: the last path component (either separator), with
/// leading dots removed so it cannot be `..` or hidden, and length bounded. A name that is
/// empty after cleaning becomes `attachment`.
pub fn sanitise(raw: &str) -> Result<String, FilenameError> {
    if raw.chars().any(char::is_control) {
        return Err(FilenameError::ControlCharacter);
    }
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let trimmed = last.trim().trim_start_matches('.').trim();
    let name: String = trimmed
        .chars()
        .map(|c| if "<>:\"|?*".contains(c) { '_' } else { c })
        .take(MAX_FILENAME_CHARS)
        .collect();
    Ok(if name.is_empty() {
        "attachment".to_string()
    } else {
        name
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_stripped() {
        assert_eq!(sanitise("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(sanitise("C:\\Users\\a\\resit.pdf").unwrap(), "resit.pdf");
        assert_eq!(sanitise("..").unwrap(), "attachment");
        assert_eq!(sanitise(".bashrc").unwrap(), "bashrc");
    }

    #[test]
    fn control_characters_are_refused() {
        assert_eq!(sanitise("a\0b.txt"), Err(FilenameError::ControlCharacter));
        assert_eq!(sanitise("a\nb.txt"), Err(FilenameError::ControlCharacter));
    }

    #[test]
    fn malay_names_survive() {
        assert_eq!(
            sanitise("gambar resit — Encik Ali.jpg").unwrap(),
            "gambar resit — Encik Ali.jpg"
        );
    }
}
