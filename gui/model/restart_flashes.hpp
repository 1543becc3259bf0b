// The 1 s flash of a tree child whose restart count went up: which entries
// restarted since the last data (by tree id, so it survives new keyframes
// and pages) and how far each flash has faded. Entries present in the
// first data never flash; supervisors and applications never do (their
// count is their children's). No ImGui.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "beamscope.pb.h"

namespace beamscope::gui {

class RestartFlashes {
 public:
  static constexpr double kFlashSeconds = 1.0;

  /// Starts a flash for each entry whose restarts_total rose since the last
  /// call; `for_each(f)` calls f(const v1::TreeNode&) for every entry.
  template <class ForEach>
  void note(ForEach for_each, std::size_t count, double now_s) {
    std::unordered_map<std::string, std::uint64_t> seen;
    seen.reserve(count);
    for_each([&](const v1::TreeNode& n) {
      if (seen_data_) note_one(n, now_s);
      seen[n.id()] = n.restarts_total();
    });
    seen_ = std::move(seen);
    seen_data_ = true;
    forget_faded(now_s);
  }

  /// 1 right after `id` restarted, fading to 0 over kFlashSeconds.
  float flash(const std::string& id, double now_s) const;
  /// True while some entry is flashing (the frame loop should keep drawing).
  bool animating(double now_s) const;

 private:
  void note_one(const v1::TreeNode& n, double now_s);
  void forget_faded(double now_s);

  std::unordered_map<std::string, std::uint64_t> seen_;  // restarts_total by id at the last note
  std::unordered_map<std::string, double> start_;        // flash start by id
  bool seen_data_ = false;
};

}  // namespace beamscope::gui
