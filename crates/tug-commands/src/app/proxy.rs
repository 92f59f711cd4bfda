//! Registering the role with kamal-proxy: deploy (switch traffic to a container), remove,
//! maintenance (stop) and live (resume).

use super::AppCommands;
use crate::command::{Command, Wait};
use crate::docker::{docker, make_directory, remove_directory};
use crate::layout::{proxy_app_directory, tls_directory};
use crate::proxy::deploy_args::{self, PROXY_CONTAINER_NAME};

impl AppCommands<'_> {
    /// `docker exec kamal-proxy kamal-proxy deploy <prefix> --target="<target>:<port>" …`.
    /// Roles the proxy does not route to get no options beyond the target.
    pub fn deploy(&self, target: &str) -> Command {
        let args = match &self.role.proxy {
            Some(p) => deploy_args::deploy_args(self.config, p, Some(&self.role.name), target, self.version),
            None => Vec::new(),
        };
        self.proxy_exec("deploy").args(args).waits_for(Wait::ProxyDeploy)
    }

    /// `docker exec kamal-proxy kamal-proxy remove <prefix>`.
    pub fn remove(&self) -> Command {
        self.proxy_exec("remove")
    }

    /// `docker exec kamal-proxy kamal-proxy resume <prefix>`: leave maintenance mode.
    pub fn live(&self) -> Command {
        self.proxy_exec("resume")
    }

    /// `docker exec kamal-proxy kamal-proxy stop <prefix> [--drain-timeout="Ns"] [--message="…"]`.
    pub fn maintenance(&self, drain_timeout: Option<i64>, message: Option<&str>) -> Command {
        self.proxy_exec("stop").args(deploy_args::stop_args(drain_timeout, message))
    }

    /// `rm -r .kamal/proxy/apps-config/<svc_dest>`.
    pub fn remove_proxy_app_directory(&self) -> Command {
        remove_directory(&proxy_app_directory(self.config))
    }

    /// `mkdir -p …/apps-config/<svc_dest>/tls/<role>` for custom certificates.
    pub fn create_ssl_directory(&self) -> Command {
        make_directory(&format!("{}/{}", tls_directory(self.config), self.role.name))
    }

    /// `chown "$(stat -c %u:%g /proc/<proxy pid>)" <key>`: a private key uploaded with mode
    /// 0600 belongs to the SSH user, but the proxy reads it as its own user (`kamal-proxy`
    /// in kamal-proxy's and tug-proxy's images); the user is found from the running proxy
    /// process, since the images name it without a fixed uid.
    pub fn give_to_proxy_user(&self, path: &str) -> Command {
        Command::new([
            "chown".to_string(),
            format!(
                "\"$(stat -c %u:%g /proc/$(docker inspect --format '{{{{.State.Pid}}}}' {PROXY_CONTAINER_NAME}))\""
            ),
            crate::shell::shell_word(path),
        ])
    }

    fn proxy_exec(&self, verb: &str) -> Command {
        docker(["exec", PROXY_CONTAINER_NAME, "kamal-proxy", verb]).arg(self.container_prefix())
    }
}
