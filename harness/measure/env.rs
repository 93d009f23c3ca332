//! The facts about this machine and build that every results.json carries.

use std::collections::BTreeMap;

use crate::results::Environment;

/// CPU features that change crypto speed by integer factors.
const CRYPTO_FLAGS: &[&str] = &[
    "aes",
    "pclmulqdq",
    "avx",
    "avx2",
    "avx512f",
    "vaes",
    "vpclmulqdq",
    "sha_ni",
    "bmi2",
    "adx",
    "sse4_1",
    "ssse3",
    "pmull",
    "sha1",
    "sha2",
    "sha3",
    "asimd",
    "neon",
];

pub fn capture() -> Environment {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    Environment {
        os: os_name(),
        kernel: read_trimmed("/proc/sys/kernel/osrelease"),
        arch: std::env::consts::ARCH.to_owned(),
        cpu_model: cpu_model(&cpuinfo),
        cpu_flags: cpu_flags(&cpuinfo),
        logical_cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        memory_bytes: mem_total(),
        governor: read_trimmed("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        rustc: env!("MCB_RUSTC_VERSION").to_owned(),
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
        .to_owned(),
        target: env!("MCB_TARGET").to_owned(),
        git_commit: Some(env!("MCB_GIT_COMMIT").to_owned()).filter(|s| !s.is_empty()),
        git_dirty: match env!("MCB_GIT_DIRTY") {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        crate_versions: crate_versions(),
    }
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn os_name() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        });
    pretty.unwrap_or_else(|| std::env::consts::OS.to_owned())
}

fn cpu_model(cpuinfo: &str) -> Option<String> {
    // x86 says "model name"; many ARM kernels say "Model" (board) or only "CPU part".
    ["model name", "Model", "Hardware", "cpu model"]
        .iter()
        .find_map(|key| {
            cpuinfo.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k.trim() == *key).then(|| v.trim().to_owned())
            })
        })
        .filter(|s| !s.is_empty())
}

fn cpu_flags(cpuinfo: &str) -> Vec<String> {
    let line = cpuinfo.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        matches!(k.trim(), "flags" | "Features").then_some(v)
    });
    let have: Vec<&str> = line
        .map(|v| v.split_whitespace().collect())
        .unwrap_or_default();
    CRYPTO_FLAGS
        .iter()
        .filter(|f| have.contains(f))
        .map(|f| f.to_string())
        .collect()
}

fn mem_total() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

fn crate_versions() -> BTreeMap<String, String> {
    let mut m: BTreeMap<String, String> = env!("MCB_CRATE_VERSIONS")
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    m.insert(
        "mqtt-cipher-bench".to_owned(),
        env!("CARGO_PKG_VERSION").to_owned(),
    );
    m
}

#[cfg(test)]
mod tests {
    #[test]
    fn captures_build_and_machine_facts() {
        let e = super::capture();
        assert!(e.rustc.starts_with("rustc "), "{}", e.rustc);
        assert!(e.logical_cores >= 1);
        assert!(
            e.crate_versions.contains_key("rumqttc"),
            "{:?}",
            e.crate_versions
        );
        assert!(e.crate_versions.contains_key("aes-gcm"));
        if cfg!(target_os = "linux") {
            assert!(e.cpu_model.is_some());
            assert!(e.memory_bytes.is_some());
        }
    }
}
