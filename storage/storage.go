// Package storage implements the domain packages' Store interfaces with gorm, on SQLite (the
// embedded default, pure Go) and PostgreSQL. It is the only package (with cmd) that imports gorm.
package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/userpool/userpool/seal"
)

// Driver names returned by Store.Driver.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// ErrWrongMasterKey means the master key cannot open the database's sentinel: the database was
// set up with another key.
var ErrWrongMasterKey = errors.New("the master key does not match this database (it was set up with a different master key)")

// Store is the database. It implements pool.Store, user.Store and accesskey.Store.
type Store struct {
	db     *gorm.DB
	sealer *seal.Sealer
	driver string
}

// Pool sizes. SQLite serialises writers anyway, so a few connections suffice (WAL lets readers
// run beside the writer); PostgreSQL gets more than the expected request concurrency so that
// requests never queue for a connection.
const (
	sqliteMaxConns   = 4
	postgresMaxConns = 50
	postgresIdle     = 10
)

// Open connects to databaseURL: "postgres://..." or "postgresql://..." for PostgreSQL;
// "sqlite://PATH", "file:PATH" or a plain file path for SQLite (WAL mode, busy timeout,
// immediate transactions). The sealer encrypts secrets at rest.
func Open(ctx context.Context, databaseURL string, sealer *seal.Sealer) (*Store, error) {
	if sealer == nil {
		return nil, errors.New("open database: no master key sealer")
	}
	driver, dsn, display, err := parseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	var dialector gorm.Dialector
	switch driver {
	case DriverPostgres:
		dialector = postgres.Open(dsn)
	default:
		// SQLite's own error for a missing directory is "out of memory (14)".
		if dir := filepath.Dir(display); dir != "" {
			if _, err := os.Stat(dir); err != nil {
				return nil, fmt.Errorf("open sqlite database %s: directory %s does not exist", display, dir)
			}
		}
		dialector = sqlite.Open(dsn)
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:                 logger.Default.LogMode(logger.Silent),
		SkipDefaultTransaction: true, // explicit transactions where several writes must agree
		NowFunc:                func() time.Time { return now() },
	})
	if err != nil {
		return nil, fmt.Errorf("connect to %s database %s: %w", driver, display, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s database %s: %w", driver, display, err)
	}
	if driver == DriverPostgres {
		sqlDB.SetMaxOpenConns(postgresMaxConns)
		sqlDB.SetMaxIdleConns(postgresIdle)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		sqlDB.SetMaxOpenConns(sqliteMaxConns)
		sqlDB.SetMaxIdleConns(sqliteMaxConns)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database %s: %w", driver, display, err)
	}
	return &Store{db: db, sealer: sealer, driver: driver}, nil
}

// parseURL returns the driver, the DSN for it and a form of the URL safe to print (no password).
func parseURL(databaseURL string) (driver, dsn, display string, err error) {
	raw := strings.TrimSpace(databaseURL)
	if raw == "" {
		return "", "", "", errors.New("database URL is empty")
	}
	if strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://") {
		u, err := url.Parse(raw)
		if err != nil {
			return "", "", "", fmt.Errorf("database URL is not a valid postgres URL: %w", redactURLError(err))
		}
		if u.Host == "" {
			return "", "", "", fmt.Errorf("database URL %s has no host", u.Redacted())
		}
		return DriverPostgres, raw, u.Redacted(), nil
	}
	path := raw
	switch {
	case strings.HasPrefix(raw, "sqlite://"):
		path = strings.TrimPrefix(raw, "sqlite://")
	case strings.HasPrefix(raw, "file:"):
		path = strings.TrimPrefix(raw, "file:")
	case strings.Contains(raw, "://"):
		scheme, _, _ := strings.Cut(raw, "://")
		return "", "", "", fmt.Errorf("database URL scheme %q is not supported (use postgres://, postgresql://, sqlite://PATH, file:PATH or a file path)", scheme)
	}
	path, extra, _ := strings.Cut(path, "?")
	if path == "" {
		return "", "", "", fmt.Errorf("database URL %q has no SQLite file path", raw)
	}
	// busy_timeout makes concurrent writers wait instead of failing with "database is locked";
	// immediate transactions take the write lock up front, so a read-then-write transaction
	// cannot fail half-way when another writer got there first.
	params := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if extra != "" {
		params += "&" + extra
	}
	return DriverSQLite, path + "?" + params, path, nil
}

// redactURLError drops the URL (which may hold a password) from a url.Parse error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Migrate applies the schema migrations; two processes migrating one empty database at once
// migrate it once. It then checks that the master key opens the database's sentinel (sealing
// one on first use), so a wrong key is a clear error, not garbage later.
func (s *Store) Migrate(ctx context.Context) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.driver == DriverPostgres {
			// Serialises migrators across processes; released when the transaction ends.
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockID).Error; err != nil {
				return fmt.Errorf("take migration lock: %w", err)
			}
		}
		// On SQLite the transaction is BEGIN IMMEDIATE, which holds the write lock throughout.
		if err := runMigrations(tx); err != nil {
			return err
		}
		return s.checkSentinel(tx)
	})
	if err != nil {
		if errors.Is(err, ErrWrongMasterKey) {
			return err
		}
		return fmt.Errorf("migrate database: %w", err)
	}
	return nil
}

// Ping reports whether the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s database: %w", s.driver, err)
	}
	return nil
}

// Driver returns "sqlite" or "postgres".
func (s *Store) Driver() string { return s.driver }

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// now is the store's clock: UTC, truncated to microseconds, which both databases keep exactly.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// normTime brings a caller's time to what the database will give back.
func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
