#include "host/sync/internal/line_batches.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>

namespace mb::sync_internal {

Status for_each_batch(Store& store, int64_t run_id, size_t batch_size,
                      const std::function<bool(const SyncLine&)>& wanted,
                      const std::function<Status(std::vector<SyncLine>&)>& visit) {
  batch_size = std::max<size_t>(1, batch_size);
  // Pages of at least a thousand lines: a query per handful of lines would cost more than the
  // lines it carries.
  const size_t page_size = std::max<size_t>(batch_size, 1000);
  std::vector<SyncLine> pending;
  std::string after;
  bool more = true;
  while (more || !pending.empty()) {
    if (more && pending.size() < batch_size) {
      auto page = store.scan_lines(run_id, after, page_size);
      if (!page) return page.status();
      more = page->size() == page_size;
      if (!page->empty()) after = page->back().key;
      for (auto& line : *page)
        if (!wanted || wanted(line)) pending.push_back(std::move(line));
      continue;
    }
    size_t n = std::min(batch_size, pending.size());
    std::vector<SyncLine> batch(
        std::make_move_iterator(pending.begin()),
        std::make_move_iterator(pending.begin() + static_cast<std::ptrdiff_t>(n)));
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n));
    MB_RETURN_IF_ERROR(visit(batch));
  }
  return Status::Ok();
}

}  // namespace mb::sync_internal
