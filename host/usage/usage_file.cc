#include "host/usage/usage_file.h"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "host/common/bounded_read.h"
#include "host/common/json.h"
#include "host/usage/internal/declared_workspaces.h"

namespace mb {
namespace {

using usage_internal::DeclaredWorkspaces;

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
      out +=
          "\n" + origin_ + ": ... and " + std::to_string(count_ - lines_.size()) + " more errors";
    return Status::ConfigInvalid("usage rejected, nothing imported (" + std::to_string(count_) +
                                 " error" + (count_ == 1 ? "" : "s") + "):\n" + out);
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
  if (!(digits(0, 4) && s.size() >= 10 && s[4] == '-' && digits(5, 2) && s[7] == '-' &&
        digits(8, 2)))
    return false;
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (s.size() == 10) return true;
  return s.size() >= 20 && s[10] == 'T' && digits(11, 2) && s[13] == ':' && digits(14, 2) &&
         s[16] == ':' && digits(17, 2);
}

std::string normalise_timestamp(std::string_view s) {
  return s.size() == 10 ? std::string(s) + "T00:00:00Z" : std::string(s);
}

// Shared checks as rows are read, identical for JSON and CSV. Good rows go to the sink at once;
// what must be remembered across rows is per workspace or service, never per count, so memory
// does not grow with the number of counts.
class Builder {
 public:
  Builder(Errors& errors, const UsageParseOptions& options, UsageSink& sink)
      : errors_(errors), options_(options), sink_(sink) {}

  void workspace(const std::string& where, const std::string& id, const std::string& name,
                 bool ended, const std::string& partner_id) {
    if (id.empty()) return errors_.add(where, "workspace id must be a non-empty string");
    if (name.empty()) return errors_.add(where, "workspace '" + id + "' needs a non-empty name");
    auto added = workspaces_.add(id, name, ended, partner_id);
    if (added == DeclaredWorkspaces::Added::kDifferent)
      errors_.add(where, "workspace '" + id + "' is declared twice with different names or states");
    else if (added == DeclaredWorkspaces::Added::kSame && declared_twice_is_error_)
      errors_.add(where, "duplicate workspace id '" + id + "'");
    if (added == DeclaredWorkspaces::Added::kNew)
      keep(sink_.add_workspace(Workspace{id, name, ended, partner_id}));
  }
  void service(const std::string& where, const std::string& id, const std::string& name) {
    if (id.empty()) return errors_.add(where, "service id must be a non-empty string");
    if (name.empty()) return errors_.add(where, "service '" + id + "' needs a non-empty name");
    auto [it, inserted] = services_.emplace(id, name);
    if (!inserted && it->second != name)
      errors_.add(where, "service '" + id + "' is declared twice with different names");
    else if (!inserted && declared_twice_is_error_)
      errors_.add(where, "duplicate service id '" + id + "'");
    if (inserted) keep(sink_.add_service(VendorService{id, name}));
  }
  void count(const std::string& where, const std::string& workspace, const std::string& service,
             int64_t users, int64_t devices) {
    if (users < 0) errors_.add(where, "users must be >= 0, got " + std::to_string(users));
    if (devices < 0) errors_.add(where, "devices must be >= 0, got " + std::to_string(devices));
    // A row with a bad number is still passed on (as 0) so that a duplicate of it is reported too.
    UsageCount row{workspace, service, std::max<int64_t>(users, 0), std::max<int64_t>(devices, 0)};
    if (known_workspace(workspace) && known_service(service)) return add(where, row);
    // JSON may list the usage before the workspaces or services it names: decided at the end.
    if (deferred_.size() < kMaxDeferredCounts)
      deferred_.push_back({where, row});
    else
      add_unknown_errors(where, row, kNotDeclaredYet);
  }
  // In JSON, ids are declared once in their own arrays; in CSV they repeat on every row.
  void set_strict_declarations(bool strict) { declared_twice_is_error_ = strict; }

  // The sink failed for a reason other than the data (the store): stop and say so.
  const Status& failure() const { return failure_; }

  UsageStreamSummary finish(const std::string& as_of) {
    for (const auto& [where, row] : deferred_) {
      if (known_workspace(row.workspace_id) && known_service(row.service_id))
        add(where, row);
      else
        add_unknown_errors(where, row);
    }
    deferred_.clear();
    return UsageStreamSummary{normalise_timestamp(as_of), services_.size(), counts_};
  }

