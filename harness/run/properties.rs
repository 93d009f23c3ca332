//! What each protection of a run offers by design, from the suite catalogue, for
//! results.json (`protections`): the report's Recommendation reads these claims there and
//! tests them against what the run measured (tamper matrix, repeated blocks).

use crate::crypto::Suite;
use crate::crypto::mac::MacAlg;
use crate::crypto::signature::SigAlg;
use crate::crypto::suite::{Family, Mode};
use crate::results::{
    PropertiesSource, ProtectionProperties, RunResults, SuiteFamily, SuiteInfo, Writer,
};
use crate::scenario::Case;

/// The claims of one protection.
pub fn of(suite: Suite, mac: MacAlg, signature: SigAlg) -> ProtectionProperties {
    let family = suite.family();
    let writer = if signature != SigAlg::None {
        Writer::Publisher
    } else if mac != MacAlg::None || matches!(family, Family::Aead(_)) {
        Writer::KeyHolder
    } else if matches!(family, Family::Hybrid(_) | Family::SMqtt) {
        // The topic's public key is public: anyone can seal a message to it.
        Writer::PublicKeyHolder
    } else {
        Writer::Anyone
    };
    ProtectionProperties {
        suite: suite.name().to_owned(),
        mac: mac.name().to_owned(),
        signature: signature.name().to_owned(),
        confidentiality: family != Family::None,
        integrity: suite.authenticated() || mac != MacAlg::None || signature != SigAlg::None,
        writer,
        deterministic: matches!(family, Family::Block(_, Mode::Ecb)),
        source: PropertiesSource::Run,
    }
}

/// One entry per distinct (suite, mac, signature) of `cases`, in matrix order.
pub fn of_cases(cases: &[Case]) -> Vec<ProtectionProperties> {
    let mut out: Vec<ProtectionProperties> = Vec::new();
    for c in cases {
        let p = of(c.suite, c.mac, c.signature);
        if !out.iter().any(|q| q.is(&p.suite, &p.mac, &p.signature)) {
            out.push(p);
        }
    }
    out
}

/// What results.json records about `suite` for the report (`suites`).
pub fn suite_info(suite: Suite) -> SuiteInfo {
    let (family, block) = match suite.family() {
        Family::None => (SuiteFamily::None, None),
        Family::Block(cipher, mode) => (SuiteFamily::Block, Some((cipher, mode))),
        Family::Aead(_) => (SuiteFamily::Aead, None),
        Family::Hybrid(_) => (SuiteFamily::Hybrid, None),
        Family::SMqtt => (SuiteFamily::PointEncoding, None),
    };
    SuiteInfo {
        name: suite.name().to_owned(),
        id: suite.id(),
        family,
        cipher: block.map(|(c, _)| c.name().to_owned()),
        // Block lengths are 8 or 16 bytes.
        block_bits: block.map(|(c, _)| c.block_len() as u32 * 8),
        mode: block.map(|(_, m)| m.name().to_owned()),
        authenticated: suite.authenticated(),
        confidentiality: suite.confidentiality_note().to_owned(),
    }
}

/// One entry per distinct suite of `cases`, in matrix order.
pub fn suites_of_cases(cases: &[Case]) -> Vec<SuiteInfo> {
    let mut out: Vec<SuiteInfo> = Vec::new();
    for c in cases {
        if !out.iter().any(|s| s.id == c.suite.id()) {
            out.push(suite_info(c.suite));
        }
    }
    out
}

/// For a run written before `protections` was recorded: fills them in from this build's
/// catalogue, marked [`PropertiesSource::Catalogue`] so the report says where they came
/// from. Names this build does not know are left out (the report then says "not measured").
pub fn backfill(results: &mut RunResults) {
    if !results.protections.is_empty() {
        return;
    }
    for c in &results.cases {
        let p = &c.params;
        if results
            .protections
            .iter()
            .any(|q| q.is(&p.suite, &p.mac, &p.signature))
        {
            continue;
        }
        let (Some(suite), Some(mac), Some(sig)) = (
            Suite::from_name(&p.suite),
            MacAlg::ALL.into_iter().find(|m| m.name() == p.mac),
            SigAlg::ALL.into_iter().find(|s| s.name() == p.signature),
        ) else {
            continue;
        };
        let mut props = of(suite, mac, sig);
        props.source = PropertiesSource::Catalogue;
        results.protections.push(props);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(suite: &str, mac: MacAlg, sig: SigAlg) -> ProtectionProperties {
        of(Suite::from_name(suite).unwrap(), mac, sig)
    }

    /// Version 1's frozen table (results/suites.rs, the upgrade path of old files) says what
    /// this build's catalogue says about every suite both know.
    #[test]
    fn the_v1_table_matches_the_catalogue() {
        let v1 = crate::results::suites::v1_catalogue();
        for s in Suite::all() {
            let recorded = suite_info(s);
            if let Some(old) = v1.iter().find(|o| o.name == recorded.name) {
                assert_eq!(old, &recorded, "{s}");
            }
        }
        // Version 2 added s-mqtt; every other suite was in version 1.
        let added: Vec<&str> = Suite::all()
            .map(|s| s.name())
            .filter(|n| !v1.iter().any(|o| o.name == *n))
            .collect();
        assert_eq!(added, ["s-mqtt"], "a suite was added: extend this check");
        assert_eq!(v1.len() + added.len(), Suite::all().count());
    }

    #[test]
    fn who_can_write_follows_the_keys() {
        use MacAlg::HmacSha256;
        use SigAlg::{Ed25519, None as NoSig};
        assert_eq!(
            props("aes-128-cbc", MacAlg::None, NoSig).writer,
            Writer::Anyone
        );
        assert!(!props("aes-128-cbc", MacAlg::None, NoSig).integrity);
        assert_eq!(
            props("aes-128-cbc", HmacSha256, NoSig).writer,
            Writer::KeyHolder
        );
        assert_eq!(
            props("aes-128-gcm", MacAlg::None, NoSig).writer,
            Writer::KeyHolder
        );
        let ecies = props("ecies-p256", MacAlg::None, NoSig);
        assert_eq!(ecies.writer, Writer::PublicKeyHolder);
        assert!(ecies.integrity && ecies.confidentiality);
        assert_eq!(
            props("none", MacAlg::None, Ed25519).writer,
            Writer::Publisher
        );
        assert!(!props("none", MacAlg::None, Ed25519).confidentiality);
        assert!(props("des-ecb", MacAlg::None, NoSig).deterministic);
        assert!(!props("des-cbc", MacAlg::None, NoSig).deterministic);
    }
}
