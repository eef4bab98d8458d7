//! Where lakes live and how a write becomes visible: locations (a folder or an S3 prefix), S3
//! access, the partition layout, the manifest (the commit marker) and publishing.

pub mod layout;
pub mod location;
pub mod manifest;
pub mod publish;
pub mod s3;

pub use location::{Location, S3Config};
pub use manifest::{Manifest, ManifestFile, WriteMode};
pub use publish::{Lake, PublishSummary};
pub use s3::{S3Prefix, s3_client, s3_error};

use std::path::Path;

/// Whether a process with this id is running (Linux; elsewhere every process counts as running,
/// so nothing is cleaned up by mistake).
pub(crate) fn process_alive(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new(&format!("/proc/{pid}")).exists()
}
