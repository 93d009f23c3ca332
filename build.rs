//! Records the facts every results.json carries about the build: rustc, target, profile, git
//! commit and the versions of the crates that do the measured work (read from Cargo.lock).

use std::process::Command;

const MEASURED_CRATES: &[&str] = &[
    "rumqttc",
    "rumqttd",
    "tokio",
    "hdrhistogram",
    "aes",
    "aes-gcm",
    "ccm",
    "ring",
    "aws-lc-rs",
    "aws-lc-sys",
    "chacha20poly1305",
    "ascon-aead",
    "des",
    "blowfish",
    "cbc",
    "cfb-mode",
    "ofb",
    "ctr",
    "ecb",
    "hmac",
    "sha2",
    "hkdf",
    "rsa",
    "p256",
    "ed25519-dalek",
    "rustls",
    "plotters",
];

fn run(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = run(&rustc, &["--version"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=MCB_RUSTC_VERSION={version}");
    println!(
        "cargo:rustc-env=MCB_TARGET={}",
        std::env::var("TARGET").unwrap_or_default()
    );
    println!(
        "cargo:rustc-env=MCB_PROFILE={}",
        std::env::var("PROFILE").unwrap_or_default()
    );
    let commit = run("git", &["rev-parse", "HEAD"]).unwrap_or_default();
    println!("cargo:rustc-env=MCB_GIT_COMMIT={commit}");
    let dirty = run("git", &["status", "--porcelain", "--untracked-files=no"])
        .map(|s| if s.is_empty() { "false" } else { "true" })
        .unwrap_or("");
    println!("cargo:rustc-env=MCB_GIT_DIRTY={dirty}");
    for path in [".git/HEAD", ".git/index"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }

    // Cargo.lock is plain TOML-ish: `name = "x"` followed by `version = "y"`.
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let mut versions = Vec::new();
    let mut name = None;
    // The run order's shuffle depends on rand's version; the lock holds older ones too (for
    // dependencies), the harness's own is the newest.
    let mut rand: Vec<Vec<u64>> = Vec::new();
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_owned());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            let v = v.trim_matches('"');
            if MEASURED_CRATES.contains(&n.as_str()) {
                // A crate carried in vendor/ with a patch of ours (vendor/README.md) is not
                // the release of that number: say so wherever the version is recorded.
                let patched = std::path::Path::new("vendor").join(&n).is_dir();
                let tag = if patched { "+vendored" } else { "" };
                versions.push(format!("{n}={v}{tag}"));
            }
            if n == "rand" {
                rand.push(v.split('.').map(|x| x.parse().unwrap_or(0)).collect());
            }
        }
    }
    println!("cargo:rustc-env=MCB_CRATE_VERSIONS={}", versions.join(","));
    let rand = rand.into_iter().max().unwrap_or_default();
    let rand: Vec<String> = rand.iter().map(u64::to_string).collect();
    println!("cargo:rustc-env=MCB_RAND_VERSION={}", rand.join("."));
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build.rs");
}
