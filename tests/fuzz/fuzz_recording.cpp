// Recording files (recording/src/reader.cpp, writer.cpp): the input is
// written as a recording and read through the same functions beamscope-ctl
// --replay uses. Checked: the index's times never go back and its chunks
// lie inside the file; damage is named at an offset inside the file; the
// part that reads whole ends inside it; and a writer appending to the file
// leaves one that reads whole.
#include <cstdint>
#include <string>

#include "beamscope/protocol/version.hpp"
#include "beamscope/recording/info.hpp"
#include "beamscope/recording/reader.hpp"
#include "beamscope/recording/writer.hpp"
#include "fuzz_chunks.hpp"
#include "fuzz_temp_file.hpp"

using namespace beamscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::TempFile file("fuzz_recording.bsrec");
  if (!file.write(data, size)) return 0;
  std::string error;
  auto reader = recording::Reader::open(file.path(), error);
  if (!reader) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  std::int64_t held = INT64_MIN;
  for (const auto& c : reader->chunks()) {
    FUZZ_CHECK(c.t_first_us >= held && c.t_last_us >= c.t_first_us);
    FUZZ_CHECK(c.offset + recording::kChunkHeaderBytes + c.header.payload_bytes <= size);
    held = c.t_last_us;
  }
  if (reader->index_damage()) FUZZ_CHECK(reader->index_damage()->offset <= size);
  for (std::int64_t t : {reader->first_us(), (reader->first_us() / 2) + (reader->last_us() / 2), INT64_MAX}) {
    const auto state = reader->state_at(t);
    if (state.damage) FUZZ_CHECK(state.damage->offset < size);
    FUZZ_CHECK(state.records_applied == 0 || state.last_record_us <= t);
  }
  const auto info = recording::inspect(*reader);
  FUZZ_CHECK(info.totals.intact_end <= size);
  if (info.totals.damage) FUZZ_CHECK(info.totals.damage->offset <= size);
  reader.reset();

  // Appending cuts whatever did not read whole and goes on.
  auto writer = recording::Writer::open(file.path(), {}, error);
  FUZZ_CHECK(writer != nullptr);
  protocol::Envelope env;
  env.set_version_major(protocol::kVersionMajor);
  env.set_node("fuzz@host");
  env.set_seq(1);
  env.mutable_keyframe()->mutable_info()->set_node("fuzz@host");
  const std::int64_t t = info.totals.last_time_us == INT64_MAX ? INT64_MAX : info.totals.last_time_us + 1;
  FUZZ_CHECK(writer->append(env, t));
  writer->close();
  auto again = recording::Reader::open(file.path(), error);
  FUZZ_CHECK(again != nullptr);
  const auto after = recording::inspect(*again);
  FUZZ_CHECK(!after.totals.damage);
  FUZZ_CHECK(after.totals.frames == info.totals.frames + 1);
  FUZZ_CHECK(again->state_at(INT64_MAX).fleet.find("fuzz@host") != nullptr);
  return 0;
}
