// The state of one simulated ConnectWise site: the records the seed loaded (records.h's Dataset),
// the additions indexed by their agreement, the id the next addition gets, and every write
// applied to an addition since the last reset (GET /_sim/state, "additionWrites").
//
//   Model model;
//   model.load(default_seed_document());                      // throws SeedError
//   for (const json::object* addition : model.additions_of(9001)) ...
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_MODEL_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_MODEL_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <vector>

#include "sim/connectwise/internal/records.h"

namespace mb::sim::connectwise {

class Model {
 public:
  // Replaces everything with the seed document's data. Throws SeedError.
  void load(const boost::json::value& seed);
  // The seed document's shape plus "additionWrites".
  boost::json::value state() const;

  Dataset& data() { return data_; }
  const Dataset& data() const { return data_; }

  // In id order, through the index: a tenant holds tens of thousands of additions, and a sync
  // lists the additions of each of its agreements.
  std::vector<const boost::json::object*> additions_of(int64_t agreement_id) const;
  int64_t next_addition_id() const { return next_addition_id_; }
  // Stores a completed addition under `id` (new or replacing) and returns the stored record.
  boost::json::object& put_addition(int64_t id, int64_t agreement_id, boost::json::object addition);
  void erase_addition(int64_t id);

  // Every PATCH or PUT the platform applied to an addition, and those that changed its
  // quantity: how a test sees a write applied twice.
  void count_write(int64_t id, const boost::json::value& quantity_before,
                   const boost::json::value& quantity_after);

 private:
  struct AdditionWrites {
    int64_t writes = 0;
    int64_t quantity_changes = 0;
  };

  Dataset data_;
  std::map<int64_t, std::vector<int64_t>> additions_by_agreement_;  // addition ids, ascending
  std::map<int64_t, AdditionWrites> addition_writes_;               // since the last reset
  int64_t next_addition_id_ = 1;
};

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_MODEL_H_
