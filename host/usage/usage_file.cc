#include "host/usage/usage_file.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iostream>
#include <map>

#include "host/common/bounded_read.h"
#include "host/common/json.h"

namespace mb {
namespace {

constexpr size_t kMaxErrorsListed = 200;

class Errors {
 public:
  explicit Errors(std::string_view origin) : origin_(origin) {}
  void add(const std::string& where, const std::string& why) {
    ++count_;
    if (lines_.size() < kMaxErrorsListed) lines_.push_back(origin_ + ": " + where + ": " + why);
  }
  bool empty() const { return count_ == 0; }
  Status status() const {
    std::string out;
    for (const auto& l : lines_) out += (out.empty() ? "" : "\n") + l;
    if (count_ > lines_.size())
      out += "\n" + origin_ + ": ... and " + std::to_string(count_ - lines_.size()) + " more errors";
    return Status::ConfigInvalid("usage rejected, nothing imported (" + std::to_string(count_) + " error" +
                                 (count_ == 1 ? "" : "s") + "):\n" + out);
  }

 private:
  std::string origin_;
  std::vector<std::string> lines_;
  size_t count_ = 0;
};

// Accepts "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (also with fractional seconds or an offset).
bool valid_timestamp(std::string_view s) {
  auto digits = [&](size_t from, size_t n) {
    if (s.size() < from + n) return false;
    for (size_t i = from; i < from + n; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (!(digits(0, 4) && s.size() >= 10 && s[4] == '-' && digits(5, 2) && s[7] == '-' && digits(8, 2))) return false;
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (s.size() == 10) return true;
  return s.size() >= 20 && s[10] == 'T' && digits(11, 2) && s[13] == ':' && digits(14, 2) && s[16] == ':' &&
         digits(17, 2);
}

std::string normalise_timestamp(std::string_view s) {
  return s.size() == 10 ? std::string(s) + "T00:00:00Z" : std::string(s);
}

// Shared checks once rows are read, identical for JSON and CSV.
class Builder {
 public:
  Builder(Errors& errors, const UsageParseOptions& options) : errors_(errors), options_(options) {}

  void workspace(const std::string& where, const std::string& id, const std::string& name, bool ended,
                 const std::string& partner_id) {
    if (id.empty()) return errors_.add(where, "workspace id must be a non-empty string");
    if (name.empty()) return errors_.add(where, "workspace '" + id + "' needs a non-empty name");
    auto [it, inserted] = workspaces_.emplace(id, Workspace{id, name, ended, partner_id});
    if (!inserted && (it->second.name != name || it->second.ended != ended || it->second.partner_id != partner_id))
      errors_.add(where, "workspace '" + id + "' is declared twice with different names or states");
    else if (!inserted && declared_twice_is_error_)
      errors_.add(where, "duplicate workspace id '" + id + "'");
  }
  void service(const std::string& where, const std::string& id, const std::string& name) {
    if (id.empty()) return errors_.add(where, "service id must be a non-empty string");
    if (name.empty()) return errors_.add(where, "service '" + id + "' needs a non-empty name");
    auto [it, inserted] = services_.emplace(id, VendorService{id, name});
    if (!inserted && it->second.name != name)
      errors_.add(where, "service '" + id + "' is declared twice with different names");
    else if (!inserted && declared_twice_is_error_)
      errors_.add(where, "duplicate service id '" + id + "'");
  }
  void count(const std::string& where, const std::string& workspace, const std::string& service, int64_t users,
             int64_t devices) {
    if (workspaces_.count(workspace) == 0 && options_.known_workspaces.count(workspace) == 0)
      errors_.add(where, "unknown workspace '" + workspace + "'");
    if (services_.count(service) == 0 && options_.known_services.count(service) == 0)
      errors_.add(where, "unknown service '" + service + "'");
    if (users < 0) errors_.add(where, "users must be >= 0, got " + std::to_string(users));
    if (devices < 0) errors_.add(where, "devices must be >= 0, got " + std::to_string(devices));
    if (!seen_counts_.emplace(workspace, service).second)
      errors_.add(where, "duplicate count for workspace '" + workspace + "' and service '" + service + "'");
    counts_.push_back({workspace, service, users, devices});
  }
  // In JSON, ids are declared once in their own arrays; in CSV they repeat on every row.
  void set_strict_declarations(bool strict) { declared_twice_is_error_ = strict; }

  UsageImport finish(std::string as_of) {
    UsageImport out;
    for (auto& [id, w] : workspaces_) out.workspaces.push_back(w);
    for (auto& [id, s] : services_) out.services.push_back(s);
    out.snapshot.as_of = normalise_timestamp(as_of);
    out.snapshot.source = options_.source;
    out.snapshot.counts = std::move(counts_);
    return out;
  }

 private:
  Errors& errors_;
  const UsageParseOptions& options_;
  std::map<std::string, Workspace> workspaces_;
  std::map<std::string, VendorService> services_;
  std::set<std::pair<std::string, std::string>> seen_counts_;
  std::vector<UsageCount> counts_;
  bool declared_twice_is_error_ = true;
};

std::string field_string(const boost::json::object& o, const char* key, const std::string& where, Errors& errors,
                         bool required = true) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) {
    if (required) errors.add(where + "/" + key, "required");
    return "";
  }
  if (!v->is_string()) {
    errors.add(where + "/" + key, "must be a string");
    return "";
  }
  return std::string(v->get_string());
}

int64_t field_count(const boost::json::object& o, const char* key, const std::string& where, Errors& errors) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) {
    errors.add(where + "/" + key, "required (use 0 for none)");
    return 0;
  }
  if (auto n = json::whole_number(*v)) return *n;
  if (v->is_uint64() || (v->is_double() && std::isfinite(v->get_double()) &&
                         v->get_double() == std::trunc(v->get_double()))) {
    errors.add(where + "/" + key, "too large");
    return 0;
  }
  errors.add(where + "/" + key, "must be a whole number");
  return 0;
}

