// Fuzz target: the Autotask simulator's query language (the JSON body of /query and the search
// parameter), compiled and run against a small generated tenant. A bad query must be the
// platform's error, never a crash.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/autotask/internal/query.h"
#include "sim/autotask/internal/schema.h"
#include "sim/autotask/internal/seed_data.h"
#include "sim/autotask/internal/model.h"

namespace at = mb::sim::autotask;

namespace {

const at::Tenant& tenant() {
  static const at::Tenant* loaded = [] {
    auto* t = new at::Tenant();
    t->load(at::generate_tenant_seed(mb::sim::GenerateSpec::parse("companies=12,services=3")));
    return t;
  }();
  return *loaded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const at::EntitySchema* const kSchemas[] = {
      &at::companies_schema(), &at::services_schema(), &at::contracts_schema(),
      &at::contract_services_schema(), &at::contract_service_units_schema()};
  const at::EntitySchema& schema = *kSchemas[data[0] % 5];
  boost::system::error_code ec;
  const boost::json::value model =
      boost::json::parse(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), ec);
  if (ec) return 0;
  try {
    at::CompiledQuery query = at::compile_query(model, schema, at::QueryLimits{});
    if (const at::RowSource* source = tenant().source(schema)) {
      (void)at::read_page(*source, query, 0, 500);
      (void)at::count_matches(*source, query);
    }
  } catch (const at::QueryError&) {
  }
  return 0;
}
