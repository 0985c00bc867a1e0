#!/usr/bin/env python3
"""A process plugin for the host's tests, written from docs/plugin-protocol.md alone.

Its platform is a JSON file (the ledger), as for the "ledger" library plugin, so what it wrote
survives the process: {"accounts":[{"id","name","active"}], "services":[{"id","name"}],
"units":{"ACCOUNT|SERVICE": n}, "writes":[{"key","delta"}]}. Like a delta-only platform, apply
journals each write (host/journal_intents), then posts the difference.

Config: {"ledger": PATH, "http_url": URL (authenticate GETs it through the host),
         "fault": {"op": METHOD, "kind": KIND, "once_file": PATH}}
KIND: segfault, abort, exit, hang, garbage, flood, huge_frame, memory, after_first_write,
      report (authenticate answers with what the process sees: environment, descriptors, limits).
With once_file the fault happens only while that file does not exist (it is created first), so
the host's next, fresh child behaves.
"""
import json
import os
import sys
import time

STDIN = sys.stdin.buffer
STDOUT = sys.stdout.buffer


class PluginError(Exception):
    def __init__(self, error_class, message):
        super().__init__(message)
        self.error_class = error_class


def read_frame():
    headers = {}
    while True:
        line = STDIN.readline()
        if not line:
            return None
        if line == b"\r\n":
            break
        name, _, value = line.decode("ascii").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    body = STDIN.read(length)
    return json.loads(body) if len(body) == length else None


def write_frame(message):
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    STDOUT.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    STDOUT.flush()


