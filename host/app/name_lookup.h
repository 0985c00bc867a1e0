// Name lookup: how a user names a workspace, a PSA account or a service: by its id, or by its
// name. An argument is tried as an id first, then as an exact name, then as a name ignoring case;
// the first tier with exactly one match wins. No match, or two or more in the deciding tier,
// is an error that says what was looked for and where, lists the candidates with their ids when
// the name is ambiguous, and says why the list is empty when it is.
//
//   NamedKind kind{"workspace", "the workspaces of the imported usage", "no usage imported yet"};
//   auto found = find_named("Summit Accounting", workspaces, kind);
//   if (found) map(found->id);
#ifndef METERBRIDGE_HOST_APP_NAME_LOOKUP_H_
#define METERBRIDGE_HOST_APP_NAME_LOOKUP_H_

#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"

namespace mb {

// Something a user may name: its stable id and its display name.
struct NamedItem {
  std::string id;
  std::string name;
};

// What is looked up, for the error messages.
struct NamedKind {
  std::string what;        // "workspace", "PSA account of connector 'acme'", ...
  std::string where;       // "the workspaces of the imported usage", ...
  std::string when_empty;  // why `where` holds nothing, e.g. "no usage imported yet"
};

// The item `given` names among `items`. NotFound when none matches (naming what, where, and
// when there is nothing at all, why); ConfigInvalid when a name matches several, listing them.
Result<NamedItem> find_named(std::string_view given, const std::vector<NamedItem>& items,
                             const NamedKind& kind);

}  // namespace mb

#endif  // METERBRIDGE_HOST_APP_NAME_LOOKUP_H_
