#include "sim/connectwise/internal/model.h"

#include <boost/json.hpp>

#include <algorithm>
#include <utility>

#include "sim/connectwise/internal/seed_data.h"

namespace mb::sim::connectwise {

namespace json = boost::json;

void Model::load(const json::value& seed) {
  data_ = load_dataset(seed);
  next_addition_id_ = data_.additions.empty() ? 1 : data_.additions.rbegin()->first + 1;
  additions_by_agreement_.clear();
  for (const auto& [id, addition] : data_.additions)
    additions_by_agreement_[addition.at("agreementId").get_int64()].push_back(id);
  addition_writes_.clear();
}

json::value Model::state() const {
  json::value state = dataset_to_json(data_);
  json::array writes;
  for (const auto& [id, counted] : addition_writes_) {
    writes.push_back(json::object{{"additionId", id},
                                  {"writes", counted.writes},
                                  {"quantityChanges", counted.quantity_changes}});
  }
  state.as_object()["additionWrites"] = std::move(writes);
  return state;
}

std::vector<const json::object*> Model::additions_of(int64_t agreement_id) const {
  std::vector<const json::object*> rows;
  auto ids = additions_by_agreement_.find(agreement_id);
  if (ids == additions_by_agreement_.end()) return rows;
  for (int64_t id : ids->second) {
    auto it = data_.additions.find(id);
    if (it != data_.additions.end()) rows.push_back(&it->second);
  }
  return rows;
}

json::object& Model::put_addition(int64_t id, int64_t agreement_id, json::object addition) {
  auto [slot, created] = data_.additions.try_emplace(id);
  slot->second = std::move(addition);
  if (created) {
    additions_by_agreement_[agreement_id].push_back(id);  // ids only grow
    next_addition_id_ = std::max(next_addition_id_, id + 1);
  }
  return slot->second;
}

void Model::erase_addition(int64_t id) {
  auto it = data_.additions.find(id);
  if (it == data_.additions.end()) return;
  std::vector<int64_t>& siblings =
      additions_by_agreement_[it->second.at("agreementId").get_int64()];
  siblings.erase(std::remove(siblings.begin(), siblings.end(), id), siblings.end());
  data_.additions.erase(it);
}

void Model::count_write(int64_t id, const json::value& quantity_before,
                        const json::value& quantity_after) {
  AdditionWrites& counted = addition_writes_[id];
  ++counted.writes;
  if (quantity_before != quantity_after) ++counted.quantity_changes;
}

}  // namespace mb::sim::connectwise
