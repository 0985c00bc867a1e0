"""The example plugin through the SDK's fake host, with the platform's items API in memory.

    PYTHONPATH=../../sdk/python python3 -m unittest -v test_items_plugin
"""
import json
import os
import sys
import unittest
from urllib.parse import parse_qs, urlparse

from meterbridge_plugin import PluginError
from meterbridge_plugin.testing import FakeHost

HERE = os.path.dirname(os.path.abspath(__file__))
SDK = os.path.join(HERE, "..", "..", "sdk", "python")


class ItemsApi:
    """The test platform's /api/items, as much as the plugin uses."""

    def __init__(self, items, token="test-token"):
        self.items = {i["id"]: dict(i) for i in items}
        self.token = token

    def __call__(self, request):
        if request["headers"].get("Authorization") != "Bearer " + self.token:
            return {"status": 401, "headers": {}, "body": "{\"error\":\"unauthorized\"}", "attempts": 1}
        url = urlparse(request["url"])
        if request["method"] == "GET":
            query = parse_qs(url.query)
            page, size = int(query["page"][0]), int(query["pageSize"][0])
            ordered = sorted(self.items.values(), key=lambda i: i["id"])
            chunk = ordered[(page - 1) * size:page * size]
            body = {"items": chunk, "page": page, "pageSize": size, "total": len(ordered),
                    "next": page + 1 if page * size < len(ordered) else None}
            return {"status": 200, "headers": {}, "body": json.dumps(body), "attempts": 1}
        item_id = int(url.path.rsplit("/", 1)[1])
        self.items[item_id]["quantity"] = json.loads(request["body"])["quantity"]
        return {"status": 200, "headers": {}, "body": json.dumps(self.items[item_id]), "attempts": 1}


def line(key, account, service, **extra):
    return dict({"key": key, "account_id": account, "service_id": service, "metric": "users"}, **extra)


class ItemsPluginTest(unittest.TestCase):
    def setUp(self):
        self.api = ItemsApi([{"id": 1, "name": "acme/backup", "quantity": 3},
                             {"id": 2, "name": "acme/edr", "quantity": 7},
                             {"id": 3, "name": "globex/backup", "quantity": 1},
                             {"id": 4, "name": "not a contract line", "quantity": 9}])
        self.host = FakeHost([sys.executable, "items_plugin.py"], plugin_dir=HERE, plugin_id="items",
                             http=self.api, extra_env={"PYTHONPATH": os.path.abspath(SDK),
                                        "PYTHONDONTWRITEBYTECODE": "1"})
        self.host.open({"base_url": "http://psa.example", "token": "test-token"})

    def tearDown(self):
        self.host.close()

    def test_describe_is_the_manifest(self):
        described = self.host.describe()
        self.assertEqual(described["id"], "items")
        self.assertNotIn("process", described)

    def test_authenticate_says_whether_the_token_works(self):
        self.assertEqual(self.host.call("authenticate", {"purpose": "test"})["status"], "ok")
        self.api.token = "another"
        self.assertEqual(self.host.call("authenticate", {"purpose": "test"})["status"], "auth_failed")

    def test_accounts_and_services_come_from_the_item_names(self):
        accounts = self.host.call("list_accounts", {"cursor": None, "search": None, "limit": 100})
        self.assertEqual([a["id"] for a in accounts["items"]], ["acme", "globex"])
        services = self.host.call("list_services", {"cursor": None, "search": "ED", "limit": 100})
        self.assertEqual([s["id"] for s in services["items"]], ["edr"])

    def test_read_gives_each_lines_quantity_or_why_not(self):
        result = self.host.call("read_quantities", {"effective_date": "2026-12-01", "lines": [
            line("k1", "acme", "backup"), line("k2", "globex", "edr")]})
        self.assertEqual(result["lines"][0]["quantity"], 3)
        self.assertEqual(result["lines"][1]["reason"], "no_contract_line")

    def test_apply_sets_changed_quantities_only(self):
        result = self.host.call("apply_quantities", {"idempotency_key": "r1:b1", "effective_date": "2026-12-01",
                                                     "final": True, "lines": [
            line("k1", "acme", "backup", target=5), line("k2", "acme", "edr", target=7)]})
        outcomes = {l["key"]: l["outcome"] for l in result["lines"]}
        self.assertEqual(outcomes, {"k1": "updated", "k2": "unchanged"})
        self.assertEqual(self.api.items[1]["quantity"], 5)
        self.assertEqual([r["method"] for r in self.host.requests].count("PATCH"), 1)
        self.assertIn(("info", "1 items updated"), self.host.logs)

    def test_a_refused_token_fails_with_auth_failed(self):
        self.api.token = "another"
        with self.assertRaises(PluginError) as caught:
            self.host.call("list_accounts", {"cursor": None, "search": None, "limit": 100})
        self.assertEqual(caught.exception.error_class, "auth_failed")


if __name__ == "__main__":
    unittest.main()
