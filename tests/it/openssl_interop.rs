//! Cross-check of the block suites against an independent implementation: the `openssl enc`
//! command, when it is installed (the test says so and passes when it is not). A 37-byte
//! plaintext exercises PKCS#7 padding (ECB, CBC) and the final partial block of the streams
//! (CFB, OFB, CTR) for every cipher and mode openssl has.

use std::io::Write;
use std::process::{Command, Stdio};

use mqtt_cipher_bench::crypto::Suite;
use mqtt_cipher_bench::crypto::keys::TopicKeys;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `openssl enc` output, or None when openssl (or the legacy provider for DES/Blowfish) is
/// unavailable.
fn openssl_enc(name: &str, legacy: bool, key: &[u8], iv: &[u8], pt: &[u8]) -> Option<Vec<u8>> {
    let mut cmd = Command::new("openssl");
    cmd.args(["enc", &format!("-{name}"), "-K", &hex(key)]);
    if !iv.is_empty() {
        cmd.args(["-iv", &hex(iv)]);
    }
    if legacy {
        cmd.args(["-provider", "legacy", "-provider", "default"]);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(pt).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        eprintln!(
            "openssl enc -{name}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return None;
    }
    Some(out.stdout)
}

#[test]
fn block_suites_agree_with_openssl_enc() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("openssl not installed: interop check skipped");
        return;
    }
    let pt: Vec<u8> = (0..37u8)
        .map(|i| i.wrapping_mul(13).wrapping_add(5))
        .collect();
    let mut compared = 0;
    for (ours, theirs, legacy) in [
        ("des", "des", true),
        ("3des", "des-ede3", false),
        ("blowfish", "bf", true),
        ("aes-128", "aes-128", false),
        ("aes-192", "aes-192", false),
        ("aes-256", "aes-256", false),
    ] {
        for mode in ["ecb", "cbc", "cfb", "ofb", "ctr"] {
            let is_aes = ours.starts_with("aes");
            if mode == "ctr" && !is_aes {
                continue; // openssl has no CTR for 64-bit block ciphers
            }
            let suite = Suite::from_name(&format!("{ours}-{mode}")).unwrap();
            let key: Vec<u8> = (0..suite.spec().key_len as u8).map(|i| i ^ 0x3c).collect();
            let iv: Vec<u8> = (0..suite.iv_len() as u8).map(|i| 0xf0 | i).collect();
            let name = if ours == "3des" && mode == "ecb" {
                "des-ede3".to_string()
            } else {
                format!("{theirs}-{mode}")
            };
            let Some(expect) = openssl_enc(&name, legacy, &key, &iv, &pt) else {
                eprintln!("skipped {suite}: openssl enc -{name} unavailable");
                continue;
            };
            let keys = TopicKeys::new(Some(key.clone()), None);
            let mut body = Vec::new();
            suite
                .sealer(&keys)
                .unwrap()
                .seal(&iv, &[], &pt, &mut body)
                .unwrap();
            assert_eq!(hex(&body), hex(&expect), "{suite} vs openssl enc -{name}");
            let mut back = Vec::new();
            suite
                .opener(&keys)
                .unwrap()
                .open(&iv, &[], &expect, &mut back)
                .unwrap();
            assert_eq!(back, pt, "{suite} opens openssl's ciphertext");
            compared += 1;
        }
    }
    eprintln!("compared {compared} suites with openssl enc");
    // AES is in every openssl build: if openssl runs at all, those 15 must have been compared.
    assert!(compared >= 15, "only {compared} suites compared");
}