 private:
  // Beyond this many rows naming not-yet-declared ids, the ids must be declared first.
  static constexpr size_t kMaxDeferredCounts = 100000;

  // Declared in this document, named by the caller, or already held by the sink (the store):
  // the store is asked only for ids the document did not declare, and its yes is remembered.
  bool known_workspace(const std::string& id) {
    if (workspaces_.contains(id) || options_.known_workspaces.count(id) > 0 ||
        held_by_sink_.contains(id))
      return true;
    auto held = sink_.has_workspace(id);
    if (!held) {
      keep(held.status());
      return false;
    }
    if (*held) held_by_sink_.add(id, {}, false, {});
    return *held;
  }
  bool known_service(const std::string& id) const {
    return services_.count(id) > 0 || options_.known_services.count(id) > 0;
  }
  // Past kMaxDeferredCounts rows an id may still be declared later in the file: say what to do.
  static constexpr const char* kNotDeclaredYet =
      " (not declared before this row, and over 100,000 usage rows came before their "
      "declarations: put workspaces and services before usage)";
  void add_unknown_errors(const std::string& where, const UsageCount& row, const char* why = "") {
    if (!known_workspace(row.workspace_id))
      errors_.add(where, "unknown workspace '" + row.workspace_id + "'" + why);
    if (!known_service(row.service_id))
      errors_.add(where, "unknown service '" + row.service_id + "'" + why);
  }
  void add(const std::string& where, const UsageCount& row) {
    if (!failure_.ok()) return;
    Status added = sink_.add_count(row);
    if (added.code() == ErrorClass::kConflict)
      errors_.add(where, "duplicate count for workspace '" + row.workspace_id + "' and service '" +
                             row.service_id + "'");
    else if (keep(added))
      ++counts_;
  }
  bool keep(const Status& s) {
    if (!s.ok() && failure_.ok()) failure_ = s;
    return s.ok();
  }

  Errors& errors_;
  const UsageParseOptions& options_;
  UsageSink& sink_;
  DeclaredWorkspaces workspaces_;                // declared in the document
  DeclaredWorkspaces held_by_sink_;              // not declared, but the sink holds them (ids only)
  std::map<std::string, std::string> services_;  // id -> name
  std::vector<std::pair<std::string, UsageCount>> deferred_;
  size_t counts_ = 0;
  Status failure_;
  bool declared_twice_is_error_ = true;
};

// Keeps everything in memory, for callers that want the whole document (tests, small pushes).
class CollectingSink : public UsageSink {
 public:
  Status add_workspace(const Workspace& w) override {
    out_.workspaces.push_back(w);
    return Status::Ok();
  }
  Status add_service(const VendorService& s) override {
    out_.services.push_back(s);
    return Status::Ok();
  }
  Status add_count(const UsageCount& c) override {
    if (!seen_.emplace(c.workspace_id, c.service_id).second)
      return Status::Conflict("duplicate count");
    out_.snapshot.counts.push_back(c);
    return Status::Ok();
  }
  UsageImport take(const UsageStreamSummary& summary, const std::string& source) {
    auto by_id = [](const auto& a, const auto& b) { return a.id < b.id; };
    std::sort(out_.workspaces.begin(), out_.workspaces.end(), by_id);
    std::sort(out_.services.begin(), out_.services.end(), by_id);
    out_.snapshot.as_of = summary.as_of;
    out_.snapshot.source = source;
    return std::move(out_);
  }

