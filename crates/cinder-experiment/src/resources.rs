//! The process's resources, read or set in one place for the CLI, the examples and the benches:
//! the worker threads of the CPU kernels (rayon's global pool) and the peak resident memory.

use crate::error::Result;

/// Sets the number of worker threads of the CPU kernels for the rest of the process; `None`
/// keeps the default (one per core). Call it before anything computes: the pool is set up once.
pub fn set_worker_threads(threads: Option<usize>) -> Result<()> {
    if let Some(threads) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()?;
    }
    Ok(())
}

/// The number of worker threads of the CPU kernels.
pub fn worker_threads() -> usize {
    rayon::current_num_threads()
}

/// Peak resident set size of this process in MB (`VmHWM` from `/proc/self/status`), where the
/// system reports it.
pub fn peak_resident_megabytes() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes / 1024.0)
}
