//! Lab scenario: the nine hooks run in Kamal's order with the `KAMAL_*` environment, and a
//! hook that calls `kamal app exec …` (as the user's hooks do) drives this Tug.

use crate::session;

const HOOKS: [&str; 9] = [
    "pre-connect",
    "docker-setup",
    "pre-build",
    "pre-deploy",
    "pre-app-boot",
    "post-app-boot",
    "post-deploy",
    "pre-proxy-reboot",
    "post-proxy-reboot",
];

#[test]
fn hooks_run_in_order() {
    let p = session::v1_serving("hooks_run_in_order");
    let log = p.path().join("hooks.log");
    for name in HOOKS {
        // One line per run: the hook, then the KAMAL_* variables it got (sorted), and whether
        // the registry password (a secret) reached it.
        let mut script = format!(
            "#!/bin/sh\nset -e\nprintf '%s' '{name}' >> {log}\nenv | grep '^KAMAL_' | grep -v '^KAMAL_REGISTRY_PASSWORD=' | sort | tr '\\n' ' ' | sed 's/^/ /' >> {log}\n[ -n \"$KAMAL_REGISTRY_PASSWORD\" ] && printf ' secrets=yes' >> {log}\necho >> {log}\n",
            log = log.display()
        );
        if name == "post-deploy" {
            script.push_str(&format!(
                "echo \"exec: $(kamal app exec -d lab --reuse 'zen-miner version' | tr '\\n' ' ')\" >> {}\n",
                log.display()
            ));
        }
        p.hook(name, &script);
    }

    p.tug(&["setup", "--version", "v1"]).ok();
    p.assert_serving("v1");
    p.tug(&["proxy", "reboot", "-y"]).ok();
    p.assert_serving("v1");

    let text = std::fs::read_to_string(&log).expect("hooks.log");
    let lines: Vec<&str> = text.lines().collect();
    // The nested `kamal app exec` runs its own pre-connect hook, as Kamal's does.
    let order: Vec<&str> = lines.iter().map(|l| l.split(' ').next().unwrap_or("")).collect();
    assert_eq!(
        order,
        [
            "pre-connect",
            "docker-setup",
            "pre-build",
            "pre-deploy",
            "pre-app-boot",
            "post-app-boot",
            "post-deploy",
            "pre-connect",
            "exec:",
            "pre-connect",
            "pre-proxy-reboot",
            "post-proxy-reboot"
        ],
        "{text}"
    );
    let hosts = format!("KAMAL_HOSTS={}", p.lab.servers.join(","));
    for line in &lines[..7] {
        for want in [
            "KAMAL_COMMAND=setup",
            "KAMAL_DESTINATION=lab",
            "KAMAL_SERVICE=zen_miner",
            "KAMAL_VERSION=v1",
            "KAMAL_SERVICE_VERSION=zen_miner@v1",
            "KAMAL_PERFORMER=",
            "KAMAL_RECORDED_AT=",
            hosts.as_str(),
        ] {
            assert!(line.contains(want), "`{want}` missing: {line}");
        }
    }
    let by_name = |n: &str| lines.iter().find(|l| l.starts_with(&format!("{n} "))).copied().unwrap_or("");
    assert!(
        by_name("pre-deploy").contains("KAMAL_LOCK=true") && by_name("pre-deploy").contains("secrets=yes"),
        "{}",
        by_name("pre-deploy")
    );
    assert!(!by_name("pre-build").contains("secrets=yes"), "pre-build gets no secrets: {}", by_name("pre-build"));
    assert!(by_name("post-deploy").contains("KAMAL_RUNTIME="), "{}", by_name("post-deploy"));
    assert!(
        by_name("post-deploy").contains("KAMAL_LOCK=true"),
        "setup runs post-deploy inside the lock: {}",
        by_name("post-deploy")
    );
    let exec = lines.iter().find(|l| l.starts_with("exec:")).copied().unwrap_or("");
    assert_eq!(
        exec.matches("v1").count(),
        3,
        "`kamal app exec --reuse` in a hook ran this Tug on every server: {exec}"
    );
    assert!(
        by_name("pre-proxy-reboot").contains("KAMAL_COMMAND=proxy")
            && by_name("pre-proxy-reboot").contains("KAMAL_SUBCOMMAND=reboot"),
        "{}",
        by_name("pre-proxy-reboot")
    );
    p.v1_still_serving();
}
