//! Where a lake (or a snapshot, or a native export) lives: a local folder or an S3 prefix, parsed
//! from what the user typed, with errors that name the flag.

use std::path::PathBuf;

use crate::{LakeError, Result};

/// How to reach S3.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Config {
    /// An S3-compatible endpoint (`http://127.0.0.1:9000`); `None` for AWS.
    pub endpoint_url: Option<String>,
    /// The region; `None` takes it from the environment or profile.
    pub region: Option<String>,
}

/// A parsed location: `PATH`, `file:///PATH` or `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A local folder.
    Local(PathBuf),
    /// A prefix in an S3 bucket (no leading or trailing `/`; empty for the bucket's root).
    S3 {
        /// The bucket.
        bucket: String,
        /// The key prefix.
        prefix: String,
    },
}

impl Location {
    /// Parses `value`, given as the option `flag` (named in errors).
    pub fn parse(flag: &str, value: &str) -> Result<Location> {
        if let Some(rest) = value.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(LakeError::InvalidInput(format!(
                    "{flag} {value}: no bucket name: expected s3://bucket/prefix"
                )));
            }
            if !bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            {
                return Err(LakeError::InvalidInput(format!(
                    "{flag} {value}: {bucket:?} is not a valid bucket name (lower-case letters, digits, '-' and '.')"
                )));
            }
            let prefix = prefix.trim_matches('/');
            if prefix.split('/').any(|p| p == "." || p == "..") {
                return Err(LakeError::InvalidInput(format!(
                    "{flag} {value}: '.' and '..' are not allowed in the prefix"
                )));
            }
            return Ok(Location::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.to_string(),
            });
        }
        if value.contains("://") && !value.starts_with("file://") {
            let scheme = value.split("://").next().unwrap_or("");
            return Err(LakeError::InvalidInput(format!(
                "{flag} {value}: {scheme}:// is not supported: give a folder, file:///folder or s3://bucket/prefix"
            )));
        }
        let path = value.strip_prefix("file://").unwrap_or(value);
        if path.is_empty() {
            return Err(LakeError::InvalidInput(format!(
                "{flag} is empty: give a folder or s3://bucket/prefix"
            )));
        }
        Ok(Location::Local(PathBuf::from(path)))
    }

    /// The location of `relative` (a `/`-separated path) inside this one.
    pub fn join(&self, relative: &str) -> Location {
        let relative = relative.trim_matches('/');
        match self {
            Location::Local(p) => Location::Local(p.join(relative)),
            Location::S3 { bucket, prefix } => Location::S3 {
                bucket: bucket.clone(),
                prefix: if prefix.is_empty() {
                    relative.to_string()
                } else {
                    format!("{prefix}/{relative}")
                },
            },
        }
    }

    /// Whether this is an S3 location.
    pub fn is_s3(&self) -> bool {
        matches!(self, Location::S3 { .. })
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Local(p) => write!(f, "{}", p.display()),
            Location::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Location::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_errors_name_the_flag() {
        assert_eq!(
            Location::parse("--lake", "s3://bucket/a/b/").expect("valid"),
            Location::S3 {
                bucket: "bucket".into(),
                prefix: "a/b".into()
            }
        );
        assert_eq!(
            Location::parse("--lake", "s3://bucket")
                .expect("valid")
                .to_string(),
            "s3://bucket"
        );
        assert_eq!(
            Location::parse("--lake", "file:///tmp/x").expect("valid"),
            Location::Local("/tmp/x".into())
        );
        let e = Location::parse("--lake", "s3:///x")
            .expect_err("invalid")
            .to_string();
        assert!(e.contains("--lake") && e.contains("no bucket"), "{e}");
        let e = Location::parse("--lake", "gs://b/x")
            .expect_err("invalid")
            .to_string();
        assert!(e.contains("gs://"), "{e}");
        let e = Location::parse("--lake", "s3://Bad_Bucket/x")
            .expect_err("invalid")
            .to_string();
        assert!(e.contains("Bad_Bucket"), "{e}");
        assert!(Location::parse("--lake", "s3://b/a/../x").is_err());
        assert!(Location::parse("--lake", "").is_err());
    }
}
