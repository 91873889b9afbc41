//! A private real Docker Engine beside the shared test engine, of the same release (20.10
//! or 28.5, started by tests/engine.sh): its own data root, exec root, pidfile and unix
//! socket under `/var/tmp`, no bridge and no iptables rules (DESIGN.md §7), that a test may stop (SIGTERM, then wait until the
//! process is gone) and start again on the same data root and socket — what the shared
//! engine, used by other tests at the same time, must never be put through. Extra daemon
//! arguments (e.g. `--tlsverify` and a TCP listener, tls_engine.rs) can be given. Stopped,
//! with everything it wrote, on drop.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::docker::{BUSYBOX_IMAGE, build_busybox_image_with, docker_with, engine_release};

/// The script that starts the tests' Docker Engines.
const ENGINE_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../engine.sh");
/// The script that builds the forky root and ends what its namespaces leave.
const FORKY_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../forky.sh");

/// How long the engine may take to answer after it was started.
const START_WAIT: Duration = Duration::from_secs(60);
/// How long a stopped engine may take to exit (it stops its containers first: each gets
/// its stop timeout, 10 s unless `--stop-timeout` says otherwise).
const STOP_WAIT: Duration = Duration::from_secs(60);

pub struct SpareEngine {
    dir: PathBuf,
    /// Daemon arguments beyond the roots, the pidfile and the unix socket.
    extra: Vec<String>,
    /// `None` while stopped.
    child: Option<Child>,
}

impl SpareEngine {
    /// A plain engine (unix socket only) in `/var/tmp/dse-spare-<tag>-<pid>`, started,
    /// answering, with the busybox image built on it.
    pub fn start(tag: &str) -> SpareEngine {
        SpareEngine::start_with(tag, &[])
    }

