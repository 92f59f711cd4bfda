//! The Cloudflare ranges in tug-config (used by `tug doctor`) and in tug-proxy
//! (`--trusted-proxies cloudflare`) are the same public list: this reads tug-proxy's source file
//! and compares, so that updating one without the other fails here.

use tug_config::cloudflare;

/// The string literals of the `pub const NAME: &[&str] = &[ … ];` array in `source`.
fn const_list(source: &str, name: &str) -> Vec<String> {
    let start = source
        .find(&format!("pub const {name}: &[&str] = &["))
        .unwrap_or_else(|| panic!("`{name}` not found in tug-proxy's trusted.rs"));
    let body = &source[start..];
    let open = body.find("= &[").expect("array start") + 4;
    let close = body[open..].find("];").expect("array end") + open;
    body[open..close]
        .split(',')
        .map(|item| item.trim().trim_matches('"').to_string())
        .filter(|item| !item.is_empty())
        .collect()
}

#[test]
fn tug_and_tug_proxy_know_the_same_cloudflare_ranges() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tug-proxy/src/trusted.rs");
    let source = std::fs::read_to_string(path).expect("tug-proxy's trusted.rs");
    let v4 = const_list(&source, "CLOUDFLARE_IPV4");
    let v6 = const_list(&source, "CLOUDFLARE_IPV6");
    assert!(v4.len() >= 10 && v6.len() >= 5, "parsed too little: {v4:?} {v6:?}");
    assert_eq!(v4, cloudflare::IPV4, "IPv4 ranges differ from tug-proxy's");
    assert_eq!(v6, cloudflare::IPV6, "IPv6 ranges differ from tug-proxy's");
}
