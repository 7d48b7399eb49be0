//! Which web pages may reach the listener. Hookline listens on the user's own
//! machine while they browse, so a page must not drive their hooks: not by
//! DNS rebinding (a name of the attacker's that resolves to 127.0.0.1, which
//! the browser sends as `Host`), and not by calling a hook from another
//! origin unless the hook lists that origin. Servers, curl and Postman send
//! no `Origin` or `Sec-Fetch-Site` and name an address or a listed host, so
//! nothing here stands in their way.

use std::net::IpAddr;
use std::sync::Mutex;

use hookline_engine::WebhookSettings;
use hookline_model::HookRequest;

use crate::{ApiError, Core, ErrorCode, Result};

/// Host names the user allowed besides addresses and `localhost`: those in
/// Settings (read once, updated when saved) and those given with
/// `--allowed-host` to this process.
#[derive(Default)]
pub(crate) struct AllowedHosts {
    inner: Mutex<Hosts>,
}

#[derive(Default)]
struct Hosts {
    from_settings: Option<Vec<String>>,
    from_flags: Vec<String>,
}

impl AllowedHosts {
    pub(crate) fn set_from_settings(&self, hosts: Vec<String>) {
        self.inner.lock().expect("hosts lock").from_settings = Some(hosts);
    }
}

impl Core {
    /// Refuses a request whose `Host` names neither an address, nor
    /// `localhost`, nor a host the user allowed (Settings or
    /// `--allowed-host`, for tunnels). This is what stops DNS rebinding: the
    /// page's own name arrives as `Host`. A request without one is HTTP/1.0
    /// from a tool, never a browser.
    pub fn check_host(&self, host: Option<&str>) -> Result<()> {
        let Some(host) = host else { return Ok(()) };
        let name = host_name(host);
        if name.is_empty() || is_local(&name) {
            return Ok(());
        }
        let listed = {
            let mut hosts = self.allowed_hosts.inner.lock().expect("hosts lock");
            if hosts.from_settings.is_none() {
                hosts.from_settings = Some(self.settings_file()?.allowed_hosts);
            }
            let hosts = &*hosts;
            hosts.from_flags.iter().chain(hosts.from_settings.iter().flatten()).any(|h| host_name(h) == name)
        };
        if listed {
            return Ok(());
        }
        Err(ApiError::new(
            ErrorCode::HostNotAllowed,
            format!(
                "this listener does not serve the host {name:?}; if a tunnel forwards it, add it to the allowed hosts in Settings or with --allowed-host"
            ),
        ))
    }

    /// Allows more host names for this process (`--allowed-host`).
    pub fn allow_hosts(&self, hosts: impl IntoIterator<Item = String>) {
        let mut inner = self.allowed_hosts.inner.lock().expect("hosts lock");
        inner.from_flags.extend(hosts.into_iter().map(|h| host_name(&h)));
    }
}

/// The host name of a `Host` value, lower case, without port, brackets or a
/// trailing dot: `[::1]:8787` → `::1`, `Example.COM.:80` → `example.com`.
pub(crate) fn host_name(host: &str) -> String {
    let host = host.trim();
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(
            host,
            |(name, port)| {
                if port.chars().all(|c| c.is_ascii_digit()) {
                    name
                } else {
                    host
                }
            },
        ),
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Addresses are never a rebinding attack (a page can only be served from
/// the address it names), and `localhost` names resolve to loopback only.
fn is_local(name: &str) -> bool {
    name.parse::<IpAddr>().is_ok() || name == "localhost" || name.ends_with(".localhost")
}

/// Checks a hook request against the page it came from, if a browser sent
/// it: a page on another origin is refused unless the hook lists the origin.
/// Answers the origin to name in `Access-Control-Allow-Origin`, when one is
/// admitted from elsewhere.
pub(crate) fn check_browser(request: &HookRequest, settings: &WebhookSettings) -> Result<Option<String>> {
    if let Some(origin) = request.header("origin") {
        let own = request.header("host").is_some_and(|host| {
            ["http://", "https://"].iter().any(|scheme| origin.eq_ignore_ascii_case(&format!("{scheme}{host}")))
        });
        if own {
            return Ok(None);
        }
        if settings.allows_origin(origin) {
            return Ok(Some(origin.to_string()));
        }
        return Err(ApiError::new(
            ErrorCode::CrossOrigin,
            format!(
                "a web page from {origin} may not call this hook; if it should, list {origin} in the webhook's allowed web origins"
            ),
        ));
    }
    // A navigation or a form from another site carries no `Origin` on GET,
    // but the browser still says where it came from.
    match request.header("sec-fetch-site") {
        Some(site @ ("cross-site" | "same-site")) => Err(ApiError::new(
            ErrorCode::CrossOrigin,
            format!("a web page from another site ({site}) may not call this hook"),
        )),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn host_names_lose_port_brackets_case_and_trailing_dot() {
        assert_eq!(host_name("127.0.0.1:8787"), "127.0.0.1");
        assert_eq!(host_name("[::1]:8787"), "::1");
        assert_eq!(host_name("Example.COM.:80"), "example.com");
        assert_eq!(host_name("abc.trycloudflare.com"), "abc.trycloudflare.com");
        assert!(is_local("::1") && is_local("localhost") && is_local("app.localhost") && is_local("10.0.0.7"));
        assert!(!is_local("evil.example") && !is_local("localhost.evil.example"));
    }

    fn request(headers: &[(&str, &str)]) -> HookRequest {
        let headers: BTreeMap<String, String> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        HookRequest { method: "POST".into(), path: "/hook/pets".into(), query: None, headers, body: vec![] }
    }

    #[test]
    fn a_page_from_another_origin_needs_the_hook_to_list_it() {
        let mut settings = WebhookSettings::default();
        let tool = request(&[("host", "127.0.0.1:8787")]);
        assert_eq!(check_browser(&tool, &settings).unwrap(), None, "curl sends no Origin");
        let own = request(&[("host", "127.0.0.1:8787"), ("origin", "http://127.0.0.1:8787")]);
        assert_eq!(check_browser(&own, &settings).unwrap(), None);
        let page = request(&[("host", "127.0.0.1:8787"), ("origin", "https://evil.example")]);
        assert_eq!(check_browser(&page, &settings).unwrap_err().code, ErrorCode::CrossOrigin);
        let navigation = request(&[("host", "127.0.0.1:8787"), ("sec-fetch-site", "cross-site")]);
        assert_eq!(check_browser(&navigation, &settings).unwrap_err().code, ErrorCode::CrossOrigin);
        let typed = request(&[("host", "127.0.0.1:8787"), ("sec-fetch-site", "none")]);
        assert_eq!(check_browser(&typed, &settings).unwrap(), None, "a URL the user typed");

        settings.allowed_origins = vec!["https://app.example".into()];
        let listed = request(&[("host", "127.0.0.1:8787"), ("origin", "https://app.example")]);
        assert_eq!(check_browser(&listed, &settings).unwrap(), Some("https://app.example".into()));
        assert!(check_browser(&page, &settings).is_err(), "only the listed origin");
    }
}
