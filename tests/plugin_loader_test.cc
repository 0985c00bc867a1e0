// Loader behaviour (ARCHITECTURE §2), each case with a real shared library built by the tests.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <fstream>

#include "host/plugin/loader.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

fs::path test_plugin_dir(const std::string& name) {
  return testing::build_dir() / "test-plugins" / name;
}

// Copies a built test plugin (library + manifest) into `dir`.
void install(const TempDir& dir, const std::string& name) {
  for (const auto& entry : fs::directory_iterator(test_plugin_dir(name))) {
    if (!entry.is_regular_file()) continue;
    fs::path to = dir.path() / entry.path().filename();
    fs::copy_file(entry.path(), to, fs::copy_options::overwrite_existing);
    ::chmod(to.c_str(), 0755);
  }
}

const PluginRecord& only_record(const PluginRegistry& registry, const std::string& id) {
  for (const auto& r : registry.records())
    if (r.id == id) return r;
  throw std::runtime_error("no record for " + id);
}

Result<PluginRegistry> load(const TempDir& dir, LoaderOptions options = {}) {
  options.dir = dir.path();
  return load_plugins(options);
}

// Rewrites `to` in place with the bytes of `from`, as cp does: same inode, new contents.
void overwrite_in_place(const fs::path& from, const fs::path& to) {
  struct stat before {};
  ASSERT_EQ(::stat(to.c_str(), &before), 0);
  {
    std::ifstream in(from, std::ios::binary);
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
  }
  struct stat after {};
  ASSERT_EQ(::stat(to.c_str(), &after), 0);
  ASSERT_EQ(before.st_ino, after.st_ino) << "not rewritten in place";
}

std::string described_version(LoadedPlugin& plugin) {
  auto text = plugin.describe();
  if (!text) return "describe failed: " + text.status().message();
  return std::string(boost::json::parse(*text).at("version").as_string());
}

// Moves `name` out of the plugin folder and leaves a symbolic link to it in its place.
void replace_with_symlink(const TempDir& dir, const TempDir& elsewhere, const std::string& name) {
  fs::rename(dir / name, elsewhere / name);
  fs::create_symlink(elsewhere / name, dir / name);
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  ::lstat(p.c_str(), &st);
  return st.st_mode & 07777;
}

