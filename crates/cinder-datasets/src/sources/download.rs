//! Opt-in downloads from a dataset's canonical source into a cache folder, each file checked
//! against its SHA-256 and written atomically (temporary file, then rename). Nothing downloads
//! unless asked (`cinder data download NAME`); tests never do.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::error::{DatasetError, Result};

/// One file of a downloadable dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteFile {
    /// Where the file lives upstream (`https://…`, or `file://…` for a local mirror).
    pub url: &'static str,
    /// Expected SHA-256, lower-case hex.
    pub sha256: &'static str,
    /// Path under the data folder (the layout of `$CINDER_DATA`).
    pub relative_path: &'static str,
}

/// The Cora files of the Planetoid repository (`ind.cora.<part>`), each with its checksum.
macro_rules! cora_files {
    ($(($part:literal, $sha256:literal)),* $(,)?) => {
        &[$(RemoteFile {
            url: concat!("https://github.com/kimiyoung/planetoid/raw/master/data/ind.cora.", $part),
            sha256: $sha256,
            relative_path: concat!("planetoid/ind.cora.", $part),
        }),*]
    };
}

/// The datasets cinder can download, with their files. Checksums are those of the files the
/// project verified (Cora from kimiyoung/planetoid, MIT).
pub const DOWNLOADS: &[(&str, &[RemoteFile])] = &[(
    "cora",
    cora_files!(
        (
            "x",
            "23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab"
        ),
        (
            "tx",
            "b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a"
        ),
        (
            "allx",
            "9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543"
        ),
        (
            "y",
            "94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1"
        ),
        (
            "ty",
            "41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad"
        ),
        (
            "ally",
            "2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71"
        ),
        (
            "graph",
            "58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d"
        ),
        (
            "test.index",
            "297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875"
        ),
    ),
)];

