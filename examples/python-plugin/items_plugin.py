#!/usr/bin/env python3
"""An example meterbridge process plugin in Python, for the simulator's "test" platform.

The platform (meterbridge-sim test) is a list of items {id, name, quantity} behind a bearer
token. This plugin reads it as a billing platform: an item named "ACCOUNT/SERVICE" is the
contract line that bills SERVICE to ACCOUNT, and its quantity is the billed quantity. Writes
set the quantity (PATCH), so they are idempotent and need no journal.

Config: {"base_url": "http://127.0.0.1:PORT", "token": "..."}
"""
import json
import os
import sys

# The SDK: installed (pip install sdk/python), or a copy of meterbridge_plugin/ in the plugin
# folder. The host runs a private copy of this script, so look in the folder it names.
sys.path.insert(0, os.environ.get("MB_PLUGIN_DIR", os.path.dirname(os.path.abspath(__file__))))
from meterbridge_plugin import Plugin, PluginError, run  # noqa: E402

PAGE_SIZE = 100


class ItemsPlugin(Plugin):
    def open(self, config):
        self.base_url = config["base_url"].rstrip("/")
        self.token = config["token"]

    # ---- the platform, through the host's HTTP engine

    def _send(self, requests):
        for r in requests:
            r.setdefault("headers", {})["Authorization"] = "Bearer " + self.token
        responses = self.host.http(requests)
        for response in responses:
            if response["status"] == 0:
                error = response["error"]
                raise PluginError(error["class"], "the platform did not answer: " + error["message"])
            if response["status"] == 401:
                raise PluginError("auth_failed", "the platform refused the token (401)")
            if response["status"] == 429:
                raise PluginError("rate_limited", "the platform throttled us (429)",
                                  response.get("retry_after_ms", 1000))
            if response["status"] >= 500:
                raise PluginError("retry", "the platform failed (%d)" % response["status"])
        return responses

    def _all_items(self):
        items, page = [], 1
        while True:
            response = self._send([{"method": "GET", "endpoint": "items",
                                    "url": "%s/api/items?page=%d&pageSize=%d" % (self.base_url, page, PAGE_SIZE)}])[0]
            body = json.loads(response["body"])
            items.extend(body["items"])
            if not body.get("next") or self.host.is_cancelled():
                return items
            page += 1

    def _lines(self):
        """Contract lines by (account, service): the items named ACCOUNT/SERVICE."""
        lines = {}
        for item in self._all_items():
            account, slash, service = item["name"].partition("/")
            if slash and account and service:
                lines.setdefault((account, service), []).append(item)
        return lines

    # ---- the operations

    def authenticate(self, request):
        response = self.host.http([{"method": "GET", "endpoint": "items",
                                    "headers": {"Authorization": "Bearer " + self.token},
                                    "url": self.base_url + "/api/items?page=1&pageSize=1"}])[0]
        if response["status"] == 200:
            return {"status": "ok", "message": "the token works"}
        if response["status"] == 401:
            return {"status": "auth_failed", "message": "the platform refused the token"}
        if response["status"] == 0:
            return {"status": "unreachable", "message": response["error"]["message"]}
        return {"status": "unreachable", "message": "the platform answered %d" % response["status"]}

    def _listing(self, names, request):
        search = (request.get("search") or "").lower()
        items = [{"id": n, "name": n, "active": True, "details": {}} for n in sorted(names)
                 if search in n.lower()]
        return {"items": items, "next_cursor": None}

    def list_accounts(self, request):
        return self._listing({account for account, _ in self._lines()}, request)

    def list_services(self, request):
        return self._listing({service for _, service in self._lines()}, request)

    def read_quantities(self, request):
        lines = self._lines()
        out = []
        for line in request["lines"]:
            found = lines.get((line["account_id"], line["service_id"]), [])
            if len(found) == 1:
                out.append({"key": line["key"], "quantity": found[0]["quantity"], "reason": None,
                            "message": "", "line_ref": {"item_id": found[0]["id"]}})
            else:
                reason = "no_contract_line" if not found else "ambiguous_contract_line"
                out.append({"key": line["key"], "quantity": None, "reason": reason,
                            "message": "%d items named %s/%s" % (len(found), line["account_id"], line["service_id"])})
        return {"lines": out}

    def apply_quantities(self, request):
        lines = self._lines()
        out, writes = [], []
        for line in request["lines"]:
            found = lines.get((line["account_id"], line["service_id"]), [])
            if len(found) != 1:
                out.append({"key": line["key"], "outcome": "no_contract_line" if not found else "ambiguous_contract_line",
                            "quantity": None, "error_class": None, "message": "", "in_doubt": False})
                continue
            item = found[0]
            if item["quantity"] == line["target"]:
                out.append({"key": line["key"], "outcome": "unchanged", "quantity": item["quantity"],
                            "error_class": None, "message": "", "in_doubt": False})
                continue
            writes.append((line, item))
        requests = [{"method": "PATCH", "endpoint": "items", "idempotent": True,
                     "url": "%s/api/items/%d" % (self.base_url, item["id"]),
                     "headers": {"Content-Type": "application/json",
                                 "Authorization": "Bearer " + self.token},
                     "body": json.dumps({"quantity": line["target"]})} for line, item in writes]
        responses = self.host.http(requests) if requests else []
        for (line, item), response in zip(writes, responses):
            if response["status"] == 200:
                out.append({"key": line["key"], "outcome": "updated", "quantity": line["target"],
                            "error_class": None, "message": "", "in_doubt": False})
            else:
                error_class = "retry" if response["status"] in (0, 429) or response["status"] >= 500 else "fatal"
                out.append({"key": line["key"], "outcome": "failed", "quantity": None,
                            "error_class": error_class, "in_doubt": False,
                            "message": "PATCH item %d answered %d" % (item["id"], response["status"])})
        self.host.log("info", "%d items updated" % sum(1 for r in responses if r["status"] == 200))
        return {"lines": out}


if __name__ == "__main__":
    run(ItemsPlugin())
