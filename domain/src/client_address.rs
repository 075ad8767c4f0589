//! Who the client is behind proxies: the address sign-in protection counts
//! and the audit log records. A `Forwarded` or `X-Forwarded-For` chain is
//! believed only as far as it was written by proxies the operator trusts;
//! anyone can write the header, so an untrusted peer's chain is ignored.

use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

/// The proxies (addresses or ranges) whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// The one forwarding header the trusted proxies write. Only that one is
/// read: a proxy appends to the header it writes and passes the others on
/// untouched, so any other header is whatever the client chose to send.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ForwardingHeader {
    /// `X-Forwarded-For` (nginx, HAProxy, AWS and most balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded`'s `for=` parameters (RFC 7239).
    Forwarded,
}

/// A `TRUSTED_PROXY_HEADER` that names neither header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is neither x-forwarded-for nor forwarded")]
pub struct InvalidForwardingHeader(pub String);

impl ForwardingHeader {
    /// Parses `x-forwarded-for` or `forwarded` (any case).
    pub fn parse(name: &str) -> Result<Self, InvalidForwardingHeader> {
        match name.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            _ => Err(InvalidForwardingHeader(name.to_owned())),
        }
    }

    /// The header's name, lower case.
    pub fn name(self) -> &'static str {
        match self {
            Self::XForwardedFor => "x-forwarded-for",
            Self::Forwarded => "forwarded",
        }
    }
}

/// A `TRUSTED_PROXIES` entry that is neither an address nor a range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IP address or a range such as 10.0.0.0/8")]
pub struct InvalidProxy(pub String);

/// Parses a comma-separated list of addresses and ranges (CIDR); an
/// address is a range of one.
pub fn parse_ranges(list: &str) -> Result<Vec<IpNet>, InvalidProxy> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            IpNet::from_str(entry)
                .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
                .map_err(|_| InvalidProxy(entry.to_owned()))
        })
        .collect()
}

impl TrustedProxies {
    /// No proxy is trusted: the peer is the client.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses a comma-separated list of addresses and ranges (CIDR).
    pub fn parse(list: &str) -> Result<Self, InvalidProxy> {
        parse_ranges(list).map(Self)
    }

    /// Whether `address` is one of the trusted proxies.
    pub fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address: the peer when it is not trusted; otherwise the
    /// nearest address of the chain `forwarded` (oldest first, as the
    /// headers list it) that is not a trusted proxy. A chain of trusted
    /// proxies only gives its first entry.
    pub fn client(&self, peer: IpAddr, forwarded: &[IpAddr]) -> IpAddr {
        let mut client = canonical(peer);
        for hop in forwarded.iter().rev() {
            if !self.trusts(client) {
                break;
            }
            client = canonical(*hop);
        }
        client
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) compare, count and are
/// recorded as IPv4.
pub fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap_or_default();
        assert_eq!(proxies.client(ip("203.0.113.9"), &[ip("198.51.100.1")]), ip("203.0.113.9"));
        assert_eq!(TrustedProxies::none().client(ip("10.0.0.1"), &[ip("198.51.100.1")]), ip("10.0.0.1"));
    }

    #[test]
    fn a_trusted_chain_is_followed_to_the_first_untrusted_hop() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap_or_default();
        // A spoofed first entry is kept out by the untrusted hop after it.
        let chain = [ip("1.1.1.1"), ip("198.51.100.4"), ip("192.0.2.7")];
        assert_eq!(proxies.client(ip("10.1.2.3"), &chain), ip("198.51.100.4"));
        // Only trusted hops: the oldest entry is all there is.
        assert_eq!(proxies.client(ip("10.1.2.3"), &[ip("10.9.9.9")]), ip("10.9.9.9"));
        assert_eq!(proxies.client(ip("10.1.2.3"), &[]), ip("10.1.2.3"));
        assert_eq!(proxies.client(ip("::ffff:10.1.2.3"), &[ip("2001:db8::1")]), ip("2001:db8::1"));
    }

    #[test]
    fn the_forwarding_header_is_one_of_two() {
        assert_eq!(ForwardingHeader::parse(" X-Forwarded-For "), Ok(ForwardingHeader::XForwardedFor));
        assert_eq!(ForwardingHeader::parse("forwarded").map(ForwardingHeader::name), Ok("forwarded"));
        assert!(ForwardingHeader::parse("x-real-ip").is_err());
        assert_eq!(canonical(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }

    #[test]
    fn entries_are_addresses_or_ranges() {
        assert!(TrustedProxies::parse("").is_ok_and(|p| p == TrustedProxies::none()));
        assert!(TrustedProxies::parse("127.0.0.1, ::1, fd00::/8").is_ok_and(|p| p.trusts(ip("fd12::3"))));
        assert_eq!(TrustedProxies::parse("10.0.0.0/8,proxy.internal"), Err(InvalidProxy("proxy.internal".into())));
    }

    proptest! {
        #[test]
        fn with_no_trusted_proxy_the_peer_is_always_the_client(peer: [u8; 4], chain: Vec<[u8; 4]>) {
            let chain: Vec<IpAddr> = chain.into_iter().map(IpAddr::from).collect();
            prop_assert_eq!(TrustedProxies::none().client(IpAddr::from(peer), &chain), IpAddr::from(peer));
        }

        #[test]
        fn the_client_is_the_peer_or_a_hop_of_the_chain(peer: [u8; 4], chain: Vec<[u8; 4]>) {
            let proxies = TrustedProxies::parse("0.0.0.0/1").unwrap_or_default();
            let chain: Vec<IpAddr> = chain.into_iter().map(IpAddr::from).collect();
            let client = proxies.client(IpAddr::from(peer), &chain);
            prop_assert!(client == IpAddr::from(peer) || chain.contains(&client));
        }
    }
}