 private:
  UsageImport out_;
  std::set<std::pair<std::string, std::string>> seen_;
};

// One JSON value as the SAX parser reported it, kept only while its item is open.
struct FieldValue {
  enum class Kind { kMissing, kString, kInt64, kUint64, kDouble, kBool, kNull, kContainer };
  Kind kind = Kind::kMissing;
  std::string text;
  int64_t int64 = 0;
  uint64_t uint64 = 0;
  double number = 0;
  bool flag = false;
};

// One object of workspaces, services or usage: its fields in the order read.
struct Item {
  std::vector<std::pair<std::string, FieldValue>> fields;
  const FieldValue* find(std::string_view key) const {
    for (const auto& [k, v] : fields)
      if (k == key) return &v;
    return nullptr;
  }
};

std::string item_string(const Item& item, const char* key, const std::string& where, Errors& errors,
                        bool required = true) {
  const FieldValue* v = item.find(key);
  if (v == nullptr) {
    if (required) errors.add(where + "/" + key, "required");
    return "";
  }
  if (v->kind != FieldValue::Kind::kString) {
    errors.add(where + "/" + key, "must be a string");
    return "";
  }
  return v->text;
}

int64_t item_count(const Item& item, const char* key, const std::string& where, Errors& errors) {
  const FieldValue* v = item.find(key);
  if (v == nullptr) {
    errors.add(where + "/" + key, "required (use 0 for none)");
    return 0;
  }
  using Kind = FieldValue::Kind;
  if (v->kind == Kind::kInt64) return v->int64;
  if (v->kind == Kind::kUint64) {
    if (v->uint64 <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v->uint64);
    errors.add(where + "/" + key, "too large");
    return 0;
  }
  if (v->kind == Kind::kDouble && std::isfinite(v->number) && v->number == std::trunc(v->number)) {
    // -2^63 and 2^63 are exact doubles: the range check comes before the conversion.
    if (v->number >= -9223372036854775808.0 && v->number < 9223372036854775808.0)
      return static_cast<int64_t>(v->number);
    errors.add(where + "/" + key, "too large");
    return 0;
  }
  errors.add(where + "/" + key, "must be a whole number");
  return 0;
}

// Like the top level, items carry only the fields the format defines: a typo is an error,
// never silently ignored.
void reject_unknown_fields(const Item& item, std::initializer_list<std::string_view> known,
                           const std::string& where, Errors& errors) {
  for (const auto& [key, value] : item.fields)
    if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end())
      errors.add(where + "/" + json::pointer_token(key), "unknown field");
}

// boost::json SAX handler for the usage document: each item of workspaces, services and usage
// is checked and handed to the Builder when its object closes, so no DOM is ever built.
class UsageJsonHandler {
 public:
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  UsageJsonHandler(Errors& errors, Builder& builder) : errors_(errors), builder_(builder) {}

