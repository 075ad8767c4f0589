//! The client's address, resolved once per request from the peer and, when
//! the peer is a trusted proxy (`TRUSTED_PROXIES`), from the one forwarding
//! header those proxies write (`TRUSTED_PROXY_HEADER`: `X-Forwarded-For` or
//! `Forwarded`; see `domain::client_address`). Sign-in
//! protection and the audit log read it from here, never from the socket.

use std::net::{IpAddr, SocketAddr};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, web};
use domain::client_address::{ForwardingHeader, TrustedProxies, canonical};

use crate::state::AppState;

/// The resolved client address, in the request's extensions.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

/// `scheme://host` as the client reached the server, in the request's
/// extensions: behind a trusted proxy from its forwarding headers
/// (`X-Forwarded-Proto`/`-Host`, `Forwarded`), otherwise from the request
/// itself, so that a client cannot make the server name another host.
#[derive(Debug, Clone)]
struct RequestOrigin(String);

/// Resolves the client address of every request.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if let Some(peer) = req.peer_addr().map(|a| a.ip()) {
        let (trusted, header) = req
            .app_data::<web::Data<AppState>>()
            .map(|s| (s.trusted_proxies.clone(), s.forwarding_header))
            .unwrap_or_default();
        let address = resolve(&trusted, header, peer, req.headers());
        let origin = if trusted.trusts(peer) {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        } else {
            direct_origin(req.request())
        };
        req.extensions_mut().insert(ClientAddress(address));
        req.extensions_mut().insert(RequestOrigin(origin));
    }
    next.call(req).await
}

/// The client address of `req`, as text for storage.
pub fn of(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<ClientAddress>().map(|a| a.0.to_string())
}

/// `scheme://host` as the client reached the server (see [`RequestOrigin`]).
pub fn origin_of(req: &HttpRequest) -> String {
    req.extensions().get::<RequestOrigin>().map_or_else(|| direct_origin(req), |origin| origin.0.clone())
}

/// The origin of a request that came straight from the client: its `Host`.
fn direct_origin(req: &HttpRequest) -> String {
    let config = req.app_config();
    let scheme = if config.secure() { "https" } else { "http" };
    let host = req.headers().get(actix_web::http::header::HOST).and_then(|h| h.to_str().ok());
    format!("{scheme}://{}", host.unwrap_or(config.host()))
}

fn resolve(trusted: &TrustedProxies, header: ForwardingHeader, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    if !trusted.trusts(peer) {
        return canonical(peer);
    }
    trusted.client(peer, &forwarded_chain(header, headers))
}

/// The chain of addresses the proxies wrote in `header`, oldest first. An
/// entry that is not an address (`unknown`, an obfuscated name) ends what
/// can be believed: only the hops after it are kept.
fn forwarded_chain(header: ForwardingHeader, headers: &HeaderMap) -> Vec<IpAddr> {
    let lines = headers.get_all(header.name()).filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
    let elements = lines.split(',').map(str::trim).filter(|e| !e.is_empty());
    let entries: Vec<Option<IpAddr>> = match header {
        ForwardingHeader::XForwardedFor => elements.map(parse_node).collect(),
        ForwardingHeader::Forwarded => elements.map(|element| for_parameter(element).and_then(parse_node)).collect(),
    };
    let believable = entries.iter().rposition(Option::is_none).map_or(0, |unknown| unknown + 1);
    entries[believable..].iter().flatten().copied().collect()
}

/// The `for=` parameter of one `Forwarded` element (RFC 7239).
fn for_parameter(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim().eq_ignore_ascii_case("for").then(|| value.trim().trim_matches('"'))
    })
}

/// An address, with or without a port (`192.0.2.1:4711`, `[2001:db8::1]:80`).
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim();
    node.parse::<IpAddr>()
        .ok()
        .or_else(|| node.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| node.strip_prefix('[').and_then(|n| n.strip_suffix(']')).and_then(|n| n.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn both_headers_are_read_with_ports_brackets_and_several_lines() {
        let xff = headers(&[("x-forwarded-for", "203.0.113.5, 10.0.0.2"), ("x-forwarded-for", "10.0.0.3")]);
        let chain = vec![ip("203.0.113.5"), ip("10.0.0.2"), ip("10.0.0.3")];
        assert_eq!(forwarded_chain(ForwardingHeader::XForwardedFor, &xff), chain);
        let rfc = headers(&[("forwarded", r#"for=192.0.2.60;proto=https, For="[2001:db8:cafe::17]:4711""#)]);
        let chain = vec![ip("192.0.2.60"), ip("2001:db8:cafe::17")];
        assert_eq!(forwarded_chain(ForwardingHeader::Forwarded, &rfc), chain);
    }

    #[test]
    fn nothing_before_an_unknown_hop_is_believed() {
        let chain = headers(&[("forwarded", "for=198.51.100.1, for=unknown, for=192.0.2.9")]);
        assert_eq!(forwarded_chain(ForwardingHeader::Forwarded, &chain), vec![ip("192.0.2.9")]);
    }

    #[test]
    fn only_a_trusted_peer_is_looked_behind() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap_or_default();
        let sent = headers(&[("x-forwarded-for", "203.0.113.5")]);
        let xff = ForwardingHeader::XForwardedFor;
        assert_eq!(resolve(&trusted, xff, ip("10.0.0.9"), &sent), ip("203.0.113.5"));
        assert_eq!(resolve(&trusted, xff, ip("198.51.100.7"), &sent), ip("198.51.100.7"));
        assert_eq!(resolve(&trusted, xff, ip("::ffff:198.51.100.7"), &sent), ip("198.51.100.7"));
    }

    #[test]
    fn a_header_the_proxies_do_not_write_is_the_client_talking() {
        // nginx appends to X-Forwarded-For and passes the client's own
        // Forwarded on untouched: reading Forwarded would let the client
        // choose its address.
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap_or_default();
        let sent = headers(&[("forwarded", "for=1.2.3.4"), ("x-forwarded-for", "203.0.113.5")]);
        assert_eq!(resolve(&trusted, ForwardingHeader::XForwardedFor, ip("10.0.0.9"), &sent), ip("203.0.113.5"));
        assert_eq!(resolve(&trusted, ForwardingHeader::Forwarded, ip("10.0.0.9"), &sent), ip("1.2.3.4"));
    }
}
