// The tree's search: a case-insensitive substring over name, registered
// name, pid, application and modules. Marks the matches and every
// ancestor of one (kept, shown expanded), each entry visited once. No ImGui.
#pragma once

#include <string>
#include <vector>

#include "tree_index.hpp"

namespace beamscope::gui {

class TreeFilter {
 public:
  /// False when the text (lower-cased) is what it was.
  bool set_text(const std::string& text);
  const std::string& text() const { return text_; }
  bool active() const { return !text_.empty(); }

  /// Marks `index`'s entries; call after the index or the text changed.
  void apply(const TreeIndex& index);
  bool keep(int i) const { return keep_[static_cast<std::size_t>(i)] != 0; }
  bool match(int i) const { return match_[static_cast<std::size_t>(i)] != 0; }

 private:
  std::string text_;  // lower-cased
  std::vector<char> keep_, match_;
};

}  // namespace beamscope::gui
