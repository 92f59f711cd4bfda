//! Advice on valid configurations: Cloudflare SSL modes against `proxy.ssl`, and SQLite volumes
//! on roles with several hosts.

use tug_config::advice::{Level, advise};

fn load(body: &str) -> tug_config::Config {
    let text = format!(
        "service: zen_miner\nimage: me/zen_miner\nregistry:\n  username: me\n  password: [KAMAL_REGISTRY_PASSWORD]\nbuilder:\n  arch: amd64\n{body}"
    );
    tug_test::Project::new(&text)
        .try_load()
        .unwrap_or_else(|e| panic!("{:?}", e.0.iter().map(|e| e.message.clone()).collect::<Vec<_>>()))
}

fn summary(body: &str) -> Vec<(Level, &'static str, String)> {
    advise(&load(body)).into_iter().map(|a| (a.level, a.topic, a.message)).collect()
}

const ONE_HOST: &str = "servers:\n  web:\n    - 1.2.3.4\nvolumes:\n  - zen_miner_storage:/rails/storage\n";
const THREE_HOSTS: &str =
    "servers:\n  web:\n    - 1.2.3.4\n    - 1.2.3.5\n    - 1.2.3.6\nvolumes:\n  - zen_miner_storage:/rails/storage\n";

#[test]
fn ssl_false_with_a_host_reminds_of_flexible() {
    let a = summary(&format!("{ONE_HOST}proxy:\n  ssl: false\n  host: app.example.com\n"));
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].0, Level::Warning);
    assert!(a[0].2.contains("must be Flexible"), "{}", a[0].2);
}

#[test]
fn stated_full_with_ssl_false_is_an_error() {
    let a = summary(&format!(
        "{ONE_HOST}proxy:\n  ssl: false\n  host: app.example.com\nx-tug:\n  cloudflare:\n    ssl_mode: full\n"
    ));
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].0, Level::Error);
    assert!(a[0].2.contains("error 525"), "{}", a[0].2);
}

#[test]
fn consistent_setups_get_no_advice() {
    let flexible = format!(
        "{ONE_HOST}proxy:\n  ssl: false\n  host: app.example.com\nx-tug:\n  cloudflare:\n    ssl_mode: flexible\n"
    );
    assert!(summary(&flexible).is_empty());
    let strict = format!(
        "{ONE_HOST}proxy:\n  host: app.example.com\n  ssl:\n    certificate_pem: CF_CERT\n    private_key_pem: CF_KEY\nx-tug:\n  cloudflare:\n    ssl_mode: full_strict\n"
    );
    assert!(summary(&strict).is_empty());
    assert!(
        summary(&format!("{ONE_HOST}proxy:\n  ssl: true\n  host: app.example.com\n")).is_empty(),
        "no Cloudflare stated"
    );
    assert!(summary(ONE_HOST).is_empty(), "no host");
}

#[test]
fn lets_encrypt_behind_cloudflare_and_flexible_loops() {
    let le = summary(&format!(
        "{ONE_HOST}proxy:\n  ssl: true\n  host: app.example.com\nx-tug:\n  cloudflare:\n    ssl_mode: full_strict\n"
    ));
    assert_eq!(le.len(), 1);
    assert_eq!(le[0].0, Level::Warning);
    assert!(le[0].2.contains("TLS-ALPN-01"), "{}", le[0].2);
    let looped = summary(&format!(
        "{ONE_HOST}proxy:\n  ssl: true\n  host: app.example.com\nx-tug:\n  cloudflare:\n    ssl_mode: flexible\n"
    ));
    assert_eq!(looped[0].0, Level::Error);
    assert!(looped[0].2.contains("redirect loop"));
}

#[test]
fn sqlite_volume_on_three_hosts_warns() {
    let a = summary(THREE_HOSTS);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].1, "sqlite");
    assert!(a[0].2.starts_with("SQLite on a volume is per server: the 3 `web` hosts"), "{}", a[0].2);
    assert!(summary(ONE_HOST).is_empty());
}

#[test]
fn sqlite_follows_x_tug_db_path() {
    let other_dir = "servers:\n  web:\n    - 1.2.3.4\n    - 1.2.3.5\nvolumes:\n  - /srv/zen:/srv/zen\n";
    assert!(summary(other_dir).is_empty(), "not a SQLite-looking directory");
    let stated = format!("{other_dir}x-tug:\n  db:\n    path: /srv/zen/app.sqlite3\n");
    assert_eq!(summary(&stated)[0].1, "sqlite");
    let elsewhere = "servers:\n  web:\n    - 1.2.3.4\n    - 1.2.3.5\nvolumes:\n  - zen_storage:/rails/storage\nx-tug:\n  db:\n    path: /data/app.db\n";
    assert!(summary(elsewhere).is_empty(), "the stated path wins over the guess");
}

#[test]
fn unknown_x_tug_keys_fail_loading() {
    let text = "service: a\nimage: me/a\nregistry:\n  username: me\n  password: [P]\nbuilder:\n  arch: amd64\nservers: [1.2.3.4]\nx-tug:\n  cloudflare:\n    ssl_mod: full\n";
    let errors = tug_test::Project::new(text).try_load().expect_err("invalid").0;
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].position().as_deref(), Some("config/deploy.yml:11:5"));
    assert!(errors[0].help.as_deref().unwrap_or("").contains("did you mean `ssl_mode`"));
}
