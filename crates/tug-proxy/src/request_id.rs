//! `X-Request-ID` (a random UUID v4 when absent) and `X-Request-Start` (`t=<unix ms>` when
//! absent), as kamal-proxy adds them.

use std::sync::atomic::{AtomicU64, Ordering};

use http::{HeaderMap, HeaderValue, header::HeaderName};

/// `X-Request-ID`.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// `X-Request-Start`.
pub const X_REQUEST_START: HeaderName = HeaderName::from_static("x-request-start");

/// Generates UUID v4 strings: a random 128-bit seed from the OS, then SplitMix64 steps, which
/// is unique per process and cheap per request.
#[derive(Debug)]
pub struct RequestIds {
    seed: u64,
    counter: AtomicU64,
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestIds {
    /// Seeds from the OS random source (falls back to the clock).
    pub fn new() -> Self {
        let mut bytes = [0u8; 16];
        let seeded = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).is_ok();
        let mut seed = u64::from_le_bytes(bytes[..8].try_into().unwrap_or([0; 8]));
        let counter = u64::from_le_bytes(bytes[8..].try_into().unwrap_or([0; 8]));
        if !seeded {
            seed = crate::log::unix_millis().unsigned_abs() ^ u64::from(std::process::id());
        }
        Self { seed, counter: AtomicU64::new(counter) }
    }

    /// A new UUID v4 string.
    pub fn next(&self) -> String {
        let n = self.counter.fetch_add(2, Ordering::Relaxed);
        let a = splitmix(self.seed ^ n);
        let b = splitmix(a ^ n.wrapping_add(1));
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&a.to_be_bytes());
        bytes[8..].copy_from_slice(&b.to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
    }

    /// Adds `X-Request-Start` and `X-Request-ID` when missing.
    pub fn stamp(&self, headers: &mut HeaderMap, now_ms: i64) {
        if !headers.contains_key(X_REQUEST_START)
            && let Ok(v) = HeaderValue::from_str(&format!("t={now_ms}"))
        {
            headers.insert(X_REQUEST_START, v);
        }
        if !headers.contains_key(X_REQUEST_ID)
            && let Ok(v) = HeaderValue::from_str(&self.next())
        {
            headers.insert(X_REQUEST_ID, v);
        }
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
