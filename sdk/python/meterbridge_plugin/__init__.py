"""Write a meterbridge process plugin in Python (docs/plugin-protocol.md), standard library only.

Subclass Plugin, implement the operations your platform supports, and call run() from your
script. Every operation receives the request document (a dict) and returns the result document;
raise PluginError to fail it with an error class. HTTP, the clock, cancellation and the write
journal are the host's: use self.host.

    from meterbridge_plugin import Plugin, PluginError, run

    class AcmePlugin(Plugin):
        def open(self, config):
            self.base_url = config["base_url"]

        def authenticate(self, request):
            response = self.host.http([{"method": "GET", "url": self.base_url + "/me"}])[0]
            return {"status": "ok" if response["status"] == 200 else "auth_failed", "message": ""}
        ...

    if __name__ == "__main__":
        run(AcmePlugin())

meterbridge_plugin.testing.FakeHost runs your script as the host would, for your tests.
"""
import json
import sys

__all__ = ["Plugin", "PluginError", "Host", "run", "PROTOCOL_MAJOR", "PROTOCOL_MINOR"]

# The protocol version this module speaks (the C ABI's, docs/plugin-protocol.md).
PROTOCOL_MAJOR = 1
PROTOCOL_MINOR = 1

ERROR_CLASSES = ("retry", "rate_limited", "auth_failed", "config_invalid", "not_found",
                 "conflict", "unsupported", "fatal")

_MAX_HEADER = 1024


class PluginError(Exception):
    """Fails the current operation with an error class; the message is shown to users, so it
    must never contain a secret."""

    def __init__(self, error_class, message, retry_after_ms=0):
        if error_class not in ERROR_CLASSES:
            raise ValueError("unknown error class %r" % (error_class,))
        super().__init__(message)
        self.error_class = error_class
        self.retry_after_ms = retry_after_ms


class ProtocolError(Exception):
    """The other side broke the framing; the plugin cannot go on."""


class Channel:
    """Content-Length framed JSON messages over two binary streams."""

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer

    def read(self):
        length = None
        header_bytes = 0
        while True:
            line = self.reader.readline(_MAX_HEADER + 1)
            if not line:
                return None
            header_bytes += len(line)
            if header_bytes > _MAX_HEADER or not line.endswith(b"\r\n"):
                raise ProtocolError("malformed header")
            if line == b"\r\n":
                break
            name, _, value = line.decode("ascii").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            raise ProtocolError("a frame without Content-Length")
        body = self.reader.read(length)
        if len(body) < length:
            return None
        return json.loads(body.decode("utf-8"))

    def write(self, message):
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        self.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.writer.flush()


class Host:
    """The host services, usable while an operation runs."""

    def __init__(self, channel):
        self._channel = channel
        self._next_id = 1

    def _request(self, method, params):
        request_id = self._next_id
        self._next_id += 1
        self._channel.write({"jsonrpc": "2.0", "id": request_id, "method": method,
                             "params": params})
        answer = self._channel.read()
        if answer is None:
            raise SystemExit(0)  # the host went away: nothing left to serve
        if answer.get("id") != request_id:
            raise ProtocolError("an answer to another request")
        if "error" in answer:
            error = answer["error"]
            data = error.get("data") or {}
            raise PluginError(data.get("class", "fatal"), error.get("message", ""),
                              data.get("retry_after_ms", 0))
        return answer.get("result", {})

    def http(self, requests):
        """Sends a batch of HTTP requests through the host's engine and returns the responses in
        order: {"status", "headers", "body", "attempts"} or, when no response came back,
        {"status": 0, "error": {"class", "message", "sent"}}. Raises PluginError when nothing
        was sent (a malformed batch, the request budget spent)."""
        return self._request("host/http_batch", {"requests": list(requests)})["responses"]

    def now_ms(self):
        """Milliseconds since the Unix epoch on the host's clock."""
        return self._request("host/now", {})["now_ms"]

    def is_cancelled(self):
        """Whether the current operation should stop (then raise PluginError("retry", ...))."""
        return self._request("host/is_cancelled", {})["cancelled"]

    def journal(self, intents):
        """Records writes that are not idempotent before they are sent (apply_quantities only):
        [{"key", "units_before", "target", "ref"}]. Send them only when this returns."""
        self._request("host/journal_intents", {"intents": list(intents)})

    def log(self, level, message):
        """A line in the host's log: trace, debug, info, warn or error. Never log a secret."""
        self._channel.write({"jsonrpc": "2.0", "method": "host/log",
                             "params": {"level": level, "message": str(message)}})