class Host:
    """The host services, as requests made while an operation is being served."""

    def __init__(self):
        self.next_id = 1

    def request(self, method, params):
        request_id = self.next_id
        self.next_id += 1
        write_frame({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        answer = read_frame()
        if answer is None:
            sys.exit(0)
        if "error" in answer:
            error = answer["error"]
            raise PluginError(error.get("data", {}).get("class", "fatal"), error["message"])
        return answer["result"]

    def log(self, level, message):
        write_frame({"jsonrpc": "2.0", "method": "host/log",
                     "params": {"level": level, "message": message}})


def misbehave(kind):
    if kind == "segfault":
        import ctypes
        ctypes.string_at(0)
    elif kind == "abort":
        os.abort()
    elif kind == "exit":
        os._exit(3)
    elif kind == "hang":
        time.sleep(3600)
    elif kind == "garbage":
        STDOUT.write(b"hello from a stray print()\n")
        STDOUT.flush()
        time.sleep(3600)
    elif kind == "flood":
        chunk = b"x" * 65536
        while True:
            STDOUT.write(chunk)
    elif kind == "huge_frame":
        STDOUT.write(b"Content-Length: 999999999999\r\n\r\n{")
        STDOUT.flush()
        time.sleep(3600)
    elif kind == "memory":
        hoard = []
        while True:
            hoard.append(bytearray(16 << 20))


class Ledger:
    def __init__(self, path):
        self.path = path
        with open(path) as f:
            self.data = json.load(f)

    def save(self):
        with open(self.path + ".tmp", "w") as f:
            json.dump(self.data, f)
        os.replace(self.path + ".tmp", self.path)


class Plugin:
    def __init__(self):
        self.host = Host()
        self.config = {}
        self.current_fault = None

    def fault_for(self, method):
        fault = self.config.get("fault") or {}
        if fault.get("op") != method:
            return None
        once = fault.get("once_file")
        if once:
            if os.path.exists(once):
                return None
            open(once, "w").close()
        return fault.get("kind")

    def describe(self, params):
        path = os.path.join(os.environ["MB_PLUGIN_DIR"], os.environ["MB_PLUGIN_ID"] + ".plugin.json")
        with open(path) as f:
            manifest = json.load(f)
        for host_only in ("runtime", "process", "library"):
            manifest.pop(host_only, None)
        return manifest

    def open(self, params):
        self.config = params["config"]
        return {}

    def authenticate(self, params):
        if self.current_fault == "report":
            import resource
            return {"status": "ok", "message": json.dumps({
                "env": sorted(os.environ),
                "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
                "memory": resource.getrlimit(resource.RLIMIT_AS)[0],
                "open_files": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
                "now_ms": self.host.request("host/now", {})["now_ms"],
                "cancelled": self.host.request("host/is_cancelled", {})["cancelled"]})}
        self.host.log("info", "authenticating")
        url = self.config.get("http_url")
        if url:
            response = self.host.request("host/http_batch", {"requests": [
                {"method": "GET", "url": url, "endpoint": "ping"}]})["responses"][0]
            return {"status": "ok", "message": "HTTP %d: %s" % (response["status"], response.get("body", ""))}
        return {"status": "ok", "message": "ledger reachable"}

    def list_accounts(self, params):
        accounts = Ledger(self.config["ledger"]).data["accounts"]
        return {"items": [dict(a, details={}) for a in accounts], "next_cursor": None}

    def list_services(self, params):
        return {"items": Ledger(self.config["ledger"]).data["services"], "next_cursor": None}

    def read_quantities(self, params):
        units = Ledger(self.config["ledger"]).data["units"]
        lines = []
        for line in params["lines"]:
            key = line["account_id"] + "|" + line["service_id"]
            if key in units:
                lines.append({"key": line["key"], "quantity": units[key], "reason": None, "message": ""})
            else:
                lines.append({"key": line["key"], "quantity": None, "reason": "no_contract_line",
                              "message": "no contract line for " + key})
        return {"lines": lines}

    def apply_quantities(self, params):
        ledger = Ledger(self.config["ledger"])
        crash_after_first = self.current_fault == "after_first_write"
        todo = []
        for line in params["lines"]:
            key = line["account_id"] + "|" + line["service_id"]
            if key not in ledger.data["units"]:
                todo.append((line, key, None))
            else:
                todo.append((line, key, ledger.data["units"][key]))
        intents = [{"key": line["key"], "units_before": before, "target": line["target"],
                    "ref": {"ledger_key": key}} for line, key, before in todo if before is not None
                   and before != line["target"]]
        if intents:
            self.host.request("host/journal_intents", {"intents": intents})
        results = []
        for line, key, before in todo:
            if before is None:
                results.append({"key": line["key"], "outcome": "no_contract_line", "quantity": None,
                                "error_class": None, "message": "", "in_doubt": False})
                continue
            delta = line["target"] - before
            if delta != 0:
                ledger.data["units"][key] = before + delta
                ledger.data.setdefault("writes", []).append({"key": key, "delta": delta})
                ledger.save()
                if crash_after_first:
                    misbehave("segfault")
            results.append({"key": line["key"], "outcome": "updated" if delta else "unchanged",
                            "quantity": line["target"], "error_class": None, "message": "",
                            "in_doubt": False})
        return {"lines": results}


OPERATIONS = ("describe", "open", "authenticate", "list_accounts", "list_services",
              "read_quantities", "apply_quantities")


def main():
    plugin = Plugin()
    while True:
        message = read_frame()
        if message is None:
            return
        method, request_id = message.get("method"), message.get("id")
        if method == "initialize":
            write_frame({"jsonrpc": "2.0", "id": request_id,
                         "result": {"protocol": {"major": 1, "minor": 1}}})
            continue
        if method == "shutdown":
            write_frame({"jsonrpc": "2.0", "id": request_id, "result": {}})
            return
        try:
            if method not in OPERATIONS:
                raise PluginError("unsupported", method + " is not offered")
            plugin.current_fault = plugin.fault_for(method)
            misbehave(plugin.current_fault)  # kinds handled inside an operation do nothing here
            result = getattr(plugin, method)(message.get("params", {}))
            write_frame({"jsonrpc": "2.0", "id": request_id, "result": result})
        except PluginError as e:
            write_frame({"jsonrpc": "2.0", "id": request_id, "error": {
                "code": -32000, "message": str(e), "data": {"class": e.error_class}}})


if __name__ == "__main__":
    main()
