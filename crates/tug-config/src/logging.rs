//! `logging:` — the Docker log driver and its options (role settings merge over root ones).

use crate::loader::deep_merge;
use crate::yaml::Node;

/// A logging section (raw, so roles can deep-merge over the root one as Kamal does).
#[derive(Debug, Clone, Default)]
pub struct Logging {
    /// `driver`, when set.
    pub driver: Option<String>,
    /// `options`, in file order.
    pub options: Vec<(String, String)>,
    raw: Option<Node>,
}

impl Logging {
    /// Reads a validated `logging:` node.
    pub fn from_node(node: Option<&Node>) -> Logging {
        let Some(node) = node.filter(|n| n.as_map().is_some()) else {
            return Logging::default();
        };
        Logging {
            driver: node.get("driver").filter(|d| !d.is_null()).map(Node::to_ruby_s),
            options: node
                .get("options")
                .and_then(Node::as_map)
                .map(|m| m.iter().map(|(k, v)| (k.to_ruby_s(), v.to_ruby_s())).collect())
                .unwrap_or_default(),
            raw: Some(node.clone()),
        }
    }

    /// Kamal's `Logging#merge`: `other` deep-merged over `self`.
    pub fn merge(&self, other: &Logging) -> Logging {
        match (&self.raw, &other.raw) {
            (Some(a), Some(b)) => Logging::from_node(Some(&deep_merge(a.clone(), b.clone()))),
            (None, Some(_)) => other.clone(),
            _ => self.clone(),
        }
    }

    /// Whether anything is set; without it Kamal passes `--log-opt max-size="10m"`.
    pub fn is_set(&self) -> bool {
        self.driver.as_deref().is_some_and(|d| !d.trim().is_empty()) || !self.options.is_empty()
    }
}
