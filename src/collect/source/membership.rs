//! Where one process sits in the cgroup trees, as its `/proc/<pid>/cgroup` says
//! (cgroups(7): `hierarchy-ID:controller-list:cgroup-path` lines).

/// Where one process sits: each v1 hierarchy's controllers and path, and the v2 path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Membership {
    /// `(controllers as the hierarchy names them, path)`, e.g. `("cpu,cpuacct", "/docker/…")`.
    pub(crate) v1: Vec<(String, String)>,
    /// The `0::` line's path.
    pub(crate) v2: Option<String>,
}

impl Membership {
    /// Reads `/proc/<pid>/cgroup`: `hierarchy-id:controllers:path` lines.
    pub(crate) fn parse(text: &str) -> Membership {
        let mut membership = Membership::default();
        for line in text.lines() {
            let mut parts = line.splitn(3, ':');
            let (Some(_), Some(controllers), Some(path)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if controllers.is_empty() {
                membership.v2 = Some(path.to_string());
            } else if !controllers.starts_with("name=") {
                membership
                    .v1
                    .push((controllers.to_string(), path.to_string()));
            }
        }
        membership
    }

    /// The v1 hierarchy that holds `controller`, as `(its directory name, path)`.
    pub(crate) fn v1_hierarchy(&self, controller: &str) -> Option<(&str, &str)> {
        self.v1
            .iter()
            .find(|(controllers, _)| controllers.split(',').any(|c| c == controller))
            .map(|(controllers, path)| (controllers.as_str(), path.as_str()))
    }

    /// Every path the process is in.
    pub(super) fn paths(&self) -> impl Iterator<Item = &str> {
        self.v1
            .iter()
            .map(|(_, path)| path.as_str())
            .chain(self.v2.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "f84dc4c2e8feca93aa6e9dbf4cda882b5448db1c608b611b57bbb84f5788c166";

    #[test]
    fn memberships_of_both_versions_and_both_drivers() {
        // Docker 20.10 on this host, cgroupfs driver, separate cpu and cpuacct hierarchies
        // (captured from /proc/<pid>/cgroup).
        let text = format!(
            "9:name=systemd:/docker/{ID}\n8:pids:/docker/{ID}\n2:cpuacct:/docker/{ID}\n1:cpu:/docker/{ID}\n0::/docker/{ID}\n"
        );
        let m = Membership::parse(&text);
        assert_eq!(
            m.v1_hierarchy("cpuacct"),
            Some(("cpuacct", &*format!("/docker/{ID}")))
        );
        assert_eq!(m.v1_hierarchy("memory"), None);
        assert_eq!(m.v2.as_deref(), Some(&*format!("/docker/{ID}")));
        // systemd driver with the combined hierarchy Debian mounts as cpu,cpuacct
        // (cgroups(7): "hierarchy-ID:controller-list:cgroup-path").
        let text = format!("4:cpu,cpuacct:/system.slice/docker-{ID}.scope\n");
        let m = Membership::parse(&text);
        assert_eq!(
            m.v1_hierarchy("cpu"),
            Some(("cpu,cpuacct", &*format!("/system.slice/docker-{ID}.scope")))
        );
        assert_eq!(m.v1_hierarchy("cpuacct"), m.v1_hierarchy("cpu"));
        // Pure cgroup v2, rootless (systemd user instance).
        let rootless = format!(
            "0::/user.slice/user-1000.slice/user@1000.service/user.slice/docker-{ID}.scope\n"
        );
        let m = Membership::parse(&rootless);
        assert!(m.v1.is_empty());
        assert!(m.v2.unwrap().ends_with(&format!("docker-{ID}.scope")));
    }
}