// Like the top level, items carry only the fields the format defines: a typo is an error,
// never silently ignored.
void reject_unknown_fields(const boost::json::object& o,
                           std::initializer_list<std::string_view> known, const std::string& where,
                           Errors& errors) {
  for (const auto& [key, value] : o)
    if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end())
      errors.add(where + "/" + json::pointer_token(key), "unknown field");
}

const boost::json::array* field_array(const boost::json::object& o, const char* key,
                                      Errors& errors) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    errors.add(std::string("/") + key, "must be an array");
    return nullptr;
  }
  return &v->get_array();
}

}  // namespace

Result<UsageImport> parse_usage_json(std::string_view text, std::string_view origin, const UsageParseOptions& options) {
  Errors errors(origin);
  auto parsed = json::parse(text);
  if (!parsed) {
    errors.add("/", parsed.status().message());
    return errors.status();
  }
  if (!parsed->is_object()) {
    errors.add("/", "must be a JSON object with as_of, workspaces, services and usage");
    return errors.status();
  }
  const auto& doc = parsed->get_object();
  for (const auto& [key, value] : doc) {
    if (key != "as_of" && key != "workspaces" && key != "services" && key != "usage" && key != "$schema")
      errors.add("/" + json::pointer_token(key), "unknown field");
  }
  std::string as_of = field_string(doc, "as_of", "", errors);
  if (!as_of.empty() && !valid_timestamp(as_of)) errors.add("/as_of", "must be YYYY-MM-DD or an ISO 8601 UTC time");

  Builder builder(errors, options);
  if (const auto* list = field_array(doc, "workspaces", errors)) {
    for (size_t i = 0; i < list->size(); ++i) {
      std::string where = "/workspaces/" + std::to_string(i);
      if (!(*list)[i].is_object()) {
        errors.add(where, "must be an object");
        continue;
      }
      const auto& o = (*list)[i].get_object();
      reject_unknown_fields(o, {"id", "name", "partner_id", "ended"}, where, errors);
      bool ended = false;
      if (const auto* e = o.if_contains("ended")) {
        if (e->is_bool()) ended = e->get_bool();
        else errors.add(where + "/ended", "must be true or false");
      }
      std::string partner = field_string(o, "partner_id", where, errors, /*required=*/false);
      builder.workspace(where, field_string(o, "id", where, errors), field_string(o, "name", where, errors), ended,
                        partner);
    }
  }
  if (const auto* list = field_array(doc, "services", errors)) {
    for (size_t i = 0; i < list->size(); ++i) {
      std::string where = "/services/" + std::to_string(i);
      if (!(*list)[i].is_object()) {
        errors.add(where, "must be an object");
        continue;
      }
      const auto& o = (*list)[i].get_object();
      reject_unknown_fields(o, {"id", "name"}, where, errors);
      builder.service(where, field_string(o, "id", where, errors),
                      field_string(o, "name", where, errors));
    }
  }
  const auto* usage = field_array(doc, "usage", errors);
  if (usage == nullptr && doc.if_contains("usage") == nullptr) errors.add("/usage", "required");
  if (usage != nullptr) {
    for (size_t i = 0; i < usage->size(); ++i) {
      std::string where = "/usage/" + std::to_string(i);
      if (!(*usage)[i].is_object()) {
        errors.add(where, "must be an object");
        continue;
      }
      const auto& o = (*usage)[i].get_object();
      reject_unknown_fields(o, {"workspace_id", "service_id", "users", "devices"}, where, errors);
      std::string ws = field_string(o, "workspace_id", where, errors);
      std::string svc = field_string(o, "service_id", where, errors);
      int64_t users = field_count(o, "users", where, errors);
      int64_t devices = field_count(o, "devices", where, errors);
      if (!ws.empty() && !svc.empty()) builder.count(where, ws, svc, users, devices);
    }
  }
  if (!errors.empty()) return errors.status();
  return builder.finish(as_of);
}

