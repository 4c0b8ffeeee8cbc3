// Package storage implements the domain packages' Store interfaces with gorm, on SQLite (the
// embedded default, pure Go) and PostgreSQL. It is the only package (with cmd) that imports gorm.
package storage

import (
	"context"

	"github.com/userpool/userpool/seal"
)

// Store is the database. It implements pool.Store, user.Store and accesskey.Store.
type Store struct {
	sealer *seal.Sealer
}

// Open connects to databaseURL: "postgres://..." or "postgresql://..." for PostgreSQL;
// "sqlite://PATH", "file:PATH" or a plain file path for SQLite (WAL mode, busy timeout,
// immediate transactions). The sealer encrypts secrets at rest.
func Open(ctx context.Context, databaseURL string, sealer *seal.Sealer) (*Store, error) {
	panic("unimplemented")
}

// Migrate applies the schema migrations; two processes migrating one empty database at once
// migrate it once. It then checks that the master key opens the database's sentinel (sealing
// one on first use), so a wrong key is a clear error, not garbage later.
func (s *Store) Migrate(ctx context.Context) error { panic("unimplemented") }

// Ping reports whether the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error { panic("unimplemented") }

// Driver returns "sqlite" or "postgres".
func (s *Store) Driver() string { panic("unimplemented") }

// Close closes the connection pool.
func (s *Store) Close() error { panic("unimplemented") }
