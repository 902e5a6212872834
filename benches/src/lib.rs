//! Benchmarks of valence against its peers; see `benches/` and BENCHMARKS.md.
//!
//! This crate exists so that peers (Stateright) are dev-dependencies of a bench crate only,
//! never of a crate users depend on.

/// The peak resident set size of this process (`VmHWM`), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}
