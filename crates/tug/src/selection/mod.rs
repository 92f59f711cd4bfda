//! Which hosts and roles a command acts on (Kamal's `Commander::Specifics`): `-h`, `-r` and
//! `-p` applied to the config, the primary role and its hosts sorted first.

pub mod fnmatch;

use tug_config::Config;
use tug_config::role::Role;

use crate::selection::fnmatch::fnmatch;

/// A `-h`/`-r` filter that matched nothing (Kamal's `ArgumentError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoMatch(pub String);

impl std::fmt::Display for NoMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The selected hosts and roles.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Selected role names, primary first.
    pub roles: Vec<String>,
    /// Selected hosts, hosts of the primary role first.
    pub hosts: Vec<String>,
    /// The primary host (where the lock lives).
    pub primary_host: Option<String>,
    /// The primary role among the selected ones.
    pub primary_role: Option<String>,
    /// Role names given with `-r` (for `KAMAL_ROLES`).
    pub specific_roles: Option<Vec<String>>,
    role_hosts: Vec<(String, Vec<String>)>,
    app_hosts: Vec<String>,
    proxy_hosts: Vec<String>,
    accessory_hosts: Vec<String>,
}

/// Kamal's `filter_specific_items`: every item matching any filter, filters in order, once.
fn filter(filters: &[String], items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in filters {
        for i in items {
            if fnmatch(f, i) && !out.contains(i) {
                out.push(i.clone());
            }
        }
    }
    out
}

fn split(list: Option<&str>) -> Option<Vec<String>> {
    let items: Vec<String> = list?.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
    (!items.is_empty()).then_some(items)
}

fn stable_sort(items: &mut [String], key: impl Fn(&String) -> u8) {
    items.sort_by_key(|i| key(i));
}

impl Selection {
    /// Applies `--hosts`, `--roles` (comma-separated, with wildcards) and `--primary`.
    pub fn new(config: &Config, hosts: Option<&str>, roles: Option<&str>, primary: bool) -> Result<Selection, NoMatch> {
        let all_roles: Vec<String> = config.roles.iter().map(|r| r.name.clone()).collect();
        let specific_roles = match split(roles) {
            Some(filters) => {
                let found = filter(&filters, &all_roles);
                if found.is_empty() {
                    return Err(NoMatch(format!("No --roles match for {}", filters.join(","))));
                }
                Some(found)
            }
            None => None,
        };
        let mut specific_hosts = match split(hosts) {
            Some(filters) => {
                let found = filter(&filters, &config.all_hosts());
                if found.is_empty() {
                    return Err(NoMatch(format!("No --hosts match for {}", filters.join(","))));
                }
                Some(found)
            }
            None => None,
        };
        let role = |name: &str| config.roles.iter().find(|r| r.name == name);
        let primary_name = config.primary_role_name();
        let primary_or_first = |names: &[String]| -> Option<String> {
            names.iter().find(|n| **n == primary_name).or(names.first()).cloned()
        };
        if primary {
            let host = match &specific_roles {
                Some(rs) => rs.first().and_then(|r| role(r)).and_then(|r| r.hosts().into_iter().next()),
                None => config.primary_host(),
            };
            specific_hosts = Some(host.into_iter().collect());
        }
        let base_hosts = specific_hosts.clone().unwrap_or_else(|| config.all_hosts());
        let mut roles: Vec<String> = specific_roles
            .clone()
            .unwrap_or_else(|| all_roles.clone())
            .into_iter()
            .filter(|r| role(r).is_some_and(|r| r.hosts().iter().any(|h| base_hosts.contains(h))))
            .collect();
        let mut hosts = base_hosts.clone();
        let specific_role_hosts: Vec<String> =
            specific_roles.iter().flatten().filter_map(|r| role(r)).flat_map(Role::hosts).collect();
        if !specific_role_hosts.is_empty() {
            hosts.retain(|h| specific_role_hosts.contains(h));
        }
        let primary_specific_role = specific_roles.as_deref().and_then(primary_or_first);
        let primary_host = specific_hosts
            .as_ref()
            .and_then(|h| h.first().cloned())
            .or_else(|| primary_specific_role.as_deref().and_then(role).and_then(|r| r.hosts().into_iter().next()))
            .or_else(|| config.primary_host());
        let roles_on_primary: Vec<String> = roles
            .iter()
            .filter(|r| primary_host.as_ref().is_some_and(|h| role(r).is_some_and(|r| r.hosts().contains(h))))
            .cloned()
            .collect();
        let primary_role = primary_or_first(&roles_on_primary);
        stable_sort(&mut roles, |r| u8::from(Some(r) != primary_role.as_ref()));
        let role_hosts: Vec<(String, Vec<String>)> =
            roles.iter().filter_map(|r| role(r).map(|rr| (r.clone(), rr.hosts()))).collect();
        let on_primary_role =
            |h: &String| role_hosts.iter().any(|(r, hs)| Some(r) == primary_role.as_ref() && hs.contains(h));
        stable_sort(&mut hosts, |h| u8::from(!on_primary_role(h)));
        let config_app_hosts: Vec<String> = {
            let mut v: Vec<String> = Vec::new();
            for h in config.roles.iter().flat_map(Role::hosts) {
                if !v.contains(&h) {
                    v.push(h);
                }
            }
            v
        };
        let mut app_hosts: Vec<String> = config_app_hosts.into_iter().filter(|h| hosts.contains(h)).collect();
        stable_sort(&mut app_hosts, |h| u8::from(!on_primary_role(h)));
        let mut config_proxy_hosts: Vec<String> = Vec::new();
        for h in config
            .roles
            .iter()
            .filter(|r| r.running_proxy())
            .flat_map(Role::hosts)
            .chain(config.accessories.iter().filter(|a| a.running_proxy()).flat_map(|a| a.hosts.clone()))
        {
            if !config_proxy_hosts.contains(&h) {
                config_proxy_hosts.push(h);
            }
        }
        let proxy_hosts = config_proxy_hosts.into_iter().filter(|h| hosts.contains(h)).collect();
        let accessory_hosts =
            config.accessories.iter().flat_map(|a| a.hosts.clone()).filter(|h| hosts.contains(h)).fold(
                Vec::new(),
                |mut v, h| {
                    if !v.contains(&h) {
                        v.push(h);
                    }
                    v
                },
            );
        Ok(Selection {
            roles,
            hosts,
            primary_host,
            primary_role,
            specific_roles,
            role_hosts,
            app_hosts,
            proxy_hosts,
            accessory_hosts,
        })
    }

    /// The selected roles that run on `host`, primary first.
    pub fn roles_on(&self, host: &str) -> Vec<String> {
        self.role_hosts.iter().filter(|(_, hs)| hs.iter().any(|h| h == host)).map(|(r, _)| r.clone()).collect()
    }

    /// Selected hosts that run app roles, primary-role hosts first.
    pub fn app_hosts(&self) -> &[String] {
        &self.app_hosts
    }

    /// Selected hosts that run kamal-proxy.
    pub fn proxy_hosts(&self) -> &[String] {
        &self.proxy_hosts
    }

    /// Selected hosts that run accessories.
    pub fn accessory_hosts(&self) -> &[String] {
        &self.accessory_hosts
    }

    /// The hosts of a selected role.
    pub fn role_hosts(&self, role: &str) -> Vec<String> {
        self.role_hosts.iter().find(|(r, _)| r == role).map(|(_, h)| h.clone()).unwrap_or_default()
    }
}
