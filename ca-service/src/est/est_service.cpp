#include "est/est_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <variant>

#include "ca_database.h"
#include "ca_error.h"
#include "certacl/certificate_facts.h"
#include "est/est_codec.h"
#include "est/est_log.h"
#include "est_enrollment.h"

namespace certacl::ca::est {
namespace {

constexpr std::string_view kCertsOnlyType = "application/pkcs7-mime; smime-type=certs-only";

EstResponse text(int status, std::string line) {
  EstResponse response;
  response.status = status;
  response.body = std::move(line) + "\n";
  return response;
}

EstResponse busy(std::string line, std::int64_t retry_after) {
  EstResponse response = text(503, std::move(line));
  response.retry_after_seconds = retry_after;
  return response;
}

EstResponse unauthenticated(std::string line) {
  EstResponse response = text(401, std::move(line));
  response.challenge = true;
  return response;
}

EstResponse certs_only(const std::vector<const X509*>& certificates) {
  EstResponse response;
  response.content_type = kCertsOnlyType;
  response.body = encode_base64(certs_only_pkcs7_der(certificates));
  return response;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The media type without parameters, lower case: "Application/PKCS10; x=y" -> "application/pkcs10".
std::string media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) {
    type.remove_suffix(1);
  }
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front()))) {
    type.remove_prefix(1);
  }
  return lower(type);
}

struct BasicCredentials {
  std::string user;
  std::string password;
};

std::optional<BasicCredentials> basic_credentials(std::string_view header) {
  constexpr std::string_view kScheme = "basic ";
  if (header.size() <= kScheme.size() || lower(header.substr(0, kScheme.size())) != kScheme) {
    return std::nullopt;
  }
  const auto decoded = decode_base64(header.substr(kScheme.size()));
  if (!decoded) return std::nullopt;
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

// The CSR of a simpleenroll/simplereenroll body, parsed and judged by csr_policy here on
// the worker thread (the one writer only reads the verdict, after the token check), or
// the answer refusing a body that is no CSR at all.
std::variant<CsrVerdict, EstResponse> request_csr(const EstRequest& request) {
  if (media_type(request.content_type) != "application/pkcs10") {
    return text(415, fmt::format("Content-Type must be application/pkcs10, not '{}'",
                                 request.content_type.substr(0, 64)));
  }
  const auto der = decode_base64(request.body);
  if (!der) return text(400, "body is not base64 (RFC 7030 bodies are base64-encoded DER)");
  const X509ReqPtr csr = parse_csr_der(*der);
  if (!csr) return text(400, "body is not a DER PKCS#10 certificate request");
  return validate_csr(csr.get());
}

int status_for(RefusalKind kind) {
  switch (kind) {
    case RefusalKind::kUnauthenticated:
      return 401;
    case RefusalKind::kForbidden:
      return 403;
    case RefusalKind::kBadRequest:
      return 400;
  }
  return 400;
}

// Counts requests queued for issuance; the count is what "overloaded" means.
class PendingSlot {
 public:
  PendingSlot(std::atomic<int>& pending, int limit)
      : pending_(pending), admitted_(pending.fetch_add(1) < limit) {}
  ~PendingSlot() { pending_.fetch_sub(1); }
  PendingSlot(const PendingSlot&) = delete;
  PendingSlot& operator=(const PendingSlot&) = delete;
  [[nodiscard]] bool admitted() const noexcept { return admitted_; }

 private:
  std::atomic<int>& pending_;
  bool admitted_;
};

}  // namespace

EstService::EstService(EstPolicy policy, std::unique_ptr<EstRegistry> registry,
                       CertificateAuthority authority)
    : policy_(policy),
      authority_(std::move(authority)),
      per_device_(policy.device_per_minute, policy.device_burst),
      per_address_(policy.address_per_minute, policy.address_burst),
      registry_(std::move(registry)) {
  cacerts_body_ = certs_only({authority_.certificate()}).body;
}

EstResponse EstService::cacerts() const {
  EstResponse response;
  response.content_type = kCertsOnlyType;
  response.body = cacerts_body_;
  return response;
}

EstResponse EstService::csrattrs() {
  EstResponse response;
  response.content_type = "application/csrattrs";
  response.body = encode_base64(csr_attributes_der());
  return response;
}