  std::string duplicate_key;   // set when the parse stopped on a duplicate key
  bool not_an_object = false;  // set when the parse stopped because the document is no object
  std::string as_of;
  bool saw_usage = false;
  bool saw_as_of = false;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code& ec) {
    if (depth_ == 0) return ++depth_, true;  // the top level
    if (!container_value(/*is_object=*/true, ec)) return false;
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code& ec) {
    --depth_;
    if (skipping()) return end_skip(), true;
    if (depth_ == 2 && section_ != Section::kNone) finish_item();
    if (!builder_.failure().ok()) {  // the store failed: no point reading on
      ec = make_error_code(boost::system::errc::io_error);
      return false;
    }
    return true;
  }
  bool on_array_begin(boost::system::error_code& ec) {
    if (!container_value(/*is_object=*/false, ec)) return false;
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    --depth_;
    if (skipping()) return end_skip(), true;
    if (depth_ == 1) section_ = Section::kNone;
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    if (!skipping()) key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code& ec) {
    if (skipping()) return true;
    key_.append(s.data(), s.size());
    if (depth_ == 1) {
      if (std::find(top_keys_.begin(), top_keys_.end(), key_) != top_keys_.end())
        return duplicate(ec);
      top_keys_.push_back(key_);
    } else if (depth_ == 3 && item_.find(key_) != nullptr) {
      return duplicate(ec);
    }
    current_key_ = std::move(key_);
    key_.clear();
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    if (!skipping()) string_.append(s.data(), s.size());
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::system::error_code& ec) {
    if (skipping()) return true;
    string_.append(s.data(), s.size());
    FieldValue v;
    v.kind = FieldValue::Kind::kString;
    v.text = std::move(string_);
    string_.clear();
    return scalar(std::move(v), ec);
  }
  bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t i, boost::json::string_view, boost::system::error_code& ec) {
    FieldValue v;
    v.kind = FieldValue::Kind::kInt64;
    v.int64 = i;
    return skipping() || scalar(std::move(v), ec);
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view, boost::system::error_code& ec) {
    FieldValue v;
    v.kind = FieldValue::Kind::kUint64;
    v.uint64 = u;
    return skipping() || scalar(std::move(v), ec);
  }
  bool on_double(double d, boost::json::string_view, boost::system::error_code& ec) {
    FieldValue v;
    v.kind = FieldValue::Kind::kDouble;
    v.number = d;
    return skipping() || scalar(std::move(v), ec);
  }
  bool on_bool(bool b, boost::system::error_code& ec) {
    FieldValue v;
    v.kind = FieldValue::Kind::kBool;
    v.flag = b;
    return skipping() || scalar(std::move(v), ec);
  }
  bool on_null(boost::system::error_code& ec) {
    FieldValue v;
    v.kind = FieldValue::Kind::kNull;
    return skipping() || scalar(std::move(v), ec);
  }
  bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

 private:
  enum class Section { kNone, kWorkspaces, kServices, kUsage };

  bool skipping() const { return skip_from_ > 0; }
  void end_skip() {
    if (depth_ < skip_from_) skip_from_ = 0;
  }
  void start_skip() { skip_from_ = depth_ + 1; }

  bool duplicate(boost::system::error_code& ec) {
    duplicate_key = std::move(key_);
    ec = make_error_code(boost::system::errc::invalid_argument);
    return false;
  }

  // A value that is not an object or array, wherever it stands.
  bool scalar(FieldValue v, boost::system::error_code& ec) {
    if (depth_ == 0) {
      not_an_object = true;
      ec = make_error_code(boost::system::errc::invalid_argument);
      return false;
    }
    if (depth_ == 1) {
      top_level_value(&v);
    } else if (depth_ == 2 && section_ != Section::kNone) {
      errors_.add(item_where(), "must be an object");
      ++index_;
    } else if (depth_ == 3 && section_ != Section::kNone) {
      item_.fields.emplace_back(std::move(current_key_), std::move(v));
    }
    return true;
  }

  // An object or array about to open at depth_ + 1. Returns false to stop the parse.
  bool container_value(bool is_object, boost::system::error_code& ec) {
    if (skipping()) return true;
    if (depth_ == 0) {  // an array at the top
      not_an_object = true;
      ec = make_error_code(boost::system::errc::invalid_argument);
      return false;
    }
    if (depth_ == 1) {
      if (!is_object && enter_section()) return true;
      top_level_value(nullptr);
      start_skip();
    } else if (depth_ == 2 && section_ != Section::kNone) {
      if (is_object) {
        item_.fields.clear();
        return true;
      }
      errors_.add(item_where(), "must be an object");
      ++index_;
      start_skip();
    } else {
      FieldValue v;
      v.kind = FieldValue::Kind::kContainer;
      item_.fields.emplace_back(std::move(current_key_), std::move(v));
      start_skip();
    }
    return true;
  }

  bool enter_section() {
    if (current_key_ == "workspaces")
      section_ = Section::kWorkspaces;
    else if (current_key_ == "services")
      section_ = Section::kServices;
    else if (current_key_ == "usage")
      section_ = Section::kUsage;
    else
      return false;
    if (section_ == Section::kUsage) saw_usage = true;
    section_name_ = current_key_;
    index_ = 0;
    return true;
  }

  // A top-level member that is not one of the arrays (v is null for an object or array).
  void top_level_value(const FieldValue* v) {
    const std::string& key = current_key_;
    if (key == "$schema") return;
    if (key == "as_of") {
      saw_as_of = true;
      if (v == nullptr || v->kind != FieldValue::Kind::kString)
        return errors_.add("/as_of", "must be a string");
      as_of = v->text;
      if (!as_of.empty() && !valid_timestamp(as_of))
        errors_.add("/as_of", "must be YYYY-MM-DD or an ISO 8601 UTC time");
      return;
    }
    if (key == "workspaces" || key == "services" || key == "usage") {
      if (key == "usage") saw_usage = true;
      return errors_.add("/" + key, "must be an array");
    }
    errors_.add("/" + json::pointer_token(key), "unknown field");
  }

  std::string item_where() const { return "/" + section_name_ + "/" + std::to_string(index_); }

  void finish_item() {
    std::string where = item_where();
    ++index_;
    if (section_ == Section::kWorkspaces) {
      reject_unknown_fields(item_, {"id", "name", "partner_id", "ended"}, where, errors_);
      bool ended = false;
      if (const FieldValue* e = item_.find("ended")) {
        if (e->kind == FieldValue::Kind::kBool)
          ended = e->flag;
        else
          errors_.add(where + "/ended", "must be true or false");
      }
      std::string partner = item_string(item_, "partner_id", where, errors_, /*required=*/false);
      std::string id = item_string(item_, "id", where, errors_);
      builder_.workspace(where, id, item_string(item_, "name", where, errors_), ended, partner);
    } else if (section_ == Section::kServices) {
      reject_unknown_fields(item_, {"id", "name"}, where, errors_);
      std::string id = item_string(item_, "id", where, errors_);
      builder_.service(where, id, item_string(item_, "name", where, errors_));
    } else {
      reject_unknown_fields(item_, {"workspace_id", "service_id", "users", "devices"}, where,
                            errors_);
      std::string ws = item_string(item_, "workspace_id", where, errors_);
      std::string svc = item_string(item_, "service_id", where, errors_);
      int64_t users = item_count(item_, "users", where, errors_);
      int64_t devices = item_count(item_, "devices", where, errors_);
      if (!ws.empty() && !svc.empty()) builder_.count(where, ws, svc, users, devices);
    }
  }

  Errors& errors_;
  Builder& builder_;
  size_t depth_ = 0;      // open objects and arrays
  size_t skip_from_ = 0;  // while > 0: inside a value that is only reported, never read
  Section section_ = Section::kNone;
  std::string section_name_;
  size_t index_ = 0;  // of the next item in the open section
  Item item_;
  std::vector<std::string> top_keys_;
  std::string key_, current_key_, string_;
};

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
constexpr size_t kChunkBytes = 1 << 20;

