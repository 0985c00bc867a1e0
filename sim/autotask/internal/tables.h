// The tenant's tables: the records of Companies, Services, Contracts and ContractServices (one
// stored value per schema field), and the ContractServiceUnits rows, stored compactly. Both are
// RowSources, so queries (query.h) read them alike.
#ifndef METERBRIDGE_SIM_AUTOTASK_INTERNAL_TABLES_H_
#define METERBRIDGE_SIM_AUTOTASK_INTERNAL_TABLES_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "sim/autotask/internal/dates.h"
#include "sim/autotask/internal/query.h"
#include "sim/autotask/internal/schema.h"

namespace mb::sim::autotask {

// A Companies, Services, Contracts or ContractServices instance: one stored value per schema
// field.
class Record final : public Row {
 public:
  explicit Record(const EntitySchema& schema);

  int64_t id() const override { return std::get<int64_t>(values[0]); }
  FieldValue value(size_t field) const override { return view_of(values[field]); }
  const std::vector<UserDefinedField>* user_defined_fields() const override {
    return has_user_defined_fields ? &udfs : nullptr;
  }

  std::optional<int64_t> integer(size_t field) const;
  std::optional<double> number(size_t field) const;

  std::vector<StoredValue> values;
  std::vector<UserDefinedField> udfs;
  bool has_user_defined_fields = false;
};

class RecordTable final : public RowSource {
 public:
  explicit RecordTable(const EntitySchema& schema) : schema_(&schema) {}

  const EntitySchema& schema() const override { return *schema_; }
  void scan(int64_t after_id, const std::optional<EqualityHint>& hint,
            const std::function<bool(const Row&)>& visit) const override;
  const Record* find(int64_t id) const override;
  Record* find_mutable(int64_t id);

  // Throws SeedError when the id is taken.
  Record& insert(Record record);
  int64_t next_id() const { return rows_.empty() ? 1 : rows_.rbegin()->first + 1; }
  const std::map<int64_t, Record>& rows() const { return rows_; }

 private:
  const EntitySchema* schema_;
  std::map<int64_t, Record> rows_;
};

// One ContractServiceUnits row, stored compactly: a large tenant holds hundreds of thousands.
class UnitRow final : public Row {
 public:
  int64_t id() const override { return row_id; }
  FieldValue value(size_t field) const override;

  int64_t row_id = 0;
  int64_t contract_id = 0;
  int64_t contract_service_id = 0;
  int64_t service_id = 0;
  int64_t vendor_company_id = -1;  // -1: the service has no vendor
  Day start = 0;
  Day end = 0;  // inclusive
  int64_t units = 0;
  double price = 0;
  double cost = 0;
};

class UnitTable final : public RowSource {
 public:
  const EntitySchema& schema() const override { return contract_service_units_schema(); }
  void scan(int64_t after_id, const std::optional<EqualityHint>& hint,
            const std::function<bool(const Row&)>& visit) const override;
  const UnitRow* find(int64_t id) const override;

  // Rows are appended with ever larger ids, so rows_ stays in id order.
  void append(UnitRow row);
  // The contract service's rows in date order.
  std::vector<UnitRow*> rows_of(int64_t contract_service_id);
  std::vector<const UnitRow*> rows_of(int64_t contract_service_id) const;
  size_t size() const { return rows_.size(); }
  int64_t next_id() const { return next_id_; }
  void set_next_id(int64_t id) { next_id_ = id; }

 private:
  std::vector<UnitRow> rows_;
  std::unordered_map<int64_t, std::vector<size_t>> by_contract_service_;
  int64_t next_id_ = 7001;
};

}  // namespace mb::sim::autotask

#endif  // METERBRIDGE_SIM_AUTOTASK_INTERNAL_TABLES_H_
