//! The `cargo failtale` binary: everything happens in the library.

/// mimalloc rather than the system allocator: reading a result file makes a
/// few small allocations per test case, and with glibc's allocator those
/// were about a third of the ingest time (see `junit-ingest/benches/ingest.rs`).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    no_huge_pages();
    cargo_failtale::main_with_args(std::env::args_os().collect())
}

/// Asks Linux not to back this process with transparent huge pages.
///
/// mimalloc advises huge pages for its arenas; on a kernel in `madvise` mode
/// every partly used 2 MiB page then counts whole, which put peak RSS on a
/// 100 MB JUnit file at 330 MiB instead of 282 MiB, with no measurable gain
/// in time (`cargo bench -p cargo-failtale --bench command`). Nothing
/// depends on it succeeding.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    #[allow(unsafe_code, reason = "one prctl call with constant arguments")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
