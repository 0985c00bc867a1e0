// Writing agreement additions: PATCH with JSON-Patch arrays (and its false 200), POST, PUT and
// DELETE, checked against the simulator's state.
#include <gtest/gtest.h>

#include "sim/connectwise/connectwise_test_fixture.h"

namespace mb::sim::connectwise {
namespace {

class ConnectWiseAdditionsTest : public ConnectWiseSimTest {
 protected:
  void SetUp() override { start(); }

  static std::string addition(int64_t agreement, int64_t id) {
    return api("/finance/agreements/" + std::to_string(agreement) + "/additions/" +
               std::to_string(id));
  }
  json::value patch(const std::string& target, const std::string& operations, int status) {
    return call_json("PATCH", target, status, operations);
  }
  double stored_quantity(int64_t id) { return addition_state(id).at("quantity").as_double(); }
};

TEST_F(ConnectWiseAdditionsTest, PatchReplaceSetsTheAbsoluteQuantity) {
  const RawResponse response =
      call("PATCH", addition(9001, 77), R"([{"op":"replace","path":"quantity","value":43}])");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_NE(response.body.find(R"("quantity":43.0)"), std::string::npos);
  const json::value updated = json::parse(response.body);
  EXPECT_EQ(updated.at("id"), 77);
  EXPECT_EQ(updated.at("product").at("identifier"), "EPP-DEVICE");  // the full record comes back
  EXPECT_EQ(updated.at("extPrice").as_double(), 43 * 4.5);
  EXPECT_EQ(updated.at("_info").at("updatedBy"), "Pk7hQ2");
  EXPECT_EQ(stored_quantity(77), 43.0);
  // "/quantity" works as well, and repeating an absolute replace changes nothing more.
  patch(addition(9001, 77), R"([{"op":"replace","path":"/quantity","value":44.5}])", 200);
  patch(addition(9001, 77), R"([{"op":"replace","path":"/quantity","value":44.5}])", 200);
  EXPECT_EQ(stored_quantity(77), 44.5);
  EXPECT_EQ(get_json(addition(9001, 77)).at("quantity").as_double(), 44.5);
}

// The state counts every write applied per addition and those that changed its quantity, so a
// test can tell a repeated absolute write (harmless) from a second change.
TEST_F(ConnectWiseAdditionsTest, StateCountsWritesAndQuantityChangesPerAddition) {
  auto counted = [&](int64_t id) {
    const json::value current = state();
    for (const json::value& entry : current.at("additionWrites").as_array())
      if (entry.at("additionId") == id) return entry;
    return json::value(nullptr);
  };
  EXPECT_TRUE(counted(77).is_null());
  patch(addition(9001, 77), R"([{"op":"replace","path":"quantity","value":43}])", 200);
  patch(addition(9001, 77), R"([{"op":"replace","path":"quantity","value":43}])", 200);
  call_json("PUT", addition(9001, 77), 200,
            R"({"product":{"id":55},"billCustomer":"Billable","quantity":44})");
  const json::value entry = counted(77);
  ASSERT_FALSE(entry.is_null());
  EXPECT_EQ(entry.at("writes"), 3);
  EXPECT_EQ(entry.at("quantityChanges"), 2);
  testing::control_json(port(), "POST", "/_sim/reset");
  EXPECT_TRUE(counted(77).is_null());
}

TEST_F(ConnectWiseAdditionsTest, PatchOperationsApplyInOrder) {
  patch(addition(9001, 78),
        R"([{"op":"replace","path":"quantity","value":1},
            {"op":"add","path":"invoiceDescription","value":"Seats"},
            {"op":"replace","path":"quantity","value":2}])",
        200);
  const json::value stored = addition_state(78);
  EXPECT_EQ(stored.at("quantity").as_double(), 2.0);
  EXPECT_EQ(stored.at("invoiceDescription"), "Seats");
  patch(addition(9001, 78), R"([{"op":"remove","path":"invoiceDescription"}])", 200);
  EXPECT_FALSE(addition_state(78).as_object().contains("invoiceDescription"));
}

TEST_F(ConnectWiseAdditionsTest, PatchSubPathIntoANestedObjectIsAFalse200) {
  // The documented pitfall: 200 with the record, but nothing changed.
  const json::value answer =
      patch(addition(9001, 77), R"([{"op":"replace","path":"product/id","value":56}])", 200);
  EXPECT_EQ(answer.at("product").at("id"), 55);
  EXPECT_EQ(addition_state(77).at("product").at("id"), 55);
  // Server-owned members are recomputed, so writing them does nothing either.
  EXPECT_EQ(patch(addition(9001, 77), R"([{"op":"replace","path":"extPrice","value":1}])", 200)
                .at("extPrice")
                .as_double(),
            180.0);
  // Replacing the nested object whole does work.
  patch(addition(9001, 77), R"([{"op":"replace","path":"product","value":{"id":56}}])", 200);
  EXPECT_EQ(addition_state(77).at("product").at("identifier"), "EMAIL-USER");
}

TEST_F(ConnectWiseAdditionsTest, NestedSubPathCanBeRefusedInstead) {
  settings(R"({"nested_patch_false_200": false})");
  patch(addition(9001, 77), R"([{"op":"replace","path":"product/id","value":56}])", 400);
}