std::string usage_file_name(const std::string& file) {
  return file == "-" ? "standard input" : "usage file " + file;
}
std::string usage_file_origin(const std::string& file) { return file == "-" ? "stdin" : file; }

// Why a usage file could not be read, naming it; past the limit, which setting raises it.
Status usage_read_failure(const std::string& name, const Status& why) {
  std::string hint =
      why.message().starts_with("is larger than") ? " (usage.max_file_mib in the config)" : "";
  return Status(why.code(), name + " " + why.message() + hint);
}

// The pieces of a usage document in order: text already in memory (one piece), or a file or
// stream read kChunkBytes at a time. A view stays valid until the next call.
class Chunks {
 public:
  explicit Chunks(std::string_view text) : text_(text) {}
  Chunks(BoundedReader& reader, std::string name) : reader_(&reader), name_(std::move(name)) {}

  // The next piece (a leading byte order mark removed); empty at the end or when reading failed,
  // which failure() then says.
  std::string_view next() {
    if (replay_) {
      replay_ = false;
      return last_;
    }
    last_ = read();
    if (first_) {
      first_ = false;
      if (last_.starts_with(kByteOrderMark)) last_.remove_prefix(kByteOrderMark.size());
    }
    return last_;
  }
  // The next call to next() returns the same piece again (after a look at its content).
  void replay() { replay_ = true; }
  const Status& failure() const { return failure_; }

 private:
  std::string_view read() {
    if (reader_ == nullptr) return std::exchange(text_, std::string_view());
    buffer_.resize(kChunkBytes);
    auto n = reader_->read_some(buffer_.data(), buffer_.size());
    if (!n) {
      failure_ = usage_read_failure(name_, n.status());
      return {};
    }
    return std::string_view(buffer_.data(), *n);
  }

  std::string_view text_;
  BoundedReader* reader_ = nullptr;
  std::string name_;
  std::string buffer_;
  std::string_view last_;
  bool first_ = true, replay_ = false;
  Status failure_;
};

// Line and column (from 1) of a position in a document read in pieces.
class TextPosition {
 public:
  void advance(std::string_view text) {
    size_t newline = text.rfind('\n');
    if (newline == std::string_view::npos) {
      column_ += text.size();
      return;
    }
    line_ += static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
    column_ = text.size() - newline;
  }
  std::string describe() const {
    return "line " + std::to_string(line_) + ", column " + std::to_string(column_);
  }