class Plugin:
    """Base class of a plugin: override describe() and the operations you offer."""

    host = None  # set by run(): the Host

    def describe(self):
        """The manifest document. By default the manifest beside the script, read through
        MB_PLUGIN_DIR and MB_PLUGIN_ID, without the host's own fields."""
        import os
        path = os.path.join(os.environ["MB_PLUGIN_DIR"], os.environ["MB_PLUGIN_ID"] + ".plugin.json")
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
        for host_only in ("runtime", "process", "library"):
            manifest.pop(host_only, None)
        return manifest

    def open(self, config):
        """Receives the connector's config (secrets resolved: never log it)."""

    def authenticate(self, request):
        raise PluginError("unsupported", "authenticate is not implemented")

    def list_accounts(self, request):
        raise PluginError("unsupported", "list_accounts is not implemented")

    def list_services(self, request):
        raise PluginError("unsupported", "list_services is not implemented")

    def read_quantities(self, request):
        raise PluginError("unsupported", "read_quantities is not implemented")

    def apply_quantities(self, request):
        raise PluginError("unsupported", "apply_quantities is not implemented")


_OPERATIONS = ("authenticate", "list_accounts", "list_services", "read_quantities",
               "apply_quantities", "provision_accounts", "provision_services", "set_status",
               "link_accounts", "disconnect")


def _answer(channel, request_id, result=None, error=None):
    message = {"jsonrpc": "2.0", "id": request_id}
    if error is None:
        message["result"] = result if result is not None else {}
    else:
        message["error"] = error
    channel.write(message)


def _error(e):
    data = {"class": e.error_class}
    if e.retry_after_ms:
        data["retry_after_ms"] = e.retry_after_ms
    return {"code": -32000, "message": str(e), "data": data}


def serve(plugin, reader, writer):
    """Serves the protocol on two binary streams until shutdown or end of input."""
    channel = Channel(reader, writer)
    plugin.host = Host(channel)
    while True:
        message = channel.read()
        if message is None:
            return
        method, request_id = message.get("method"), message.get("id")
        params = message.get("params") or {}
        if request_id is None:
            continue  # the host sends no notifications today
        try:
            if method == "initialize":
                offered = params.get("protocol", {})
                if offered.get("major") != PROTOCOL_MAJOR or offered.get("minor_max", -1) < PROTOCOL_MINOR:
                    raise PluginError("unsupported", "plugin speaks protocol %d.%d, host offers %s.0 to %s.%s" % (
                        PROTOCOL_MAJOR, PROTOCOL_MINOR, offered.get("major"), offered.get("major"),
                        offered.get("minor_max")))
                _answer(channel, request_id, {"protocol": {"major": PROTOCOL_MAJOR, "minor": PROTOCOL_MINOR}})
            elif method == "describe":
                _answer(channel, request_id, plugin.describe())
            elif method == "open":
                plugin.open(params.get("config", {}))
                _answer(channel, request_id, {})
            elif method == "shutdown":
                _answer(channel, request_id, {})
                return
            elif method in _OPERATIONS and hasattr(plugin, method):
                _answer(channel, request_id, getattr(plugin, method)(params))
            else:
                _answer(channel, request_id, error={"code": -32601, "message": "%s is not offered" % method,
                                                    "data": {"class": "unsupported"}})
        except PluginError as e:
            _answer(channel, request_id, error=_error(e))
        except ProtocolError:
            raise
        except Exception as e:  # a bug in the plugin fails the call, not the session
            print("meterbridge_plugin: %s failed: %r" % (method, e), file=sys.stderr)
            _answer(channel, request_id, error={"code": -32000, "message": "%s failed: %s" % (method, type(e).__name__),
                                                "data": {"class": "fatal"}})


def run(plugin):
    """Serves `plugin` on this process's stdin and stdout. Anything the plugin prints goes to
    stderr (the host's log), never into the protocol."""
    reader = sys.stdin.buffer
    writer = sys.stdout.buffer
    sys.stdout = sys.stderr
    serve(plugin, reader, writer)
