//! deploy/kubernetes/ is read with a YAML parser and checked against what the harness needs
//! (no cluster runs here): an Indexed Job of N shards that agree on N, the scenario mounted
//! where the argument points, one start instant, and a merge Job on the same volume.

use std::path::Path;

use serde_norway::Value;

const DIR: &str = "deploy/kubernetes";

fn doc(file: &str) -> Value {
    let path = Path::new(DIR).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .fold(v, |v, key| match key.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[key],
        })
}

fn s<'a>(v: &'a Value, path: &str) -> &'a str {
    at(v, path)
        .as_str()
        .unwrap_or_else(|| panic!("{path}: not a string: {:?}", at(v, path)))
}

fn strings(v: &Value, path: &str) -> Vec<String> {
    at(v, path)
        .as_sequence()
        .unwrap_or_else(|| panic!("{path}: not a list"))
        .iter()
        .map(|x| x.as_str().expect("a string").to_owned())
        .collect()
}

/// The value after `flag` in `args`.
fn after<'a>(args: &'a [String], flag: &str) -> &'a str {
    let i = args
        .iter()
        .position(|a| a == flag)
        .unwrap_or_else(|| panic!("{flag} not in {args:?}"));
    args.get(i + 1)
        .unwrap_or_else(|| panic!("{flag} has no value"))
}

/// The volume named `name` of a pod spec.
fn volume<'a>(pod: &'a Value, name: &str) -> &'a Value {
    at(pod, "volumes")
        .as_sequence()
        .expect("volumes")
        .iter()
        .find(|v| v["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no volume {name}"))
}

/// The mount path of volume `name` in a container.
fn mount<'a>(container: &'a Value, name: &str) -> &'a str {
    at(container, "volumeMounts")
        .as_sequence()
        .expect("volumeMounts")
        .iter()
        .find(|m| m["name"].as_str() == Some(name))
        .and_then(|m| m["mountPath"].as_str())
        .unwrap_or_else(|| panic!("{name} not mounted"))
}

fn config_map_ref(container: &Value) -> &str {
    s(container, "envFrom.0.configMapRef.name")
}

#[test]
fn the_manifests_agree_on_n_the_start_the_scenario_and_the_volume() {
    let shards = doc("shards.yaml");
    let merge = doc("merge.yaml");
    let run = doc("run-config.yaml");
    let scenario = doc("scenario.yaml");
    let pvc = doc("results-pvc.yaml");

    assert_eq!((s(&shards, "kind"), s(&merge, "kind")), ("Job", "Job"));
    assert_eq!(s(&shards, "spec.completionMode"), "Indexed");
    let n = at(&shards, "spec.completions")
        .as_u64()
        .expect("completions");
    assert!(n >= 2, "a fleet of one");
    assert_eq!(
        at(&shards, "spec.parallelism").as_u64(),
        Some(n),
        "all at once"
    );
    let pod = at(&shards, "spec.template.spec");
    assert_eq!(s(pod, "restartPolicy"), "Never");
    let c = at(pod, "containers.0");
    let args = strings(c, "args");
    assert_eq!(args[0], "run");
    assert_eq!(after(&args, "--shard"), format!("auto/{n}"));

    // One start instant for every pod, from the ConfigMap both Jobs read.
    assert_eq!(after(&args, "--start-at"), "$(START_AT)");
    assert_eq!(config_map_ref(c), s(&run, "metadata.name"));
    let start = s(&run, "data.START_AT");
    time::OffsetDateTime::parse(start, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("START_AT {start}: {e}"));
    assert_eq!(after(&args, "--broker"), "$(MCB_BROKER)");
    assert!(s(&run, "data.MCB_BROKER").starts_with("mqtt"));

    // The scenario argument is the ConfigMap's key under the volume's mount path.
    let scenario_vol = volume(pod, "scenario");
    assert_eq!(
        s(scenario_vol, "configMap.name"),
        s(&scenario, "metadata.name")
    );
    let key = at(&scenario, "data")
        .as_mapping()
        .expect("data")
        .keys()
        .next()
        .and_then(Value::as_str)
        .expect("a key");
    assert_eq!(args[1], format!("{}/{key}", mount(c, "scenario")));
    // ... and it is a scenario this build runs, with a publisher for every shard.
    // (The key has a dot: looked up as one key, not a path.)
    let text = at(&scenario, "data")[key]
        .as_str()
        .expect("the scenario text");
    let parsed = mqtt_cipher_bench::scenario::parse(Path::new(key), text, &[], None)
        .unwrap_or_else(|e| panic!("the ConfigMap's scenario: {e}"));
    for i in 1..=n as u32 {
        let mut sh = parsed.clone();
        mqtt_cipher_bench::scenario::Shard {
            index: i,
            count: n as u32,
        }
        .apply(&mut sh)
        .unwrap_or_else(|e| panic!("shard {i}/{n}: {e}"));
    }

    // Results: the shards write under /results/$(RUN_ID); the merge Job reads the same claim
    // at the same path, the shard folders of N, with the same RUN_ID.
    let claim = s(&pvc, "metadata.name");
    assert_eq!(
        s(volume(pod, "results"), "persistentVolumeClaim.claimName"),
        claim
    );
    let results_at = mount(c, "results");
    assert_eq!(after(&args, "--out"), format!("{results_at}/$(RUN_ID)"));
    let mpod = at(&merge, "spec.template.spec");
    let mc = at(mpod, "containers.0");
    assert_eq!(
        s(volume(mpod, "results"), "persistentVolumeClaim.claimName"),
        claim
    );
    assert_eq!(mount(mc, "results"), results_at);
    assert_eq!(config_map_ref(mc), s(&run, "metadata.name"));
    assert_eq!(strings(mc, "command"), ["sh", "-c"]);
    let script = strings(mc, "args").concat();
    assert!(
        script.contains(&format!(
            "mqtt-cipher-bench merge {results_at}/\"$RUN_ID\"/*/*-shard-*of{n} "
        )),
        "{script}"
    );
    assert!(
        !script.contains("--partial"),
        "a full run merges every shard"
    );
}
