package conformance_test

import (
	"testing"

	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/conformance"
	"github.com/userpool/userpool/storage/storagetest"
)

func TestSQLite(t *testing.T) {
	conformance.Run(t, func(t *testing.T) *storage.Store { return storagetest.SQLite(t).Open(t) })
}

func TestPostgres(t *testing.T) {
	storagetest.PostgresURL(t) // skips (or fails under USERPOOL_TEST_REQUIRE_ALL=1) without PostgreSQL
	conformance.Run(t, func(t *testing.T) *storage.Store { return storagetest.Postgres(t).Open(t) })
}
