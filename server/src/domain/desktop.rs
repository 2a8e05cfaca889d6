//! Desktop builds published for the app's updater: the target a build is for, its version,
//! and what its signature must say. The signature itself is checked by the app against the
//! public key built into it; the server only refuses what cannot be a Tauri signature for
//! the version being published.

use std::cmp::Ordering;

use base64::Engine;
pub use semver::Version;

/// The longest target name (`windows-x86_64-nsis` is 19).
pub const MAX_TARGET_CHARS: usize = 64;
/// The longest release notes accepted, in characters.
pub const MAX_NOTES_CHARS: usize = 10_000;
/// The largest signature accepted, in bytes (a real one is about 400).
pub const MAX_SIGNATURE_BYTES: usize = 4096;

/// What a build is for, as the updater names it: `{os}-{arch}` (`linux-x86_64`), optionally
/// with the bundle type the app was installed from (`linux-x86_64-deb`, `windows-x86_64-msi`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target(String);

impl Target {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = (1..=MAX_TARGET_CHARS).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        ok.then(|| Target(s.to_string())).ok_or_else(|| {
            format!("must be 1–{MAX_TARGET_CHARS} of a-z, 0-9, '_' or '-', e.g. linux-x86_64")
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The published targets that serve an app asking for this one, best first: the exact
    /// target, then `{os}-{arch}` when it names a bundle type too. A build published for
    /// `linux-x86_64` serves every Linux desktop; one for `linux-x86_64-rpm` only those
    /// installed from the RPM (a `.deb` installed from an `.rpm` update would fail).
    pub fn candidates(&self) -> Vec<String> {
        let mut out = vec![self.0.clone()];
        let parts: Vec<&str> = self.0.split('-').collect();
        if parts.len() > 2 {
            out.push(parts[..2].join("-"));
        }
        out
    }
}

/// A version as the updater sends and compares it (`v` prefix allowed, as Tauri does).
pub fn parse_version(s: &str) -> Result<Version, String> {
    Version::parse(s.trim().trim_start_matches('v'))
        .map_err(|_| "must be a semantic version such as 1.2.0".to_string())
}

/// The version a Tauri signature is bound to (`tauri signer sign --app-version V` writes
/// it into the signature's trusted comment, which the signature covers). `sig` is the
/// `.sig` file's content: base64 of minisign's four-line signature text.
pub fn signed_version(sig: &str) -> Result<Version, String> {
    const NOT_A_SIGNATURE: &str =
        "is not a signature written by `tauri signer sign` (the content of the .sig file)";
    let text = base64::engine::general_purpose::STANDARD
        .decode(sig.trim())
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .ok_or_else(|| NOT_A_SIGNATURE.to_string())?;
    let lines: Vec<&str> = text.lines().collect();
    let shaped = lines.len() >= 4
        && lines[0].starts_with("untrusted comment:")
        && lines[2].starts_with("trusted comment:");
    if !shaped {
        return Err(NOT_A_SIGNATURE.to_string());
    }
    let comment = lines[2].trim_start_matches("trusted comment:").trim();
    let version = comment
        .split('\t')
        .find_map(|field| field.strip_prefix("version:"))
        .ok_or_else(|| {
            "is not bound to a version: sign with `tauri signer sign --app-version VERSION`"
                .to_string()
        })?;
    parse_version(version).map_err(|_| format!("names a version that is not semantic: {version}"))
}

/// Of `(version, item)` pairs, the newest version above `current` (a pre-release counts
/// below its release, as semver orders them). Ties keep the first seen.
pub fn newest_after<T>(current: &Version, items: Vec<(Version, T)>) -> Option<(Version, T)> {
    items
        .into_iter()
        .filter(|(v, _)| v > current)
        .fold(None, |best, item| match &best {
            Some((b, _)) if b.cmp(&item.0) != Ordering::Less => best,
            _ => Some(item),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.sig` file's content with the given trusted comment (the signature lines are only
    /// shaped like minisign's: the server never checks them, the app does).
    fn sig(trusted: &str) -> String {
        let text = format!(
            "untrusted comment: signature from tauri secret key\nRUSYB1U8uULiTg==\n\
             trusted comment: {trusted}\n4gZ2PjHAgEWF==\n"
        );
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    #[test]
    fn targets() {
        assert!(Target::parse("linux-x86_64").is_ok());
        assert!(Target::parse("Linux").is_err());
        assert!(Target::parse("linux/x86_64").is_err());
        assert!(Target::parse("").is_err());
        assert!(Target::parse(&"a".repeat(65)).is_err());
        let t = Target::parse("linux-x86_64-deb").unwrap();
        assert_eq!(t.candidates(), ["linux-x86_64-deb", "linux-x86_64"]);
        let t = Target::parse("darwin-aarch64").unwrap();
        assert_eq!(t.candidates(), ["darwin-aarch64"]);
    }

    #[test]
    fn the_signed_version_is_read_from_the_trusted_comment() {
        let s = sig("timestamp:1796358485\tfile:aduan.deb\tversion:0.2.0");
        assert_eq!(signed_version(&s).unwrap(), Version::new(0, 2, 0));
        let unbound = sig("timestamp:1796358485\tfile:aduan.deb");
        assert!(signed_version(&unbound)
            .unwrap_err()
            .contains("--app-version"));
        assert!(signed_version("not base64!").is_err());
        let other = base64::engine::general_purpose::STANDARD.encode("hello\nworld\n");
        assert!(signed_version(&other).is_err());
    }

    #[test]
    fn the_newest_above_the_current_version_wins() {
        let v = |s: &str| parse_version(s).unwrap();
        let items = vec![
            (v("0.2.0"), "a"),
            (v("0.10.0"), "b"),
            (v("0.3.0-rc.1"), "c"),
        ];
        assert_eq!(newest_after(&v("0.1.0"), items.clone()).unwrap().1, "b");
        assert!(newest_after(&v("0.10.0"), items.clone()).is_none());
        assert!(newest_after(&v("1.0.0"), items).is_none());
        assert_eq!(v("v1.2.3"), v("1.2.3"));
        assert!(parse_version("1.2").is_err());
    }
}
