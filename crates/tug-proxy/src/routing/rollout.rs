//! Canary rollouts: requests whose `kamal-rollout` cookie is on the allow-list, or hashes
//! (FNV-32a) under the percentage split point, go to the rollout targets.

use serde::{Deserialize, Serialize};

/// The cookie whose value decides the split.
pub const ROLLOUT_COOKIE: &str = "kamal-rollout";

/// A traffic split, in kamal-proxy's state-file shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct RolloutController {
    /// Percentage of cookie values sent to the rollout.
    pub percentage: i64,
    /// `percentage/100 * 0xFFFFFFFF`.
    pub percentage_split_point: f64,
    /// Cookie values always sent to the rollout.
    #[serde(deserialize_with = "allowlist")]
    pub allowlist: Vec<String>,
}

fn allowlist<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

impl RolloutController {
    /// A split for `percentage` and an allow-list.
    pub fn new(percentage: i64, allowlist: Vec<String>) -> Self {
        let split = f64::from(u32::MAX) * (percentage as f64 / 100.0);
        Self { percentage, percentage_split_point: split, allowlist }
    }

    /// Whether a request with this cookie value goes to the rollout group.
    pub fn uses_rollout(&self, cookie_value: Option<&str>) -> bool {
        let Some(value) = cookie_value.filter(|v| !v.is_empty()) else { return false };
        self.allowlist.iter().any(|a| a == value) || f64::from(fnv32a(value.as_bytes())) <= self.percentage_split_point
    }
}

/// FNV-1a, 32 bits.
pub fn fnv32a(data: &[u8]) -> u32 {
    data.iter().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(*b)).wrapping_mul(0x0100_0193))
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie_value<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}
