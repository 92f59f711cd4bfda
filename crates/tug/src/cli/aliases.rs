//! Aliases from the configuration's `aliases:`, expanded before clap parses the command line.
//!
//! Kamal treats any word that is not a command as an alias: it looks it up in the `aliases:`
//! of the configuration named by `-c`/`-d`, and runs `Shellwords.split(alias)` followed by the
//! words typed after the alias. [`resolve`] does the same, with three additions:
//!
//! - global options may come before the alias (`tug -d staging console`); they stay in front,
//!   and `-c`/`-d` are honoured wherever they appear, before or after the alias;
//! - an alias may name another alias; a loop is reported instead of followed forever;
//! - a word that is neither a command nor an alias is an error with a "did you mean".
//!
//! An alias may not shadow a built-in command; configuration validation rejects those, so a
//! built-in always wins here.

use indexmap::IndexMap;

use crate::error::Error;

/// Global options that take a value, long form (kept in step with [`super::GlobalArgs`]; a
/// unit test checks).
pub const LONG_WITH_VALUE: &[&str] =
    &["version", "hosts", "roles", "config-file", "destination", "lock-wait-timeout", "lock-wait-interval"];

/// Global options that take a value, short form, with their long names.
pub const SHORT_WITH_VALUE: &[(char, &str)] =
    &[('h', "hosts"), ('r', "roles"), ('c', "config-file"), ('d', "destination")];

/// Aliases may expand to aliases; this bounds the chain.
const MAX_DEPTH: usize = 16;

/// What the alias loader is asked: which word to look up, and in which configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasSource {
    /// The word that is not a built-in command.
    pub name: String,
    /// The `-c`/`--config-file` in effect (last one given wins), or the default.
    pub config_file: String,
    /// The `-d`/`--destination` in effect, if any.
    pub destination: Option<String>,
}

/// Expands a leading alias in `argv` (program name first) and returns the argv to parse.
///
/// `builtins` are the top-level command names (and their aliases); a word equal to one, or a
/// prefix of one (Thor and clap accept unique prefixes), is left to clap. `load`
/// returns the `aliases:` map of the configuration described by its argument; it is called
/// only when the first word is not a built-in.
///
/// When `load` fails, a word close to a built-in is reported as a probable typo; otherwise the
/// loader's error is returned, since the user most likely meant an alias.
pub fn resolve<F>(argv: &[String], builtins: &[String], mut load: F) -> Result<Vec<String>, Error>
where
    F: FnMut(&AliasSource) -> Result<IndexMap<String, String>, Error>,
{
    let mut argv = argv.to_vec();
    let mut seen: Vec<String> = Vec::new();
    loop {
        let Some(index) = command_index(&argv) else {
            return Ok(argv);
        };
        let word = argv[index].clone();
        if is_builtin(&word, builtins) {
            return Ok(argv);
        }
        if seen.contains(&word) {
            seen.push(word);
            return Err(Error::Alias {
                name: seen[0].clone(),
                problem: format!("expands to itself (`{}`)", seen.join("` → `")),
            });
        }
        if seen.len() >= MAX_DEPTH {
            return Err(Error::Alias {
                name: seen[0].clone(),
                problem: format!("expands through more than {MAX_DEPTH} aliases"),
            });
        }
        let (config_file, destination) = config_options(&argv);
        let source = AliasSource { name: word.clone(), config_file, destination };
        let aliases = match load(&source) {
            Ok(aliases) => aliases,
            Err(error) => {
                return match closest(&word, builtins.iter()) {
                    Some(suggestion) => Err(Error::UnknownCommand { name: word, suggestion: Some(suggestion) }),
                    None => Err(error),
                };
            }
        };
        let Some(expansion) = aliases.get(&word) else {
            let suggestion = closest(&word, builtins.iter().chain(aliases.keys()));
            return Err(Error::UnknownCommand { name: word, suggestion });
        };
        let words = shell_words::split(expansion)
            .map_err(|e| Error::Alias { name: word.clone(), problem: format!("is not a valid command line ({e})") })?;
        if words.is_empty() {
            return Err(Error::Alias { name: word, problem: "is empty".to_string() });
        }
        seen.push(word);
        let rest = argv.split_off(index + 1);
        argv.truncate(index);
        argv.extend(words);
        argv.extend(rest);
    }
}

/// The index in `argv` of the first word that is not a global option or an option's value.
pub fn command_index(argv: &[String]) -> Option<usize> {
    scan(argv, 1, true, |_, _| {})
}

/// The index of the first word at or after `from` that is not a global option or an
/// option's value (the subcommand after a group name, for instance).
pub fn word_index_from(argv: &[String], from: usize) -> Option<usize> {
    scan(argv, from, true, |_, _| {})
}

