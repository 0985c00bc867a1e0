#include "host/alerts/alert_document.h"

#include <boost/json.hpp>

#include <algorithm>
#include <ctime>
#include <iostream>
#include <map>
#include <optional>

#include "host/alerts/internal/known_fields.h"
#include "host/common/bounded_read.h"
#include "host/common/clock.h"
#include "host/common/json.h"

namespace mb {
namespace {

namespace bj = boost::json;

constexpr size_t kMaxErrorsListed = 200;
// Limits that keep a ticket readable and a row small; docs/alerts.md lists them.
constexpr size_t kMaxIdChars = 128;
constexpr size_t kMaxTitleChars = 500;
constexpr size_t kMaxDescriptionChars = 32000;
constexpr size_t kMaxDeviceChars = 255;

// Every problem of a document, each "<origin>: <pointer>: <reason>", capped.
class AlertErrors {
 public:
  explicit AlertErrors(std::string_view origin) : origin_(origin) {}
  void add(const std::string& pointer, const std::string& reason) {
    ++count_;
    if (lines_.size() < kMaxErrorsListed)
      lines_.push_back(origin_ + ": " + (pointer.empty() ? "/" : pointer) + ": " + reason);
  }
  bool empty() const { return count_ == 0; }
  Status status() const {
    std::string text = "alerts rejected, nothing stored (" + std::to_string(count_) + " error" +
                       (count_ == 1 ? "" : "s") + "):";
    for (const auto& line : lines_) text += "\n" + line;
    if (count_ > lines_.size())
      text +=
          "\n" + origin_ + ": ... and " + std::to_string(count_ - lines_.size()) + " more errors";
    return Status::ConfigInvalid(text);
  }

 private:
  std::string origin_;
  std::vector<std::string> lines_;
  size_t count_ = 0;
};

// Characters, not bytes: the text is valid UTF-8 (the parser checked), so every byte that does
// not continue a sequence starts a character.
size_t utf8_chars(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

bool has_control_characters(std::string_view text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7F) return true;
  return false;
}

// Reads the fields of one alert object, each error naming its field.
class AlertReader {
 public:
  AlertReader(const bj::object& object, std::string pointer, AlertErrors& errors)
      : object_(object), pointer_(std::move(pointer)), errors_(errors) {}

  std::optional<Alert> read() {
    for (const auto& field : alerts_internal::unknown_fields(
             object_, {"id", "workspace_id", "title", "description", "severity", "status", "time",
                       "device", "service_id"}))
      error(field,
            "unknown field (an alert has id, workspace_id, title, description, severity, "
            "status, time, device and service_id)");
    Alert a;
    a.id = identifier("id", true);
    a.workspace_id = identifier("workspace_id", true);
    a.title = text("title", true, kMaxTitleChars, /*single_line=*/true);
    a.description = text("description", false, kMaxDescriptionChars, /*single_line=*/false);
    a.device = text("device", false, kMaxDeviceChars, /*single_line=*/true);
    a.service_id = identifier("service_id", false);
    if (auto severity = state<AlertSeverity>("severity", "info, low, medium, high or critical"))
      a.severity = *severity;
    if (auto status = state<AlertStatus>("status", "open or resolved")) a.status = *status;
    a.time = time();
    if (failed_) return std::nullopt;
    return a;
  }

 private:
  void error(const std::string& field, const std::string& reason) {
    failed_ = true;
    errors_.add(pointer_ + "/" + json::pointer_token(field), reason);
  }

  // The field's string; nullopt (and an error when required) when absent or not a string.
  std::optional<std::string> string_field(const char* field, bool required) {
    const bj::value* v = object_.if_contains(field);
    if (v == nullptr) {
      if (required) error(field, "required");
      return std::nullopt;
    }
    if (!v->is_string()) {
      error(field, "must be a string");
      return std::nullopt;
    }
    return std::string(v->get_string());
  }

  std::string identifier(const char* field, bool required) {
    auto value = string_field(field, required);
    if (!value) return "";
    if (value->empty())
      error(field, "must not be empty");
    else if (utf8_chars(*value) > kMaxIdChars)
      error(field, "is longer than " + std::to_string(kMaxIdChars) + " characters");
    else if (has_control_characters(*value))
      error(field, "must not hold control characters");
    return *value;
  }

  std::string text(const char* field, bool required, size_t max_chars, bool single_line) {
    auto value = string_field(field, required);
    if (!value) return "";
    if (required && value->find_first_not_of(" \t") == std::string::npos)
      error(field, "must not be empty");
    else if (utf8_chars(*value) > max_chars)
      error(field, "is longer than " + std::to_string(max_chars) + " characters");
    else if (single_line && has_control_characters(*value))
      error(field, "must be one line without control characters");
    return *value;
  }

  template <typename State>
  std::optional<State> state(const char* field, const char* allowed) {
    auto value = string_field(field, true);
    if (!value) return std::nullopt;
    auto parsed = parse_state<State>(*value);
    if (!parsed) error(field, "must be " + std::string(allowed) + ", not '" + *value + "'");
    return parsed;
  }

