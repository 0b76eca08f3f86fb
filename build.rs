//! Names the build for `warroom --version`: the git commit it was built from when git can tell
//! (a source tarball says so instead), and the profile.

use std::process::Command;

fn main() {
    for watched in [".git/HEAD", ".git/refs/heads", ".git/packed-refs"] {
        println!("cargo:rerun-if-changed={watched}");
    }
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|c| !c.is_empty())
        .map_or_else(|| "unknown commit".to_string(), |c| format!("commit {c}"));
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=WARROOM_BUILD={commit}, {profile} build");
}
