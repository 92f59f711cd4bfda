//! `boot:` — how many hosts boot at once, the wait between groups, parallel roles.

use crate::yaml::Node;

/// The boot strategy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Boot {
    /// `limit` as written: a host count or a percentage such as `25%`.
    pub limit: Option<String>,
    /// Seconds to wait after each group.
    pub wait: Option<i64>,
    /// Boot the roles of a host in parallel.
    pub parallel_roles: bool,
}

impl Boot {
    /// Reads a validated `boot:` node.
    pub fn from_node(node: Option<&Node>) -> Boot {
        let Some(node) = node else { return Boot::default() };
        Boot {
            limit: node.get("limit").filter(|n| !n.is_null()).map(Node::to_ruby_s),
            wait: node.get("wait").and_then(Node::as_int),
            parallel_roles: node.get("parallel_roles").and_then(Node::as_bool).unwrap_or(false),
        }
    }

    /// Hosts per group: a percentage counts every host (accessories included, as Kamal does)
    /// and never gives less than one.
    pub fn group_size(&self, host_count: usize) -> Option<usize> {
        let limit = self.limit.as_deref()?;
        match limit.strip_suffix('%') {
            Some(pct) => {
                let pct: usize = leading_int(pct);
                Some((host_count * pct / 100).max(1))
            }
            None => limit.parse().ok(),
        }
    }
}

/// Ruby's `String#to_i`: the leading digits, or 0.
fn leading_int(s: &str) -> usize {
    let digits: String = s.trim_start().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentage_limits() {
        let b = Boot { limit: Some("25%".into()), ..Boot::default() };
        assert_eq!(b.group_size(10), Some(2));
        assert_eq!(b.group_size(2), Some(1));
        let b = Boot { limit: Some("3".into()), ..Boot::default() };
        assert_eq!(b.group_size(10), Some(3));
    }
}
