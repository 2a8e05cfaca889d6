//! `s3://BUCKET[/PREFIX]`: where `--blob-store` puts the blobs.

use std::fmt;
use std::str::FromStr;

/// Longest key prefix accepted: S3 keys are at most 1,024 bytes, and a blob's key adds 68.
const MAX_PREFIX: usize = 256;

/// A bucket, and a prefix inside it (no leading or trailing `/`, possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobLocation {
    pub bucket: String,
    pub prefix: String,
}

impl FromStr for BlobLocation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let rest = s
            .strip_prefix("s3://")
            .ok_or("expected s3://BUCKET[/PREFIX]")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-'))
            && !bucket.starts_with(['.', '-'])
            && !bucket.ends_with(['.', '-']);
        if !bucket_ok {
            return Err(format!(
                "{bucket:?} is not a bucket name (3 to 63 of a-z, 0-9, '.' and '-')"
            ));
        }
        let prefix = prefix.trim_matches('/');
        let prefix_ok = prefix.len() <= MAX_PREFIX
            && prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
            && !prefix.contains("//")
            && prefix.split('/').all(|part| part != "." && part != "..");
        if !prefix_ok {
            return Err(format!(
                "{prefix:?} is not a key prefix (at most {MAX_PREFIX} of a-z, A-Z, 0-9, \
                 '-', '_', '.' and '/')"
            ));
        }
        Ok(BlobLocation {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

impl fmt::Display for BlobLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bucket_and_prefix() {
        let loc: BlobLocation = "s3://aduan-evidence/prod/blobs/".parse().unwrap();
        assert_eq!(loc.bucket, "aduan-evidence");
        assert_eq!(loc.prefix, "prod/blobs");
        assert_eq!(loc.to_string(), "s3://aduan-evidence/prod/blobs");
        let bare: BlobLocation = "s3://aduan".parse().unwrap();
        assert_eq!((bare.bucket.as_str(), bare.prefix.as_str()), ("aduan", ""));
    }

    #[test]
    fn refuses_what_is_not_a_bucket() {
        for bad in [
            "aduan",
            "file:///var/lib",
            "s3://",
            "s3://AB",
            "s3://-x-",
            "s3://bucket/../up",
            "s3://bucket/a//b",
            "s3://bucket/sp ace",
        ] {
            assert!(bad.parse::<BlobLocation>().is_err(), "{bad}");
        }
        let long = format!("s3://bucket/{}", "a".repeat(MAX_PREFIX + 1));
        assert!(long.parse::<BlobLocation>().is_err());
    }
}
