#!/usr/bin/env python3
"""The CLI-level figures: `meterbridge usage import`, `sync --dry-run` and a real `sync` through
the external platform's simulator at growing sizes, each command a process of its own, so its
peak resident set (GNU time's %M, the command started by it rather than forked from Python) is
that command's alone.

    bench/cli_bench.py --build build-release                     # 100k, 1M and 5M lines
    bench/cli_bench.py --build build-release --lines 100000,1000000

Lines are workspaces x the simulator's 5 built-in services. For each size: a fresh simulator
with one generated customer per workspace, a fresh state database, a usage file whose workspace
names are the customers' names; then, measured, the import and `map auto` (which matches every
workspace by name and links it on the platform in link batches); not measured, the 5 service
mappings; then, measured, a dry run and a sync (every line is new to the platform, so the sync
pushes every line). The figures
print one size under the other so growth with the lines shows; bench/README.md records a run.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

GNU_TIME = "/usr/bin/time"  # Debian package "time" (scripts/install-deps.sh)
API_KEY = "ext-sim-key-0001"  # the simulator's default bearer key (docs/simulators.md)
# The simulator's built-in services, each with the metric a vendor service is mapped with.
SERVICES = [
    ("coro-edr", "devices"),
    ("coro-email-security", "users"),
    ("coro-endpoint-security", "devices"),
    ("coro-network", "users"),
    ("coro-user-data-governance", "users"),
]


class Bench:
    def __init__(self, build, work):
        self.build = build
        self.work = work
        self.env = dict(os.environ, MB_SECRET_KEY="b" * 64, EXT_API_KEY=API_KEY)
        self.env.pop("MB_CONFIG", None)
        self.config = os.path.join(work, "mb.json")

    def meterbridge(self, *args):
        return [os.path.join(self.build, "bin", "meterbridge"), "--config", self.config,
                *args]

    def run(self, *args):
        """Runs a set-up command that is not measured; its stdout."""
        done = subprocess.run(self.meterbridge(*args), env=self.env, capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise RuntimeError(f"meterbridge {' '.join(args)} exited {done.returncode}: "
                               f"{done.stderr[-2000:]}")
        return done.stdout

    def measure(self, *args):
        """Runs a measured command: (seconds, peak RSS in MB, exit status).

        The command is started by GNU time, not forked from this process: a child's peak
        resident set includes what it shared with its parent before exec, and this Python
        process holds the accounts and usage it wrote (tens of MB at a million lines), which
        would count as the command's own."""
        peak_file = os.path.join(self.work, "peak_kb")
        with open(os.devnull, "wb") as null, \
                open(os.path.join(self.work, "step.log"), "ab") as log:
            started = time.monotonic()
            code = subprocess.call([GNU_TIME, "-q", "-f", "%M", "-o", peak_file,
                                    *self.meterbridge(*args)], env=self.env, stdout=null,
                                   stderr=log)
            seconds = time.monotonic() - started
        with open(peak_file) as f:
            peak_kb = int(f.read().split()[-1])
        return seconds, peak_kb / 1024.0, code


def start_simulator(build, customers, work):
    out_path = os.path.join(work, "sim.out")
    out = open(out_path, "wb")
    sim = subprocess.Popen([os.path.join(build, "bin", "meterbridge-sim"), "external",
                            "--generate", f"customers={customers}"],
                           stdout=out, stderr=open(os.path.join(work, "sim.log"), "wb"))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with open(out_path) as f:
            line = f.readline()
        if line.endswith("\n"):
            return sim, line.strip()
        if sim.poll() is not None:
            raise RuntimeError(f"the simulator exited {sim.returncode}")
        time.sleep(0.05)
    sim.terminate()
    raise RuntimeError("the simulator did not print its address")


