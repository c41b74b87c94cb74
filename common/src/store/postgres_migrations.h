#pragma once
// Migration N upgrades the PostgreSQL schema from version N to N+1. Never edit a released
// migration file; add common/sql/postgres/00N_*.sql and bump kPostgresSchemaVersion.

#include <array>
#include <string_view>

#include "certacl/store/postgres_schema.h"

namespace certacl::store {

extern const std::array<std::string_view, kPostgresSchemaVersion> kPostgresMigrations;

}  // namespace certacl::store