/// The `-c` and `-d` in effect: the last of each, before or after the command word.
pub fn config_options(argv: &[String]) -> (String, Option<String>) {
    let mut config_file = "config/deploy.yml".to_string();
    let mut destination = None;
    scan(argv, 1, false, |name, value| match name {
        "config-file" => config_file = value.to_string(),
        "destination" => destination = Some(value.to_string()),
        _ => {}
    });
    (config_file, destination)
}

/// Walks `argv` (program name first) from index `from` as clap will, calling `found(long_name, value)` for each
/// global option given a value. With `stop_at_command`, returns the index of the first word
/// that is neither an option nor an option's value; otherwise walks to the end (or `--`).
fn scan<'a>(
    argv: &'a [String],
    from: usize,
    stop_at_command: bool,
    mut found: impl FnMut(&str, &'a str),
) -> Option<usize> {
    let mut i = from;
    while i < argv.len() {
        let arg = argv[i].as_str();
        if arg == "--" {
            return None;
        }
        if let Some(long) = arg.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, value)) if LONG_WITH_VALUE.contains(&name) => found(name, value),
                Some(_) => {}
                None if LONG_WITH_VALUE.contains(&long) => {
                    if let Some(value) = argv.get(i + 1) {
                        found(long, value);
                    }
                    i += 1;
                }
                None => {}
            }
        } else if let Some(cluster) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
            // `-vpc file` or `-cfile`: the first value-taking letter takes the rest of the
            // cluster as its value, or the next argument when it ends the cluster.
            for (at, letter) in cluster.char_indices() {
                let Some(&(_, long)) = SHORT_WITH_VALUE.iter().find(|(c, _)| *c == letter) else {
                    continue;
                };
                let rest = &cluster[at + letter.len_utf8()..];
                if rest.is_empty() {
                    if let Some(value) = argv.get(i + 1) {
                        found(long, value);
                    }
                    i += 1;
                } else {
                    found(long, rest.strip_prefix('=').unwrap_or(rest));
                }
                break;
            }
        } else if stop_at_command {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// A built-in by its full name or by a prefix of one (clap resolves a unique prefix and
/// reports one shared by several built-ins, as Thor does, before any alias is considered).
fn is_builtin(word: &str, builtins: &[String]) -> bool {
    !word.is_empty() && builtins.iter().any(|b| b.starts_with(word))
}

/// The candidate most like `word`, when it is alike enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a String>) -> Option<String> {
    candidates
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn argv(line: &str) -> Vec<String> {
        std::iter::once("tug".to_string()).chain(shell_words::split(line).expect("test argv")).collect()
    }

    fn builtins() -> Vec<String> {
        crate::cli::builtin_commands()
    }

    fn kamal_fixture() -> IndexMap<String, String> {
        // The aliases of Kamal's test/fixtures/deploy_with_aliases.yml.
        [
            ("info", "details"),
            ("console", "app exec --reuse -p -r console \"bin/console\""),
            ("exec", "app exec --reuse -p -r console"),
            ("rails", "app exec --reuse -p -r console rails"),
            ("primary_details", "details -p"),
            ("deploy_secondary", "deploy -d secondary"),
            ("world_deploy", "deploy -d world"),
            ("loop_a", "loop_b --flag"),
            ("loop_b", "loop_a"),
            ("blank", "  "),
            ("broken", "app exec \"unterminated"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn expand(line: &str) -> Result<Vec<String>, Error> {
        resolve(&argv(line), &builtins(), |_| Ok(kamal_fixture()))
    }

    #[test]
    fn builtins_are_left_alone_without_loading() {
        for line in ["deploy -P", "app exec -i --reuse 'bin/rails console'", "-h 1.1.1.1 app details", "dep", ""] {
            let got = resolve(&argv(line), &builtins(), |_| panic!("loaded for {line:?}"));
            assert_eq!(got.expect("builtin"), argv(line), "{line}");
        }
    }

    #[test]
    fn alias_expands_in_place() {
        assert_eq!(expand("info").expect("alias"), argv("details"));
        assert_eq!(expand("primary_details").expect("alias"), argv("details -p"));
    }

    #[test]
    fn words_after_the_alias_are_appended() {
        assert_eq!(
            expand("rails db:migrate:status").expect("alias"),
            argv("app exec --reuse -p -r console rails db:migrate:status")
        );
        assert_eq!(
            expand("console -r workers").expect("alias"),
            argv("app exec --reuse -p -r console bin/console -r workers")
        );
    }

    #[test]
    fn options_before_the_alias_stay_in_front() {
        assert_eq!(
            expand("-v -c config/other.yml --hosts 1.1.1.5 info -q").expect("alias"),
            argv("-v -c config/other.yml --hosts 1.1.1.5 details -q")
        );
    }

    #[test]
    fn loader_sees_config_file_and_destination_before_or_after() {
        for (line, file, dest) in [
            ("console", "config/deploy.yml", None),
            ("-c other.yml console", "other.yml", None),
            ("console -c other.yml -d staging", "other.yml", Some("staging")),
            ("--config-file=a.yml -dprod console --destination=qa", "a.yml", Some("qa")),
            ("-vc a.yml console", "a.yml", None),
        ] {
            let mut asked = Vec::new();
            let _ = resolve(&argv(line), &builtins(), |source| {
                asked.push(source.clone());
                Ok(kamal_fixture())
            });
            assert_eq!(asked[0].name, "console", "{line}");
            assert_eq!(asked[0].config_file, file, "{line}");
            assert_eq!(asked[0].destination.as_deref(), dest, "{line}");
        }
    }

    #[test]
    fn alias_may_name_another_alias_but_not_loop() {
        let map: IndexMap<String, String> = [("uno", "dos -q"), ("dos", "details -p")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let got = resolve(&argv("uno -v"), &builtins(), |_| Ok(map.clone()));
        assert_eq!(got.expect("chain"), argv("details -p -q -v"));

        let err = expand("loop_a").expect_err("loop");
        assert_eq!(err.to_string(), "alias `loop_a` expands to itself (`loop_a` → `loop_b` → `loop_a`)");
    }

    #[test]
    fn bad_aliases_are_reported() {
        assert_eq!(expand("blank").expect_err("blank").to_string(), "alias `blank` is empty");
        assert!(
            expand("broken").expect_err("broken").to_string().starts_with("alias `broken` is not a valid command line")
        );
    }

    #[test]
    fn unknown_word_suggests_a_command_or_alias() {
        match expand("deplyo") {
            Err(Error::UnknownCommand { name, suggestion }) => {
                assert_eq!(name, "deplyo");
                assert_eq!(suggestion.as_deref(), Some("deploy"));
            }
            other => panic!("{other:?}"),
        }
        match expand("consol") {
            Err(Error::UnknownCommand { suggestion, .. }) => {
                assert_eq!(suggestion.as_deref(), Some("console"));
            }
            other => panic!("{other:?}"),
        }
        match expand("frobnicate") {
            Err(Error::UnknownCommand { suggestion, .. }) => assert_eq!(suggestion, None),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn loader_failure_on_a_typo_still_suggests() {
        let failing = |_: &AliasSource| -> Result<IndexMap<String, String>, Error> {
            Err(Error::Missing { message: "no loader".to_string() })
        };
        match resolve(&argv("deplyo"), &builtins(), failing) {
            Err(Error::UnknownCommand { suggestion, .. }) => {
                assert_eq!(suggestion.as_deref(), Some("deploy"));
            }
            other => panic!("{other:?}"),
        }
        match resolve(&argv("console"), &builtins(), failing) {
            Err(Error::Missing { message }) => assert_eq!(message, "no loader"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn command_index_skips_global_options_and_their_values() {
        for (line, expected) in [
            ("deploy", Some(1)),
            ("-h 1.1.1.1 app details", Some(3)),
            ("-h1.1.1.1 app", Some(2)),
            ("--hosts=a,b app", Some(2)),
            ("--version 123 -pq app", Some(4)),
            ("-vpr web x", Some(3)),
            ("-rweb x", Some(2)),
            ("--lock-wait --lock-wait-timeout 5 deploy", Some(4)),
            ("-- deploy", None),
            ("-v", None),
        ] {
            assert_eq!(command_index(&argv(line)), expected, "{line}");
        }
    }

    #[test]
    fn value_option_lists_match_the_clap_globals() {
        let cmd = crate::cli::Cli::command();
        let mut longs = Vec::new();
        let mut shorts = Vec::new();
        for arg in cmd.get_arguments().filter(|a| a.get_action().takes_values()) {
            longs.extend(arg.get_long().map(str::to_string));
            if let (Some(short), Some(long)) = (arg.get_short(), arg.get_long()) {
                shorts.push((short, long.to_string()));
            }
        }
        longs.sort();
        shorts.sort();
        let mut expected_longs: Vec<String> = LONG_WITH_VALUE.iter().map(|s| s.to_string()).collect();
        expected_longs.sort();
        let mut expected_shorts: Vec<(char, String)> =
            SHORT_WITH_VALUE.iter().map(|(c, l)| (*c, l.to_string())).collect();
        expected_shorts.sort();
        assert_eq!(longs, expected_longs);
        assert_eq!(shorts, expected_shorts);
    }
}
