#pragma once
// One-line checks that a statement is refused by the real server, and why.

#include <gtest/gtest.h>

#include <string>

#include "certacl/store/postgres_connection.h"

namespace certacl::test {

// Runs `sql` on `connection` and returns the PostgresError it must raise; a statement that
// succeeds fails the test.
inline store::PostgresError refusal_of(store::PostgresConnection& connection,
                                       const std::string& sql) {
  try {
    connection.exec(sql);
  } catch (const store::PostgresError& error) {
    return error;
  }
  ADD_FAILURE() << "accepted, but must be refused: " << sql;
  return store::PostgresError("accepted", "");
}

// The refusal is a missing privilege (SQLSTATE 42501), not some other failure.
#define EXPECT_NO_PRIVILEGE(connection, sql)                                    \
  do {                                                                          \
    const store::PostgresError certacl_error = refusal_of((connection), (sql)); \
    EXPECT_EQ(certacl_error.sqlstate(), store::kSqlStateInsufficientPrivilege)  \
        << (sql) << " -> " << certacl_error.what();                             \
  } while (false)

}  // namespace certacl::test
