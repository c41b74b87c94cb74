#include "store_migration.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <array>
#include <memory>

#include "audit.h"
#include "ca_error.h"
#include "certacl/schema.h"
#include "certacl/sqlite.h"
#include "certacl/store/postgres_connection.h"
#include "certacl/store/postgres_schema.h"
#include "certacl/store/postgres_store.h"

namespace certacl::ca {
namespace {

using store::PostgresResult;
using store::PostgresStore;

// One registry table as both stores hold it. Columns are listed in the same order on both
// sides; booleans are 0/1 in SQLite and read back from PostgreSQL as integers, so the rows
// compare as text. Keys are ordered by their bytes on both sides.
struct TableSpec {
  std::string_view name;
  std::string_view columns;
  std::string_view postgres_select;  // `columns`, booleans cast to integers
  std::string_view key;
  bool text_key = true;
  bool identity = false;  // an identity `id` the copy keeps (OVERRIDING SYSTEM VALUE)
};

// In foreign-key order.
constexpr std::array<TableSpec, 8> kTables = {{
    {"ca", "id, name, certificate_pem, key_path, key_encrypted, created_at",
     "id, name, certificate_pem, key_path, key_encrypted::int, created_at", "id", false, false},
    {"roles", "name, created_at, client_id_rule", "name, created_at, client_id_rule", "name"},
    {"role_rules", "id, role, effect, action, pattern, created_at",
     "id, role, effect, action, pattern, created_at", "id", false, true},
    {"devices", "name, role, enabled, san_dns, san_uri, created_at, updated_at",
     "name, role, enabled::int, san_dns, san_uri, created_at, updated_at", "name"},
    {"certificates",
     "serial, kind, device, subject, issuer, not_before, not_after, sha256, certificate_pem, "
     "issued_at, revoked_at, revocation_reason, public_key_sha256",
     "serial, kind, device, subject, issuer, not_before, not_after, sha256, certificate_pem, "
     "issued_at, revoked_at, revocation_reason, public_key_sha256",
     "serial"},
    {"enrollment_tokens",
     "id, device, token_sha256, created_at, expires_at, used_at, used_serial, revoked_at",
     "id, device, token_sha256, created_at, expires_at, used_at, used_serial, revoked_at", "id",
     false, true},
    {"pending_supersessions", "serial, replaced_by, revoke_at", "serial, replaced_by, revoke_at",
     "serial"},
    {"audit_log", "id, at, actor, action, device, serial, detail",
     "id, at, actor, action, device, serial, detail", "id", false, true},
}};

using Row = std::vector<store::SqlParam>;

int column_count(const TableSpec& table) {
  return static_cast<int>(std::count(table.columns.begin(), table.columns.end(), ',')) + 1;
}

struct DigestContextFree {
  void operator()(EVP_MD_CTX* context) const noexcept { EVP_MD_CTX_free(context); }
};

// SHA-256 of the rows in order, each value length-prefixed (NULL distinct from ''), so two
// tables hash alike only when every value is the same.
class RowDigest {
 public:
  RowDigest() : context_(EVP_MD_CTX_new()) {
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
      throw CaError(ExitCode::kKey, "cannot start a SHA-256 digest");
    }
  }
  void add(const Row& row) {
    for (const store::SqlParam& value : row) {
      const std::string framed = value ? fmt::format("{}:{};", value->size(), *value) : "N;";
      EVP_DigestUpdate(context_.get(), framed.data(), framed.size());
    }
    EVP_DigestUpdate(context_.get(), "\n", 1);
  }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_.get(), digest.data(), &length);
    std::string out;
    for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, DigestContextFree> context_;
};

struct SourceRegistry {
  std::vector<std::vector<Row>> tables;  // in kTables order
  std::int64_t counter = 0;
};

