// Seed helpers: parsing a --generate spec and a random source whose output is the same on
// every machine and standard library, so "--generate companies=2000,seed=42" always yields the
// same data set.
//
//   GenerateSpec spec = GenerateSpec::parse("items=500,seed=7");   // throws SeedError
//   spec.require_only({"items", "seed"});
//   DeterministicRandom random(spec.seed());
//   int64_t quantity = random.uniform(0, 250);
#ifndef METERBRIDGE_SIM_CORE_SEED_H_
#define METERBRIDGE_SIM_CORE_SEED_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mb::sim {

// A seed document or generate spec the platform cannot use; the message says why.
class SeedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "key=integer,key=integer,...": counts of what to generate plus "seed" (default 1).
class GenerateSpec {
 public:
  static GenerateSpec parse(std::string_view text);

  int64_t get(std::string_view key, int64_t default_value) const;
  uint64_t seed() const { return static_cast<uint64_t>(get("seed", 1)); }
  bool empty() const { return values_.empty(); }
  const std::map<std::string, int64_t, std::less<>>& values() const { return values_; }
  // Throws SeedError naming any key outside `known` (a typo must not silently do nothing).
  void require_only(std::initializer_list<std::string_view> known) const;

 private:
  std::map<std::string, int64_t, std::less<>> values_;
};

// SplitMix64: tiny, fast and fully specified, unlike std::uniform_int_distribution whose output
// differs between standard libraries.
class DeterministicRandom {
 public:
  explicit DeterministicRandom(uint64_t seed) : state_(seed) {}

  uint64_t next();
  // Uniform in [low, high] (inclusive); low <= high.
  int64_t uniform(int64_t low, int64_t high);
  // Uniform in [0, 1).
  double unit();
  // True with probability p.
  bool chance(double probability) { return unit() < probability; }
  // One of `choices`; the span must not be empty.
  std::string_view pick(std::span<const std::string_view> choices);

 private:
  uint64_t state_;
};

// A plausible company name such as "Northwind Dental Group 0042": readable in demos, unique by
// the index suffix.
std::string generated_company_name(DeterministicRandom& random, int64_t index);

}  // namespace mb::sim

#endif  // METERBRIDGE_SIM_CORE_SEED_H_
