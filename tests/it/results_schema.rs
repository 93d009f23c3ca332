//! results.json is a contract: its JSON Schema is committed, matches the serde types, rejects
//! unknown fields, and a real run's file validates against it.

use crate::common;
use std::path::Path;

use mqtt_cipher_bench::results::RunResults;
use serde_json::Value;

const SCHEMA_PATH: &str = "harness/results/results.schema.json";

fn committed_schema() -> Value {
    let text = std::fs::read_to_string(SCHEMA_PATH).expect("committed schema");
    serde_json::from_str(&text).expect("schema is JSON")
}

#[test]
fn results_schema_is_current() {
    let generated = serde_json::to_value(schemars::schema_for!(RunResults)).unwrap();
    if std::env::var_os("MCB_UPDATE_SCHEMA").is_some() {
        let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
        std::fs::write(Path::new(SCHEMA_PATH), text).unwrap();
    }
    assert_eq!(
        generated,
        committed_schema(),
        "results types changed: review the change, bump SCHEMA_VERSION if readers break, and run \
         `MCB_UPDATE_SCHEMA=1 cargo test --test it results_schema::` to regenerate {SCHEMA_PATH}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_results_validate_and_unknown_fields_are_rejected() {
    let s = common::scenario(
        "schema.toml",
        r#"
name = "schema"
[load]
publishers = 1
rate = 50
duration = "600ms"
warmup = "100ms"
[matrix]
qos = [1]
size = [32]
suite = ["aes-128-gcm"]
"#,
    );
    let (outcome, _root) = common::run_in_temp(&s).await;
    let text = std::fs::read_to_string(outcome.dir.join("results.json")).unwrap();
    let mut instance: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&committed_schema()).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // Unknown fields at the top and deep inside a case are both rejected.
    instance["surprise"] = Value::from(1);
    assert!(!validator.is_valid(&instance));
    instance.as_object_mut().unwrap().remove("surprise");
    instance["cases"][0]["counts"]["lost_in_space"] = Value::from(0);
    assert!(!validator.is_valid(&instance));
    // The reader refuses it too rather than silently dropping data.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("results.json"), instance.to_string()).unwrap();
    let err = mqtt_cipher_bench::results::reader::read(dir.path()).unwrap_err();
    assert!(err.to_string().contains("lost_in_space"), "{err}");
}
