//! Rebuilds this crate when RUSTC_BOOTSTRAP changes, so a tool that leaked it
//! into compilation would show up as a rebuild (`cargo failtale test` must
//! set it for test binaries only).

fn main() {
    println!("cargo:rerun-if-env-changed=RUSTC_BOOTSTRAP");
    let seen = std::env::var("RUSTC_BOOTSTRAP").unwrap_or_default();
    println!("cargo:rustc-env=CONFIG_BUILT_WITH_RUSTC_BOOTSTRAP={seen}");
}