TEST_F(ConnectWiseAdditionsTest, MalformedPatchesAre400AndChangeNothing) {
  const std::string target = addition(9001, 77);
  EXPECT_EQ(patch(target, R"({"op":"replace","path":"quantity","value":43})", 400).at("code"),
            "InvalidObject");  // not an array
  patch(target, R"([{"op":"move","path":"quantity","value":43}])", 400);
  patch(target, R"([{"op":"replace","path":"Quantity","value":43}])", 400);  // case-sensitive
  const json::value unknown =
      patch(target, R"([{"op":"replace","path":"colour","value":43}])", 400);
  EXPECT_EQ(unknown.at("errors").at(0).at("field"), "colour");
  const json::value wrong_type =
      patch(target, R"([{"op":"replace","path":"quantity","value":"43"}])", 400);
  EXPECT_EQ(wrong_type.at("errors").at(0).at("field"), "quantity");
  patch(target, R"([{"op":"replace","path":"quantity"}])", 400);
  patch(target, R"([{"op":"replace","path":"billCustomer","value":"Sometimes"}])", 400);
  patch(target, R"([{"op":"remove","path":"product"}])", 400);
  patch(target, "not json", 400);
  // All or nothing: the valid first operation is not applied either.
  patch(
      target,
      R"([{"op":"replace","path":"quantity","value":43},{"op":"replace","path":"nope","value":1}])",
      400);
  EXPECT_EQ(stored_quantity(77), 40.0);
  // The addition must belong to the agreement in the path.
  patch(addition(9002, 77), R"([{"op":"replace","path":"quantity","value":43}])", 404);
  EXPECT_EQ(stored_quantity(77), 40.0);
}

TEST_F(ConnectWiseAdditionsTest, PostCreatesAnAdditionWithServerDefaults) {
  const json::value created =
      call_json("POST", api("/finance/agreements/9001/additions"), 201,
                R"({"product":{"id":57},"billCustomer":"Billable","quantity":43,
          "effectiveDate":"2025-06-01T00:00:00Z"})");
  EXPECT_EQ(created.at("id"), 85);
  EXPECT_EQ(created.at("agreementId"), 9001);
  EXPECT_EQ(created.at("agreementStatus"), "Active");
  EXPECT_EQ(created.at("product"), json::parse(R"({"id":57,"identifier":"LEGACY-AV","_info":{}})"));
  EXPECT_EQ(created.at("quantity").as_double(), 43.0);
  EXPECT_EQ(created.at("unitPrice").as_double(), 2.0);  // from the catalog
  EXPECT_EQ(created.at("lessIncluded").as_double(), 0.0);
  EXPECT_EQ(created.at("sequenceNumber").as_double(), 3.0);
  EXPECT_EQ(created.at("effectiveDate"), "2025-06-01T00:00:00Z");
  EXPECT_FALSE(created.as_object().contains("cancelledDate"));
  EXPECT_EQ(get_json(addition(9001, 85)), created);
  EXPECT_EQ(addition_state(85).at("quantity").as_double(), 43.0);
  // The product may be named by identifier; a POST is not idempotent.
  EXPECT_EQ(call_json("POST", api("/finance/agreements/9001/additions"), 201,
                      R"({"product":{"identifier":"legacy-av"},"billCustomer":"NoCharge"})")
                .at("id"),
            86);
  EXPECT_EQ(get_json(api("/finance/agreements/9001/additions/count?conditions=product/id=57"))
                .at("count"),
            2);
}

TEST_F(ConnectWiseAdditionsTest, PostRequiresProductAndBillCustomer) {
  const std::string target = api("/finance/agreements/9001/additions");
  const json::value no_product =
      call_json("POST", target, 400, R"({"billCustomer":"Billable","quantity":1})");
  EXPECT_EQ(no_product,
            json::parse(R"({"code":"InvalidObject","message":"addition object is invalid",
              "errors":[{"code":"NullValue","message":"The product field is required.",
                         "resource":"addition","field":"product"}]})"));
  EXPECT_EQ(
      call_json("POST", target, 400, R"({"product":{"id":55}})").at("errors").at(0).at("field"),
      "billCustomer");
  const json::value unknown =
      call_json("POST", target, 400, R"({"product":{"id":999},"billCustomer":"Billable"})");
  EXPECT_EQ(unknown.at("errors").at(0).at("code"), "NotFound");
  EXPECT_EQ(unknown.at("errors").at(0).at("field"), "product/id");
  call_json("POST", target, 400,
            R"({"product":{"id":55},"billCustomer":"Billable","colour":"red"})");
  call_json("POST", target, 400, "[]");
  call_json("POST", api("/finance/agreements/1234/additions"), 404,
            R"({"product":{"id":55},"billCustomer":"Billable"})");
  EXPECT_EQ(state().at("additions").as_array().size(), 8u);
}

TEST_F(ConnectWiseAdditionsTest, PutReplacesTheWholeAddition) {
  patch(addition(9001, 78), R"([{"op":"add","path":"invoiceDescription","value":"Seats"}])", 200);
  const json::value replaced =
      call_json("PUT", addition(9001, 78), 200,
                R"({"product":{"id":56},"billCustomer":"Billable","quantity":5})");
  EXPECT_EQ(replaced.at("id"), 78);
  EXPECT_EQ(replaced.at("quantity").as_double(), 5.0);
  // What the body left out went back to defaults: PUT wipes fields.
  EXPECT_FALSE(replaced.as_object().contains("invoiceDescription"));
  call_json("PUT", addition(9001, 78), 400, R"({"quantity":5})");
}

TEST_F(ConnectWiseAdditionsTest, DeleteRemovesTheAddition) {
  EXPECT_EQ(call("DELETE", addition(9001, 78)).status, 204);
  get_json(addition(9001, 78), 404);
  EXPECT_TRUE(addition_state(78).is_null());
}

}  // namespace
}  // namespace mb::sim::connectwise
