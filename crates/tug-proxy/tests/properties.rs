//! Property tests: the routing table against a simple model, and header parsing on any input.
use std::net::{IpAddr, Ipv4Addr};

use proptest::prelude::*;
use tug_proxy::client_ip::{client_ip_from_trusted, parse_ip};
use tug_proxy::routing::service_map::{Route, ServiceMap};
use tug_proxy::trusted::{Cidr, TrustedProxies};

fn label() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "app", "www"]).prop_map(str::to_string)
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        label().prop_map(|l| format!("{l}.example.com")),
        Just("*.example.com".to_string()),
        Just("example.com".to_string()),
    ]
}

fn prefix() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["/", "/api", "/api/v1", "/app", "/ap"]).prop_map(str::to_string)
}

fn path() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["/", "/api", "/api/", "/api/v1/x", "/apiary", "/app/show", "/ap", "/apx", "/other"])
        .prop_map(str::to_string)
}

/// The model: exact host, else one-label wildcard, else catch-all; then the longest prefix on a
/// slash boundary.
fn model(routes: &[(String, String, String)], host: &str, path: &str) -> Option<String> {
    let keys: Vec<&str> = routes.iter().map(|r| r.1.as_str()).collect();
    let wildcard = host.find('.').filter(|i| *i > 0).map(|i| format!("*{}", &host[i..]));
    let key = if keys.contains(&host) {
        host.to_string()
    } else {
        wildcard.filter(|w| keys.contains(&w.as_str())).unwrap_or_default()
    };
    let p = if path.ends_with('/') { path.to_string() } else { format!("{path}/") };
    routes
        .iter()
        .filter(|(_, h, pre)| {
            *h == key && p.starts_with(&if pre.ends_with('/') { pre.clone() } else { format!("{pre}/") })
        })
        .max_by_key(|(_, _, pre)| pre.len())
        .map(|(n, _, _)| n.clone())
}

proptest! {
    #[test]
    fn routing_table_matches_the_model(
        raw in prop::collection::vec((host(), prefix()), 0..8),
        lookups in prop::collection::vec((label(), path()), 1..10),
    ) {
        // Keep (host, prefix) pairs unique, as conflict checks guarantee in the server.
        let mut routes: Vec<(String, String, String)> = Vec::new();
        for (i, (h, p)) in raw.into_iter().enumerate() {
            if !routes.iter().any(|r| r.1 == h && r.2 == p) {
                routes.push((format!("s{i}"), h, p));
            }
        }
        let hosts: Vec<Vec<String>> = routes.iter().map(|r| vec![r.1.clone()]).collect();
        let prefixes: Vec<Vec<String>> = routes.iter().map(|r| vec![r.2.clone()]).collect();
        let map = ServiceMap::build(routes.iter().enumerate().map(|(i, r)| Route {
            name: &r.0, hosts: &hosts[i], prefixes: &prefixes[i], service: r.0.clone(),
        }));
        for (l, p) in lookups {
            for h in [format!("{l}.example.com"), "example.com".to_string(), format!("{l}.example.com:8080"), "x.y.example.com".into()] {
                let bare = h.split(':').next().unwrap_or("").to_string();
                let got = map.lookup(&h, &p).map(|(s, _)| s.clone());
                prop_assert_eq!(got, model(&routes, &bare, &p), "host {} path {}", h, p);
            }
        }
    }

    #[test]
    fn lookup_never_panics(host in ".{0,40}", path in ".{0,40}") {
        let hosts = vec![String::new(), "*.x".to_string()];
        let prefixes = vec!["/".to_string(), "/a".to_string()];
        let map = ServiceMap::build([Route { name: "s", hosts: &hosts, prefixes: &prefixes, service: 1 }]);
        let _ = map.lookup(&host, &path);
    }

    #[test]
    fn cidr_contains_agrees_with_masking(a in any::<u32>(), b in any::<u32>(), len in 0u8..=32) {
        let cidr: Cidr = format!("{}/{len}", Ipv4Addr::from(a)).parse().unwrap();
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
        prop_assert_eq!(cidr.contains(IpAddr::V4(Ipv4Addr::from(b))), (a & mask) == (b & mask));
        prop_assert!(cidr.contains(IpAddr::V4(Ipv4Addr::from(a))));
    }

    #[test]
    fn cidr_v6_contains_its_own_addresses(a in any::<u128>(), len in 0u8..=128, noise in any::<u128>()) {
        let cidr: Cidr = format!("{}/{len}", std::net::Ipv6Addr::from(a)).parse().unwrap();
        let keep = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) };
        let inside = (a & keep) | (noise & !keep);
        prop_assert!(cidr.contains(IpAddr::V6(inside.into())));
    }

    #[test]
    fn cidr_parsing_never_panics(s in ".{0,50}") {
        let _ = s.parse::<Cidr>();
        let _ = TrustedProxies::parse_list(&s);
        let _ = TrustedProxies::parse_file_text(&s);
    }

    #[test]
    fn header_parsing_never_panics_and_never_trusts_an_untrusted_claim(xff in "[0-9a-f.:, \\[\\]]{0,60}", cf in "[0-9a-z.:]{0,20}") {
        let _ = parse_ip(&xff);
        let trusted = TrustedProxies::parse_list("10.0.0.0/8").unwrap();
        let mut headers = http::HeaderMap::new();
        if let Ok(v) = http::HeaderValue::from_str(&xff) { headers.insert("x-forwarded-for", v); }
        if let Ok(v) = http::HeaderValue::from_str(&cf) { headers.insert("cf-connecting-ip", v); }
        let peer: IpAddr = "10.1.2.3".parse().unwrap();
        let client = client_ip_from_trusted(&headers, peer, &trusted);
        // The answer is the CF header, an address from the chain, or the peer itself.
        let from_chain = xff.split(',').filter_map(parse_ip).any(|ip| ip == client);
        prop_assert!(client == peer || from_chain || parse_ip(&cf) == Some(client));
    }

    #[test]
    fn forwarded_for_right_most_untrusted_wins(chain in prop::collection::vec(any::<u32>(), 1..6)) {
        let trusted = TrustedProxies::parse_list("10.0.0.0/8").unwrap();
        let text = chain.iter().map(|a| Ipv4Addr::from(*a).to_string()).collect::<Vec<_>>().join(", ");
        let mut headers = http::HeaderMap::new();
        headers.insert("x-forwarded-for", http::HeaderValue::from_str(&text).unwrap());
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        let got = client_ip_from_trusted(&headers, peer, &trusted);
        let expected = chain.iter().rev().map(|a| IpAddr::V4(Ipv4Addr::from(*a))).find(|ip| !trusted.contains(*ip))
            .unwrap_or_else(|| IpAddr::V4(Ipv4Addr::from(chain[0])));
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn cloudflare_ranges_are_built_in() {
    let cf = TrustedProxies::cloudflare();
    assert_eq!(cf.ranges().len(), 22);
    assert!(cf.contains("173.245.48.1".parse().unwrap()));
    assert!(cf.contains("2606:4700::1".parse().unwrap()));
    assert!(cf.contains("::ffff:104.16.0.1".parse().unwrap()));
    assert!(!cf.contains("8.8.8.8".parse().unwrap()));
    assert_eq!(parse_ip("[2606:4700::1]:443"), Some("2606:4700::1".parse().unwrap()));
    assert_eq!(parse_ip("1.2.3.4:80"), Some("1.2.3.4".parse().unwrap()));
    assert!("10.0.0.0/33".parse::<Cidr>().is_err());
}
