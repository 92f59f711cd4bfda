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
            seed = crate::observe::log::unix_millis().unsigned_abs() ^ u64::from(std::process::id());
        }
        Self { seed, counter: AtomicU64::new(counter) }
    }

    /// A new UUID v4 string.
    pub fn next(&self) -> String {
        let bytes = self.next_bytes();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// A new UUID v4 as its 36 ASCII bytes (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`).
    fn next_bytes(&self) -> [u8; 36] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let bytes = uuid_bytes(self.seed, self.counter.fetch_add(2, Ordering::Relaxed));
        let mut out = [b'-'; 36];
        let mut at = 0;
        for (i, byte) in bytes.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                at += 1;
            }
            out[at] = HEX[usize::from(byte >> 4)];
            out[at + 1] = HEX[usize::from(byte & 0xf)];
            at += 2;
        }
        out
    }

    /// The `X-Request-Start` and `X-Request-ID` values a request with `headers` lacks.
    pub fn stamp(&self, headers: &HeaderMap, now_ms: i64) -> Stamp {
        let mut stamp = Stamp::default();
        // One pass over the (few) names instead of two hashed lookups.
        let (mut has_start, mut has_id) = (false, false);
        for name in headers.keys() {
            has_start |= *name == X_REQUEST_START;
            has_id |= *name == X_REQUEST_ID;
        }
        if !has_start {
            let mut value = [0u8; 22];
            value[..2].copy_from_slice(b"t=");
            let mut digits = itoa::Buffer::new();
            let digits = digits.format(now_ms).as_bytes();
            value[2..2 + digits.len()].copy_from_slice(digits);
            stamp.start = HeaderValue::from_bytes(&value[..2 + digits.len()]).ok();
        }
        if !has_id {
            stamp.id = HeaderValue::from_bytes(&self.next_bytes()).ok();
        }
        stamp
    }
}

/// The values the proxy adds to a request that lacks them. They are not inserted into the
/// request's header map (an insertion, and often a growth of the map, each): the pooled client
/// writes them after the request's own headers, where insertion would have put them.
#[derive(Debug, Clone, Default)]
pub struct Stamp {
    /// `X-Request-Start`.
    pub start: Option<HeaderValue>,
    /// `X-Request-ID`.
    pub id: Option<HeaderValue>,
}

impl Stamp {
    /// The request's ID: its own, or the one added.
    pub fn id_of<'a>(&'a self, headers: &'a HeaderMap) -> Option<&'a HeaderValue> {
        self.id.as_ref().or_else(|| headers.get(X_REQUEST_ID))
    }

    /// The two fields, in the order they are sent.
    pub fn into_fields(self) -> [(HeaderName, Option<HeaderValue>); 2] {
        [(X_REQUEST_START, self.start), (X_REQUEST_ID, self.id)]
    }

    /// `headers` as the target sees them, for code that reads the map.
    pub fn applied_to(&self, headers: &HeaderMap) -> HeaderMap {
        let mut all = headers.clone();
        crate::headers::added::insert_added(&mut all, self.clone().into_fields());
        all
    }
}

/// The 16 bytes of the `n`th UUID v4 of a generator seeded with `seed`.
fn uuid_bytes(seed: u64, n: u64) -> [u8; 16] {
    let a = splitmix(seed ^ n);
    let b = splitmix(a ^ n.wrapping_add(1));
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The formatting this module used before writing hex digits by hand.
    fn reference(seed: u64, n: u64) -> String {
        let bytes = uuid_bytes(seed, n);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
    }

    #[test]
    fn uuids_are_v4_and_match_the_formatted_reference() {
        let ids = RequestIds { seed: 0x1234_5678_9abc_def0, counter: AtomicU64::new(7) };
        for n in [7u64, 9, 11] {
            let id = ids.next();
            assert_eq!(id, reference(0x1234_5678_9abc_def0, n));
            assert_eq!(id.len(), 36);
            assert_eq!(&id[14..15], "4");
            assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        }
    }

    #[test]
    fn stamps_missing_headers_only() {
        let ids = RequestIds::new();
        let headers = HeaderMap::new();
        let stamp = ids.stamp(&headers, 1_700_000_000_123);
        let seen = stamp.applied_to(&headers);
        assert_eq!(seen[X_REQUEST_START], "t=1700000000123");
        assert_eq!(seen[X_REQUEST_ID].len(), 36);
        assert_eq!(stamp.id_of(&headers), Some(&seen[X_REQUEST_ID]));
        let mut given = HeaderMap::new();
        given.insert(X_REQUEST_START, HeaderValue::from_static("t=1"));
        given.insert(X_REQUEST_ID, HeaderValue::from_static("mine"));
        let stamp = ids.stamp(&given, 5);
        assert!(stamp.start.is_none() && stamp.id.is_none());
        assert_eq!(stamp.id_of(&given), Some(&HeaderValue::from_static("mine")));
        let negative = ids.stamp(&HeaderMap::new(), i64::MIN);
        assert_eq!(negative.start.unwrap(), "t=-9223372036854775808");
    }
}
