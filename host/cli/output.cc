// The CLI's output helpers (declared in commands.h), shared by every command and by `serve`.
#include <boost/json.hpp>

#include <ostream>

#include "host/cli/commands.h"
#include "host/common/redaction.h"

namespace mb::cli {

int report_failure(App& app, const Status& status, int exit_code) {
  if (app.options().json) {
    boost::json::object err{{"code", error_class_name(status.code())},
                            {"message", status.message()}};
    app.err() << serialize_redacted(boost::json::object{{"error", err}}) << "\n";
  } else {
    app.err() << "error: " << redact(status.message()) << "\n";
  }
  return exit_code >= 0 ? exit_code : exit_code_for(status);
}

void print_json(App& app, const boost::json::value& v) {
  app.out() << serialize_redacted(v) << "\n";
}

}  // namespace mb::cli
