//! The field names of the last response on a target connection, remembered by position.
//!
//! A target sends the same names in the same order on every response, so a field whose raw name
//! equals the one at its position last time reuses that parsed name: a byte comparison instead
//! of `HeaderName::from_bytes` (lowercasing, a table match, and an allocation for every name
//! that is not a standard one, such as a Rails app's `x-…` fields).

use http::header::{HeaderName, InvalidHeaderName};

/// Names past this position are parsed each time.
const MAX_REMEMBERED: usize = 64;

/// Parsed names by position, with the raw bytes they were parsed from.
#[derive(Debug, Default)]
pub struct NameCache {
    names: Vec<(Box<[u8]>, HeaderName)>,
}

impl NameCache {
    /// The name of the field at `position` whose raw name is `raw`.
    pub fn name(&mut self, position: usize, raw: &[u8]) -> Result<HeaderName, InvalidHeaderName> {
        if let Some((seen, name)) = self.names.get(position)
            && **seen == *raw
        {
            return Ok(name.clone());
        }
        let name = HeaderName::from_bytes(raw)?;
        if let Some(slot) = self.names.get_mut(position) {
            *slot = (raw.into(), name.clone());
        } else if position == self.names.len() && position < MAX_REMEMBERED {
            self.names.push((raw.into(), name.clone()));
        }
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_repeated_head_reuses_its_names_and_a_changed_one_is_parsed() {
        let mut cache = NameCache::default();
        for _ in 0..3 {
            assert_eq!(cache.name(0, b"Content-Type").unwrap(), http::header::CONTENT_TYPE);
            assert_eq!(cache.name(1, b"X-Runtime").unwrap().as_str(), "x-runtime");
        }
        assert_eq!(cache.name(1, b"Content-Length").unwrap(), http::header::CONTENT_LENGTH);
        assert_eq!(cache.name(1, b"X-Runtime").unwrap().as_str(), "x-runtime");
        assert!(cache.name(2, b"bad name").is_err());
        assert!(cache.name(2, b"bad name").is_err(), "an invalid name is not remembered as valid");
    }

    proptest! {
        /// Whatever sequence of heads comes, every name is what `HeaderName::from_bytes` says.
        #[test]
        fn names_are_what_from_bytes_gives(
            heads in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![
                        Just(b"Content-Type".to_vec()),
                        Just(b"content-type".to_vec()),
                        Just(b"X-Request-Id".to_vec()),
                        Just(b"Date".to_vec()),
                        proptest::collection::vec(any::<u8>(), 0..12),
                    ],
                    0..8,
                ),
                1..6,
            )
        ) {
            let mut cache = NameCache::default();
            for head in heads {
                for (position, raw) in head.iter().enumerate() {
                    let expected = HeaderName::from_bytes(raw).ok();
                    prop_assert_eq!(cache.name(position, raw).ok(), expected);
                }
            }
        }
    }
}