  std::string time() {
    auto value = string_field("time", true);
    if (!value) return "";
    auto normalised = normalise_alert_time(*value);
    if (!normalised) {
      error("time",
            "must be an RFC 3339 date-time such as 2026-12-05T10:00:00Z (with Z or an "
            "offset), not '" +
                *value + "'");
      return "";
    }
    return *normalised;
  }

  const bj::object& object_;
  std::string pointer_;
  AlertErrors& errors_;
  bool failed_ = false;
};

int days_in_month(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

std::optional<std::string> normalise_alert_time(std::string_view s) {
  auto number = [&](size_t from, size_t n) -> std::optional<int> {
    if (s.size() < from + n) return std::nullopt;
    int v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto year = number(0, 4), month = number(5, 2), day = number(8, 2);
  auto hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (*year < 1970 || *month < 1 || *month > 12 || *day < 1 ||
      *day > days_in_month(*year, *month) || *hour > 23 || *minute > 59 || *second > 59)
    return std::nullopt;
  size_t at = 19;
  if (at < s.size() && s[at] == '.') {
    size_t digits = 0;
    while (++at < s.size() && s[at] >= '0' && s[at] <= '9') ++digits;
    if (digits == 0) return std::nullopt;
  }
  int offset_minutes = 0;
  std::string_view zone = s.substr(std::min(at, s.size()));
  bool utc = zone == "Z" || zone == "z";
  if (!utc) {
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':')
      return std::nullopt;
    auto oh = number(at + 1, 2), om = number(at + 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = (zone[0] == '+' ? 1 : -1) * (*oh * 60 + *om);
  }
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  int64_t seconds = static_cast<int64_t>(timegm(&tm)) - int64_t{offset_minutes} * 60;
  if (seconds < 0) return std::nullopt;
  return format_iso8601_utc(seconds * 1000);
}

Result<AlertDocument> parse_alert_document(std::string_view text, std::string_view origin,
                                           const AlertParseOptions& options) {
  AlertErrors errors(origin);
  if (text.size() > options.max_bytes) {
    errors.add("",
               "the document is larger than the " + format_byte_size(options.max_bytes) + " limit");
    return errors.status();
  }
  auto parsed = json::parse(text);
  if (!parsed) {
    errors.add("", parsed.status().message());
    return errors.status();
  }
  if (!parsed->is_object()) {
    errors.add("", "must be an alert object or {\"alerts\": [...]}");
    return errors.status();
  }
  const bj::object& top = parsed->get_object();
  AlertDocument document;
  std::vector<std::pair<std::string, const bj::object*>> objects;  // pointer, alert
  if (const bj::value* batch = top.if_contains("alerts")) {
    document.batch = true;
    for (const auto& field : top)
      if (field.key() != "alerts")
        errors.add("/" + json::pointer_token(field.key()),
                   "unknown field (a batch holds only \"alerts\")");
    if (!batch->is_array()) {
      errors.add("/alerts", "must be an array of alerts");
    } else if (batch->get_array().size() > kMaxAlertsPerDocument) {
      errors.add("/alerts", "holds " + std::to_string(batch->get_array().size()) +
                                " alerts; at most " + std::to_string(kMaxAlertsPerDocument) +
                                " go in one document");
    } else {
      const bj::array& alerts = batch->get_array();
      for (size_t i = 0; i < alerts.size(); ++i) {
        std::string pointer = "/alerts/" + std::to_string(i);
        if (alerts[i].is_object())
          objects.emplace_back(pointer, &alerts[i].get_object());
        else
          errors.add(pointer, "must be an alert object");
      }
    }
  } else {
    objects.emplace_back("", &top);
  }
  std::map<std::string, std::string> first_seen;  // alert id -> its pointer
  for (const auto& [pointer, object] : objects) {
    auto alert = AlertReader(*object, pointer, errors).read();
    if (!alert) continue;
    auto [seen, inserted] = first_seen.emplace(alert->id, pointer);
    if (!inserted) {
      errors.add(pointer + "/id",
                 "alert '" + alert->id + "' is already in this document at " + seen->second);
      continue;
    }
    document.alerts.push_back(std::move(*alert));
  }
  if (!errors.empty()) return errors.status();
  return document;
}

Result<AlertDocument> read_alert_file(const std::string& file, const AlertParseOptions& options) {
  bool from_stdin = file == "-";
  std::string origin = from_stdin ? "stdin" : file;
  auto text = from_stdin ? read_stream(std::cin, options.max_bytes)
                         : read_regular_file(file, options.max_bytes);
  if (!text) {
    Status why = text.status();
    return Status(why.code(), "alerts rejected, nothing stored: " + origin + ": " + why.message());
  }
  return parse_alert_document(*text, origin, options);
}

}  // namespace mb
