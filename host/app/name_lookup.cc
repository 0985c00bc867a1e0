#include "host/app/name_lookup.h"

#include <algorithm>
#include <cctype>

namespace mb {
namespace {

bool same_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// How many candidates an ambiguity error lists before it says "and N more".
constexpr size_t kListedCandidates = 10;

Status ambiguous(std::string_view given, const std::vector<const NamedItem*>& matches,
                 const NamedKind& kind) {
  std::string listed;
  for (size_t i = 0; i < matches.size() && i < kListedCandidates; ++i)
    listed +=
        std::string(i == 0 ? "" : ", ") + "'" + matches[i]->name + "' (id " + matches[i]->id + ")";
  if (matches.size() > kListedCandidates)
    listed += " and " + std::to_string(matches.size() - kListedCandidates) + " more";
  return Status::ConfigInvalid("'" + std::string(given) + "' names " +
                               std::to_string(matches.size()) + " " + kind.what + "s in " +
                               kind.where + ": " + listed + "; give the id instead");
}

}  // namespace

Result<NamedItem> find_named(std::string_view given, const std::vector<NamedItem>& items,
                             const NamedKind& kind) {
  for (const NamedItem& item : items)
    if (item.id == given) return item;
  for (bool exact : {true, false}) {
    std::vector<const NamedItem*> matches;
    for (const NamedItem& item : items)
      if (exact ? item.name == given : same_ignoring_case(item.name, given))
        matches.push_back(&item);
    if (matches.size() == 1) return *matches.front();
    if (matches.size() > 1) return ambiguous(given, matches, kind);
  }
  std::string message =
      "no " + kind.what + " with the id or name '" + std::string(given) + "' in " + kind.where;
  if (items.empty())
    message += ": " + kind.when_empty;
  else
    message += " (" + std::to_string(items.size()) + " listed)";
  return Status::NotFound(message);
}

}  // namespace mb
