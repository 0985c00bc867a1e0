#include "sim/autotask/internal/tables.h"

#include <algorithm>
#include <utility>

#include "sim/core/seed.h"

namespace mb::sim::autotask {

Record::Record(const EntitySchema& schema)
    : values(schema.fields.size()), has_user_defined_fields(schema.has_user_defined_fields) {}

std::optional<int64_t> Record::integer(size_t field) const {
  if (const auto* value = std::get_if<int64_t>(&values[field])) return *value;
  return std::nullopt;
}

std::optional<double> Record::number(size_t field) const {
  if (const auto* value = std::get_if<double>(&values[field])) return *value;
  if (const auto* value = std::get_if<int64_t>(&values[field])) return static_cast<double>(*value);
  return std::nullopt;
}

void RecordTable::scan(int64_t after_id, const std::optional<EqualityHint>& /*hint*/,
                       const std::function<bool(const Row&)>& visit) const {
  for (auto it = rows_.upper_bound(after_id); it != rows_.end(); ++it) {
    if (!visit(it->second)) return;
  }
}

const Record* RecordTable::find(int64_t id) const {
  auto it = rows_.find(id);
  return it == rows_.end() ? nullptr : &it->second;
}

Record* RecordTable::find_mutable(int64_t id) {
  auto it = rows_.find(id);
  return it == rows_.end() ? nullptr : &it->second;
}

Record& RecordTable::insert(Record record) {
  const int64_t id = record.id();
  auto [it, inserted] = rows_.emplace(id, std::move(record));
  if (!inserted) throw SeedError(schema_->name + " id " + std::to_string(id) + " appears twice");
  return it->second;
}

FieldValue UnitRow::value(size_t field) const {
  switch (field) {
    case unit_field::kId:
      return row_id;
    case unit_field::kContractID:
      return contract_id;
    case unit_field::kContractServiceID:
      return contract_service_id;
    case unit_field::kServiceID:
      return service_id;
    case unit_field::kVendorCompanyID:
      if (vendor_company_id >= 0) return vendor_company_id;
      return std::monostate{};
    case unit_field::kStartDate:
      return start_of_day(start);
    case unit_field::kEndDate:
      return start_of_day(end);
    case unit_field::kUnits:
      return units;
    case unit_field::kPrice:
    case unit_field::kInternalCurrencyPrice:
      return price;
    case unit_field::kCost:
      return cost;
    default:
      // approveAndPostDate and organizationalLevelAssociationID: nothing is ever posted here.
      return std::monostate{};
  }
}

void UnitTable::scan(int64_t after_id, const std::optional<EqualityHint>& hint,
                     const std::function<bool(const Row&)>& visit) const {
  if (hint && hint->field == unit_field::kContractServiceID) {
    // rows_ is in id order, so visiting the matching indexes in ascending order keeps the
    // scan's id order across several contract services.
    std::vector<size_t> indexes;
    for (int64_t value : hint->values) {
      auto it = by_contract_service_.find(value);
      if (it != by_contract_service_.end()) {
        indexes.insert(indexes.end(), it->second.begin(), it->second.end());
      }
    }
    std::sort(indexes.begin(), indexes.end());
    indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
    for (size_t index : indexes) {
      if (rows_[index].row_id > after_id && !visit(rows_[index])) return;
    }
    return;
  }
  auto first = std::upper_bound(rows_.begin(), rows_.end(), after_id,
                                [](int64_t id, const UnitRow& row) { return id < row.row_id; });
  for (auto it = first; it != rows_.end(); ++it) {
    if (!visit(*it)) return;
  }
}

const UnitRow* UnitTable::find(int64_t id) const {
  auto it =
      std::lower_bound(rows_.begin(), rows_.end(), id,
                       [](const UnitRow& row, int64_t wanted) { return row.row_id < wanted; });
  return it != rows_.end() && it->row_id == id ? &*it : nullptr;
}

void UnitTable::append(UnitRow row) {
  row.row_id = next_id_++;
  by_contract_service_[row.contract_service_id].push_back(rows_.size());
  rows_.push_back(row);
}

std::vector<UnitRow*> UnitTable::rows_of(int64_t contract_service_id) {
  std::vector<UnitRow*> rows;
  for (const UnitRow* row : std::as_const(*this).rows_of(contract_service_id)) {
    rows.push_back(const_cast<UnitRow*>(row));
  }
  return rows;
}

std::vector<const UnitRow*> UnitTable::rows_of(int64_t contract_service_id) const {
  std::vector<const UnitRow*> rows;
  auto it = by_contract_service_.find(contract_service_id);
  if (it == by_contract_service_.end()) return rows;
  for (size_t index : it->second) rows.push_back(&rows_[index]);
  std::sort(rows.begin(), rows.end(),
            [](const UnitRow* a, const UnitRow* b) { return a->start < b->start; });
  return rows;
}

}  // namespace mb::sim::autotask