    /// Like [`SpareEngine::start`], with extra daemon arguments (e.g. `--live-restore`).
    pub fn start_with(tag: &str, extra: &[&str]) -> SpareEngine {
        let dir = PathBuf::from(format!("/var/tmp/dse-spare-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        SpareEngine::start_in(dir, extra.iter().map(|a| a.to_string()).collect())
    }

    /// An engine whose files live in `dir` (which must exist; removed on drop), started
    /// with `extra` daemon arguments, answering, with the busybox image built on it.
    pub fn start_in(dir: PathBuf, extra: Vec<String>) -> SpareEngine {
        let mut engine = SpareEngine {
            dir,
            extra,
            child: None,
        };
        engine.launch();
        build_busybox_image_with(&[("DOCKER_HOST", &engine.host())]);
        engine
    }

    /// The directory holding everything the engine writes.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Its unix socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.join("docker.sock")
    }

    /// Its unix socket as `DOCKER_HOST`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// The daemon's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// Starts dockerd and waits until it answers; panics with its log if it does not.
    fn launch(&mut self) {
        if let Err(why) = self.try_launch() {
            panic!("{why}:\n{}", self.log());
        }
    }

    /// Starts dockerd and waits until it answers, or says why not.
    fn try_launch(&mut self) -> Result<(), String> {
        assert!(self.child.is_none(), "the spare engine is already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("dockerd.log"))
            .map_err(|e| format!("the spare engine's log: {e}"))?;
        // tests/engine.sh knows how each release is started; its `run` becomes dockerd
        // (the same process), so the child is the daemon.
        let child = Command::new(ENGINE_SCRIPT)
            .args(["run", engine_release(), &self.dir.to_string_lossy()])
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start dockerd {} (tests/engine.sh): {e}",
                    engine_release()
                )
            })?;
        self.child = Some(child);
        let tries = START_WAIT.as_millis() / 250;
        for _ in 0..tries {
            if self.answers() {
                return Ok(());
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                self.child = None;
                return Err(format!("the spare engine exited at start ({status})"));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(format!(
            "the spare engine did not answer within {} s",
            START_WAIT.as_secs()
        ))
    }

    /// True when the engine answers the docker CLI.
    pub fn answers(&self) -> bool {
        self.socket().exists()
            && Command::new("docker")
                .env("DOCKER_HOST", self.host())
                .args(["version", "--format", "{{.Server.Version}}"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
    }

    /// The daemon's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default()
    }

    /// Sends SIGTERM and waits until the process is gone (SIGKILL after [`STOP_WAIT`]).
    /// Returns at once if it is not running.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let tries = STOP_WAIT.as_millis() / 50;
        for _ in 0..tries {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Freezes the daemon (SIGSTOP): it answers nothing, as a hung engine, until it is
    /// stopped by [`SpareEngine::kill`].
    pub fn freeze(&self) {
        if let Some(child) = &self.child {
            let _ = Command::new("kill")
                .args(["-STOP", &child.id().to_string()])
                .status();
        }
    }

    /// Ends the daemon at once (SIGKILL, as a crash or the kernel's OOM killer would) and
    /// waits until it is gone. With `--live-restore` its containers outlive it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // A killed dockerd leaves its pidfile, and refuses to start while it is there.
        let _ = std::fs::remove_file(self.dir.join("docker.pid"));
    }

    /// Starts the engine again on the same data root and socket, after [`SpareEngine::stop`],
    /// and waits until it answers.
    pub fn start_again(&mut self) {
        self.launch();
    }

    /// `docker args` on this engine; panics on failure.
    pub fn docker(&self, args: &[&str]) -> String {
        docker_with(args, &[("DOCKER_HOST", &self.host())])
    }

    /// `docker args` on this engine, ignoring the outcome (for cleaning up).
    pub fn docker_quietly(&self, args: &[&str]) {
        let _ = Command::new("docker")
            .env("DOCKER_HOST", self.host())
            .args(args)
            .output();
    }

    /// Runs a busybox container named `name` with `options` and `script` on this engine
    /// (with no network unless `options` name one); its id.
    pub fn run_with(&self, name: &str, options: &[&str], script: &str) -> String {
        let mut args = vec!["run", "-d", "--name", name];
        if !options.contains(&"--network") {
            args.extend_from_slice(&["--network", "none"]);
        }
        args.extend_from_slice(options);
        args.extend_from_slice(&[BUSYBOX_IMAGE, "sh", "-c", script]);
        self.docker(&args)
    }

    /// Runs a busybox container named `name` with `script` on this engine; its id.
    pub fn run(&self, name: &str, script: &str) -> String {
        self.run_with(name, &[], script)
    }
}

impl Drop for SpareEngine {
    fn drop(&mut self) {
        // Stopped (a test failed before starting it again): its containers may outlive it
        // (`--live-restore`), and only the engine can remove them.
        if self.child.is_none() {
            let _ = self.try_launch();
        }
        if self.child.is_some() {
            // Its containers go with its data root; removing them first spares dockerd the
            // wait for each to stop.
            let ids = Command::new("docker")
                .env("DOCKER_HOST", self.host())
                .args(["ps", "-aq"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            let ids: Vec<&str> = ids.split_whitespace().collect();
            if !ids.is_empty() {
                let mut args = vec!["rm", "-f"];
                args.extend(ids);
                self.docker_quietly(&args);
            }
            // Its networks' bridges live in the host's network namespace and outlive its
            // data root: a leaked one keeps its subnet, and another engine's network on the
            // same subnet (a Swarm's docker_gwbridge) then routes nowhere.
            self.docker_quietly(&["network", "prune", "-f"]);
        }
        self.stop();
        // dockerd mounts its data root on itself (private propagation) and leaves that
        // mount behind when it exits.
        let _ = Command::new("umount")
            .arg(self.path("data"))
            .stderr(Stdio::null())
            .status();
        // An engine from the forky root leaves its mount namespace, containerd and any
        // container its stop missed: all of it ends here, with its cgroups.
        if engine_release() != "20.10" {
            let parent = format!("/{}", self.dir.file_name().unwrap().to_string_lossy());
            let _ = Command::new(FORKY_SCRIPT)
                .arg("leave")
                .arg(&self.dir)
                .arg(parent)
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
