#include "raw_mqtt.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace certacl::test {
namespace {

std::string openssl_error() {
  char text[256] = {};
  ERR_error_string_n(ERR_get_error(), text, sizeof text);
  return text;
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

RawMqttConnection::RawMqttConnection(int port, const std::string& ca_file,
                                     const std::string& certificate_file,
                                     const std::string& key_file)
    : context_(SSL_CTX_new(TLS_client_method())) {
  if (!context_ || SSL_CTX_load_verify_locations(context_.get(), ca_file.c_str(), nullptr) != 1 ||
      SSL_CTX_use_certificate_file(context_.get(), certificate_file.c_str(), SSL_FILETYPE_PEM) !=
          1 ||
      SSL_CTX_use_PrivateKey_file(context_.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("raw MQTT client: cannot load TLS files: " + openssl_error());
  }
  SSL_CTX_set_verify(context_.get(), SSL_VERIFY_PEER, nullptr);
  socket_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (socket_ < 0 ||
      ::connect(socket_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("raw MQTT client: cannot connect to port " + std::to_string(port));
  }
  ssl_.reset(SSL_new(context_.get()));
  SSL_set_fd(ssl_.get(), socket_);
  if (SSL_connect(ssl_.get()) != 1) {
    throw std::runtime_error("raw MQTT client: TLS handshake failed: " + openssl_error());
  }
}

RawMqttConnection::~RawMqttConnection() {
  ssl_.reset();
  if (socket_ >= 0) ::close(socket_);
}

bool RawMqttConnection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    std::size_t written = 0;
    if (SSL_write_ex(ssl_.get(), bytes.data() + sent, bytes.size() - sent, &written) != 1) {
      ERR_clear_error();
      return false;
    }
    sent += written;
  }
  return true;
}

bool RawMqttConnection::read_exact(std::string& out, std::size_t count,
                                   std::chrono::steady_clock::time_point deadline) {
  while (out.size() < count) {
    if (SSL_pending(ssl_.get()) == 0) {
      pollfd ready{socket_, POLLIN, 0};
      if (::poll(&ready, 1, remaining_ms(deadline)) <= 0) return false;
    }
    char buffer[4096];
    std::size_t got = 0;
    const std::size_t want = std::min(sizeof buffer, count - out.size());
    if (SSL_read_ex(ssl_.get(), buffer, want, &got) != 1) {
      const int error = SSL_get_error(ssl_.get(), 0);
      ERR_clear_error();
      if (error == SSL_ERROR_WANT_READ) continue;
      return false;  // closed by the broker
    }
    out.append(buffer, got);
  }
  return true;
}

std::optional<RawPacket> RawMqttConnection::receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string header;
  if (!read_exact(header, 1, deadline)) return std::nullopt;
  std::size_t remaining = 0;
  for (int shift = 0; shift < 28; shift += 7) {
    std::string digit;
    if (!read_exact(digit, 1, deadline)) return std::nullopt;
    const auto byte = static_cast<unsigned char>(digit[0]);
    remaining |= static_cast<std::size_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) break;
  }
  RawPacket packet;
  packet.type = static_cast<std::uint8_t>(static_cast<unsigned char>(header[0]) >> 4);
  if (!read_exact(packet.body, remaining, deadline)) return std::nullopt;
  return packet;
}

std::string mqtt_fixed_header(std::uint8_t first_byte, std::size_t remaining) {
  std::string out(1, static_cast<char>(first_byte));
  do {
    auto digit = static_cast<std::uint8_t>(remaining % 128);
    remaining /= 128;
    if (remaining > 0) digit |= 0x80;
    out.push_back(static_cast<char>(digit));
  } while (remaining > 0);
  return out;
}

std::string mqtt_string(const std::string& text) {
  std::string out;
  out.push_back(static_cast<char>((text.size() >> 8) & 0xFF));
  out.push_back(static_cast<char>(text.size() & 0xFF));
  return out + text;
}

std::string mqtt_connect(const std::string& client_id) {
  // Protocol "MQTT" level 4, clean session, keepalive 30 s.
  const std::string body =
      mqtt_string("MQTT") + std::string{4, 0x02, 0, 30} + mqtt_string(client_id);
  return mqtt_fixed_header(0x10, body.size()) + body;
}

std::string mqtt_publish_qos1(const std::string& topic, const std::string& payload,
                              std::uint16_t packet_id) {
  std::string body = mqtt_string(topic);
  body.push_back(static_cast<char>(packet_id >> 8));
  body.push_back(static_cast<char>(packet_id & 0xFF));
  body += payload;
  return mqtt_fixed_header(0x32, body.size()) + body;
}

std::string mqtt_subscribe(const std::string& filter, std::uint16_t packet_id) {
  std::string body;
  body.push_back(static_cast<char>(packet_id >> 8));
  body.push_back(static_cast<char>(packet_id & 0xFF));
  body += mqtt_string(filter);
  body.push_back(1);  // QoS 1
  return mqtt_fixed_header(0x82, body.size()) + body;
}

}  // namespace certacl::test
