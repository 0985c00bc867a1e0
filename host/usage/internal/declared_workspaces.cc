#include "host/usage/internal/declared_workspaces.h"

#include <algorithm>
#include <cstring>
#include <functional>

namespace mb::usage_internal {
namespace {

// Lengths are LEB128 varints: one byte for anything under 128, so short ids cost one byte.
size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}
char* put_varint(char* out, uint64_t v) {
  while (v >= 0x80) *out++ = static_cast<char>((v & 0x7f) | 0x80), v >>= 7;
  *out++ = static_cast<char>(v);
  return out;
}
const char* get_varint(const char* in, uint64_t& v) {
  v = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<unsigned char>(*in++);
    v |= uint64_t{byte & 0x7fu} << shift;
    if (byte < 0x80) return in;
  }
}

size_t hash_of(std::string_view id) { return std::hash<std::string_view>{}(id); }

}  // namespace

DeclaredWorkspaces::Record DeclaredWorkspaces::record_at(uint64_t place) const {
  const char* p = blocks_[place >> 32].get() + (place & 0xffffffffu);
  uint64_t id_size = 0, name_size = 0, partner_size = 0;
  p = get_varint(p, id_size);
  p = get_varint(p, name_size);
  p = get_varint(p, partner_size);
  Record r;
  r.ended = *p++ != 0;
  r.id = {p, id_size};
  r.name = {p + id_size, name_size};
  r.partner_id = {p + id_size + name_size, partner_size};
  return r;
}

size_t DeclaredWorkspaces::find_slot(std::string_view id, size_t hash) const {
  size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    if (slots_[i] == 0 || record_at(slots_[i] - 1).id == id) return i;
  }
}

uint64_t DeclaredWorkspaces::append(std::string_view id, std::string_view name, bool ended,
                                    std::string_view partner_id) {
  size_t bytes = varint_size(id.size()) + varint_size(name.size()) +
                 varint_size(partner_id.size()) + 1 + id.size() + name.size() + partner_id.size();
  if (block_used_ + bytes > kBlockBytes) {
    // A record larger than a block gets a block of its own; the next record starts a new one.
    blocks_.push_back(std::make_unique<char[]>(std::max(bytes, kBlockBytes)));
    block_used_ = 0;
  }
  uint64_t place = (uint64_t{blocks_.size() - 1} << 32) | block_used_;
  char* p = blocks_.back().get() + block_used_;
  p = put_varint(p, id.size());
  p = put_varint(p, name.size());
  p = put_varint(p, partner_id.size());
  *p++ = ended ? 1 : 0;
  std::memcpy(p, id.data(), id.size());
  std::memcpy(p + id.size(), name.data(), name.size());
  std::memcpy(p + id.size() + name.size(), partner_id.data(), partner_id.size());
  block_used_ = bytes > kBlockBytes ? kBlockBytes : block_used_ + bytes;
  return place;
}

void DeclaredWorkspaces::grow() {
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
  for (uint64_t slot : old) {
    if (slot == 0) continue;
    std::string_view id = record_at(slot - 1).id;
    slots_[find_slot(id, hash_of(id))] = slot;
  }
}

DeclaredWorkspaces::Added DeclaredWorkspaces::add(std::string_view id, std::string_view name,
                                                  bool ended, std::string_view partner_id) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  size_t i = find_slot(id, hash_of(id));
  if (slots_[i] != 0) {
    Record r = record_at(slots_[i] - 1);
    return r.name == name && r.ended == ended && r.partner_id == partner_id ? Added::kSame
                                                                            : Added::kDifferent;
  }
  slots_[i] = append(id, name, ended, partner_id) + 1;
  ++size_;
  return Added::kNew;
}

bool DeclaredWorkspaces::contains(std::string_view id) const {
  return !slots_.empty() && slots_[find_slot(id, hash_of(id))] != 0;
}

}  // namespace mb::usage_internal