 private:
  size_t line_ = 1, column_ = 1;
};

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Feeds the pieces to the SAX parser; the error of a malformed document names where it stopped.
Result<UsageStreamSummary> stream_json(Chunks& chunks, std::string_view origin,
                                       const UsageParseOptions& options, UsageSink& sink) {
  Errors errors(origin);
  Builder builder(errors, options, sink);
  boost::json::basic_parser<UsageJsonHandler> parser({}, errors, builder);
  UsageJsonHandler& handler = parser.handler();
  boost::system::error_code ec;
  TextPosition position;
  for (;;) {
    std::string_view chunk = chunks.next();
    if (!chunks.failure().ok()) return chunks.failure();
    bool last = chunk.empty();
    size_t consumed = 0;
    if (!parser.done()) consumed = parser.write_some(!last, chunk.data(), chunk.size(), ec);
    if (!ec && consumed < chunk.size() && !blank(chunk.substr(consumed))) {
      consumed += chunk.substr(consumed).find_first_not_of(" \t\r\n");
      ec = boost::json::error::extra_data;
    }
    if (ec) {
      position.advance(chunk.substr(0, consumed));
      break;
    }
    position.advance(chunk);
    if (last) break;
  }
  if (!builder.failure().ok()) return builder.failure();
  if (handler.not_an_object) {
    Errors only(origin);
    only.add("/", "must be a JSON object with as_of, workspaces, services and usage");
    return only.status();
  }
  if (ec) {
    Errors only(origin);
    std::string reason = handler.duplicate_key.empty()
                             ? ec.message()
                             : "duplicate key '" + handler.duplicate_key + "'";
    only.add("/", "invalid JSON at " + position.describe() + ": " + reason);
    return only.status();
  }
  if (!handler.saw_as_of) errors.add("/as_of", "required");
  if (!handler.saw_usage) errors.add("/usage", "required");
  UsageStreamSummary summary = builder.finish(handler.as_of);
  if (!builder.failure().ok()) return builder.failure();
  if (!errors.empty()) return errors.status();
  return summary;
}

// RFC 4180 CSV: quoted fields may contain commas, quotes ("") and newlines. Rows are read one
// at a time, so only the current row is ever held apart from the text.
struct CsvRow {
  size_t line = 0;
  std::vector<std::string> fields;
};

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

// Lists every unacceptable byte sequence by line and column (in characters, from 1), over a
// text fed in pieces: a sequence cut by the end of a piece is held back for the next one.
class Utf8Check {
 public:
  explicit Utf8Check(Errors& errors) : errors_(errors) {}

  // `piece` empty: the end of the text.
  void feed(std::string_view piece) {
    std::string joined;
    std::string_view text = piece;
    if (!held_.empty()) {
      joined = held_ + std::string(piece);
      text = joined;
    }
    size_t end = piece.empty() ? text.size() : complete_prefix(text);
    check(text.substr(0, end));
    held_ = std::string(text.substr(end));
  }

 private:
  // The length of `text` without a multi-byte sequence its end cuts short.
  static size_t complete_prefix(std::string_view text) {
    for (size_t back = 1; back <= 3 && back <= text.size(); ++back) {
      auto b = static_cast<unsigned char>(text[text.size() - back]);
      if ((b & 0xC0) == 0x80) continue;
      size_t needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
      return needed > back ? text.size() - back : text.size();
    }
    return text.size();
  }

  void check(std::string_view text) {
    for (size_t i = 0; i < text.size();) {
      size_t length = 1;
      std::string why = invalid_sequence(text, i, length);
      if (!why.empty()) {
        errors_.add("line " + std::to_string(line_) + ", column " + std::to_string(column_), why);
        // One error per bad sequence: skip the continuation bytes that belonged to it.
        while (length < 4 && i + length < text.size() &&
               (static_cast<unsigned char>(text[i + length]) & 0xC0) == 0x80)
          ++length;
      }
      if (text[i] == '\n') {
        ++line_;
        column_ = 1;
      } else {
        ++column_;
      }
      i += length;
    }
  }

  Errors& errors_;
  std::string held_;
  size_t line_ = 1, column_ = 1;
};

// Reads rows from the pieces one at a time, checking their encoding on the way.
class CsvReader {
 public:
  CsvReader(Chunks& chunks, Errors& errors, Utf8Check& utf8)
      : chunks_(chunks), errors_(errors), utf8_(utf8) {}

