#!/usr/bin/env bash
# Writes the first corpus of every target under fuzz/corpus/ from what this repository
# and this machine hold: the captured engine answers of tests/fixtures/ (Docker 20.10 and
# 28.5, Podman 4.3 and 5.8, Windows), a real cgroup v1 group of this host and a v2 group as
# tests/stats_source_trees.rs builds one, this host's /proc/self/net/dev, and the headers,
# request lines, web configuration files and docker endpoints of the README and the tests.
# Fuzzing adds to the corpora; `cargo fuzz cmin` keeps them small (docs/FUZZING.md).
set -euo pipefail
cd "$(dirname "$0")"
corpus=corpus
python3 - "$corpus" <<'PY'
import base64, glob, json, os, sys
corpus = sys.argv[1]
fixtures = "../tests/fixtures"

def put(target, name, data):
    os.makedirs(f"{corpus}/{target}", exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(f"{corpus}/{target}/{name}", "wb") as f:
        f.write(data)

def load(path):
    with open(path) as f:
        return json.load(f)

for path in sorted(glob.glob(f"{fixtures}/*.json")):
    name = os.path.basename(path)[:-5]
    json_ = load(path)
    json_.pop("_source", None)
    if name.startswith(("linux-", "windows", "podman")):
        put("stats_answer", name, json.dumps(json_))
    elif name.startswith("inspect-"):
        put("inspect_answer", name, json.dumps(json_))
    elif name.startswith("list-"):
        put("container_list", name, json.dumps(json_["answer"]))
    elif name.startswith("events-"):
        put("events", name, "\n".join(json.dumps(e) for e in json_["answer"]) + "\n")
    elif name.startswith(("info-", "version-")):
        put("version_info", name, json.dumps(json_))
    elif name == "missing-fields":
        for target in ["stats_answer", "inspect_answer", "version_info"]:
            put(target, name, json.dumps(json_))

put("web_config", "empty", "")
put("web_config", "basic-auth",
    "basic_auth_users:\n  prometheus: $2y$04$9Wk0dpxRyJ9bOVMMxTFsUeqpOyOa5UNXTg4QSdmnHjUWRWBeRf8Iq\n")
put("web_config", "tls", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
    "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
    "  client_allowed_sans: [\"prometheus\"]\n  min_version: TLS12\n"
    "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n  curve_preferences: [X25519]\n")
put("web_config", "http-and-rate", "http_server_config:\n  http2: false\n  headers:\n"
    "    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=31536000\n"
    "rate_limit:\n  interval: 1m30s\n  burst: 10\n")
put("web_config", "unknown-key", "tls_server_config:\n  cert_fil: x\n")

password = "correct-horse-battery-staple-correct-horse-battery-staple-correct-horse!"
for name, pair in [("right", f"prometheus:{password}"), ("wrong", "prometheus:wrong"),
                   ("unknown-user", f"grafana:{password}"), ("no-colon", "prometheus")]:
    put("authorization", name, "Basic " + base64.b64encode(pair.encode()).decode())
put("authorization", "bearer", "Bearer abc")

put("negotiation", "prometheus-2.42",
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1\ngzip\n10")
put("negotiation", "curl", "*/*\n\n")
put("negotiation", "weights", "text/plain;q=0.2, application/openmetrics-text;q=0\ngzip;q=0, *;q=1\n0.75")

for name, line in [("metrics", "GET /metrics"), ("head-root", "HEAD /"), ("post-health", "POST /health"),
                   ("api-query", "GET /api/v1/containers?since=1"), ("absolute", "GET http://localhost:8003/metrics"),
                   ("ui", "GET /ui/app.js"), ("unknown", "DELETE /nope")]:
    put("routing", name, line)

put("docker_context", "meta-tcp", json.dumps({"Name": "remote", "Metadata": {},
    "Endpoints": {"docker": {"Host": "tcp://10.0.0.5:2376", "SkipTLSVerify": False}}}))
put("docker_context", "meta-unix", json.dumps({"Name": "rootless", "Metadata": {"Description": "Rootless mode"},
    "Endpoints": {"docker": {"Host": "unix:///run/user/1000/docker.sock", "SkipTLSVerify": False}}}))
for name, host in [("host-v6", "tcp://[::1]:2375"), ("host-bare", "tcp://docker"), ("host-https", "https://docker:2376"),
                   ("host-npipe", "npipe:////./pipe/docker_engine"), ("host-ssh", "ssh://user@host")]:
    put("docker_context", name, host)

# cgroup v2: the group tests/stats_source_trees.rs builds (rootless: pids.max "max"), and a
# real scope of the cgroup v2 machine (tests/vm.sh).
v2 = {
    "cpu.stat": "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnice_usec 0\nnr_periods 10\nnr_throttled 2\nthrottled_usec 250000\nnr_bursts 0\nburst_usec 0\n",
    "memory.current": "104857600\n",
    "memory.stat": "anon 52428800\nfile 41943040\nkernel 344064\nkernel_stack 16384\npagetables 45056\nsock 0\nshmem 0\nzswap 0\nfile_mapped 4096\nfile_dirty 0\nfile_writeback 0\ninactive_anon 0\nactive_anon 52428800\ninactive_file 20971520\nactive_file 20971520\nunevictable 0\nslab 257448\nworkingset_refault_anon 0\nworkingset_refault_file 0\npgfault 1178\npgmajfault 0\nthp_fault_alloc 2\n",
    "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\nsock_throttled 0\n",
    "io.stat": "254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n",
    "pids.current": "3\n",
    "pids.max": "max\n",
    "cpu.pressure": "some avg10=0.12 avg60=0.03 avg300=0.01 total=375000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=187500\n",
    "memory.pressure": "some avg10=0.12 avg60=0.03 avg300=0.01 total=1000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=500\n",
    "io.pressure": "some avg10=0.12 avg60=0.03 avg300=0.01 total=250000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
}
put("cgroup_v2", "vm-docker-28.5-scope", open(f"{fixtures}/cgroup-v2-docker-28.5-systemd-scope.txt").read())
net_dev = open("/proc/self/net/dev").read()
put("cgroup_v2", "group", "".join(f"==> {k} <==\n{v}" for k, v in v2.items()))
put("cgroup_v2", "group-with-network", "".join(f"==> {k} <==\n{v}" for k, v in v2.items()) + f"==> net/dev <==\n{net_dev}")
put("net_dev", "host", net_dev)

# cgroup v1: a real group of this host (the first with every controller's files).
v1_files = {"cpuacct": ["cpuacct.usage", "cpuacct.stat"], "cpu": ["cpu.stat"],
            "memory": ["memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.failcnt", "memory.stat"],
            "blkio": ["blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced"],
            "pids": ["pids.current", "pids.max"]}
def mount(controller):
    return controller if os.path.isdir(f"/sys/fs/cgroup/{controller}") else "cpu,cpuacct"
mounts = {c: mount(c) for c in v1_files}
for group in ["docker", "libpod_parent", "system.slice"]:
    parts = []
    try:
        for controller, names in v1_files.items():
            for file in names:
                text = open(f"/sys/fs/cgroup/{mounts[controller]}/{group}/{file}").read()[:4096]
                parts.append(f"==> {controller}/{file} <==\n{text}")
    except OSError:
        continue
    put("cgroup_v1", group, "".join(parts))
PY
ls "$corpus" | while read -r target; do echo "$target: $(ls "$corpus/$target" | wc -l) seeds"; done
