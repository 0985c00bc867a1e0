#include "host/server/console_assets.h"

#include <algorithm>
#include <array>
#include <utility>

#include "host/app/app.h"
#include "host/common/bounded_read.h"

namespace mb::server {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxAssetBytes = 4 * 1024 * 1024;

constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kTypes{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
}};

bool plain_name(std::string_view name) {
  if (name.empty() || name.size() > 100 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

fs::path console_dir() {
  fs::path prefix = (app::executable_dir() / "..").lexically_normal();
  fs::path installed = prefix / "share" / "meterbridge" / "console";
  std::error_code ec;
  if (fs::is_directory(installed, ec)) return installed;
  return prefix / "console";
}

Result<ConsoleAsset> read_console_asset(const fs::path& dir, std::string_view name) {
  auto not_found = Status::NotFound("no console file '" + std::string(name) + "'");
  if (!plain_name(name)) return not_found;
  auto type = std::find_if(kTypes.begin(), kTypes.end(),
                           [&](const auto& t) { return name.ends_with(t.first); });
  if (type == kTypes.end()) return not_found;
  std::error_code ec;
  if (!fs::is_regular_file(dir / name, ec)) return not_found;
  auto text = read_regular_file(dir / name, kMaxAssetBytes);
  if (!text) return text.status();
  return ConsoleAsset{std::string(type->second), std::move(*text)};
}

}  // namespace mb::server
