// Package storagetest opens real, migrated test databases: SQLite in a temporary directory
// always, and PostgreSQL (a fresh schema per call) when USERPOOL_TEST_POSTGRES_URL is set.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/storage"
)

// PostgresEnv names the PostgreSQL URL used by tests; RequireAllEnv=1 turns a missing one into
// a failure instead of a skip.
const (
	PostgresEnv   = "USERPOOL_TEST_POSTGRES_URL"
	RequireAllEnv = "USERPOOL_TEST_REQUIRE_ALL"
)

// Database is an empty test database and the master key it is meant for. Connect opens further
// Stores on it (a second process, a wrong key).
type Database struct {
	Driver string // "sqlite" or "postgres"
	URL    string
	Key    []byte
}

// SQLite returns a fresh SQLite database in t.TempDir().
func SQLite(t testing.TB) Database {
	t.Helper()
	return Database{Driver: storage.DriverSQLite, URL: filepath.Join(t.TempDir(), "userpool.db"), Key: seal.NewKey()}
}

// Postgres returns a fresh schema in the database at USERPOOL_TEST_POSTGRES_URL, dropped when
// the test ends. It skips the test when the variable is unset (fails with USERPOOL_TEST_REQUIRE_ALL=1).
func Postgres(t testing.TB) Database {
	t.Helper()
	base := PostgresURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", PostgresEnv, err)
	}
	defer conn.Close(ctx)
	schema := "test_" + randomHex(8)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return Database{Driver: storage.DriverPostgres, URL: u.String(), Key: seal.NewKey()}
}

// PostgresURL returns USERPOOL_TEST_POSTGRES_URL, skipping the test when it is unset (failing
// it with USERPOOL_TEST_REQUIRE_ALL=1).
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv(RequireAllEnv) == "1" {
			t.Fatalf("%s is not set and %s=1", PostgresEnv, RequireAllEnv)
		}
		t.Skipf("%s is not set", PostgresEnv)
	}
	return base
}

// Connect opens a Store on d with the given master key, without migrating; it is closed when
// the test ends.
func (d Database) Connect(t testing.TB, key []byte) *storage.Store {
	t.Helper()
	sealer, err := seal.New(key)
	if err != nil {
		t.Fatal(err)
	}
	s, err := storage.Open(context.Background(), d.URL, sealer)
	if err != nil {
		t.Fatalf("open %s: %v", d.Driver, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Open connects to d with its key and migrates it.
func (d Database) Open(t testing.TB) *storage.Store {
	t.Helper()
	s := d.Connect(t, d.Key)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", d.Driver, err)
	}
	return s
}

// Open returns a migrated SQLite Store in t.TempDir() with a fresh random master key.
func Open(t testing.TB) *storage.Store {
	t.Helper()
	return SQLite(t).Open(t)
}

// Each runs fn as a subtest on a fresh migrated SQLite Store ("sqlite") and on a fresh
// PostgreSQL schema ("postgres", skipped when USERPOOL_TEST_POSTGRES_URL is unset).
func Each(t *testing.T, fn func(t *testing.T, s *storage.Store)) {
	t.Helper()
	EachDatabase(t, func(t *testing.T, d Database) { fn(t, d.Open(t)) })
}

// EachDatabase is Each for tests that need the empty Database itself.
func EachDatabase(t *testing.T, fn func(t *testing.T, d Database)) {
	t.Helper()
	t.Run(storage.DriverSQLite, func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run(storage.DriverPostgres, func(t *testing.T) { fn(t, Postgres(t)) })
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
