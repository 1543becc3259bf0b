// One "label  value" row of the detail panel's two-column tables (the
// caller opens the table): the label muted, the value wrapped, "-" for
// an empty value. Shared by the tree entry's, the process's and the
// agent-answered parts of the panel.
#pragma once

#include <imgui.h>

#include <string>

namespace beamscope::gui {

void detail_field(const char* label, const std::string& value);

/// The same row in `colour` when `use`.
void detail_field(const char* label, const std::string& value, ImU32 colour, bool use);

}  // namespace beamscope::gui