SourceRegistry read_source(const std::string& path) {
  try {
    SqliteDatabase db(path, SqliteDatabase::Access::ReadOnly);
    db.configure_as_reader(std::chrono::milliseconds(15000));
    if (const std::string check =
            [&] {
              Statement quick_check = db.prepare("PRAGMA quick_check");
              return quick_check.step() ? quick_check.column_text(0) : std::string("no answer");
            }();
        check != "ok") {
      throw CaError(ExitCode::kStorage,
                    fmt::format("source '{}' fails SQLite's quick_check: {}", path, check));
    }
    if (const int version = read_schema_version(db); version > 0 && version < kSchemaVersion) {
      throw CaError(ExitCode::kStorage,
                    fmt::format("source '{}' has schema version {}, this build expects {}: run "
                                "'certacl-ca --db {} migrate' first",
                                path, version, kSchemaVersion, path));
    }
    require_current_schema(db);
    ReadTransaction snapshot(db);
    SourceRegistry source;
    source.counter = db.query_int64("SELECT change_counter FROM certacl_state WHERE id = 1");
    for (const TableSpec& table : kTables) {
      Statement rows = db.prepare(
          fmt::format("SELECT {} FROM {} ORDER BY {}", table.columns, table.name, table.key));
      std::vector<Row>& copied = source.tables.emplace_back();
      while (rows.step()) {
        Row row;
        for (int column = 0; column < column_count(table); ++column) {
          row.push_back(rows.column_optional_text(column));
        }
        copied.push_back(std::move(row));
      }
    }
    return source;
  } catch (const DatabaseError& error) {
    throw CaError(ExitCode::kStorage,
                  fmt::format("cannot read source '{}': {}", path, error.what()));
  }
}

std::string placeholders(int count) {
  std::string out;
  for (int i = 1; i <= count; ++i) out += fmt::format("{}${}", i == 1 ? "" : ", ", i);
  return out;
}

void require_empty_target(PostgresStore& target) {
  std::string counts;
  for (const TableSpec& table : kTables) {
    counts +=
        fmt::format("{}(SELECT count(*) FROM certacl.{})", counts.empty() ? "" : " + ", table.name);
  }
  if (const std::int64_t rows = target.connection().exec("SELECT " + counts).int64(0, 0);
      rows > 0) {
    throw CaError(ExitCode::kConflict,
                  fmt::format("target '{}' is not empty ({} rows): migrate-store copies into an "
                              "empty registry only",
                              target.url(), rows));
  }
}

void require_owner_rights(PostgresStore& target) {
  if (!target.connection()
           .exec("SELECT has_table_privilege('certacl.state', 'UPDATE') AND "
                 "pg_has_role(relowner, 'MEMBER') FROM pg_class "
                 "WHERE oid = 'certacl.devices'::regclass")
           .boolean(0, 0)) {
    throw CaError(ExitCode::kConflict,
                  fmt::format("the login of '{}' may not set the change counter: run "
                              "migrate-store as the login that owns the certacl schema",
                              target.url()));
  }
}

// The per-row change triggers (001_initial.sql) bump the one state row once per row: N
// updates of one row in one transaction cost O(N^2) in PostgreSQL (each walks the versions
// before it; 100,000 devices took 520 s). So the copy runs with them off, inside its
// transaction (ALTER TABLE is transactional: a rollback turns them on again), and then writes
// what they would have written, in one statement each: one change-log row per copied row, in
// table order, the counter, one NOTIFY.
constexpr std::array<std::string_view, 4> kChangeTriggers = {
    "roles roles_changed", "role_rules role_rules_changed", "devices devices_changed",
    "certificates certificates_changed"};

void set_change_triggers(PostgresStore& target, bool enabled) {
  for (const std::string_view table_and_trigger : kChangeTriggers) {
    const std::size_t space = table_and_trigger.find(' ');
    target.connection().exec(
        fmt::format("ALTER TABLE certacl.{} {} TRIGGER {}", table_and_trigger.substr(0, space),
                    enabled ? "ENABLE" : "DISABLE", table_and_trigger.substr(space + 1)));
  }
}

// Returns the new counter: at least the source's, so it never goes back for a broker.
std::int64_t record_copied_changes(PostgresStore& target, std::int64_t source_counter) {
  target.connection().exec(
      "INSERT INTO certacl.change_log (counter, entity, key, device) "
      "SELECT (SELECT change_counter FROM certacl.state) + "
      "row_number() OVER (ORDER BY position, sort_key COLLATE \"C\"), entity, key, device FROM ("
      "SELECT 1 AS position, name AS sort_key, 'role' AS entity, name AS key, NULL AS device "
      "FROM certacl.roles "
      "UNION ALL SELECT 2, lpad(id::text, 20, '0'), 'role', role, NULL FROM certacl.role_rules "
      "UNION ALL SELECT 3, name, 'device', name, name FROM certacl.devices "
      "UNION ALL SELECT 4, serial, 'certificate', serial, device FROM certacl.certificates"
      ") AS copied");
  const std::int64_t counter =
      target.connection()
          .exec(
              "UPDATE certacl.state SET change_counter = greatest(change_counter + "
              "(SELECT count(*) FROM certacl.roles) + (SELECT count(*) FROM certacl.role_rules) "
              "+ (SELECT count(*) FROM certacl.devices) + "
              "(SELECT count(*) FROM certacl.certificates), $1) RETURNING change_counter",
              {std::to_string(source_counter)})
          .int64(0, 0);
  target.connection().exec("SELECT pg_notify('certacl_changes', $1)", {std::to_string(counter)});
  return counter;
}

