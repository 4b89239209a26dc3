//! Where a webhook may be delivered (SSRF): `https` on port 443, no
//! credentials in the address, and a host that resolves only to public
//! addresses, never loopback, private, link-local (such as the instance
//! metadata at 169.254.169.254), carrier-grade NAT, multicast or reserved
//! ranges. Checked when an endpoint is saved and again at every delivery
//! (a name's answer can change); redirects are not followed. The local
//! stack's tests receive on loopback over http behind `LocalReceivers`,
//! which the settings refuse outside STAGE=local.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::platform::error::AppError;

/// The longest address accepted.
const MAX_LEN: usize = 2048;

/// Whether loopback receivers over http are allowed (local tests only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalReceivers {
    Refused,
    Allowed,
}

/// An address that passed the static rules, with the host to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub url: url::Url,
    pub host: String,
    pub port: u16,
}

fn refused(why: impl Into<String>) -> AppError {
    AppError::bad_request("INVALID_WEBHOOK_URL", why)
}

/// The rules that need no lookup.
pub fn check(text: &str, local: LocalReceivers) -> Result<Checked, AppError> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_LEN {
        return Err(refused(format!("the address must be 1 to {MAX_LEN} characters")));
    }
    let url = url::Url::parse(text).map_err(|_| refused("the address must be an absolute https:// URL"))?;
    let loopback_ok = local == LocalReceivers::Allowed;
    match url.scheme() {
        "https" => {}
        "http" if loopback_ok => {}
        _ => return Err(refused("the address must use https")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused("the address must not carry a user name or password"));
    }
    let port = url.port_or_known_default().ok_or_else(|| refused("the address has no port"))?;
    if port != 443 && !loopback_ok {
        return Err(refused("webhooks are delivered to port 443 only"));
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.trim_end_matches('.').to_ascii_lowercase(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err(refused("the address has no host")),
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        allowed(ip, local)?;
    }
    Ok(Checked { url, host, port })
}

/// Whether `ip` may receive: public, or loopback when local receivers are
/// allowed.
pub fn allowed(ip: IpAddr, local: LocalReceivers) -> Result<(), AppError> {
    if is_public(ip) || (local == LocalReceivers::Allowed && ip.is_loopback()) {
        Ok(())
    } else {
        Err(refused(format!("{ip} is not a public address")))
    }
}

/// Every address the host resolves to must be allowed (one private answer
/// refuses the endpoint: the client could pick it).
pub fn all_allowed(addresses: &[IpAddr], local: LocalReceivers) -> Result<(), AppError> {
    if addresses.is_empty() {
        return Err(refused("the host does not resolve"));
    }
    addresses.iter().try_for_each(|ip| allowed(*ip, local))
}

/// A globally routable unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => {
            // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96) carry an IPv4 inside.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public_v4(v4);
            }
            let s = v6.segments();
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                return public_v4(Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8));
            }
            public_v6(v6)
        }
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local (fd00:ec2::254, the metadata service, is one)
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard-only
}

/// Looks a host up (the system resolver).
pub async fn resolve(host: &str, port: u16) -> Result<Vec<IpAddr>, AppError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    let found = tokio::net::lookup_host((host, port)).await.map_err(|_| refused(format!("{host} does not resolve")))?;
    Ok(found.map(|a| a.ip()).collect())
}

/// The static rules, then every resolved address.
pub async fn check_and_resolve(text: &str, local: LocalReceivers) -> Result<(Checked, Vec<IpAddr>), AppError> {
    let checked = check(text, local)?;
    let addresses = resolve(&checked.host, checked.port).await?;
    all_allowed(&addresses, local)?;
    Ok((checked, addresses))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<Checked, AppError>) -> &'static str {
        r.err().map_or("OK", |e| e.code)
    }

    #[test]
    fn only_https_on_443_without_credentials() {
        let refused = LocalReceivers::Refused;
        assert_eq!(code(check("https://hooks.example.com/pos", refused)), "OK");
        assert_eq!(code(check("https://hooks.example.com:443/pos", refused)), "OK");
        for bad in [
            "http://hooks.example.com/pos",
            "https://hooks.example.com:8443/pos",
            "https://user:pw@hooks.example.com/",
            "ftp://hooks.example.com/",
            "hooks.example.com/pos",
            "",
            "https://127.0.0.1/",
            "https://10.1.2.3/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::1]/",
            "https://[fd00:ec2::254]/",
            "https://[::ffff:10.0.0.1]/",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
        ] {
            assert_eq!(code(check(bad, refused)), "INVALID_WEBHOOK_URL", "{bad}");
        }
        assert_eq!(code(check(&format!("https://a.example/{}", "x".repeat(2100)), refused)), "INVALID_WEBHOOK_URL");
    }

    #[test]
    fn loopback_over_http_only_when_local_receivers_are_allowed() {
        assert_eq!(code(check("http://127.0.0.1:9123/hook", LocalReceivers::Allowed)), "OK");
        assert_eq!(code(check("http://127.0.0.1:9123/hook", LocalReceivers::Refused)), "INVALID_WEBHOOK_URL");
        // Even then, private and metadata addresses stay refused.
        assert_eq!(code(check("http://10.0.0.1/", LocalReceivers::Allowed)), "INVALID_WEBHOOK_URL");
        assert_eq!(code(check("http://169.254.169.254/", LocalReceivers::Allowed)), "INVALID_WEBHOOK_URL");
    }

    #[test]
    fn public_means_globally_routable() {
        for ip in ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "64:ff9b::808:808"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "10.0.0.1",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "127.0.0.1",
            "100.100.1.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:192.168.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn one_private_answer_refuses_the_host() {
        let public: IpAddr = "93.184.215.14".parse().unwrap();
        let private: IpAddr = "10.0.0.7".parse().unwrap();
        assert!(all_allowed(&[public], LocalReceivers::Refused).is_ok());
        assert!(all_allowed(&[public, private], LocalReceivers::Refused).is_err());
        assert!(all_allowed(&[], LocalReceivers::Refused).is_err());
    }
}
