// `--page ENTRY[:OFFSET[:ORDER]]`: open a supervisor at start and move its
// children pager there, as a person would by clicking (screenshot tests and
// the frame-time benchmark use it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "inspector_model.hpp"

namespace beamscope::gui {

struct PageOption {
  std::string entry;  ///< tree id, registered name or child id
  std::uint32_t offset = 0;
  ChildOrder order = v1::ChildrenRequest::BY_MAILBOX;
};

/// nullopt and `error` set when the text is malformed.
std::optional<PageOption> parse_page_option(const std::string& text, std::string& error);

/// Opens the entry and moves its pager; false while the entry is not in
/// the shown node's tree yet (try again next frame). Returns its tree id in `id`.
bool apply_page_option(const PageOption& opt, InspectorModel& model, std::string& id);

/// True once the pager of supervisor `id` has the page asked for, or an
/// error; at once when the supervisor needs no pager.
bool page_settled(InspectorModel& model, const std::string& id);

}  // namespace beamscope::gui
