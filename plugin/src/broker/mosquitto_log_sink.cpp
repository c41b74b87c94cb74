#include "mosquitto_log_sink.h"

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <spdlog/pattern_formatter.h>

namespace certacl::plugin {
namespace {

int mosquitto_level(spdlog::level::level_enum level) noexcept {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return MOSQ_LOG_DEBUG;
    case spdlog::level::info:
      return MOSQ_LOG_INFO;
    case spdlog::level::warn:
      return MOSQ_LOG_WARNING;
    default:
      return MOSQ_LOG_ERR;
  }
}

}  // namespace

MosquittoLogSink::MosquittoLogSink() : broker_thread_(std::this_thread::get_id()) {
  set_formatter_(std::make_unique<spdlog::pattern_formatter>(
      "certacl: %v", spdlog::pattern_time_type::local, std::string()));
}

void MosquittoLogSink::sink_it_(const spdlog::details::log_msg& message) {
  spdlog::memory_buf_t text;
  formatter_->format(message, text);
  const int level = mosquitto_level(message.level);
  if (std::this_thread::get_id() == broker_thread_) {
    mosquitto_log_printf(level, "%.*s", static_cast<int>(text.size()), text.data());
    return;
  }
  if (queued_.size() >= kMaxQueuedLines) {
    ++dropped_;
    return;
  }
  queued_.emplace_back(level, fmt::to_string(text));
}

void MosquittoLogSink::drain() {
  std::vector<std::pair<int, std::string>> lines;
  std::uint64_t dropped = 0;
  {
    std::lock_guard lock(mutex_);
    lines.swap(queued_);
    std::swap(dropped, dropped_);
  }
  for (const auto& [level, line] : lines) mosquitto_log_printf(level, "%s", line.c_str());
  if (dropped > 0) {
    mosquitto_log_printf(MOSQ_LOG_WARNING, "certacl: %llu log lines dropped (queue full)",
                         static_cast<unsigned long long>(dropped));
  }
}

}  // namespace certacl::plugin
