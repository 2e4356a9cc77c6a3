//! Output of the command line: files written atomically, standard output with its write
//! errors, and the thread pool. No statistics here.
//!
//! * An output file (`--replicates-out`, `--plot`, `convert -o`) is checked before anything
//!   is computed ([`OutputFile::check`]: its folder exists and takes a new file), then written
//!   to a temporary file in the same folder and renamed over the target when complete
//!   ([`OutputFile::write`]), so an interrupted or failed run leaves an existing file intact.
//! * Every write error is an error naming the path (exit 2); on standard output a closed pipe
//!   (`darkfigure … | head`) ends the output quietly instead.
//! * `--threads` is capped at the available parallelism, with a warning.

use darkfigure::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An output file, checked before the computation and written atomically after it.
pub struct OutputFile {
    /// The file to replace (a symbolic link resolved to its target).
    path: PathBuf,
    shown: String,
    /// The path exists and is not a regular file (`/dev/stdout`, `/dev/full`, a FIFO): it is
    /// written in place, since renaming over it would replace the device or pipe.
    in_place: bool,
}

impl OutputFile {
    /// Check that `path` can be written: not a folder, and its folder exists and takes a new
    /// file (a probe file is created there and removed).
    ///
    /// # Errors
    /// [`Error::Io`] naming the path.
    pub fn check(path: &str) -> Result<Self> {
        let io = |source: std::io::Error| Error::Io {
            file: path.to_string(),
            source,
        };
        let given = PathBuf::from(path);
        let (target, meta) = match std::fs::metadata(&given) {
            // A regular file (a symbolic link to one resolved, so that the link is kept);
            // anything else is written in place under its own name.
            Ok(m) if m.is_file() => (std::fs::canonicalize(&given).map_err(io)?, Some(m)),
            Ok(m) => (given, Some(m)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (given, None),
            Err(e) => return Err(io(e)),
        };
        if meta.as_ref().is_some_and(|m| m.is_dir()) {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a folder, not a file",
            )));
        }
        let out = Self {
            path: target,
            shown: path.to_string(),
            in_place: meta.is_some_and(|m| !m.is_file()),
        };
        if out.in_place {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&out.path)
                .map_err(io)?;
            return Ok(out);
        }
        let probe = out.temporary("probe");
        std::fs::File::create_new(&probe).map_err(io)?;
        std::fs::remove_file(&probe).map_err(io)?;
        Ok(out)
    }

    /// A temporary name in the target's folder: `.NAME.darkfigure-PID.KIND`.
    fn temporary(&self, kind: &str) -> PathBuf {
        let name = self
            .path
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        dir.join(format!(".{name}.darkfigure-{}.{kind}", std::process::id()))
    }

    /// Write `bytes` to a temporary file beside the target, flush it to disk and rename it
    /// over the target. On any failure the temporary file is removed and the target is left
    /// as it was.
    ///
    /// # Errors
    /// [`Error::Io`] naming the path.
    pub fn write(&self, bytes: &[u8]) -> Result<()> {
        let io = |source: std::io::Error| Error::Io {
            file: self.shown.clone(),
            source,
        };
        if self.in_place {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&self.path)
                .map_err(io)?;
            return f.write_all(bytes).and_then(|()| f.flush()).map_err(io);
        }
        let tmp = self.temporary("tmp");
        let result = write_file(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, &self.path));
        result.map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            io(source)
        })
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Check every output path given (before computing anything).
///
/// # Errors
/// As [`OutputFile::check`].
pub fn check_all<const N: usize>(paths: [Option<&String>; N]) -> Result<[Option<OutputFile>; N]> {
    let mut out: [Option<OutputFile>; N] = std::array::from_fn(|_| None);
    for (slot, p) in out.iter_mut().zip(paths) {
        if let Some(p) = p {
            *slot = Some(OutputFile::check(p)?);
        }
    }
    Ok(out)
}

/// Write to standard output and flush. A closed pipe (`darkfigure … | head`) ends the output
/// quietly; any other write error (a full disk, `> /dev/full`) is an error.
///
/// # Errors
/// [`Error::Io`] for `<stdout>`.
pub fn emit(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(Error::Io {
            file: "<stdout>".into(),
            source,
        }),
    }
}

/// The number of threads to use for `--threads n`: at most the available parallelism (with
/// a warning on stderr when capped).
///
/// # Errors
/// [`Error::InvalidOption`] for 0.
pub fn thread_count(n: usize) -> Result<usize> {
    if n == 0 {
        return Err(Error::InvalidOption {
            name: "threads",
            value: "0".into(),
            problem: "must be at least 1".into(),
        });
    }
    let available = std::thread::available_parallelism().map_or(1, |p| p.get());
    if n > available {
        eprintln!(
            "warning: --threads {n} is more than the {available} this machine can run at once; using {available}"
        );
        return Ok(available);
    }
    Ok(n)
}

/// Set the global thread pool for `--threads`, capped ([`thread_count`]). With `parallel`
/// false (the command runs nothing in parallel) the option is checked but no pool is built.
///
/// # Errors
/// As [`thread_count`].
pub fn set_threads(n: Option<usize>, parallel: bool) -> Result<()> {
    let Some(n) = n else { return Ok(()) };
    let n = thread_count(n)?;
    if parallel {
        // Only fails if a pool exists already, which cannot happen here.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    Ok(())
}
