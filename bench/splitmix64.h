// SplitMix64: a tiny generator whose output is the same on every machine and standard library
// (std:: distributions are not), so a benchmark's "5% of lines changed" are the same lines
// everywhere. The simulators generate their data the same way.
#ifndef METERBRIDGE_BENCH_SPLITMIX64_H_
#define METERBRIDGE_BENCH_SPLITMIX64_H_

#include <cstdint>

namespace mb::bench {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [lo, hi] for benchmark data (the modulo bias is below 1e-15 here).
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  uint64_t state_;
};

}  // namespace mb::bench

#endif  // METERBRIDGE_BENCH_SPLITMIX64_H_