CopiedTable copy_and_verify(PostgresStore& target, const TableSpec& table,
                            const std::vector<Row>& rows) {
  const std::string insert = fmt::format(
      "INSERT INTO certacl.{} ({}) {}VALUES ({})", table.name, table.columns,
      table.identity ? "OVERRIDING SYSTEM VALUE " : "", placeholders(column_count(table)));
  RowDigest source_digest;
  for (const Row& row : rows) {
    try {
      target.connection().exec(insert, row);
    } catch (const store::PostgresError& error) {
      if (error.is_retryable() || error.is_connection_lost()) throw;
      // The source holds a row PostgreSQL's constraints refuse (SQLite enforces fewer):
      // named here, and the whole copy is rolled back.
      throw CaError(ExitCode::kStorage,
                    fmt::format("PostgreSQL refuses a row of table {} (key {}): {}; nothing was "
                                "copied",
                                table.name, row.front().value_or("NULL"), error.what()));
    }
    source_digest.add(row);
  }
  if (table.identity && !rows.empty()) {
    target.connection().exec(fmt::format(
        "SELECT setval(pg_get_serial_sequence('certacl.{0}', 'id'), max(id)) FROM certacl.{0}",
        table.name));
  }
  // Read back what PostgreSQL now holds, in the same order, and compare.
  const PostgresResult stored = target.connection().exec(
      fmt::format("SELECT {} FROM certacl.{} ORDER BY {}{}", table.postgres_select, table.name,
                  table.key, table.text_key ? " COLLATE \"C\"" : ""));
  RowDigest target_digest;
  for (int index = 0; index < stored.rows(); ++index) {
    Row row;
    for (int column = 0; column < column_count(table); ++column) {
      row.push_back(stored.optional_text(index, column));
    }
    target_digest.add(row);
  }
  const std::string expected = source_digest.hex();
  const std::string actual = target_digest.hex();
  if (static_cast<std::size_t>(stored.rows()) != rows.size() || expected != actual) {
    throw CaError(ExitCode::kStorage,
                  fmt::format("verification of table {} failed: source {} rows sha256 {}, "
                              "PostgreSQL {} rows sha256 {}; nothing was copied",
                              table.name, rows.size(), expected, stored.rows(), actual));
  }
  return CopiedTable{std::string(table.name), static_cast<std::int64_t>(rows.size()), actual};
}

}  // namespace

StoreMigration migrate_store(const std::string& from, const std::string& to,
                             const std::optional<std::string>& password_file) {
  constexpr std::string_view kSqlitePrefix = "sqlite:";
  if (!from.starts_with(kSqlitePrefix) || from.size() == kSqlitePrefix.size()) {
    throw CaError(ExitCode::kUsage,
                  fmt::format("--from must be sqlite:PATH, not '{}'", from.substr(0, 64)));
  }
  if (!store::is_postgres_url(to)) {
    throw CaError(ExitCode::kUsage, "--to must be a postgresql:// URL");
  }
  // The whole source is read before the target is touched: a bad source changes nothing.
  const std::string path = from.substr(kSqlitePrefix.size());
  const SourceRegistry source = read_source(path);

  store::PostgresSettings settings;
  settings.url = to;
  settings.password_file = password_file;
  settings.application_name = "certacl-ca migrate-store";
  {
    store::PostgresConnection admin(settings);
    if (store::read_postgres_schema_version(admin) < store::kPostgresSchemaVersion) {
      store::apply_postgres_schema(admin);
    }
  }
  PostgresStore target(settings);
  StoreMigration migration;
  target.in_write_transaction("the copied registry", [&] {
    migration = StoreMigration{};
    require_owner_rights(target);
    require_empty_target(target);
    set_change_triggers(target, false);
    for (std::size_t index = 0; index < kTables.size(); ++index) {
      migration.tables.push_back(copy_and_verify(target, kTables[index], source.tables[index]));
    }
    set_change_triggers(target, true);
    migration.source_counter = source.counter;
    migration.target_counter = record_copied_changes(target, source.counter);
    std::string detail = fmt::format("from=sqlite:{} counter={}", path, source.counter);
    for (const CopiedTable& table : migration.tables) {
      detail += fmt::format(" {}={}", table.name, table.rows);
    }
    target.append_audit(
        store::AuditDraft{current_actor(), "migrate-store", std::nullopt, std::nullopt, detail});
  });
  return migration;
}

}  // namespace certacl::ca