namespace {

// RFC 4180 CSV: quoted fields may contain commas, quotes ("") and newlines.
struct CsvRow {
  size_t line = 0;
  std::vector<std::string> fields;
};

Result<std::vector<CsvRow>> split_csv(std::string_view text, Errors& errors) {
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  bool quoted = false, field_started = false;
  size_t line = 1;
  row.line = 1;
  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_row = [&] {
    end_field();
    bool blank = row.fields.size() == 1 && row.fields[0].empty();
    if (!blank) rows.push_back(std::move(row));
    row = CsvRow{};
    row.line = line;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && !field_started && field.empty()) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r') {
      continue;
    } else if (c == '\n') {
      ++line;
      end_row();
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) errors.add("line " + std::to_string(row.line), "unterminated quoted field");
  if (!field.empty() || !row.fields.empty()) end_row();
  return rows;
}

// Why the UTF-8 sequence starting at text[i] is not acceptable text (empty when it is), and its
// length in bytes. Acceptable: well-formed UTF-8 (no overlong forms, no surrogates, nothing past
// U+10FFFF) without NUL or control characters other than tab, CR and LF — what a JSON string
// may hold.
std::string invalid_sequence(std::string_view text, size_t i, size_t& length) {
  auto byte = [&](size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u; };
  auto continuation = [&](size_t k) { return (byte(k) & 0xC0u) == 0x80u && k < text.size(); };
  auto hex = [](unsigned b) {
    const char* digits = "0123456789ABCDEF";
    return std::string("0x") + digits[b >> 4] + digits[b & 15];
  };
  unsigned b = byte(i);
  length = 1;
  if (b == 0) return "NUL byte";
  if (b < 0x20) return b == '\t' || b == '\n' || b == '\r' ? "" : "control character " + hex(b);
  if (b < 0x80) return "";
  if (b < 0xC2)
    return b < 0xC0 ? "byte " + hex(b) + " is not valid UTF-8 here" : "overlong UTF-8 encoding";
  if (b > 0xF4) return "byte " + hex(b) + " is not valid UTF-8";
  size_t needed = b < 0xE0 ? 1 : (b < 0xF0 ? 2 : 3);
  unsigned second = byte(i + 1);
  if (b == 0xE0 && second < 0xA0) return "overlong UTF-8 encoding";
  if (b == 0xF0 && second < 0x90) return "overlong UTF-8 encoding";
  if (b == 0xED && second >= 0xA0) return "UTF-16 surrogate encoded in UTF-8";
  if (b == 0xF4 && second >= 0x90) return "code point beyond U+10FFFF";
  for (size_t k = 1; k <= needed; ++k)
    if (!continuation(i + k)) return "truncated UTF-8 sequence";
  length = needed + 1;
  return "";
}

// Lists every unacceptable byte sequence by line and column (in characters, from 1).
void check_utf8(std::string_view text, Errors& errors) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < text.size();) {
    size_t length = 1;
    std::string why = invalid_sequence(text, i, length);
    if (!why.empty()) {
      errors.add("line " + std::to_string(line) + ", column " + std::to_string(column), why);
      // One error per bad sequence: skip the continuation bytes that belonged to it.
      while (length < 4 && i + length < text.size() &&
             (static_cast<unsigned char>(text[i + length]) & 0xC0) == 0x80)
        ++length;
    }
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += length;
  }
}

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