/// The download cache: `$CINDER_CACHE`, else `$XDG_CACHE_HOME/cinder`, else `~/.cache/cinder`.
pub fn cache_directory() -> Option<PathBuf> {
    if let Some(cache) = std::env::var_os("CINDER_CACHE") {
        return Some(PathBuf::from(cache));
    }
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(xdg).join("cinder"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/cinder"))
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> DatasetError + '_ {
    move |source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Fetches `url` into `temporary`: `file://` URLs are copied, others go through `curl`.
fn fetch_to(url: &str, temporary: &Path) -> Result<()> {
    if let Some(local) = url.strip_prefix("file://") {
        std::fs::copy(local, temporary).map_err(io_error(Path::new(local)))?;
        return Ok(());
    }
    let status = Command::new("curl")
        .args([
            "--fail",
            "--silent",
            "--show-error",
            "--location",
            "--retry",
            "2",
            "--output",
        ])
        .arg(temporary)
        .arg(url)
        .status()
        .map_err(|source| DatasetError::Download {
            url: url.into(),
            reason: format!("cannot run curl ({source}); install curl or place the file by hand"),
        })?;
    if !status.success() {
        return Err(DatasetError::Download {
            url: url.into(),
            reason: format!("curl exited with {status}"),
        });
    }
    Ok(())
}

/// Makes `file` present and verified under `root`: an existing file with the right checksum is
/// kept; otherwise it is fetched to a temporary file beside its destination, checked, and renamed
/// into place (a failed or corrupt download never leaves a partial file at the destination).
pub fn ensure_file(file: &RemoteFile, root: &Path) -> Result<PathBuf> {
    let destination = root.join(file.relative_path);
    if let Ok(bytes) = std::fs::read(&destination)
        && sha256_hex(&bytes) == file.sha256
    {
        return Ok(destination);
    }
    let parent = destination.parent().unwrap_or(root);
    // Folders this call creates, deepest first: removed again if the download fails, so a failed
    // download leaves no empty folder behind.
    let created: Vec<PathBuf> = parent
        .ancestors()
        .take_while(|folder| !folder.as_os_str().is_empty() && !folder.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(parent).map_err(io_error(parent))?;
    let temporary = parent.join(format!(
        ".{}.part-{}",
        destination
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        std::process::id()
    ));
    let result = fetch_to(file.url, &temporary).and_then(|()| {
        let bytes = std::fs::read(&temporary).map_err(io_error(&temporary))?;
        let actual = sha256_hex(&bytes);
        if actual != file.sha256 {
            return Err(DatasetError::Download {
                url: file.url.into(),
                reason: format!(
                    "SHA-256 mismatch: expected {}, got {actual} ({} bytes); the file was not kept",
                    file.sha256,
                    bytes.len()
                ),
            });
        }
        std::fs::File::open(&temporary)
            .and_then(|f| f.sync_all())
            .map_err(io_error(&temporary))?;
        std::fs::rename(&temporary, &destination).map_err(io_error(&destination))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
        for folder in &created {
            // Only empty folders go: `remove_dir` refuses anything else.
            let _ = std::fs::remove_dir(folder);
        }
    }
    result.map(|()| destination)
}

/// Downloads every file of the dataset `name` into `root` (default: [`cache_directory`]).
pub fn download_dataset(name: &str, root: Option<&Path>) -> Result<Vec<PathBuf>> {
    let (_, files) = DOWNLOADS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .ok_or_else(|| DatasetError::UnknownDataset {
            kind: "downloadable",
            name: name.into(),
            known: DOWNLOADS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let root = match root {
        Some(root) => root.to_path_buf(),
        None => cache_directory().ok_or_else(|| DatasetError::NotFound {
            what: "a cache folder".into(),
            looked_in: "CINDER_CACHE, XDG_CACHE_HOME and HOME (all unset)".into(),
        })?,
    };
    files.iter().map(|file| ensure_file(file, &root)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verified_files_are_renamed_into_place_and_corrupt_ones_never_land() {
        let root = std::env::temp_dir().join(format!("cinder-download-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let source = root.join("upstream.bin");
        std::fs::write(&source, b"graph bytes").unwrap();
        let url: &'static str = Box::leak(format!("file://{}", source.display()).into_boxed_str());
        let good = RemoteFile {
            url,
            sha256: Box::leak(sha256_hex(b"graph bytes").into_boxed_str()),
            relative_path: "set/data.bin",
        };
        let path = ensure_file(&good, &root.join("cache")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"graph bytes");
        // Present and valid: kept without fetching (the source is gone).
        std::fs::remove_file(&source).unwrap();
        assert_eq!(ensure_file(&good, &root.join("cache")).unwrap(), path);

        std::fs::write(&source, b"tampered").unwrap();
        let bad = RemoteFile {
            relative_path: "set/other.bin",
            ..good
        };
        let error = ensure_file(&bad, &root.join("cache"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("SHA-256 mismatch"), "{error}");
        let leftovers: Vec<_> = std::fs::read_dir(root.join("cache/set"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("data.bin")]);
        // A failed download into folders that did not exist leaves none of them behind.
        let fresh = RemoteFile {
            relative_path: "fresh/deeper/other.bin",
            ..bad
        };
        assert!(ensure_file(&fresh, &root.join("cache")).is_err());
        assert!(!root.join("cache/fresh").exists());
        assert!(ensure_file(&fresh, &root.join("new-root")).is_err());
        assert!(!root.join("new-root").exists());
        assert!(download_dataset("imagenet", Some(&root)).is_err());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn cora_files_pair_each_url_with_its_destination() {
        let (_, files) = DOWNLOADS[0];
        assert_eq!(files.len(), 8);
        for file in files {
            let name = file.relative_path.trim_start_matches("planetoid/");
            assert!(file.url.ends_with(&format!("/data/{name}")), "{}", file.url);
            assert_eq!(file.sha256.len(), 64);
        }
    }

    #[test]
    fn sha256_of_a_known_string() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
