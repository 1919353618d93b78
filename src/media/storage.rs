//! Where stored files live. Everything goes through [`Storage`], by key, so that an object
//! store can take the local disk's place for a site with several instances.
//!
//! Keys are made by [`key_for`] from a content hash and a fixed extension; [`is_valid_key`]
//! admits nothing else, so no name a person chose ever reaches the file system.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The file types a key may end in.
const EXTENSIONS: [&str; 5] = ["jpg", "png", "webp", "gif", "pdf"];

/// The key of a stored file: `ab/abcdef…` (the first two hex digits shard the folders),
/// `-WIDTH` for an image rendition, and the extension of its type.
pub fn key_for(hash: &str, width: Option<u32>, extension: &str) -> String {
    let shard = hash.get(..2).unwrap_or("00");
    match width {
        Some(w) => format!("{shard}/{hash}-{w}.{extension}"),
        None => format!("{shard}/{hash}.{extension}"),
    }
}

/// Whether `key` has exactly the shape [`key_for`] makes.
pub fn is_valid_key(key: &str) -> bool {
    let hex = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let Some((shard, name)) = key.split_once('/') else {
        return false;
    };
    let Some((stem, extension)) = name.split_once('.') else {
        return false;
    };
    let (hash, width) = match stem.split_once('-') {
        Some((hash, width)) => (hash, Some(width)),
        None => (stem, None),
    };
    shard.len() == 2
        && hex(shard)
        && hash.len() == 64
        && hex(hash)
        && hash.starts_with(shard)
        && width.is_none_or(|w| (1..=5).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_digit()))
        && EXTENSIONS.contains(&extension)
}

/// The stored files: put, get, read a range, delete, by key.
pub trait Storage: Send + Sync {
    /// Stores `bytes` under `key`. Writing the same key twice is harmless (keys name content).
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()>;
    /// Stores a copy of the file at `from` under `key`.
    fn put_file(&self, key: &str, from: &Path) -> io::Result<()> {
        self.put(key, &fs::read(from)?)
    }
    /// The whole file.
    fn get(&self, key: &str) -> io::Result<Vec<u8>>;
    /// The file's length, or `None` when there is no such file.
    fn len(&self, key: &str) -> io::Result<Option<u64>>;
    /// `len` bytes from `start` (fewer at the end of the file).
    fn read_range(&self, key: &str, start: u64, len: u64) -> io::Result<Vec<u8>>;
    /// Removes the file; a file that is not there is not an error.
    fn delete(&self, key: &str) -> io::Result<()>;
}

/// Files on the local disk under one folder, in two-letter shard folders.
#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
}

fn invalid_key(key: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a media key: {key:?}"),
    )
}

impl LocalDisk {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalDisk { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes the file beside its place and renames it there, so a reader never sees half
    /// a file.
    fn write_via_part(
        &self,
        key: &str,
        write: impl FnOnce(&mut fs::File) -> io::Result<()>,
    ) -> io::Result<()> {
        let path = self.path(key)?;
        let dir = path.parent().ok_or_else(|| invalid_key(key))?;
        fs::create_dir_all(dir)?;
        let part = dir.join(format!(".{}.part", crate::ids::random_hex::<12>()));
        let written = (|| {
            let mut file = fs::File::create(&part)?;
            write(&mut file)?;
            file.sync_all()?;
            fs::rename(&part, &path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&part);
        }
        written
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        if is_valid_key(key) {
            Ok(self.root.join(key))
        } else {
            Err(invalid_key(key))
        }
    }
}

impl Storage for LocalDisk {
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        self.write_via_part(key, |file| file.write_all(bytes))
    }

    fn put_file(&self, key: &str, from: &Path) -> io::Result<()> {
        self.write_via_part(key, |file| {
            io::copy(&mut fs::File::open(from)?, file)?;
            Ok(())
        })
    }

    fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        fs::read(self.path(key)?)
    }

    fn len(&self, key: &str) -> io::Result<Option<u64>> {
        match fs::metadata(self.path(key)?) {
            Ok(meta) => Ok(Some(meta.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn read_range(&self, key: &str, start: u64, len: u64) -> io::Result<Vec<u8>> {
        let mut file = fs::File::open(self.path(key)?)?;
        file.seek(SeekFrom::Start(start))?;
        let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0).min(1 << 20));
        file.take(len).read_to_end(&mut out)?;
        Ok(out)
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        match fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

    #[test]
    fn only_keys_we_make_are_valid() {
        assert!(is_valid_key(&key_for(HASH, Some(960), "jpg")));
        assert!(is_valid_key(&key_for(HASH, None, "pdf")));
        for bad in [
            "",
            "../etc/passwd",
            "0f/../../x.jpg",
            &format!("0f/{HASH}.exe"),
            &format!("0f/{HASH}.jpg/x"),
            &format!("ab/{HASH}.jpg"),
            &format!("0f/{HASH}-.jpg"),
            &format!("0f/{HASH}-123456.jpg"),
            &format!("0f/{}.jpg", HASH.to_uppercase()),
            &format!("/0f/{HASH}.jpg"),
        ] {
            assert!(!is_valid_key(bad), "{bad}");
        }
    }

    #[test]
    fn the_local_disk_stores_reads_ranges_and_deletes() {
        let dir = std::env::temp_dir().join(format!(
            "chronicle-storage-{}",
            crate::ids::random_hex::<8>()
        ));
        let disk = LocalDisk::new(&dir);
        let key = key_for(HASH, Some(480), "png");
        assert_eq!(disk.len(&key).ok(), Some(None));
        assert!(disk.put(&key, b"0123456789").is_ok());
        assert_eq!(disk.len(&key).ok(), Some(Some(10)));
        assert_eq!(disk.read_range(&key, 2, 3).ok(), Some(b"234".to_vec()));
        assert_eq!(disk.read_range(&key, 8, 9).ok(), Some(b"89".to_vec()));
        assert!(disk.put("../x.png", b"no").is_err());
        assert!(disk.delete(&key).is_ok());
        assert!(disk.delete(&key).is_ok());
        assert_eq!(disk.len(&key).ok(), Some(None));
        let _ = fs::remove_dir_all(dir);
    }
}
