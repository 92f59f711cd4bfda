//! Golden strings of `kamal prune` (Kamal's `test/commands/prune_test.rb`).

mod kamal_fixture;

use kamal_fixture::single;
use tug_commands::prune::Prune;

#[test]
fn dangling_images() {
    let f = single().load();
    assert_eq!(
        Prune::new(&f.config).dangling_images().to_shell(),
        "docker image prune --force --filter label=service=app"
    );
}

#[test]
fn tagged_images() {
    let f = single().load();
    assert_eq!(
        Prune::new(&f.config).tagged_images().to_shell(),
        r#"docker image ls --filter label=service=app --format '{{.ID}} {{.Repository}}:{{.Tag}}' | grep -v -w "$(docker container ls -a --format '{{.Image}}\|' --filter label=service=app | tr -d '\n')dhh/app:latest\|dhh/app:<none>" | while read image tag; do docker rmi $tag; done"#
    );
}

#[test]
fn app_containers() {
    let f = single().load();
    let prune = Prune::new(&f.config);
    assert_eq!(
        prune.app_containers(5).to_shell(),
        "docker ps -q -a --filter label=service=app --filter status=created --filter status=exited --filter status=dead | tail -n +6 | while read container_id; do docker rm $container_id; done"
    );
    assert_eq!(
        prune.app_containers(3).to_shell(),
        "docker ps -q -a --filter label=service=app --filter status=created --filter status=exited --filter status=dead | tail -n +4 | while read container_id; do docker rm $container_id; done"
    );
}

#[test]
fn tagged_images_with_destination_keep_the_destination_latest() {
    let f = single().destination("staging").load();
    assert!(Prune::new(&f.config).tagged_images().to_shell().contains(r#"dhh/app:latest-staging\|dhh/app:<none>""#));
}
