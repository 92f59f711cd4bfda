//! "Did you mean …?" for misspelt keys and names.

/// The closest candidate to `input`, when one is close enough to be a likely typo.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input_lower = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (c, strsim::jaro_winkler(&input_lower, &c.to_ascii_lowercase())))
        .filter(|(c, score)| *score > 0.85 || strsim::damerau_levenshtein(&input_lower, &c.to_ascii_lowercase()) <= 2)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos() {
        assert_eq!(did_you_mean("helthcheck", ["host", "healthcheck", "hosts"]), Some("healthcheck"));
        assert_eq!(did_you_mean("imgae", ["service", "image"]), Some("image"));
        assert_eq!(did_you_mean("zzzzzz", ["service", "image"]), None);
    }
}
