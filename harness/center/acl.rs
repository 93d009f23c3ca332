//! Authorization: an ACL file in the spirit of Mosquitto's `acl_file`.
//!
//! ```text
//! # comment lines (starting with #) and blank lines are ignored
//! user sensor-1
//! topic write sensors/1/#
//! topic read alerts/+
//! topic readwrite lab/sensor-1
//! pattern write devices/%c/#
//! ```
//!
//! `user` starts the rules of a client id; `topic write` grants publish (the key encrypts),
//! `topic read` subscribe (the key decrypts), `readwrite` (or no access word) both; `pattern`
//! lines apply to every client with `%c` replaced by its id. Only whole lines are comments.
//! Filters use MQTT's `+` (one level) and `#` (the rest, last level only). Unlike Mosquitto,
//! `topic` lines before the first `user` line are an error: the SC has no anonymous clients.
//! A request is granted when some rule of its client (or a pattern) covers the topic with the
//! access asked for; otherwise it is denied with a reason.

use std::collections::HashMap;
use std::path::Path;

use super::{Access, CenterError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rights {
    Read,
    Write,
    ReadWrite,
}

impl Rights {
    fn allows(self, a: Access) -> bool {
        matches!(
            (self, a),
            (Rights::ReadWrite, _)
                | (Rights::Read, Access::Subscribe)
                | (Rights::Write, Access::Publish)
        )
    }

    fn parse(s: &str) -> Option<Rights> {
        match s {
            "read" => Some(Rights::Read),
            "write" => Some(Rights::Write),
            "readwrite" => Some(Rights::ReadWrite),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub rights: Rights,
    pub filter: String,
}

#[derive(Debug, Clone, Default)]
pub struct Acl {
    users: HashMap<String, Vec<Rule>>,
    patterns: Vec<Rule>,
}

/// Checks an MQTT topic filter: `#` only as the whole last level, `+` only as a whole level.
pub fn valid_filter(f: &str) -> bool {
    if f.is_empty() || f.contains('\0') {
        return false;
    }
    let levels: Vec<&str> = f.split('/').collect();
    levels.iter().enumerate().all(|(i, l)| {
        (*l == "#" && i == levels.len() - 1) || *l == "+" || !(l.contains('#') || l.contains('+'))
    })
}

/// A topic name (what a key is for): no wildcards.
pub fn valid_topic(t: &str) -> bool {
    !t.is_empty() && t.len() <= u16::MAX as usize && !t.contains(['+', '#', '\0'])
}

/// MQTT matching of a topic name against a filter. As in MQTT, a filter starting with a
/// wildcard does not match topics starting with `$`.
pub fn matches(filter: &str, topic: &str) -> bool {
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut f = filter.split('/');
    let mut t = topic.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

impl Acl {
    pub fn load(path: &Path) -> Result<Acl, CenterError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CenterError::Input(format!("cannot read ACL {}: {e}", path.display())))?;
        Acl::parse(&text).map_err(|e| CenterError::Input(format!("{}:{e}", path.display())))
    }

    /// Parses ACL text; errors are `line: message`.
    pub fn parse(text: &str) -> Result<Acl, String> {
        let mut acl = Acl::default();
        let mut user: Option<String> = None;
        for (n, raw) in text.lines().enumerate() {
            let line_no = n + 1;
            // As in Mosquitto, only whole lines are comments: `#` is also a filter level.
            let line = if raw.trim_start().starts_with('#') {
                ""
            } else {
                raw
            };
            let words: Vec<&str> = line.split_whitespace().collect();
            let err = |m: String| format!("{line_no}: {m}");
            match words.as_slice() {
                [] => {}
                ["user", id] => {
                    if !super::valid_client_id(id) {
                        return Err(err(format!("`user {id}`: not a valid client id")));
                    }
                    acl.users.entry((*id).to_owned()).or_default();
                    user = Some((*id).to_owned());
                }
                ["topic", rest @ ..] | ["pattern", rest @ ..] => {
                    let (rights, filter) = match rest {
                        [filter] => (Rights::ReadWrite, *filter),
                        [r, filter] => (
                            Rights::parse(r).ok_or_else(|| {
                                err(format!(
                                    "unknown access \"{r}\" (expected read, write or readwrite)"
                                ))
                            })?,
                            *filter,
                        ),
                        _ => {
                            return Err(err(format!(
                                "expected `{} [read|write|readwrite] <filter>`",
                                words[0]
                            )));
                        }
                    };
                    if !valid_filter(filter) {
                        return Err(err(format!(
                            "\"{filter}\" is not a valid MQTT topic filter (`#` only as the last level, `+` only as a whole level)"
                        )));
                    }
                    let rule = Rule {
                        rights,
                        filter: filter.to_owned(),
                    };
                    if words[0] == "pattern" {
                        acl.patterns.push(rule);
                    } else {
                        let Some(u) = &user else {
                            return Err(err(
                                "`topic` before any `user` line (the Security Center has no anonymous clients)".into(),
                            ));
                        };
                        acl.users.entry(u.clone()).or_default().push(rule);
                    }
                }
                [other, ..] => {
                    return Err(err(format!(
                        "unknown directive \"{other}\" (expected user, topic or pattern)"
                    )));
                }
            }
        }
        Ok(acl)
    }

    /// Adds a rule for `client` (the harness registers its run's clients this way).
    pub fn allow(&mut self, client: &str, rights: Rights, filter: &str) {
        self.users.entry(client.to_owned()).or_default().push(Rule {
            rights,
            filter: filter.to_owned(),
        });
    }

    /// Removes every rule of `client`.
    pub fn remove(&mut self, client: &str) {
        self.users.remove(client);
    }

    /// Ok, or why not.
    pub fn check(&self, client: &str, access: Access, topic: &str) -> Result<(), String> {
        if !valid_topic(topic) {
            return Err(format!(
                "\"{topic}\" is not a topic name (keys are per topic: no wildcards)"
            ));
        }
        let user_rules = self.users.get(client).map(Vec::as_slice).unwrap_or(&[]);
        let by_user = user_rules
            .iter()
            .any(|r| r.rights.allows(access) && matches(&r.filter, topic));
        let by_pattern = self
            .patterns
            .iter()
            .any(|r| r.rights.allows(access) && matches(&r.filter.replace("%c", client), topic));
        if by_user || by_pattern {
            return Ok(());
        }
        let rights = match access {
            Access::Publish => "write",
            Access::Subscribe => "read",
        };
        Err(format!(
            "client {client} may not {} on {topic}: no `topic {rights}` or `topic readwrite` rule of the ACL covers it",
            access.verb()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_follows_mqtt() {
        assert!(matches("a/+/c", "a/b/c"));
        assert!(!matches("a/+/c", "a/b/d"));
        assert!(matches("a/#", "a"));
        assert!(matches("a/#", "a/b/c"));
        assert!(matches("#", "x/y"));
        assert!(!matches("#", "$SYS/x"));
        assert!(!matches("a/b", "a/b/c"));
        assert!(!matches("a/b/c", "a/b"));
        assert!(matches("+/+", "a/b"));
        assert!(!matches("+", "a/b"));
    }

    #[test]
    fn parses_users_topics_patterns_and_comments() {
        let acl = Acl::parse(
            "# header\nuser s1\ntopic write s/1/#\ntopic read alerts/+\n\nuser s2\ntopic #\npattern write dev/%c/out\n",
        )
        .unwrap();
        assert!(acl.check("s1", Access::Publish, "s/1/t").is_ok());
        assert!(acl.check("s1", Access::Subscribe, "s/1/t").is_err());
        assert!(acl.check("s1", Access::Subscribe, "alerts/x").is_ok());
        assert!(acl.check("s2", Access::Publish, "anything/at/all").is_ok());
        assert!(acl.check("s1", Access::Publish, "dev/s1/out").is_ok());
        assert!(acl.check("s1", Access::Publish, "dev/s2/out").is_err());
        let e = acl.check("s1", Access::Publish, "other").unwrap_err();
        assert!(
            e.contains("may not publish on other") && e.contains("topic write"),
            "{e}"
        );
        assert!(acl.check("nobody", Access::Publish, "x").is_err());
        assert!(
            acl.check("s2", Access::Publish, "a/+")
                .unwrap_err()
                .contains("no wildcards")
        );
    }

    #[test]
    fn errors_name_the_line() {
        let e = Acl::parse("topic read a\n").unwrap_err();
        assert!(e.starts_with("1: `topic` before any `user`"), "{e}");
        let e = Acl::parse("user a\ntopic writ x\n").unwrap_err();
        assert!(e.starts_with("2: unknown access \"writ\""), "{e}");
        let e = Acl::parse("user a\ntopic read a/#/b\n").unwrap_err();
        assert!(e.starts_with("2: \"a/#/b\" is not a valid"), "{e}");
        let e = Acl::parse("users a\n").unwrap_err();
        assert!(e.starts_with("1: unknown directive"), "{e}");
    }
}
