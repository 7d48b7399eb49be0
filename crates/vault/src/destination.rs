//! Where an outbound credential may be sent. A key pasted for one API must
//! never reach another: a flow whose URL comes from a webhook payload could
//! otherwise hand the key to whoever sent that payload.
//!
//! A credential is bound to the hosts in its `allowedHosts` field, or, when
//! that is empty, to the origins of its `verifyUrl` and `tokenUrl`. One bound
//! to nothing may only go to this machine (loopback), which keeps local
//! development free of ceremony without letting the key leave the machine.
//! Plain `http` to another machine needs `allowInsecureHttp` as well.

use url::{Host, Url};

use crate::{Kind, OpenCredential};

/// One entry of `allowedHosts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedHost {
    /// `https://api.example.com:8443`: this scheme, host and port only.
    Origin { scheme: String, host: String, port: u16 },
    /// `api.example.com`, `*.example.com` (subdomains, not the name itself)
    /// or `api.example.com:8443`: any scheme, any port unless one is given.
    Host { pattern: String, port: Option<u16> },
}

impl AllowedHost {
    /// Parses an entry; the error says what a valid one looks like.
    pub fn parse(entry: &str) -> Result<AllowedHost, String> {
        let entry = entry.trim().to_ascii_lowercase();
        let invalid = || {
            format!("{entry:?} is not a host (api.example.com, *.example.com, host:port) or an origin (https://api.example.com)")
        };
        if entry.contains("://") {
            let url = Url::parse(&entry).map_err(|_| invalid())?;
            let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else { return Err(invalid()) };
            if !matches!(url.scheme(), "http" | "https") || !matches!(url.path(), "" | "/") || url.query().is_some() {
                return Err(format!(
                    "{entry:?}: an origin is a scheme, a host and a port only, e.g. https://api.example.com"
                ));
            }
            return Ok(AllowedHost::Origin { scheme: url.scheme().to_string(), host: host.to_string(), port });
        }
        let (pattern, port) = split_port(&entry).ok_or_else(invalid)?;
        let name = pattern.strip_prefix("*.").unwrap_or(pattern);
        // The URL parser is the judge of what a host is, so an entry means
        // exactly what the same text in a URL would.
        let parsed = Url::parse(&format!("http://{name}/")).map_err(|_| invalid())?;
        if parsed.host_str() != Some(name) || (name != pattern && name.starts_with('[')) {
            return Err(invalid());
        }
        Ok(AllowedHost::Host { pattern: pattern.to_string(), port })
    }

    fn admits(&self, url: &Url) -> bool {
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else { return false };
        match self {
            AllowedHost::Origin { scheme, host: allowed, port: allowed_port } => {
                scheme == url.scheme() && allowed == host && *allowed_port == port
            }
            AllowedHost::Host { pattern, port: allowed_port } => {
                let name_matches = match pattern.strip_prefix("*.") {
                    Some(parent) => host.strip_suffix(parent).is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
                    None => pattern == host,
                };
                name_matches && allowed_port.is_none_or(|allowed| allowed == port)
            }
        }
    }
}

/// `host` and `host:port` (and `[v6]:port`); `None` when the port is not a number.
fn split_port(entry: &str) -> Option<(&str, Option<u16>)> {
    let colon = if entry.starts_with('[') {
        let close = entry.find(']')?;
        match &entry[close + 1..] {
            "" => None,
            rest => Some(close + 1).filter(|_| rest.starts_with(':')),
        }
    } else {
        entry.rfind(':')
    };
    match colon {
        None if entry.is_empty() => None,
        None => Some((entry, None)),
        Some(at) => Some((&entry[..at], Some(entry[at + 1..].parse().ok()?))),
    }
}

/// Whether a URL points at this machine.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            name.eq_ignore_ascii_case("localhost") || name.to_ascii_lowercase().ends_with(".localhost")
        }
        None => false,
    }
}

/// The URL's origin as people write it: `https://api.example.com` (the port
/// only when it is not the scheme's own).
pub fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

impl OpenCredential {
    /// Whether this credential sends anything when a step calls out with it.
    fn travels(&self) -> bool {
        matches!(self.kind, Kind::Basic | Kind::ApiKey | Kind::Bearer | Kind::OAuth2ClientCredentials)
    }

