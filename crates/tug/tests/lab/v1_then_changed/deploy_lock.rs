//! Lab scenario: while someone holds the deploy lock, a deploy is refused and nothing
//! changes; with `--lock-wait` a deploy waits for another deploy's lock, then goes ahead.

use std::time::{Duration, Instant};

use crate::session;

#[test]
fn deploy_lock() {
    let p = session::v1_serving("deploy_lock");

    p.tug(&["lock", "acquire", "-m", "Database maintenance"]).ok();
    let refused = p.tug(&["deploy", "--version", "v2"]).failed();
    assert!(refused.all().contains("Deploy lock found"), "{}", refused.all());
    assert!(refused.all().contains("Database maintenance"), "the holder's message is shown: {}", refused.all());
    p.assert_serving("v1");
    let manual = p
        .tug(&["deploy", "--version", "v2", "--lock-wait", "--lock-wait-timeout", "5", "--lock-wait-interval", "1"])
        .failed();
    assert!(manual.all().contains("held manually"), "a manual lock is not waited for: {}", manual.all());
    p.tug(&["lock", "release"]).ok();

    // A deploy that holds the lock for a while (its pre-deploy hook sleeps)...
    p.hook("pre-deploy", "#!/bin/sh\n[ \"$KAMAL_VERSION\" = v2 ] && sleep 8\nexit 0\n");
    std::thread::scope(|s| {
        let first = s.spawn(|| p.tug(&["deploy", "--version", "v2"]));
        let deadline = Instant::now() + Duration::from_secs(120);
        while !p.tug(&["lock", "status"]).stdout.contains("Automatic deploy lock") {
            assert!(Instant::now() < deadline, "the first deploy never took the lock");
            std::thread::sleep(Duration::from_millis(300));
        }
        // ...and one that waits for it.
        let second = p
            .tug(&[
                "deploy",
                "--version",
                "v3",
                "--lock-wait",
                "--lock-wait-timeout",
                "120",
                "--lock-wait-interval",
                "1",
            ])
            .ok();
        assert!(second.seconds > 2.0, "the second deploy waited ({:.1}s)", second.seconds);
        first.join().expect("first deploy").ok();
    });
    p.assert_serving("v3");
}
