//! Golden strings of the helper image Tug makes from itself on a server: a local-only name,
//! the server's architecture, the build from a streamed context, the local `ldd`, and a
//! `tug-db` run that never pulls.

use tug_commands::db::{TugDb, receive};
use tug_commands::helper_image::{build_from_stdin, local_image, send_context, server_architecture, shared_libraries};

#[test]
fn the_helper_image_has_a_local_only_name() {
    assert_eq!(local_image("0123abcd"), "tug-db-local:0123abcd");
}

#[test]
fn the_server_is_asked_its_architecture() {
    assert_eq!(server_architecture().to_shell(), "docker info --format '{{.Architecture}}'");
}

#[test]
fn the_image_is_built_from_a_context_on_stdin() {
    assert_eq!(
        build_from_stdin("tug-db-local:0123abcd").to_shell(),
        r#"docker build --quiet --tag "tug-db-local:0123abcd" -"#
    );
    assert_eq!(send_context("/tmp/x $(id)/context.tar").to_shell(), r#"cat "/tmp/x \$(id)/context.tar""#);
    assert_eq!(shared_libraries("/opt/tug dir/tug").to_shell(), r#"ldd "/opt/tug dir/tug""#);
}

#[test]
fn tug_db_never_pulls_its_image() {
    let tool = TugDb { image: "tug-db-local:0123abcd", volumes: vec!["data:/data"] };
    assert!(tool.verify("/data/b.zst").to_shell().starts_with("docker run --rm --pull never --network none "));
    assert!(receive("tug-db-local:0123abcd", "/b", 3).to_shell().starts_with("docker run --rm -i --pull never "));
}