TEST(PluginLoader, LoadsAGoodPluginAndCallsEveryOperation) {
  TempDir dir;
  install(dir, "good");
  auto registry = load(dir);
  ASSERT_TRUE(registry) << registry.status().message();
  const PluginRecord& r = only_record(*registry, "good");
  ASSERT_EQ(r.state, PluginState::kLoaded) << r.reason;
  EXPECT_EQ(r.version, "1.2.3");
  EXPECT_EQ(r.capabilities.size(), 6u);

  auto plugin = registry->find("good");
  ASSERT_NE(plugin, nullptr);
  EXPECT_EQ(plugin->manifest().secret_fields,
            (std::vector<std::string>{"/nested/password", "/token"}));
  auto session = plugin->open({}, R"({"endpoint":"https://x","token":"abcdef"})");
  ASSERT_TRUE(session) << session.status().message();
  for (Operation op :
       {Operation::kAuthenticate, Operation::kListAccounts, Operation::kListServices,
        Operation::kReadQuantities, Operation::kApplyQuantities, Operation::kProvisionAccounts,
        Operation::kProvisionServices, Operation::kSetStatus, Operation::kLinkAccounts,
        Operation::kDisconnect, Operation::kListTicketBoards, Operation::kCheckTicketPermissions,
        Operation::kOpenTicket, Operation::kAddTicketNote, Operation::kCloseTicket}) {
    auto result = (*session)->invoke(op, R"({"status":"pending"})");
    ASSERT_TRUE(result) << operation_name(op) << ": " << result.status().message();
    EXPECT_TRUE(boost::json::parse(*result).is_object()) << operation_name(op);
  }
  // Input reaches the plugin intact, and without an engine the HTTP callback says so.
  auto listed =
      boost::json::parse(*(*session)->invoke(Operation::kListAccounts, R"({"search":"Ac"})"));
  EXPECT_EQ(listed.at("input").at("search").as_string(), "Ac");
  auto applied = boost::json::parse(*(*session)->invoke(Operation::kApplyQuantities, "{}"));
  EXPECT_NE(std::string(applied.at("http").as_string()).find("no HTTP engine"), std::string::npos);
  // The host's clock and cancellation flag reach the plugin.
  FakeClock clock(1234567);
  SessionContext context;
  context.clock = &clock;
  auto timed = plugin->open(context, "{}");
  ASSERT_TRUE(timed);
  std::atomic<bool> cancelled{true};
  auto read = boost::json::parse(*(*timed)->invoke(Operation::kReadQuantities, "{}", &cancelled));
  EXPECT_EQ(read.at("now_ms").as_int64(), 1234567);
  EXPECT_TRUE(read.at("cancelled").as_bool());
}

// An isolated library runs in meterbridge-plugin-runner; the ticket operations reach it through
// the plugin protocol exactly as the other operations do.
TEST(PluginLoader, AnIsolatedPluginServesTheTicketOperationsThroughTheRunner) {
  TempDir dir;
  install(dir, "good");
  LoaderOptions options;
  options.runner = testing::build_dir() / "bin" / "meterbridge-plugin-runner";
  auto registry = load(dir, options);
  ASSERT_TRUE(registry) << registry.status().message();
  ASSERT_EQ(only_record(*registry, "good").state, PluginState::kLoaded)
      << only_record(*registry, "good").reason;
  auto plugin = registry->find("good");
  EXPECT_EQ(plugin->manifest().runtime, PluginRuntime::kProcess);
  EXPECT_TRUE(plugin->offers(Operation::kOpenTicket));
  auto session = plugin->open({}, R"({"endpoint":"https://x","token":"abcdef"})");
  ASSERT_TRUE(session) << session.status().message();
  auto opened =
      (*session)->invoke(Operation::kOpenTicket,
                         R"({"reference":"mb-alert:a1","account_id":"250","search_first":true})");
  ASSERT_TRUE(opened) << opened.status().message();
  auto result = boost::json::parse(*opened);
  EXPECT_EQ(result.at("outcome"), "created");
  EXPECT_EQ(result.at("input").at("search_first"), true);
  auto closed = (*session)->invoke(Operation::kCloseTicket, R"({"ticket_id":"100"})");
  ASSERT_TRUE(closed) << closed.status().message();
  EXPECT_EQ(boost::json::parse(*closed).at("outcome"), "closed");
}

TEST(PluginLoader, LoadsAPluginWrittenInPlainC) {
  TempDir dir;
  install(dir, "cplugin");
  auto registry = load(dir);
  ASSERT_TRUE(registry);
  ASSERT_EQ(only_record(*registry, "cplugin").state, PluginState::kLoaded)
      << only_record(*registry, "cplugin").reason;
  auto session = registry->find("cplugin")->open({}, "{}");
  ASSERT_TRUE(session);
  EXPECT_TRUE((*session)->invoke(Operation::kAuthenticate, "{}"));
  auto unsupported = (*session)->invoke(Operation::kListAccounts, "{}");
  EXPECT_EQ(unsupported.status().code(), ErrorClass::kUnsupported);
  EXPECT_EQ(unsupported.status().message(), "not in this C plugin");
  // Optional capabilities the table leaves NULL are reported as unsupported by the host.
  EXPECT_EQ((*session)->invoke(Operation::kSetStatus, "{}").status().code(),
            ErrorClass::kUnsupported);
}

// A plugin built for ABI 1.0 hands over the shorter table of its day: it loads, and the hooks
// that came later (the 1.2 ticket hooks, past its table's size) are never read, only refused.
TEST(PluginLoader, LoadsAnAbi10PluginWhoseTableEndsBeforeTheTicketHooks) {
  TempDir dir;
  install(dir, "cminor0");
  auto registry = load(dir);
  ASSERT_TRUE(registry);
  const PluginRecord& r = only_record(*registry, "cminor0");
  ASSERT_EQ(r.state, PluginState::kLoaded) << r.reason;
  auto plugin = registry->find("cminor0");
  EXPECT_EQ(plugin->table()->size, MB_PLUGIN_TABLE_SIZE_1_0);
  EXPECT_FALSE(plugin->offers(Operation::kOpenTicket));
  auto session = plugin->open({}, "{}");
  ASSERT_TRUE(session);
  EXPECT_TRUE((*session)->invoke(Operation::kAuthenticate, "{}"));
  auto ticket = (*session)->invoke(Operation::kOpenTicket, R"({"reference":"mb-alert:a"})");
  EXPECT_EQ(ticket.status().code(), ErrorClass::kUnsupported);
  EXPECT_NE(ticket.status().message().find("open_ticket is not offered"), std::string::npos)
      << ticket.status().message();
}

TEST(PluginLoader, RefusesADifferentAbiMajorNamingBothVersions) {
  TempDir dir;
  install(dir, "cmajor");
  auto registry = load(dir);
  ASSERT_TRUE(registry);
  const PluginRecord& r = only_record(*registry, "cmajor");
  EXPECT_EQ(r.state, PluginState::kRefused);
  std::string host =
      std::to_string(MB_ABI_VERSION_MAJOR) + "." + std::to_string(MB_ABI_VERSION_MINOR);
  std::string plugin = std::to_string(MB_ABI_VERSION_MAJOR + 1) + ".0";
  EXPECT_NE(r.reason.find("ABI " + plugin), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("ABI " + host), std::string::npos) << r.reason;
  EXPECT_EQ(registry->find("cmajor"), nullptr);
}

TEST(PluginLoader, RefusesAPluginNeedingANewerMinor) {
  TempDir dir;
  install(dir, "cminor");
  auto registry = load(dir);
  ASSERT_TRUE(registry);
  const PluginRecord& r = only_record(*registry, "cminor");
  EXPECT_EQ(r.state, PluginState::kRefused);
  std::string needed =
      std::to_string(MB_ABI_VERSION_MAJOR) + "." + std::to_string(MB_ABI_VERSION_MINOR + 1);
  EXPECT_NE(r.reason.find("needs ABI " + needed), std::string::npos) << r.reason;
}

TEST(PluginLoader, LoadsAPluginBuiltForAnOlderMinorInANewerHost) {
  TempDir dir;
  install(dir, "cplugin");  // built for the current minor
  install(dir, "cminor");   // built for the next minor
  LoaderOptions newer_host;
  newer_host.host_abi = {MB_ABI_VERSION_MAJOR, static_cast<uint16_t>(MB_ABI_VERSION_MINOR + 1)};
  auto registry = load(dir, newer_host);
  ASSERT_TRUE(registry);
  EXPECT_EQ(only_record(*registry, "cplugin").state, PluginState::kLoaded)
      << only_record(*registry, "cplugin").reason;
  EXPECT_EQ(only_record(*registry, "cminor").state, PluginState::kLoaded)
      << only_record(*registry, "cminor").reason;
}

TEST(PluginLoader, SkipsALibraryWithoutTheEntrySymbolWithoutRunningIt) {
  TempDir dir;
  install(dir, "noentry");
  fs::path marker = dir / "constructor-ran";
  ::setenv("MB_TEST_NO_ENTRY_MARKER", marker.c_str(), 1);
  auto registry = load(dir);
  ::unsetenv("MB_TEST_NO_ENTRY_MARKER");
  ASSERT_TRUE(registry);
  const PluginRecord& r = only_record(*registry, "noentry");
  EXPECT_EQ(r.state, PluginState::kSkipped);
  EXPECT_NE(r.reason.find(MB_PLUGIN_ENTRY_SYMBOL), std::string::npos) << r.reason;
  EXPECT_FALSE(fs::exists(marker)) << "the library's constructor ran";
}

TEST(PluginLoader, SkipsAFileThatIsNotASharedLibrary) {
  TempDir dir;
  dir.write("fake.plugin.json",
            R"({"id":"fake","version":"1","abi":"1.0","library":"libfake.so","config_schema":{}})");
  dir.write("libfake.so", "this is text, not ELF\n", 0755);
  dir.write("README.txt", "notes\n");
  auto registry = load(dir);
  ASSERT_TRUE(registry);
  const PluginRecord& r = only_record(*registry, "fake");
  EXPECT_EQ(r.state, PluginState::kSkipped);
  EXPECT_NE(r.reason.find("not a shared library"), std::string::npos) << r.reason;
  bool readme_skipped = false;
  for (const auto& rec : registry->records())
    if (rec.library_path.filename() == "README.txt")
      readme_skipped = rec.state == PluginState::kSkipped;
  EXPECT_TRUE(readme_skipped);
}

TEST(PluginLoader, RefusesAPluginWhoseDescribeDisagreesWithItsManifest) {
  TempDir dir;
  install(dir, "liar");
  auto registry = load(dir);
  ASSERT_TRUE(registry);
  const PluginRecord& r = only_record(*registry, "liar");
  EXPECT_EQ(r.state, PluginState::kRefused);
  EXPECT_NE(r.reason.find("disagree"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("9.9.9"), std::string::npos) << r.reason;
}

TEST(PluginLoader, ContainsAPluginThatThrowsFromEveryOperation) {
  TempDir dir;
  install(dir, "thrower");
  auto registry = load(dir);
  ASSERT_TRUE(registry);
  auto plugin = registry->find("thrower");
  ASSERT_NE(plugin, nullptr) << only_record(*registry, "thrower").reason;
  auto refused = plugin->open({}, R"({"refuse":true})");
  EXPECT_EQ(refused.status().code(), ErrorClass::kConfigInvalid);
  auto session = plugin->open({}, "{}");
  ASSERT_TRUE(session);
  auto auth = (*session)->invoke(Operation::kAuthenticate, "{}");
  EXPECT_EQ(auth.status().code(), ErrorClass::kFatal);
  EXPECT_EQ(auth.status().message(), "boom in authenticate");
  auto limited = (*session)->invoke(Operation::kListAccounts, "{}");
  EXPECT_EQ(limited.status().code(), ErrorClass::kRateLimited);
  EXPECT_EQ(limited.status().retry_after_ms(), 1500u);
  EXPECT_EQ((*session)->invoke(Operation::kListServices, "{}").status().code(), ErrorClass::kFatal);
  EXPECT_EQ((*session)->invoke(Operation::kReadQuantities, "{}").status().message(),
            "out of memory");
  EXPECT_EQ((*session)->invoke(Operation::kApplyQuantities, "{}").status().message(),
            "boom in apply");
  EXPECT_EQ((*session)->invoke(Operation::kDisconnect, "{}").status().code(), ErrorClass::kFatal);
  // Still alive and still answering.
  EXPECT_EQ((*session)->invoke(Operation::kAuthenticate, "{}").status().code(), ErrorClass::kFatal);
}

TEST(PluginLoader, RefusesALibraryThatDoesNotMatchItsSha256Pin) {
  TempDir dir;
  install(dir, "good");
  auto actual = sha256_file(dir / "libmeterbridge-good.so");
  ASSERT_TRUE(actual);
  LoaderOptions pinned;
  pinned.sha256_pins["good"] = std::string(64, 'a');
  auto registry = load(dir, pinned);
  ASSERT_TRUE(registry);
  const PluginRecord& r = only_record(*registry, "good");
  EXPECT_EQ(r.state, PluginState::kRefused);
  EXPECT_NE(r.reason.find("sha256 pin mismatch"), std::string::npos);
  EXPECT_NE(r.reason.find(*actual), std::string::npos);

  LoaderOptions right;
  right.sha256_pins["good"] = *actual;
  auto ok = load(dir, right);
  EXPECT_EQ(only_record(*ok, "good").state, PluginState::kLoaded);
}

TEST(PluginLoader, RefusesAPluginFileWritableByOthers) {
  TempDir dir;
  install(dir, "good");
  ::chmod((dir / "libmeterbridge-good.so").c_str(), 0777);
  auto registry = load(dir);
  ASSERT_TRUE(registry);
  const PluginRecord& r = only_record(*registry, "good");
  EXPECT_EQ(r.state, PluginState::kRefused);
  EXPECT_NE(r.reason.find("libmeterbridge-good.so is writable by group and others"),
            std::string::npos)
      << r.reason;
}

TEST(PluginLoader, RefusesAPluginFolderWritableByOthers) {
  TempDir dir;
  install(dir, "good");
  ::chmod(dir.path().c_str(), 0777);
  auto registry = load(dir);
  ASSERT_FALSE(registry);
  EXPECT_NE(registry.status().message().find("is writable by group and others"), std::string::npos)
      << registry.status().message();
}

TEST(PluginLoader, RefusesASymlinkedLibraryNamingTheLink) {
  TempDir dir;
  TempDir elsewhere;
  install(dir, "good");
  ::chmod(elsewhere.path().c_str(), 0777);  // where anyone could swap the real file
  replace_with_symlink(dir, elsewhere, "libmeterbridge-good.so");
  auto registry = load(dir);
  ASSERT_TRUE(registry) << registry.status().message();
  const PluginRecord& r = only_record(*registry, "good");
  EXPECT_EQ(r.state, PluginState::kRefused);
  EXPECT_EQ(r.reason, (dir / "libmeterbridge-good.so").string() + " is a symbolic link");
  EXPECT_EQ(registry->find("good"), nullptr);
}

TEST(PluginLoader, RefusesASymlinkedManifest) {
  TempDir dir;
  TempDir elsewhere;
  install(dir, "good");
  replace_with_symlink(dir, elsewhere, "good.plugin.json");
  auto registry = load(dir);
  ASSERT_TRUE(registry);
  EXPECT_EQ(registry->find("good"), nullptr);
  bool refused = false;
  for (const auto& r : registry->records())
    if (r.manifest_path.filename() == "good.plugin.json")
      refused = r.state == PluginState::kRefused &&
                r.reason.find("is a symbolic link") != std::string::npos;
  EXPECT_TRUE(refused);
}

TEST(PluginLoader, RefusesASymlinkedPluginFolder) {
  TempDir dir;
  TempDir links;
  install(dir, "good");
  fs::create_symlink(dir.path(), links / "plugins");
  LoaderOptions options;
  options.dir = links / "plugins";
  auto registry = load_plugins(options);
  ASSERT_FALSE(registry);
  EXPECT_NE(registry.status().message().find("plugins is a symbolic link"), std::string::npos)
      << registry.status().message();
}

TEST(PluginLoader, RefusesAGroupWritableLibraryOrManifestNamingTheMode) {
  TempDir dir;
  install(dir, "good");
  ::chmod((dir / "libmeterbridge-good.so").c_str(), 0775);
  auto registry = load(dir);
  ASSERT_TRUE(registry);
  EXPECT_EQ(only_record(*registry, "good").state, PluginState::kRefused);
  EXPECT_NE(only_record(*registry, "good")
                .reason.find("libmeterbridge-good.so is writable by group (mode 0775)"),
            std::string::npos)
      << only_record(*registry, "good").reason;

  ::chmod((dir / "libmeterbridge-good.so").c_str(), 0755);
  ::chmod((dir / "good.plugin.json").c_str(), 0664);
  registry = load(dir);
  ASSERT_TRUE(registry);
  ASSERT_EQ(registry->find("good"), nullptr);
  EXPECT_NE(
      registry->records().front().reason.find("good.plugin.json is writable by group (mode 0664)"),
      std::string::npos)
      << registry->records().front().reason;
}

TEST(PluginLoader, RefusesAGroupWritablePluginFolderOrFolderAboveIt) {
  TempDir dir;
  install(dir, "good");
  ::chmod(dir.path().c_str(), 0775);
  auto registry = load(dir);
  ASSERT_FALSE(registry);
  EXPECT_NE(
      registry.status().message().find(dir.path().string() + " is writable by group (mode 0775)"),
      std::string::npos)
      << registry.status().message();

  // A folder above the plugin folder that others may write lets them swap the plugin folder.
  TempDir outer;
  fs::create_directory(outer / "plugins");
  ::chmod((outer / "plugins").c_str(), 0755);
  for (const auto& entry : fs::directory_iterator(test_plugin_dir("good")))
    fs::copy_file(entry.path(), outer / "plugins" / entry.path().filename());
  ::chmod(outer.path().c_str(), 0775);
  LoaderOptions options;
  options.dir = outer / "plugins";
  auto nested = load_plugins(options);
  ASSERT_FALSE(nested);
  EXPECT_NE(nested.status().message().find(outer.path().string() + " is writable by group"),
            std::string::npos)
      << nested.status().message();

  ::chmod(outer.path().c_str(), 0755);
  auto fixed = load_plugins(options);
  ASSERT_TRUE(fixed) << fixed.status().message();
  EXPECT_NE(fixed->find("good"), nullptr) << only_record(*fixed, "good").reason;
}

TEST(PluginLoader, RefusesALibraryOwnedByAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "giving a file away needs root";
  TempDir dir;
  install(dir, "good");
  ASSERT_EQ(::chown((dir / "libmeterbridge-good.so").c_str(), 12345, 0), 0);
  auto registry = load(dir);
  ASSERT_TRUE(registry);
  const PluginRecord& r = only_record(*registry, "good");
  EXPECT_EQ(r.state, PluginState::kRefused);
  EXPECT_NE(
      r.reason.find(
          "libmeterbridge-good.so is owned by uid 12345, not root or the service user (uid 0)"),
      std::string::npos)
      << r.reason;
}

TEST(PluginLoader, RunsFromAPrivateCopyThatIsTheExactPinnedBytes) {
  TempDir dir;
  install(dir, "good");
  auto original = sha256_file(dir / "libmeterbridge-good.so");
  ASSERT_TRUE(original);
  LoaderOptions pinned;
  pinned.sha256_pins["good"] = *original;
  auto registry = load(dir, pinned);
  ASSERT_TRUE(registry);
  const PluginRecord& r = only_record(*registry, "good");
  ASSERT_EQ(r.state, PluginState::kLoaded) << r.reason;
  EXPECT_EQ(r.sha256, *original);

  fs::path copy = r.runtime_copy;
  ASSERT_FALSE(copy.empty());
  EXPECT_NE(copy.parent_path(), dir.path());
  EXPECT_EQ(sha256_file(copy).value(), *original);
  EXPECT_EQ(mode_of(copy.parent_path()), 0700u) << copy.parent_path();
  EXPECT_EQ(mode_of(copy) & 0222, 0u) << "the copy is writable: " << std::oct << mode_of(copy);
  struct stat st {};
  ASSERT_EQ(::lstat(copy.parent_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_uid, ::geteuid());

  // The copy lives exactly as long as something holds the plugin.
  auto session = registry->find("good")->open({}, "{}");
  ASSERT_TRUE(session);
  registry = Status::NotFound("dropped");
  EXPECT_TRUE(fs::exists(copy));
  EXPECT_TRUE((*session)->invoke(Operation::kAuthenticate, "{}"));
  session = Status::NotFound("closed");
  EXPECT_FALSE(fs::exists(copy));
}

TEST(PluginLoader, OverwritingTheLibraryInPlaceNeverTouchesARunningSession) {
  TempDir dir;
  install(dir, "good");
  LoaderOptions options;
  options.dir = dir.path();
  auto registry = load_plugins(options);
  ASSERT_TRUE(registry);
  auto old_plugin = registry->find("good");
  ASSERT_NE(old_plugin, nullptr) << only_record(*registry, "good").reason;
  auto session = old_plugin->open({}, "{}");
  ASSERT_TRUE(session);
  ASSERT_TRUE((*session)->invoke(Operation::kListAccounts, "{}"));

  // What `cp other.so libmeterbridge-good.so` does; with the library mapped from this file, the
  // next call would run whatever bytes are there now (or fault past the new end of file).
  overwrite_in_place(test_plugin_dir("cplugin") / "libmeterbridge-cplugin.so",
                     dir / "libmeterbridge-good.so");
  auto listed = (*session)->invoke(Operation::kListAccounts, R"({"search":"still here"})");
  ASSERT_TRUE(listed) << listed.status().message();
  EXPECT_EQ(boost::json::parse(*listed).at("input").at("search").as_string(), "still here");

  // The upgrade proper, in place as well; a rescan serves it to new sessions only.
  overwrite_in_place(test_plugin_dir("good-v2") / "libmeterbridge-good-v2.so",
                     dir / "libmeterbridge-good.so");
  overwrite_in_place(test_plugin_dir("good-v2") / "good-v2.plugin.json", dir / "good.plugin.json");
  auto rescanned = load_plugins(options, &*registry);
  ASSERT_TRUE(rescanned) << rescanned.status().message();
  const PluginRecord& upgraded = only_record(*rescanned, "good");
  ASSERT_EQ(upgraded.state, PluginState::kLoaded) << upgraded.reason;
  EXPECT_EQ(upgraded.version, "2.0.0");
  EXPECT_NE(upgraded.plugin, old_plugin);
  EXPECT_EQ(upgraded.sha256, sha256_file(dir / "libmeterbridge-good.so").value());
  EXPECT_EQ(described_version(*upgraded.plugin), "2.0.0");
  auto new_session = upgraded.plugin->open({}, "{}");
  ASSERT_TRUE(new_session);
  EXPECT_TRUE((*new_session)->invoke(Operation::kAuthenticate, "{}"));

  // The old registry goes (as after a reload); its session keeps the old code alive.
  registry = Status::NotFound("replaced");
  EXPECT_EQ(described_version(*old_plugin), "1.2.3");
  EXPECT_TRUE((*session)->invoke(Operation::kListServices, "{}"));
}

TEST(PluginLoader, RescanKeepsUnchangedPluginsAndLoadsNewOnes) {
  TempDir dir;
  install(dir, "good");
  LoaderOptions options;
  options.dir = dir.path();
  auto first = load_plugins(options);
  ASSERT_TRUE(first);
  ASSERT_NE(first->find("good"), nullptr);

  install(dir, "cplugin");
  auto second = load_plugins(options, &*first);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->find("good"), first->find("good"))
      << "an unchanged plugin is taken over, not loaded twice";
  EXPECT_EQ(only_record(*second, "good").runtime_copy, only_record(*first, "good").runtime_copy);
  EXPECT_NE(second->find("cplugin"), nullptr) << only_record(*second, "cplugin").reason;

  // A pin added to the config since is still enforced on a plugin taken over.
  options.sha256_pins["good"] = std::string(64, 'b');
  auto pinned = load_plugins(options, &*second);
  ASSERT_TRUE(pinned);
  EXPECT_EQ(pinned->find("good"), nullptr);
  EXPECT_NE(only_record(*pinned, "good").reason.find("sha256 pin mismatch"), std::string::npos);
}

TEST(PluginLoader, RefusesAManifestWithAnUnknownCapability) {
  TempDir dir;
  dir.write("odd.plugin.json", R"({"id":"odd","version":"1","abi":"1.0","library":"libodd.so",
                                   "capabilities":["teleport"],"config_schema":{}})");
  auto registry = load(dir);
  ASSERT_TRUE(registry);
  ASSERT_EQ(registry->records().size(), 1u);
  const PluginRecord& r = registry->records().front();
  EXPECT_EQ(r.state, PluginState::kRefused);
  EXPECT_NE(r.reason.find("teleport"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace mb
