// The CLI's output helpers (declared in commands.h), shared by every command.
#include <boost/json.hpp>

#include <ostream>

#include "host/cli/commands.h"
#include "host/common/redaction.h"

namespace mb::cli {

void print_json(App& app, const boost::json::value& v) {
  app.out() << serialize_redacted(v) << "\n";
}

}  // namespace mb::cli
