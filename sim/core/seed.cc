#include "sim/core/seed.h"

#include <array>
#include <charconv>
#include <cstdio>

namespace mb::sim {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

GenerateSpec GenerateSpec::parse(std::string_view text) {
  GenerateSpec spec;
  while (!trim(text).empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    const size_t equals = item.find('=');
    if (equals == std::string_view::npos) {
      throw SeedError("generate spec item '" + std::string(item) + "' is not key=integer");
    }
    const std::string_view key = trim(item.substr(0, equals));
    const std::string_view number = trim(item.substr(equals + 1));
    int64_t value = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (key.empty() || ec != std::errc() || end != number.data() + number.size() ||
        number.empty() || value < 0) {
      throw SeedError("generate spec item '" + std::string(item) +
                      "' is not key=non-negative-integer");
    }
    spec.values_[std::string(key)] = value;
  }
  return spec;
}

int64_t GenerateSpec::get(std::string_view key, int64_t default_value) const {
  auto it = values_.find(key);
  return it == values_.end() ? default_value : it->second;
}

void GenerateSpec::require_only(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : values_) {
    bool found = false;
    for (std::string_view candidate : known) found = found || candidate == key;
    if (!found) {
      std::string list;
      for (std::string_view candidate : known) {
        if (!list.empty()) list += ", ";
        list += candidate;
      }
      throw SeedError("unknown generate key '" + key + "' (known: " + list + ")");
    }
  }
}

uint64_t DeterministicRandom::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

int64_t DeterministicRandom::uniform(int64_t low, int64_t high) {
  const uint64_t span = static_cast<uint64_t>(high - low) + 1;
  // span == 0 means the full 64-bit range; the modulo bias is irrelevant for test data.
  const uint64_t offset = span == 0 ? next() : next() % span;
  return low + static_cast<int64_t>(offset);
}

double DeterministicRandom::unit() {
  // The top 53 bits fill a double's mantissa exactly.
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::string_view DeterministicRandom::pick(std::span<const std::string_view> choices) {
  return choices[static_cast<size_t>(uniform(0, static_cast<int64_t>(choices.size()) - 1))];
}

std::string generated_company_name(DeterministicRandom& random, int64_t index) {
  static constexpr std::array<std::string_view, 16> kFirst = {
      "Northwind",  "Contoso", "Fabrikam",  "Adventure", "Blue Yonder", "Tailspin",
      "Wide World", "Litware", "Proseware", "Lucerne",   "Margie's",    "Alpine",
      "Coho",       "Fourth",  "Humongous", "Woodgrove"};
  static constexpr std::array<std::string_view, 12> kTrade = {
      "Dental", "Legal",  "Logistics", "Clinic", "Accounting", "Builders",
      "Foods",  "Realty", "Insurance", "Motors", "Design",     "Labs"};
  static constexpr std::array<std::string_view, 6> kForm = {"LLC",  "Inc",      "Group",
                                                            "& Co", "Partners", "Ltd"};
  std::string name(random.pick(kFirst));
  name += ' ';
  name += random.pick(kTrade);
  name += ' ';
  name += random.pick(kForm);
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, " %04lld", static_cast<long long>(index));
  name += suffix;
  return name;
}

}  // namespace mb::sim
