"""A fake meterbridge host for a process plugin's tests.

FakeHost starts the plugin as the host does (a child process with the plugin folder as its
working directory, MB_PLUGIN_ID and MB_PLUGIN_DIR set, framed JSON-RPC on its stdin/stdout),
shakes hands, and answers the plugin's host services from Python:

    def platform(request):                  # one HTTP request -> its response
        return {"status": 200, "headers": {}, "body": "{\\"items\\": []}"}

    with FakeHost([sys.executable, "acme_plugin.py"], plugin_dir=".", plugin_id="acme",
                  http=platform) as host:
        host.open({"base_url": "https://acme.example", "api_key": "k"})
        result = host.call("list_accounts", {"cursor": None, "search": None, "limit": 100})
        host.journaled   # the intents host/journal_intents recorded
        host.logs        # (level, message) of host/log
"""
import os
import subprocess

from . import PROTOCOL_MAJOR, PROTOCOL_MINOR, Channel, PluginError

__all__ = ["FakeHost"]


class FakeHost:
    def __init__(self, command, plugin_dir, plugin_id, http=None, now_ms=1764583200000,
                 extra_env=None):
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
               "MB_PLUGIN_ID": plugin_id, "MB_PLUGIN_DIR": os.path.abspath(plugin_dir)}
        env.update(extra_env or {})
        self.process = subprocess.Popen(command, cwd=plugin_dir, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE)
        self.channel = Channel(self.process.stdout, self.process.stdin)
        self.http = http
        self.now_ms = now_ms
        self.cancelled = False
        self.journaled = []
        self.logs = []
        self.requests = []  # every HTTP request the plugin sent
        self._next_id = 1
        self.call("initialize", {"protocol": {"major": PROTOCOL_MAJOR, "minor_max": PROTOCOL_MINOR},
                                 "host_version": "fake host", "plugin_id": plugin_id})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def describe(self):
        return self.call("describe", {})

    def open(self, config):
        return self.call("open", {"config": config})

    def call(self, method, params):
        """Sends one request, serves the plugin's host services until it answers, and returns
        its result, or raises PluginError with the class and message the plugin reported."""
        request_id = self._next_id
        self._next_id += 1
        self.channel.write({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        while True:
            message = self.channel.read()
            if message is None:
                raise RuntimeError("the plugin exited during %s (status %s)" % (method, self.process.wait()))
            if "method" not in message:
                if message.get("id") != request_id:
                    raise RuntimeError("the plugin answered request %r, expected %d" % (message.get("id"), request_id))
                if "error" in message:
                    error = message["error"]
                    data = error.get("data") or {}
                    raise PluginError(data.get("class", "fatal"), error.get("message", ""),
                                      data.get("retry_after_ms", 0))
                return message["result"]
            self._serve(message)

    def _serve(self, message):
        method, params = message["method"], message.get("params") or {}
        if method == "host/log":
            self.logs.append((params.get("level"), params.get("message")))
            return
        result, error = None, None
        if method == "host/http_batch":
            if self.http is None:
                error = ("unsupported", "this fake host has no HTTP")
            else:
                self.requests.extend(params["requests"])
                result = {"responses": [self.http(r) for r in params["requests"]]}
        elif method == "host/now":
            result = {"now_ms": self.now_ms}
        elif method == "host/is_cancelled":
            result = {"cancelled": self.cancelled}
        elif method == "host/journal_intents":
            self.journaled.extend(params["intents"])
            result = {}
        else:
            error = ("unsupported", "unknown host service " + method)
        answer = {"jsonrpc": "2.0", "id": message["id"]}
        if error:
            answer["error"] = {"code": -32000, "message": error[1], "data": {"class": error[0]}}
        else:
            answer["result"] = result
        self.channel.write(answer)

    def close(self):
        if self.process.poll() is None:
            try:
                self.call("shutdown", {})
            except (RuntimeError, BrokenPipeError, PluginError):
                pass
            self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