def write_usage(path, customers):
    """One workspace per customer, named as the customer, with a count of every service."""
    with open(path, "w") as out:
        out.write('{"as_of":"2026-11-21","workspaces":[')
        out.write(",".join(json.dumps({"id": f"ws-{i}", "name": c["name"]})
                           for i, c in enumerate(customers)))
        out.write('],"services":[')
        out.write(",".join(f'{{"id":"s{k}","name":"Module {k}"}}' for k in range(len(SERVICES))))
        out.write('],"usage":[\n')
        first = True
        for i in range(len(customers)):
            for k in range(len(SERVICES)):
                out.write(("" if first else ",") +
                          f'{{"workspace_id":"ws-{i}","service_id":"s{k}",'
                          f'"users":{(i + k) % 40 + 1},"devices":{(i * 7 + k) % 90 + 1}}}\n')
                first = False
        out.write("]}\n")


def one_size(build, lines, work, stop_after=None):
    customers = max(lines // len(SERVICES), 1)
    sim, base_url = start_simulator(build, customers, work)
    try:
        bench = Bench(build, work)
        with open(bench.config, "w") as f:
            json.dump({"state": {"path": os.path.join(work, "state", "mb.db")},
                       "plugins": {"dir": os.path.join(build, "plugins")},
                       "usage": {"max_file_mib": 4096},
                       "connectors": [{"id": "ext", "plugin": "external", "partner": "Bench MSP",
                                       "config": {"base_url": base_url,
                                                  "api_key": "${env:EXT_API_KEY}"}}]}, f)
        accounts = json.loads(bench.run("accounts", "list", "ext", "--refresh", "--json"))
        accounts.sort(key=lambda a: a["id"])
        usage = os.path.join(work, "usage.json")
        write_usage(usage, accounts)
        planned = len(accounts) * len(SERVICES)
        rows = []

        def step(name, *args):
            # Each figure also goes to stderr as soon as it is measured: a long run stopped
            # part-way still shows what it measured.
            seconds, rss, code = bench.measure(*args)
            rows.append((name, (seconds, rss, code)))
            print(f"  {planned} lines: {name}: {seconds:.2f} s, peak RSS {rss:.0f} MB, exit {code}",
                  file=sys.stderr, flush=True)
            return name == stop_after


        if step("usage import", "usage", "import", usage):
            return planned, rows
        os.remove(usage)
        if step("map auto", "map", "auto", "ext"):
            return planned, rows
        for k, (service, metric) in enumerate(SERVICES):
            bench.run("map", "service", "ext", f"s{k}", service, "--metric", metric)
        if not step("sync --dry-run", "sync", "ext", "--dry-run", "--no-progress"):
            step("sync", "sync", "ext", "--no-progress")
        return planned, rows
    finally:
        sim.terminate()
        sim.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build-release", help="the build folder")
    parser.add_argument("--lines", default="100000,1000000,5000000",
                        help="sizes in lines, comma-separated")
    parser.add_argument("--keep", action="store_true", help="keep the work folders")
    parser.add_argument("--stop-after", choices=["usage import", "map auto", "sync --dry-run"],
                        help="measure the commands up to this one only")
    args = parser.parse_args()
    sizes = [int(x) for x in args.lines.split(",") if x]
    build = os.path.abspath(args.build)

    print("CLI through the external simulator (each command a fresh process; lines = workspaces"
          f" x {len(SERVICES)} services)")
    print(f"{'command':<16} {'lines':>10} {'seconds':>10} {'lines/s':>12} {'peak RSS MB':>12}"
          f" {'exit':>5}")
    results = {}
    for lines in sizes:
        work = tempfile.mkdtemp(prefix="mb-bench-cli-")
        try:
            planned, rows = one_size(build, lines, work, args.stop_after)
            results[lines] = (planned, rows)
        except Exception as e:  # one size failing still prints the others
            print(f"{lines}: {e} (work folder {work})", file=sys.stderr)
            args.keep = True
            continue
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    # Grouped by command, so each command's growth with the lines reads down one column.
    commands = [name for name, _ in next(iter(results.values()))[1]] if results else []
    for command in commands:
        for lines, (planned, rows) in results.items():
            seconds, rss, code = dict(rows)[command]
            print(f"{command:<16} {planned:>10} {seconds:>10.2f} {planned / seconds:>12.0f}"
                  f" {rss:>12.0f} {code:>5}")
    return 0 if len(results) == len(sizes) else 1


if __name__ == "__main__":
    sys.exit(main())
