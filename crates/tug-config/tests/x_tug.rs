//! `x-tug:` read once at load into typed settings, and its bad values reported with file,
//! line and column like any other setting.

use tug_config::ssh::ConfigFiles;
use tug_config::x_tug::{DEFAULT_KEEP, SslMode};

const BASE: &str = "service: zen_miner\nimage: me/zen_miner\nregistry:\n  username: me\n  password: [KAMAL_REGISTRY_PASSWORD]\nbuilder:\n  arch: amd64\nservers:\n  - 1.2.3.4\n";

fn load(body: &str) -> Result<tug_config::Config, tug_config::ConfigErrors> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
    std::fs::write(dir.path().join("config/deploy.yml"), format!("{BASE}{body}")).expect("write");
    tug_config::load(&tug_config::LoadOptions::new(dir.path()))
}

/// Each error as `position: message (help)`.
fn errors(body: &str) -> Vec<String> {
    match load(body) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .0
            .iter()
            .map(|e| {
                format!("{}: {} ({})", e.position().unwrap_or_default(), e.message, e.help.clone().unwrap_or_default())
            })
            .collect(),
    }
}

#[test]
fn the_block_is_typed_once_at_load() {
    let c = load(
        "x-tug:\n  rollback_on_failure: false\n  cloudflare:\n    ssl_mode: full_strict\n  db:\n    path: /rails/storage/production.sqlite3\n    keep: 3\n    before_deploy: false\n    copy_to: [10.0.0.2]\n",
    )
    .expect("loads");
    let x = &c.x_tug;
    assert!(!x.rollback_on_failure);
    assert_eq!(x.ssl_mode(), Some(SslMode::FullStrict));
    assert!(x.db.configured && !x.db.before_deploy);
    assert_eq!(x.db.path.as_deref(), Some("/rails/storage/production.sqlite3"));
    assert_eq!(x.db.keep, 3);
    assert_eq!(x.db.copy_to, vec!["10.0.0.2".to_string()]);
    assert_eq!(x.db.copy_dir, "/var/backups/zen_miner");

    let none = load("").expect("loads");
    assert!(none.x_tug.rollback_on_failure && none.x_tug.cloudflare.is_none());
    assert!(!none.x_tug.db.configured && none.x_tug.db.before_deploy);
    assert_eq!(none.x_tug.db.keep, DEFAULT_KEEP);
}

#[test]
fn a_wrong_type_is_located() {
    assert_eq!(
        errors("x-tug:\n  db:\n    keep: ten\n"),
        vec![
            "config/deploy.yml:12:11: `x-tug/db/keep` should be an integer (`tug docs x-tug` shows the expected shape)"
        ]
    );
    assert_eq!(
        errors("x-tug:\n  rollback_on_failure: sometimes\n"),
        vec![
            "config/deploy.yml:11:24: `x-tug/rollback_on_failure` should be a boolean (`tug docs x-tug` shows the expected shape)"
        ]
    );
}

#[test]
fn an_unknown_key_is_located() {
    assert_eq!(
        errors("x-tug:\n  db:\n    kepp: 3\n"),
        vec![
            "config/deploy.yml:12:5: unknown key `kepp` in `x-tug/db` (did you mean `keep`? `tug docs x-tug` lists every setting)"
        ]
    );
}

#[test]
fn bad_db_values_are_located() {
    assert_eq!(
        errors("x-tug:\n  db:\n    path: storage/production.sqlite3\n    keep: 0\n    copy_dir: backups\n"),
        vec![
            "config/deploy.yml:12:11: `x-tug/db/path` (storage/production.sqlite3) must be an absolute path inside the app's container (write it from the root, e.g. /rails/storage/production.sqlite3)",
            "config/deploy.yml:14:15: `x-tug/db/copy_dir` (backups) must be an absolute path on the servers that get copies (write it from the root, e.g. /var/backups/my-app)",
            "config/deploy.yml:13:11: `x-tug/db/keep` (0) must be a whole number of at least 1 (keep at least one backup (the default is 10))",
        ]
    );
}

#[test]
fn ssh_settings_are_read_in_one_place() {
    let c = load("ssh:\n  config: false\n  keys: [~/.ssh/a, ~/.ssh/b]\n  keys_only: true\n  forward_agent: true\n")
        .expect("loads");
    assert_eq!(c.ssh.config_files(), ConfigFiles::Off);
    assert_eq!(c.ssh.keys(), vec!["~/.ssh/a".to_string(), "~/.ssh/b".to_string()]);
    assert!(c.ssh.keys_only() && c.ssh.forward_agent());
    let files = load("ssh:\n  config: [~/.ssh/config, /etc/tug]\n").expect("loads");
    assert_eq!(files.ssh.config_files(), ConfigFiles::Files(vec!["~/.ssh/config".into(), "/etc/tug".into()]));
    let one = load("ssh:\n  config: ~/.ssh/tug\n").expect("loads");
    assert_eq!(one.ssh.config_files(), ConfigFiles::Files(vec!["~/.ssh/tug".into()]));
    let default = load("").expect("loads");
    assert_eq!(default.ssh.config_files(), ConfigFiles::Default);
    assert!(default.ssh.keys().is_empty() && !default.ssh.keys_only() && !default.ssh.forward_agent());
}