    /// The entries this credential is bound to: `allowedHosts`, or else the
    /// origins of `verifyUrl` and `tokenUrl`. Unparsable entries are left
    /// out (they were refused when the credential was added).
    pub fn allowed_hosts(&self) -> Vec<AllowedHost> {
        let listed: Vec<AllowedHost> = self
            .fields
            .get("allowedHosts")
            .and_then(|hosts| hosts.as_array())
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.as_str())
            .filter_map(|entry| AllowedHost::parse(entry).ok())
            .collect();
        if !listed.is_empty() {
            return listed;
        }
        ["verifyUrl", "tokenUrl"]
            .iter()
            .filter_map(|field| self.text(field))
            .filter_map(|url| Url::parse(url).ok())
            .filter_map(|url| AllowedHost::parse(&origin_of(&url)).ok())
            .collect()
    }

    /// Whether plain `http` to another machine is allowed (`allowInsecureHttp`).
    pub fn allows_insecure_http(&self) -> bool {
        self.fields.get("allowInsecureHttp").and_then(|value| value.as_bool()).unwrap_or(false)
    }

    /// `Err` with a message naming the host when this credential must not be
    /// sent to `url`; checked before every request that carries it.
    pub fn check_destination(&self, url: &Url) -> Result<(), String> {
        if !self.travels() {
            return Ok(());
        }
        let host = url.host_str().unwrap_or_default();
        let name = &self.name;
        let loopback = is_loopback(url);
        if url.scheme() == "http" && !loopback && !self.allows_insecure_http() {
            return Err(format!(
                "credential {name:?} is not sent to {host} over plain http, where anyone on the way can read it; \
                 use https, or set allowInsecureHttp on the credential if {host} cannot do TLS"
            ));
        }
        let allowed = self.allowed_hosts();
        if allowed.is_empty() {
            if loopback {
                return Ok(());
            }
            return Err(format!(
                "credential {name:?} is bound to no host, so it is only sent to this machine, not to {host}; \
                 add {host} to its allowedHosts if it belongs there"
            ));
        }
        if allowed.iter().any(|entry| entry.admits(url)) {
            return Ok(());
        }
        Err(format!(
            "credential {name:?} may be sent only to {}, not to {}; add the host to its allowedHosts if it belongs there",
            self.describe_allowed(&allowed),
            origin_of(url)
        ))
    }

    fn describe_allowed(&self, allowed: &[AllowedHost]) -> String {
        allowed
            .iter()
            .map(|entry| match entry {
                AllowedHost::Origin { scheme, host, port } => {
                    Url::parse(&format!("{scheme}://{host}:{port}")).map(|url| origin_of(&url)).unwrap_or_default()
                }
                AllowedHost::Host { pattern, port: Some(port) } => format!("{pattern}:{port}"),
                AllowedHost::Host { pattern, port: None } => pattern.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::{json, Value};

    use super::*;

    fn credential(kind: Kind, fields: Value) -> OpenCredential {
        OpenCredential {
            id: "crd_1".into(),
            name: "Partner".into(),
            kind,
            fields: fields.as_object().unwrap().clone(),
            secrets: BTreeMap::new(),
        }
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn entries_are_hosts_wildcards_ports_or_origins() {
        assert_eq!(
            AllowedHost::parse(" API.example.com "),
            Ok(AllowedHost::Host { pattern: "api.example.com".into(), port: None })
        );
        assert_eq!(
            AllowedHost::parse("*.example.com:8443"),
            Ok(AllowedHost::Host { pattern: "*.example.com".into(), port: Some(8443) })
        );
        assert_eq!(
            AllowedHost::parse("https://api.example.com"),
            Ok(AllowedHost::Origin { scheme: "https".into(), host: "api.example.com".into(), port: 443 })
        );
        assert_eq!(AllowedHost::parse("[::1]:9"), Ok(AllowedHost::Host { pattern: "[::1]".into(), port: Some(9) }));
        for bad in ["", "api.example.com:http", "https://api.example.com/v1", "ftp://x", "a b", "*.[::1]"] {
            assert!(AllowedHost::parse(bad).is_err(), "{bad:?} is refused");
        }
    }

    #[test]
    fn a_listed_host_admits_its_urls_and_nothing_else() {
        let bound =
            credential(Kind::Bearer, json!({"allowedHosts": ["api.example.com", "*.partner.io", "https://x.org"]}));
        for ok in
            ["https://api.example.com/v1", "https://api.example.com:8443/", "https://eu.partner.io/", "https://x.org"]
        {
            assert_eq!(bound.check_destination(&url(ok)), Ok(()), "{ok}");
        }
        for refused in [
            "https://api.example.com.evil.io/",
            "https://partner.io/",
            "https://evilpartner.io/",
            "https://x.org:444/",
            "https://127.0.0.1/",
        ] {
            let error = bound.check_destination(&url(refused)).unwrap_err();
            assert!(error.contains("may be sent only to api.example.com, *.partner.io, https://x.org"), "{error}");
        }
    }

    #[test]
    fn without_a_list_the_verify_and_token_urls_bind_it() {
        let oauth = credential(
            Kind::OAuth2ClientCredentials,
            json!({"tokenUrl": "https://auth.example.com/token", "verifyUrl": "https://api.example.com/me"}),
        );
        assert_eq!(oauth.check_destination(&url("https://api.example.com/pets")), Ok(()));
        assert_eq!(oauth.check_destination(&url("https://auth.example.com/other")), Ok(()));
        let error = oauth.check_destination(&url("https://api.example.com:444/pets")).unwrap_err();
        assert!(error.contains("not to https://api.example.com:444"), "the origin includes the port: {error}");
    }

    #[test]
    fn an_unbound_credential_stays_on_this_machine() {
        let unbound = credential(Kind::ApiKey, json!({}));
        for ok in ["http://127.0.0.1:4010/pets", "http://localhost/", "http://[::1]:9/", "http://pets.localhost/"] {
            assert_eq!(unbound.check_destination(&url(ok)), Ok(()), "{ok}");
        }
        let error = unbound.check_destination(&url("https://api.example.com/")).unwrap_err();
        assert!(error.contains("bound to no host") && error.contains("api.example.com"), "{error}");
    }

    #[test]
    fn plain_http_to_another_machine_needs_consent() {
        let bound = credential(Kind::Basic, json!({"allowedHosts": ["intranet.local"]}));
        let error = bound.check_destination(&url("http://intranet.local/")).unwrap_err();
        assert!(error.contains("plain http") && error.contains("allowInsecureHttp"), "{error}");
        let consenting =
            credential(Kind::Basic, json!({"allowedHosts": ["intranet.local"], "allowInsecureHttp": true}));
        assert_eq!(consenting.check_destination(&url("http://intranet.local/")), Ok(()));
    }

    #[test]
    fn credentials_that_never_travel_are_not_bound() {
        let hmac = credential(Kind::Hmac, json!({}));
        assert_eq!(hmac.check_destination(&url("https://anywhere.example/")), Ok(()));
    }
}
