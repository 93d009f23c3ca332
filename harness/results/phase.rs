//! Phase names, in pipeline order: the keys of `phases` in results.json.

/// Suites with an encoding step only (s-mqtt: the bytes onto curve points).
pub const ENCODE: &str = "encode";
pub const ENCRYPT: &str = "encrypt";
pub const SIGN: &str = "sign";
pub const PUBLISH: &str = "publish";
pub const VERIFY: &str = "verify";
pub const DECRYPT: &str = "decrypt";
pub const LATENCY: &str = "latency";
pub const LATENCY_UNCORRECTED: &str = "latency_uncorrected";
pub const KEY_SETUP: &str = "key_setup";
pub const CONNECT: &str = "connect";
pub const SCHEDULE_LAG: &str = "schedule_lag";
pub const TCP_CONNECT: &str = "tcp_connect";
pub const TLS_HANDSHAKE: &str = "tls_handshake";
pub const KEY_REQUEST_MISS: &str = "key_request_miss";
pub const KEY_REQUEST_HIT: &str = "key_request_hit";
pub const CENTER_AUTHN: &str = "center_authn";
pub const CENTER_AUTHZ: &str = "center_authz";
pub const CENTER_KEYGEN: &str = "center_keygen";
pub const CENTER_SERVICE: &str = "center_service";
/// The crypto phases on the thread's CPU clock (CLOCK_THREAD_CPUTIME_ID), same spans as
/// their wall-clock namesakes (results/README.md says exactly what each covers).
pub const ENCODE_CPU: &str = "encode_cpu";
pub const ENCRYPT_CPU: &str = "encrypt_cpu";
pub const SIGN_CPU: &str = "sign_cpu";
pub const VERIFY_CPU: &str = "verify_cpu";
pub const DECRYPT_CPU: &str = "decrypt_cpu";
/// The envelope buffer and header (every suite; called `encode` before s-mqtt had one).
pub const ENVELOPE: &str = "envelope";
/// Suites with a decoding step only (s-mqtt: points to bytes and the Hash(M) comparison).
pub const DECODE: &str = "decode";
pub const ENVELOPE_CPU: &str = "envelope_cpu";
pub const DECODE_CPU: &str = "decode_cpu";
/// s-mqtt only: each publisher's validation round trip with its subscriber before the
/// measured phase (load/smqtt_validation.rs: seal, through the broker, open, sign, back,
/// verify), one sample per publisher.
pub const SMQTT_VALIDATION: &str = "smqtt_validation";
/// Appended after the first releases' phases so cases.csv's columns keep their places.
pub const ALL: [&str; 29] = [
    ENCODE,
    ENCRYPT,
    SIGN,
    PUBLISH,
    VERIFY,
    DECRYPT,
    LATENCY,
    LATENCY_UNCORRECTED,
    KEY_SETUP,
    CONNECT,
    SCHEDULE_LAG,
    TCP_CONNECT,
    TLS_HANDSHAKE,
    KEY_REQUEST_MISS,
    KEY_REQUEST_HIT,
    CENTER_AUTHN,
    CENTER_AUTHZ,
    CENTER_KEYGEN,
    CENTER_SERVICE,
    ENCODE_CPU,
    ENCRYPT_CPU,
    SIGN_CPU,
    VERIFY_CPU,
    DECRYPT_CPU,
    ENVELOPE,
    DECODE,
    ENVELOPE_CPU,
    DECODE_CPU,
    SMQTT_VALIDATION,
];
