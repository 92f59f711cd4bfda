//! Golden strings of the deploy lock (Kamal's `test/commands/lock_test.rb`).

mod kamal_fixture;

use base64::Engine;
use kamal_fixture::single;
use tug_commands::lock::{Lock, LockDetails, encode64};

fn details(locked_by: &str) -> LockDetails {
    LockDetails {
        message: "Hello".into(),
        version: "123".into(),
        locked_by: locked_by.into(),
        locked_at: "2024-05-01T12:00:00Z".into(),
    }
}

fn decode(command: &str) -> String {
    let start = command.find("echo \"").expect("echo") + 6;
    let end = command.find("\" > ").expect("redirect");
    let b64: String = command[start..end].chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).expect("base64");
    String::from_utf8(bytes).expect("utf-8")
}

#[test]
fn status() {
    let f = single().destination("production").load();
    let c = Lock::new(&f.config).status();
    assert_eq!(
        c.to_shell(),
        "stat .kamal/lock-app-production > /dev/null && cat .kamal/lock-app-production/details | base64 -d"
    );
    assert_eq!(
        c.to_remote_shell(),
        "/usr/bin/env stat .kamal/lock-app-production > /dev/null && cat .kamal/lock-app-production/details | base64 -d"
    );
}

#[test]
fn acquire() {
    let f = single().destination("production").load();
    let c = Lock::new(&f.config).acquire(&details("dhh")).to_shell();
    let text = "Locked by: dhh at 2024-05-01T12:00:00Z\nVersion: 123\nMessage: Hello";
    assert_eq!(
        c,
        format!(
            "mkdir .kamal/lock-app-production && echo \"{}\" > .kamal/lock-app-production/details",
            encode64(text.as_bytes())
        )
    );
    // Ruby's Base64.encode64: 60-character lines, each ending in a newline.
    assert_eq!(
        c,
        "mkdir .kamal/lock-app-production && echo \"TG9ja2VkIGJ5OiBkaGggYXQgMjAyNC0wNS0wMVQxMjowMDowMFoKVmVyc2lv\nbjogMTIzCk1lc3NhZ2U6IEhlbGxv\n\" > .kamal/lock-app-production/details"
    );
    assert_eq!(decode(&c), text);
}

#[test]
fn acquire_encodes_non_ascii_lock_details_for_shell() {
    let f = single().destination("production").load();
    let c = Lock::new(&f.config).acquire(&details("Сергей Федоров")).to_shell();
    assert!(c.is_ascii());
    assert!(decode(&c).contains("Locked by: Сергей Федоров"));
}

#[test]
fn release() {
    let f = single().destination("production").load();
    let c = Lock::new(&f.config).release();
    assert_eq!(c.to_shell(), "rm .kamal/lock-app-production/details && rm -r .kamal/lock-app-production");
    assert_eq!(
        c.to_remote_shell(),
        "/usr/bin/env rm .kamal/lock-app-production/details && rm -r .kamal/lock-app-production"
    );
}

#[test]
fn lock_without_destination() {
    let f = single().load();
    let lock = Lock::new(&f.config);
    assert_eq!(lock.lock_dir(), ".kamal/lock-app");
    assert_eq!(lock.ensure_locks_directory().to_remote_shell(), "/usr/bin/env mkdir -p .kamal");
}

#[test]
fn hostile_message_stays_inside_base64() {
    let f = single().load();
    let mut d = details("dhh");
    d.message = "\"; rm -rf / #`id`$(id)'".into();
    let c = Lock::new(&f.config).acquire(&d).to_shell();
    assert!(!c.contains("rm -rf"));
    assert!(decode(&c).ends_with("Message: \"; rm -rf / #`id`$(id)'"));
}
