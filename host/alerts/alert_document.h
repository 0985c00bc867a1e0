// Alert documents: the vendor's security alerts as JSON (docs/alerts.md), pushed with
// `meterbridge alerts push FILE` or `POST /v1/alerts`. A document is one alert object or a batch
// ({"alerts": [...]}), and is validated whole: either every alert is good, or it is rejected
// with every error listed (JSON Pointer and reason; the list is capped and says how many more)
// and nothing is stored. Strict like usage files: UTF-8, no unknown fields, no repeated keys or
// alert ids, at most `max_bytes` of text.
//
//   auto document = parse_alert_document(text, "alerts.json");
//   if (!document) std::cerr << document.status().message();  // one error per line
//   else store.record_alerts(document->alerts, "alerts.json");
#ifndef METERBRIDGE_HOST_ALERTS_ALERT_DOCUMENT_H_
#define METERBRIDGE_HOST_ALERTS_ALERT_DOCUMENT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"
#include "host/store/model.h"

namespace mb {

inline constexpr size_t kDefaultMaxAlertDocumentBytes = 16 * 1024 * 1024;
inline constexpr size_t kMaxAlertsPerDocument = 10000;

struct AlertParseOptions {
  size_t max_bytes = kDefaultMaxAlertDocumentBytes;
};

struct AlertDocument {
  std::vector<Alert> alerts;  // in document order; times normalised to UTC seconds
  bool batch = false;         // {"alerts": [...]} rather than one alert object
};

// Parses and checks a whole document. Errors are ConfigInvalid, one line per problem, each
// "<origin>: <JSON Pointer>: <reason>".
Result<AlertDocument> parse_alert_document(std::string_view text, std::string_view origin,
                                           const AlertParseOptions& options = {});
// The same for a file ("-": standard input; its errors say "stdin"). A file larger than
// options.max_bytes is refused before it is read.
Result<AlertDocument> read_alert_file(const std::string& file,
                                      const AlertParseOptions& options = {});

// "2026-12-05T11:00:00+01:00" -> "2026-12-05T10:00:00Z": an RFC 3339 date-time (a fraction of a
// second is dropped) as UTC, or nullopt when it is not one.
std::optional<std::string> normalise_alert_time(std::string_view text);

}  // namespace mb

#endif  // METERBRIDGE_HOST_ALERTS_ALERT_DOCUMENT_H_
