#include "enroll_load.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "certacl/openssl_handles.h"

namespace certacl::bench {

std::string request_der(const std::string& name, EVP_PKEY* key) {
  X509ReqPtr request(X509_REQ_new());
  X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(request.get()), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_REQ_set_pubkey(request.get(), key);
  X509_REQ_sign(request.get(), key, EVP_sha256());
  unsigned char* der = nullptr;
  const int length = i2d_X509_REQ(request.get(), &der);
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

EnrollLoad enroll_over_https(int port, const std::string& ca_file,
                             const std::vector<Enrollee>& enrollees, int clients) {
  using Clock = std::chrono::steady_clock;
  const int count = static_cast<int>(enrollees.size());
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::mutex mutex;
  EnrollLoad load;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(clients));
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      std::vector<double> mine;
      for (int i = next++; i < count; i = next++) {
        const Enrollee& enrollee = enrollees[static_cast<std::size_t>(i)];
        const auto sent = Clock::now();
        httplib::SSLClient client("127.0.0.1", port);
        client.set_ca_cert_path(ca_file.c_str());
        client.enable_server_certificate_verification(true);
        client.set_basic_auth(enrollee.name.c_str(), enrollee.token.c_str());
        client.set_read_timeout(std::chrono::seconds(30));
        const auto answer =
            client.Post("/.well-known/est/simpleenroll", enrollee.csr_b64, "application/pkcs10");
        if (!answer || answer->status != 200) ++failures;
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
      }
      const std::lock_guard lock(mutex);
      load.latencies_ms.insert(load.latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& thread : threads) thread.join();
  load.per_second = count / std::chrono::duration<double>(Clock::now() - start).count();
  load.failures = failures.load();
  return load;
}

}  // namespace certacl::bench