Result<UsageImport> parse_usage_csv(std::string_view text, std::string_view origin, const UsageParseOptions& options) {
  Errors errors(origin);
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF")
    text.remove_prefix(3);  // Excel's BOM
  check_utf8(text, errors);
  if (!errors.empty()) return errors.status();
  auto rows = split_csv(text, errors);
  if (rows->empty()) {
    errors.add("line 1", "empty file: expected a header row");
    return errors.status();
  }
  const std::vector<std::string> required = {
      "as_of", "workspace_id", "workspace_name", "service_id", "service_name", "users", "devices"};
  const std::vector<std::string> optional = {"workspace_ended", "partner_id"};
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < rows->front().fields.size(); ++i) {
    std::string name = trim(rows->front().fields[i]);
    if (!column.emplace(name, i).second) errors.add("line 1", "duplicate column '" + name + "'");
    if (std::find(required.begin(), required.end(), name) == required.end() &&
        std::find(optional.begin(), optional.end(), name) == optional.end())
      errors.add("line 1", "unknown column '" + name + "'");
  }
  for (const auto& r : required)
    if (column.count(r) == 0) errors.add("line 1", "missing column '" + r + "'");
  if (!errors.empty()) return errors.status();
  bool has_ended = column.count("workspace_ended") > 0;
  bool has_partner = column.count("partner_id") > 0;

  Builder builder(errors, options);
  builder.set_strict_declarations(false);
  std::string as_of;
  for (size_t r = 1; r < rows->size(); ++r) {
    const CsvRow& row = (*rows)[r];
    std::string where = "line " + std::to_string(row.line);
    if (row.fields.size() != rows->front().fields.size()) {
      errors.add(where, "expected " + std::to_string(rows->front().fields.size()) + " fields, found " +
                            std::to_string(row.fields.size()));
      continue;
    }
    auto get = [&](const char* name) { return trim(row.fields[column.at(name)]); };
    auto number = [&](const char* name) -> int64_t {
      std::string v = get(name);
      int64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size()) {
        errors.add(where, std::string(name) + " must be a whole number, got '" + v + "'");
        return 0;
      }
      return n;
    };
    std::string row_as_of = get("as_of");
    if (!valid_timestamp(row_as_of)) errors.add(where, "as_of must be YYYY-MM-DD or an ISO 8601 UTC time");
    if (as_of.empty()) as_of = row_as_of;
    else if (row_as_of != as_of) errors.add(where, "as_of differs from the first row ('" + as_of + "'): one snapshot per file");
    bool ended = false;
    if (has_ended) {
      std::string e = get("workspace_ended");
      if (e == "true" || e == "1") ended = true;
      else if (!(e.empty() || e == "false" || e == "0")) errors.add(where, "workspace_ended must be true or false");
    }
    builder.workspace(where, get("workspace_id"), get("workspace_name"), ended, has_partner ? get("partner_id") : "");
    builder.service(where, get("service_id"), get("service_name"));
    int64_t users = number("users");
    int64_t devices = number("devices");
    builder.count(where, get("workspace_id"), get("service_id"), users, devices);
  }
  if (rows->size() == 1) errors.add("line 2", "no usage rows");
  if (!errors.empty()) return errors.status();
  return builder.finish(as_of);
}

Result<UsageImport> parse_usage(std::string_view text, std::string_view origin,
                                const UsageParseOptions& options) {
  if (text.size() > options.max_bytes)
    return Status::ConfigInvalid("usage rejected, nothing imported: " + std::string(origin) +
                                 " is larger than the " + format_byte_size(options.max_bytes) +
                                 " limit (usage.max_file_mib in the config)");
  std::string_view body = text.starts_with("\xEF\xBB\xBF") ? text.substr(3) : text;
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '{')
    return parse_usage_json(text, origin, options);
  return parse_usage_csv(text, origin, options);
}

Result<std::string> read_usage_file(const std::string& file, size_t max_bytes) {
  auto text = file == "-" ? read_stream(std::cin, max_bytes) : read_regular_file(file, max_bytes);
  if (!text) {
    std::string name = file == "-" ? "standard input" : "usage file " + file;
    std::string hint = text.status().message().starts_with("is larger than")
                           ? " (usage.max_file_mib in the config)"
                           : "";
    return Status(text.status().code(), name + " " + text.status().message() + hint);
  }
  return text;
}

}  // namespace mb
