// The CLI's output helpers (declared in commands.h), shared by every command.
#include <boost/json.hpp>

#include <unistd.h>

#include <ostream>

#include "host/cli/commands.h"
#include "host/common/redaction.h"
#include "host/common/text_table.h"

namespace mb::cli {

void print_json(App& app, const boost::json::value& v) {
  app.out() << serialize_redacted(v) << "\n";
}

size_t table_width(bool wide) {
  constexpr size_t kWidthOffATerminal = 100;
  return wide ? 0 : terminal_width(STDOUT_FILENO, kWidthOffATerminal);
}

}  // namespace mb::cli
