//! Puts the options of an `exec` command before its command words, so that options may come
//! among and after those words, as Thor allows.
//!
//! Kamal's `app exec`, `accessory exec` and `server exec` take the command to run as loose
//! words, and Thor still recognises known options among and after them (so an alias
//! `app exec -r console bin/console` followed by `-r workers` runs on `workers`), while a word
//! like `-j` or `-la` that is no option of the command stays part of it. clap either stops at
//! the first word or takes everything after it, so [`command_words_last`] reorders such a
//! command line first: its options, then `--`, then the command words in their order.

use clap::{Arg, ArgAction, Command};

use super::aliases::{command_index, word_index_from};

/// The name of the positional argument that holds command words in the exec commands.
const CMD: &str = "cmd";

/// Returns `argv` with the options of an exec command moved before its words, which follow a
/// `--`; any other command line comes back unchanged. `root` is the whole command tree.
pub fn command_words_last(argv: &[String], root: &Command) -> Vec<String> {
    let mut root = root.clone();
    root.build();
    let Some((at, exec)) = exec_command(argv, &root) else {
        return argv.to_vec();
    };
    let options: Vec<&Arg> = exec.get_arguments().filter(|a| !a.is_positional()).collect();
    let mut moved = Vec::new();
    let mut words = Vec::new();
    let mut rest = argv[at + 1..].iter();
    while let Some(token) = rest.next() {
        if token == "--" {
            words.extend(rest.by_ref().cloned());
            break;
        }
        match option_arity(token, &options) {
            Some(takes_next) => {
                moved.push(token.clone());
                if takes_next && let Some(value) = rest.next() {
                    moved.push(value.clone());
                }
            }
            None => words.push(token.clone()),
        }
    }
    let mut out = argv[..=at].to_vec();
    out.extend(moved);
    if !words.is_empty() {
        out.push("--".to_string());
        out.extend(words);
    }
    out
}

/// The index of the exec subcommand's word in `argv`, and its definition.
fn exec_command<'a>(argv: &[String], root: &'a Command) -> Option<(usize, &'a Command)> {
    let first = command_index(argv)?;
    let group = find(root, &argv[first])?;
    let second = word_index_from(argv, first + 1)?;
    let sub = find(group, &argv[second])?;
    sub.get_arguments().any(|a| a.is_positional() && a.get_id() == CMD).then_some((second, sub))
}

/// A subcommand by name, alias or unique prefix (as clap resolves it with
/// `infer_subcommands`).
fn find<'a>(parent: &'a Command, word: &str) -> Option<&'a Command> {
    if let Some(exact) =
        parent.get_subcommands().find(|s| s.get_name() == word || s.get_all_aliases().any(|a| a == word))
    {
        return Some(exact);
    }
    let mut prefixed = parent
        .get_subcommands()
        .filter(|s| s.get_name().starts_with(word) || s.get_all_aliases().any(|a| a.starts_with(word)));
    match (prefixed.next(), prefixed.next()) {
        (Some(only), None) if !word.is_empty() => Some(only),
        _ => None,
    }
}

/// `Some(takes_next)` when `token` is an option of the command (`takes_next` when its value
/// is the next token), `None` when it is a command word.
fn option_arity(token: &str, options: &[&Arg]) -> Option<bool> {
    if let Some(long) = token.strip_prefix("--") {
        let (name, inline) = match long.split_once('=') {
            Some((name, _)) => (name, true),
            None => (long, false),
        };
        let arg = options.iter().find(|a| {
            a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|aliases| aliases.contains(&name))
        })?;
        return Some(!inline && takes_value(arg));
    }
    let cluster = token.strip_prefix('-').filter(|c| !c.is_empty())?;
    for (at, letter) in cluster.char_indices() {
        let arg = options.iter().find(|a| a.get_short() == Some(letter))?;
        if takes_value(arg) {
            return Some(at + letter.len_utf8() == cluster.len());
        }
    }
    Some(false)
}

fn takes_value(arg: &Arg) -> bool {
    let needs_value = arg.get_num_args().is_none_or(|range| range.min_values() > 0);
    matches!(arg.get_action(), ArgAction::Set | ArgAction::Append) && needs_value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reorder(line: &str) -> String {
        let argv: Vec<String> =
            std::iter::once("tug".to_string()).chain(shell_words::split(line).expect("test argv")).collect();
        shell_words::join(&command_words_last(&argv, &crate::cli::command())[1..])
    }

    #[test]
    fn options_move_before_the_words() {
        assert_eq!(
            reorder("app exec --reuse -p -r console bin/console -r workers"),
            "app exec --reuse -p -r console -r workers -- bin/console"
        );
        assert_eq!(reorder("server exec date -j --raw"), "server exec --raw -- date -j");
        assert_eq!(
            reorder("-v accessory exec mysql --reuse 'mysql -v'"),
            "-v accessory exec --reuse -- mysql 'mysql -v'"
        );
        assert_eq!(
            reorder("app exec -e A:1 --env=B:2 -ie C:3 ls -la -- --reuse"),
            "app exec -e A:1 '--env=B:2' -ie C:3 -- ls -la --reuse"
        );
        assert_eq!(reorder("app ex -i bash"), "app ex -i -- bash");
    }

    #[test]
    fn other_commands_are_untouched() {
        for line in ["app logs -n 10", "deploy -P", "app exec", "app exec -i", "exec foo -x"] {
            assert_eq!(reorder(line), line);
        }
    }
}
