// Between the host's line documents (abi.h: read_quantities and apply_quantities) and the
// protocol: which platform count a line is, what the platform's answer means for it. Pure
// functions, so every outcome is specified without HTTP.
//
//   std::vector<Line> lines = parse_lines(request.lines, problems);
//   ReadLineResult r = read_result(lines[0], linked, services);
//   ApplyLineResult o = apply_result(lines[0], item_result);
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_LINES_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_LINES_H_

#include <meterbridge/abi.h>
#include <meterbridge/documents.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "internal/wire.h"

namespace meterbridge::external {

// One line of read_quantities or apply_quantities. account_id is the platform's customer id and
// service_id the platform's service id (what the MSP mapped the vendor's customer and module
// to); target is set for apply lines.
struct Line {
  std::string key;
  std::string customer_id;
  std::string service_id;
  std::string metric;  // users | devices
  std::optional<int64_t> target;
};

// The complete lines of a read or apply request; `problems` receives the lines that lack a
// field, by key, with the reason.
std::vector<Line> parse_lines(const std::vector<ReadLine>& lines,
                              std::vector<std::pair<std::string, std::string>>& problems);
std::vector<Line> parse_lines(const std::vector<ApplyLine>& lines,
                              std::vector<std::pair<std::string, std::string>>& problems);

// The read_quantities answer for a line, given the linked customers read from GET /v1/counts
// (by customer id) and the platform's services (by id).
ReadLineResult read_result(const Line& line, const std::map<std::string, CustomerCounts>& linked,
                           const std::map<std::string, ServiceInfo>& services);

// The apply_quantities answer for a line the platform answered.
ApplyLineResult apply_result(const Line& line, const ItemResult& result);

// An apply line that failed as a whole (error_class from the status).
ApplyLineResult failed_result(const std::string& key, mb_status error_class,
                              const std::string& message);

// Splits `count` items into consecutive parts of at most `size`: [begin, end) pairs.
std::vector<std::pair<size_t, size_t>> split(size_t count, size_t size);

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_LINES_H_
