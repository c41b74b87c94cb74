#pragma once
// The status LED the `led` command drives (CONFIG_CERTACL_LED_GPIO; -1 means none).

class StatusLed {
 public:
  StatusLed();
  // Returns false when the board has no LED configured.
  bool set(bool on);
  bool toggle() { return set(!on_); }
  [[nodiscard]] bool on() const noexcept { return on_; }

 private:
  bool on_ = false;
};