template <typename UseCase>
EstResponse EstService::issue(const std::string& endpoint, const std::string& subject,
                              UseCase use_case) {
  const PendingSlot slot(pending_, policy_.max_pending);
  if (!slot.admitted()) {
    log_line(fmt::format("{} 503 overloaded ({} requests pending) subject={}", endpoint,
                         policy_.max_pending, subject));
    return busy("server overloaded, retry later", policy_.retry_after_seconds);
  }
  try {
    const IssuedCertificate issued = use_case();
    log_line(fmt::format("{} 200 device={} serial={}", endpoint, issued.device, issued.serial));
    return certs_only({issued.certificate.get()});
  } catch (const EnrollmentRefused& refused) {
    log_line(fmt::format("{} {} subject={}: {}", endpoint, status_for(refused.kind()), subject,
                         refused.what()));
    EstResponse response = text(status_for(refused.kind()), refused.what());
    response.challenge = refused.kind() == RefusalKind::kUnauthenticated;
    return response;
  } catch (const std::exception& error) {
    const bool transient = is_transient_database_error(error);
    log_line(fmt::format("{} {} subject={}: {}{}", endpoint, transient ? 503 : 500, subject,
                         transient ? "database: " : "", error.what()));
    if (transient) return busy("database busy, retry later", policy_.retry_after_seconds);
    return text(500, "internal error (see the server log)");
  }
}

EstResponse EstService::simpleenroll(const EstRequest& request) {
  const auto now = RateLimiter::Clock::now();
  if (const auto wait = per_address_.admit(request.peer, now); wait > 0) {
    log_line(fmt::format("simpleenroll 503 rate limit peer={}", request.peer));
    return busy("too many requests from this address", wait);
  }
  const auto credentials = basic_credentials(request.authorization);
  if (!credentials) {
    log_line(fmt::format("simpleenroll 401 no Basic credentials peer={}", request.peer));
    return unauthenticated("HTTP Basic authentication required: device name and enrollment token");
  }
  auto csr = request_csr(request);
  if (auto* refusal = std::get_if<EstResponse>(&csr)) {
    log_line(fmt::format("simpleenroll {} peer={}: {}", refusal->status, request.peer,
                         refusal->body.substr(0, refusal->body.size() - 1)));
    return *refusal;
  }
  if (const auto wait = per_device_.admit(credentials->user, now); wait > 0) {
    log_line(fmt::format("simpleenroll 503 device rate limit peer={}", request.peer));
    return busy("too many requests for this device", wait);
  }
  const TokenEnrollment enrollment{
      credentials->user,        credentials->password, {},
      policy_.lifetime_seconds, request.peer,          &std::get<CsrVerdict>(csr)};
  return issue("simpleenroll",
               fmt::format("user '{}' peer={}", credentials->user.substr(0, 64), request.peer),
               [&] { return registry_->enroll(authority_, enrollment); });
}

EstResponse EstService::simplereenroll(const EstRequest& request) {
  const auto now = RateLimiter::Clock::now();
  if (const auto wait = per_address_.admit(request.peer, now); wait > 0) {
    log_line(fmt::format("simplereenroll 503 rate limit peer={}", request.peer));
    return busy("too many requests from this address", wait);
  }
  if (request.client_certificate == nullptr) {
    log_line(fmt::format("simplereenroll 403 no client certificate peer={}", request.peer));
    return text(403, "simplereenroll needs the device's current certificate (mutual TLS)");
  }
  auto csr = request_csr(request);
  if (auto* refusal = std::get_if<EstResponse>(&csr)) {
    log_line(fmt::format("simplereenroll {} peer={}: {}", refusal->status, request.peer,
                         refusal->body.substr(0, refusal->body.size() - 1)));
    return *refusal;
  }
  const std::string serial = serial_hex(request.client_certificate);
  if (const auto wait = per_device_.admit("serial:" + serial, now); wait > 0) {
    log_line(fmt::format("simplereenroll 503 device rate limit peer={}", request.peer));
    return busy("too many requests for this certificate", wait);
  }
  const CertificateReenrollment reenrollment{
      request.client_certificate,      {},           policy_.lifetime_seconds,
      policy_.supersede_after_seconds, request.peer, &std::get<CsrVerdict>(csr)};
  return issue("simplereenroll", fmt::format("certificate {} peer={}", serial, request.peer),
               [&] { return registry_->reenroll(authority_, reenrollment); });
}

std::size_t EstService::revoke_due_supersessions() noexcept {
  try {
    const std::vector<std::string> revoked = registry_->revoke_due_supersessions();
    for (const auto& serial : revoked) {
      log_line(fmt::format("supersede: revoked {} (superseded, overlap ended)", serial));
    }
    return revoked.size();
  } catch (const std::exception& error) {
    log_line(fmt::format("supersede: will retry: {}", error.what()));
    return 0;
  }
}

}  // namespace certacl::ca::est
