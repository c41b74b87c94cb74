#pragma once
// Sleeping without overflowing ticks or starving the task watchdog: pdMS_TO_TICKS(ms)
// multiplies in 32 bits (ms × configTICK_RATE_HZ), which wraps past ~42 days at 1 kHz and far
// sooner for a computed seconds × 1000; this sleeps in steps of at most one second and feeds
// the watchdog between steps.

#include <cstdint>

// Subscribes the calling task to the task watchdog (once, after the console is done).
void watch_this_task();
void feed_watchdog();
void sleep_ms(std::uint64_t milliseconds);