  // The next row that is not blank, or false at the end of the text.
  bool next(CsvRow& row) {
    while (!at_end_)
      if (read_row(row)) return true;
    return false;
  }

 private:
  bool fetch() {
    chunk_ = chunks_.next();
    pos_ = 0;
    utf8_.feed(chunk_);
    return !chunk_.empty();
  }
  bool peek(char& c) {
    if (pos_ == chunk_.size() && !fetch()) return false;
    c = chunk_[pos_];
    return true;
  }
  bool get(char& c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }

  // Reads up to the end of a line (outside quotes); false when the row was blank.
  bool read_row(CsvRow& row) {
    row.fields.clear();
    row.line = line_;
    std::string field;
    bool quoted = false, field_started = false;
    auto end_field = [&] {
      row.fields.push_back(std::move(field));
      field.clear();
      field_started = false;
    };
    auto not_blank = [&] { return !(row.fields.size() == 1 && row.fields[0].empty()); };
    char c = 0;
    while (get(c)) {
      if (quoted) {
        char after = 0;
        if (c == '"') {
          if (peek(after) && after == '"') {
            field += '"';
            ++pos_;
          } else {
            quoted = false;
          }
        } else {
          if (c == '\n') ++line_;
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
        ++line_;
        end_field();
        return not_blank();
      } else {
        field += c;
        field_started = true;
      }
    }
    at_end_ = true;
    if (quoted) errors_.add("line " + std::to_string(row.line), "unterminated quoted field");
    if (field.empty() && row.fields.empty()) return false;
    end_field();
    return not_blank();
  }

  Chunks& chunks_;
  Errors& errors_;
  Utf8Check& utf8_;
  std::string_view chunk_;
  size_t pos_ = 0;
  size_t line_ = 1;
  bool at_end_ = false;
};

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The encoding is checked as the rows are read; when it is wrong, only its errors are listed
// (the rows' own errors would mostly be its consequences).
Result<UsageStreamSummary> stream_csv(Chunks& chunks, std::string_view origin,
                                      const UsageParseOptions& options, UsageSink& sink) {
  Errors errors(origin), encoding(origin);
  Utf8Check utf8(encoding);
  CsvReader reader(chunks, errors, utf8);
  auto rejected = [&]() -> std::optional<Status> {
    if (!chunks.failure().ok()) return chunks.failure();
    if (!encoding.empty()) return encoding.status();
    if (!errors.empty()) return errors.status();
    return std::nullopt;
  };
  CsvRow header;
  if (!reader.next(header)) {
    if (auto status = rejected()) return *status;
    errors.add("line 1", "empty file: expected a header row");
    return errors.status();
  }
  const std::vector<std::string> required = {
      "as_of", "workspace_id", "workspace_name", "service_id", "service_name", "users", "devices"};
  const std::vector<std::string> optional = {"workspace_ended", "partner_id"};
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < header.fields.size(); ++i) {
    std::string name = trim(header.fields[i]);
    if (!column.emplace(name, i).second) errors.add("line 1", "duplicate column '" + name + "'");
    if (std::find(required.begin(), required.end(), name) == required.end() &&
        std::find(optional.begin(), optional.end(), name) == optional.end())
      errors.add("line 1", "unknown column '" + name + "'");
  }
  for (const auto& r : required)
    if (column.count(r) == 0) errors.add("line 1", "missing column '" + r + "'");
  if (!errors.empty() || !encoding.empty()) {
    while (reader.next(header)) {  // the rest of the encoding errors
    }
    return *rejected();
  }
  bool has_ended = column.count("workspace_ended") > 0;
  bool has_partner = column.count("partner_id") > 0;

