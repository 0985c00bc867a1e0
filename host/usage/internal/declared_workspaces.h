// DeclaredWorkspaces: the workspaces a usage file declared, kept so that later rows can be
// checked against them (a count naming an undeclared workspace, a CSV row repeating a workspace
// with another name). A file of a million workspaces must not cost hundreds of MB of
// std::string and map nodes, so each declaration is one packed record in large arena blocks,
// found through an open-addressing table of 8-byte slots: about the declaration's own bytes plus
// 30 bytes a workspace, and exact (ids and declarations are compared byte for byte, never by a
// hash alone).
//
//   DeclaredWorkspaces declared;
//   declared.add("ws-1", "Acme", false, "");   // kNew
//   declared.add("ws-1", "Acme", false, "");   // kSame
//   declared.add("ws-1", "Acme Ltd", false, ""); // kDifferent
//   declared.contains("ws-1");                 // true
#ifndef METERBRIDGE_HOST_USAGE_INTERNAL_DECLARED_WORKSPACES_H_
#define METERBRIDGE_HOST_USAGE_INTERNAL_DECLARED_WORKSPACES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace mb::usage_internal {

class DeclaredWorkspaces {
 public:
  enum class Added { kNew, kSame, kDifferent };

  // Records a declaration; an id seen before is compared with its first declaration.
  Added add(std::string_view id, std::string_view name, bool ended, std::string_view partner_id);
  bool contains(std::string_view id) const;
  size_t size() const { return size_; }

 private:
  struct Record {
    std::string_view id, name, partner_id;
    bool ended = false;
  };
  // A slot holds 1 + the record's place (block index << 32 | offset in the block); 0 is empty.
  size_t find_slot(std::string_view id, size_t hash) const;
  Record record_at(uint64_t place) const;
  uint64_t append(std::string_view id, std::string_view name, bool ended,
                  std::string_view partner_id);
  void grow();

  static constexpr size_t kBlockBytes = size_t{1} << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = kBlockBytes;  // bytes used in the last block (full: none yet)
  std::vector<uint64_t> slots_;      // a power of two, at most half full
  size_t size_ = 0;
};

}  // namespace mb::usage_internal

#endif  // METERBRIDGE_HOST_USAGE_INTERNAL_DECLARED_WORKSPACES_H_
