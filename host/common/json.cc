#include "host/common/json.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_stack.hpp>

#include <cmath>
#include <unordered_set>
#include <vector>

namespace mb::json {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// The keys seen so far in one open object. Most objects are small, where a scan beats hashing;
// a large one (a mapping table of thousands of workspaces) switches to a hash set.
class KeySet {
 public:
  // False when `key` was already there.
  bool insert(const std::string& key) {
    if (!large_.empty()) return large_.insert(key).second;
    for (const auto& k : small_)
      if (k == key) return false;
    small_.push_back(key);
    if (small_.size() > kSmall) {
      large_.insert(small_.begin(), small_.end());
      small_.clear();
    }
    return true;
  }
  void clear() {
    small_.clear();
    large_.clear();
  }

 private:
  static constexpr size_t kSmall = 16;
  std::vector<std::string> small_;
  std::unordered_set<std::string> large_;
};

// boost::json's own DOM builder (a value_stack, as its parser uses) plus duplicate-key
// detection: a duplicate stops the parse where it stands, so the error can name its line.
class DocumentBuilder {
 public:
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  boost::json::value_stack st;
  std::string duplicate_key;  // set when the parse stopped on a duplicate

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    if (depth_ == open_objects_.size()) open_objects_.emplace_back();
    open_objects_[depth_++].clear();
    return true;
  }
  bool on_object_end(std::size_t n, boost::system::error_code&) {
    --depth_;
    st.push_object(n);
    return true;
  }
  bool on_array_begin(boost::system::error_code&) { return true; }
  bool on_array_end(std::size_t n, boost::system::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    key_.append(s.data(), s.size());
    st.push_chars(s);
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code& ec) {
    key_.append(s.data(), s.size());
    if (!open_objects_[depth_ - 1].insert(key_)) {
      duplicate_key = std::move(key_);
      ec = make_error_code(boost::system::errc::invalid_argument);
      return false;
    }
    key_.clear();
    st.push_key(s);
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t i, boost::json::string_view, boost::system::error_code&) {
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view, boost::system::error_code&) {
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, boost::json::string_view, boost::system::error_code&) {
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, boost::system::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(boost::system::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

 private:
  std::vector<KeySet> open_objects_;  // one per nesting level, reused
  size_t depth_ = 0;
  std::string key_;  // the key being read, across parts
};

std::string position(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

Result<boost::json::value> parse_with(std::string_view text,
                                      const boost::json::parse_options& opt) {
  if (text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
  boost::json::basic_parser<DocumentBuilder> parser(opt);
  parser.handler().st.reset();
  boost::system::error_code ec;
  size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = boost::json::error::extra_data;
  if (ec) {
    const std::string& duplicate = parser.handler().duplicate_key;
    std::string reason = duplicate.empty() ? ec.message() : "duplicate key '" + duplicate + "'";
    return Status::ConfigInvalid("invalid JSON at " + position(text, consumed) + ": " + reason);
  }
  return parser.handler().st.release();
}

}  // namespace

Result<boost::json::value> parse(std::string_view text) { return parse_with(text, {}); }

Result<boost::json::value> parse_lenient(std::string_view text) {
  boost::json::parse_options opt;
  opt.allow_comments = true;
  opt.allow_trailing_commas = true;
  return parse_with(text, opt);
}

std::string serialize(const boost::json::value& v) { return boost::json::serialize(v); }

std::string pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

void for_each_string(boost::json::value& v, const std::function<void(boost::json::string&)>& f) {
  if (auto* s = v.if_string()) {
    f(*s);
  } else if (auto* o = v.if_object()) {
    for (auto& entry : *o) for_each_string(entry.value(), f);
  } else if (auto* a = v.if_array()) {
    for (auto& item : *a) for_each_string(item, f);
  }
}

const boost::json::value* get(const boost::json::value& v, std::string_view key) {
  const auto* obj = v.if_object();
  if (obj == nullptr) return nullptr;
  return obj->if_contains(key);
}

std::optional<std::string> get_string(const boost::json::value& v, std::string_view key) {
  const auto* f = get(v, key);
  if (f == nullptr || !f->is_string()) return std::nullopt;
  return std::string(f->get_string());
}

std::optional<int64_t> whole_number(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(v.get_uint64());
  if (v.is_double()) {
    const double d = v.get_double();
    // -2^63 and 2^63 are exact doubles: the range check comes before the conversion.
    if (std::isfinite(d) && d == std::trunc(d) && d >= -9223372036854775808.0 &&
        d < 9223372036854775808.0)
      return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::optional<int64_t> get_int(const boost::json::value& v, std::string_view key) {
  const auto* f = get(v, key);
  if (f == nullptr) return std::nullopt;
  if (f->is_int64()) return f->get_int64();
  if (f->is_uint64() && f->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(f->get_uint64());
  return std::nullopt;
}

std::optional<bool> get_bool(const boost::json::value& v, std::string_view key) {
  const auto* f = get(v, key);
  if (f == nullptr || !f->is_bool()) return std::nullopt;
  return f->get_bool();
}

}  // namespace mb::json