  Builder builder(errors, options, sink);
  builder.set_strict_declarations(false);
  std::string as_of;
  size_t rows = 0;
  CsvRow row;
  while (reader.next(row) && builder.failure().ok()) {
    ++rows;
    std::string where = "line " + std::to_string(row.line);
    if (row.fields.size() != header.fields.size()) {
      errors.add(where, "expected " + std::to_string(header.fields.size()) + " fields, found " +
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
    if (!valid_timestamp(row_as_of))
      errors.add(where, "as_of must be YYYY-MM-DD or an ISO 8601 UTC time");
    if (as_of.empty())
      as_of = row_as_of;
    else if (row_as_of != as_of)
      errors.add(where,
                 "as_of differs from the first row ('" + as_of + "'): one snapshot per file");
    bool ended = false;
    if (has_ended) {
      std::string e = get("workspace_ended");
      if (e == "true" || e == "1")
        ended = true;
      else if (!(e.empty() || e == "false" || e == "0"))
        errors.add(where, "workspace_ended must be true or false");
    }
    builder.workspace(where, get("workspace_id"), get("workspace_name"), ended,
                      has_partner ? get("partner_id") : "");
    builder.service(where, get("service_id"), get("service_name"));
    int64_t users = number("users");
    int64_t devices = number("devices");
    builder.count(where, get("workspace_id"), get("service_id"), users, devices);
  }
  if (rows == 0) errors.add("line 2", "no usage rows");
  if (!builder.failure().ok()) return builder.failure();
  UsageStreamSummary summary = builder.finish(as_of);
  if (!builder.failure().ok()) return builder.failure();
  if (auto status = rejected()) return *status;
  return summary;
}

// Chooses the format by content: a document starting with '{' (after an optional UTF-8 BOM and
// blanks, looked for in the first piece) is JSON, anything else CSV.
Result<UsageStreamSummary> stream_chunks(Chunks& chunks, std::string_view origin,
                                         const UsageParseOptions& options, UsageSink& sink) {
  std::string_view first = chunks.next();
  if (!chunks.failure().ok()) return chunks.failure();
  chunks.replay();
  size_t start = first.find_first_not_of(" \t\r\n");
  if (start != std::string_view::npos && first[start] == '{')
    return stream_json(chunks, origin, options, sink);
  return stream_csv(chunks, origin, options, sink);
}

Result<UsageImport> collect(const Result<UsageStreamSummary>& summary, CollectingSink& sink,
                            const std::string& source) {
  if (!summary) return summary.status();
  return sink.take(*summary, source);
}

}  // namespace

Result<UsageStreamSummary> stream_usage(std::string_view text, std::string_view origin,
                                        const UsageParseOptions& options, UsageSink& sink) {
  if (text.size() > options.max_bytes)
    return Status::ConfigInvalid("usage rejected, nothing imported: " + std::string(origin) +
                                 " is larger than the " + format_byte_size(options.max_bytes) +
                                 " limit (usage.max_file_mib in the config)");
  Chunks chunks(text);
  return stream_chunks(chunks, origin, options, sink);
}

Result<UsageStreamSummary> stream_usage_file(const std::string& file,
                                             const UsageParseOptions& options, UsageSink& sink) {
  std::string name = usage_file_name(file);
  std::unique_ptr<BoundedReader> reader;
  if (file == "-") {
    reader = BoundedReader::of_stream(std::cin, options.max_bytes);
  } else {
    auto opened = BoundedReader::open_file(file, options.max_bytes);
    if (!opened) return usage_read_failure(name, opened.status());
    reader = std::move(*opened);
  }
  Chunks chunks(*reader, name);
  return stream_chunks(chunks, usage_file_origin(file), options, sink);
}

Result<UsageStreamSummary> stream_usage_spooled(const std::string& path, std::string_view origin,
                                                const UsageParseOptions& options, UsageSink& sink) {
  const std::string name = "the request body";
  auto opened = BoundedReader::open_file(path, options.max_bytes);
  if (!opened) return usage_read_failure(name, opened.status());
  Chunks chunks(**opened, name);
  return stream_chunks(chunks, origin, options, sink);
}

Result<UsageImport> parse_usage_json(std::string_view text, std::string_view origin,
                                     const UsageParseOptions& options) {
  CollectingSink sink;
  Chunks chunks(text);
  return collect(stream_json(chunks, origin, options, sink), sink, options.source);
}

Result<UsageImport> parse_usage_csv(std::string_view text, std::string_view origin,
                                    const UsageParseOptions& options) {
  CollectingSink sink;
  Chunks chunks(text);
  return collect(stream_csv(chunks, origin, options, sink), sink, options.source);
}

Result<UsageImport> parse_usage(std::string_view text, std::string_view origin,
                                const UsageParseOptions& options) {
  CollectingSink sink;
  return collect(stream_usage(text, origin, options, sink), sink, options.source);
}

}  // namespace mb
