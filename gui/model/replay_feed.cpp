// The recording as the inspector's source; see replay_feed.hpp.
#include "replay_feed.hpp"

#include <algorithm>
#include <utility>

#include "beamscope/recording/time_arg.hpp"

namespace beamscope::gui {

std::unique_ptr<ReplayFeed> ReplayFeed::open(const std::string& path, const std::string& at, std::string& error) {
  auto reader = recording::Reader::open(path, error);
  if (!reader) return nullptr;
  if (reader->chunks().empty()) {
    error = path + ": no frames recorded" +
            (reader->index_damage() ? " (" + reader->index_damage()->describe() + ")" : std::string());
    return nullptr;
  }
  auto t = recording::parse_time_arg(at.empty() ? "end" : at, reader->first_us(), reader->last_us(), error);
  if (!t) {
    error = "--at " + at + ": " + error;
    return nullptr;
  }
  auto history = ReplayHistory::open(path, error);
  if (!history) return nullptr;
  std::unique_ptr<ReplayFeed> feed(new ReplayFeed);
  feed->reader_ = std::move(reader);
  feed->history_ = std::move(history);
  feed->path_ = path;
  if (feed->reader_->index_damage()) feed->damage_ = feed->reader_->index_damage()->describe();
  feed->decode(std::clamp(*t, feed->reader_->first_us(), feed->reader_->last_us()), true);
  feed->target_us_ = feed->at_us_;
  return feed;
}

ReplayControl ReplayFeed::control() const {
  ReplayControl c;
  c.active = true;
  c.file = path_;
  c.first_us = reader_->first_us();
  c.last_us = reader_->last_us();
  c.at_us = at_us_;
  c.damage = damage_;
  return c;
}

void ReplayFeed::decode(std::int64_t t_us, bool seeked) {
  // Playing on, the model's own ticks continue the charts; a jump needs the past.
  if (seeked) history_->ask(t_us);
  recording::ReplayState state = reader_->state_at(t_us);
  at_us_ = t_us;
  snapshots_.clear();
  for (const auto& [name, model] : state.fleet.nodes()) snapshots_.push_back(model.snapshot());
  if (state.damage) damage_ = state.damage->describe();
}

bool ReplayFeed::update(ReplayControl& control, double now_s) {
  const bool start_playing = control.playing && !was_playing_;
  was_playing_ = control.playing;
  if (start_playing && at_us_ >= control.last_us) {
    target_us_ = control.first_us;  // play again from the start
    seek_undecoded_ = true;
  }
  bool seeked = false;
  if (control.seek_us) {
    target_us_ = *control.seek_us;
    control.seek_us.reset();
    seeked = seek_undecoded_ = true;
  }
  // Play runs from where it starts, or from where the bar moved it.
  if (start_playing || (control.playing && seeked)) {
    played_from_s_ = now_s;
    played_from_us_ = target_us_;
  }
  if (control.playing) {
    target_us_ = played_from_us_ + static_cast<std::int64_t>((now_s - played_from_s_) * 1e6);
    if (target_us_ >= control.last_us) {
      target_us_ = control.last_us;
      control.playing = was_playing_ = false;  // the end: stop there
    }
  }
  if (target_us_ == at_us_) {
    seek_undecoded_ = false;  // already shown (its past asked when it was decoded)
    return false;
  }
  if (now_s - decoded_at_s_ < kDecodeEveryS) return false;  // the next frame past the bound decodes it
  decode(target_us_, std::exchange(seek_undecoded_, false));
  decoded_at_s_ = now_s;
  control.at_us = at_us_;
  control.damage = damage_;
  return true;
}

std::map<std::string, v1::History> ReplayFeed::take_histories() {
  std::map<std::string, v1::History> out;
  auto all = history_->take();
  if (!all) return out;
  // A node not shown at the time would wait in the model for a keyframe that may never come.
  for (const auto& kf : snapshots_)
    if (auto it = all->find(kf->info().node()); it != all->end()) out.emplace(it->first, std::move(it->second));
  return out;
}

}  // namespace beamscope::gui
