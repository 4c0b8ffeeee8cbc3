package storage

import (
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrationLockID is the PostgreSQL advisory lock key held while migrating ("userpool" in ASCII).
const migrationLockID int64 = 0x75736572706f6f6c

// migrations is the schema history. Never edit a migration once released: add a new one. Each
// migration declares the row shapes it creates, so later changes to the store's models do not
// rewrite history.
var migrations = []*gormigrate.Migration{
	{ID: "0001_initial", Migrate: migrate0001},
	{ID: "0002_signing_keys", Migrate: migrate0002},
	{ID: "0003_messages", Migrate: migrate0003Messages},     // in outbox.go
	{ID: "0004_signin", Migrate: migrate0004SignIn},         // in browsersessions.go
	{ID: "0005_sessions", Migrate: migrate0005Sessions},     // in sessions.go
	{ID: "0006_codes", Migrate: migrate0006Codes},           // in codes.go
	{ID: "0007_challenges", Migrate: migrate0007Challenges}, // in challenges.go
	{ID: "0008_srp", Migrate: migrate0008SRP},               // in users.go
	{ID: "0009_branding", Migrate: migrate0009Branding},     // in branding.go
	{ID: "0010_admin", Migrate: migrate0010Admin},           // in admin.go
	{ID: "0011_triggers", Migrate: migrate0011Triggers},     // in triggers.go
	{ID: "0012_mfa", Migrate: migrate0012MFA},               // in mfa.go
	{ID: "0013_indexes", Migrate: migrate0013Indexes},       // in indexes.go
	{ID: "0014_audit", Migrate: migrate0014Audit},           // in audit.go
}

// runMigrations applies the pending migrations inside tx (which holds the migration lock).
func runMigrations(tx *gorm.DB) error {
	m := gormigrate.New(tx, &gormigrate.Options{
		TableName:                 "schema_migrations",
		IDColumnName:              "id",
		IDColumnSize:              255,
		ValidateUnknownMigrations: true, // a database from a newer release is refused, not corrupted
	}, migrations)
	if err := m.Migrate(); err != nil {
		if err == gormigrate.ErrUnknownPastMigration {
			return fmt.Errorf("the database has migrations this version does not know (it was used by a newer userpool): %w", err)
		}
		return err
	}
	return nil
}

func migrate0001(tx *gorm.DB) error {
	type meta struct {
		Name  string `gorm:"primaryKey"`
		Value string `gorm:"not null"`
	}
	type pools struct {
		ID        string    `gorm:"primaryKey"`
		Name      string    `gorm:"not null"`
		Version   int64     `gorm:"not null"`
		Config    string    `gorm:"not null"`
		CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
		UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
	}
	type clients struct {
		PoolID       string    `gorm:"primaryKey"`
		ClientID     string    `gorm:"primaryKey"`
		Name         string    `gorm:"not null"`
		SecretSealed string    `gorm:"not null"`
		Config       string    `gorm:"not null"`
		CreatedAt    time.Time `gorm:"not null;autoCreateTime:false"`
		UpdatedAt    time.Time `gorm:"not null;autoUpdateTime:false"`
	}
	type userGroups struct {
		PoolID      string `gorm:"primaryKey"`
		Name        string `gorm:"primaryKey"`
		Description string `gorm:"not null"`
		RoleArn     string `gorm:"not null"`
		Precedence  *int
		CreatedAt   time.Time `gorm:"not null;autoCreateTime:false"`
		UpdatedAt   time.Time `gorm:"not null;autoUpdateTime:false"`
	}
	type groupMembers struct {
		PoolID    string `gorm:"primaryKey"`
		GroupName string `gorm:"primaryKey"`
		Sub       string `gorm:"primaryKey"`
	}
	type resourceServers struct {
		PoolID     string    `gorm:"primaryKey"`
		Identifier string    `gorm:"primaryKey"`
		Name       string    `gorm:"not null"`
		Scopes     string    `gorm:"not null"`
		CreatedAt  time.Time `gorm:"not null;autoCreateTime:false"`
	}
	type users struct {
		PoolID                     string `gorm:"primaryKey"`
		Sub                        string `gorm:"primaryKey"`
		Username                   string `gorm:"not null"`
		UsernameKey                string `gorm:"not null"`
		EmailKey                   *string
		PhoneNumberKey             *string
		PreferredUsernameKey       *string
		Status                     string `gorm:"not null"`
		Enabled                    bool   `gorm:"not null"`
		PasswordHash               string `gorm:"not null"`
		PasswordHistory            string `gorm:"not null"`
		Attributes                 string `gorm:"not null"`
		TemporaryPasswordExpiresAt *time.Time
		ProfileIncomplete          bool   `gorm:"not null"`
		MFA                        string `gorm:"column:mfa;not null"`
		Email                      *string
		PhoneNumber                *string
		Name                       *string
		GivenName                  *string
		FamilyName                 *string
		PreferredUsername          *string
		CreatedAt                  time.Time `gorm:"not null;autoCreateTime:false"`
		UpdatedAt                  time.Time `gorm:"not null;autoUpdateTime:false"`
	}
	type accessKeys struct {
		ID           string    `gorm:"primaryKey"`
		SecretSealed string    `gorm:"not null"`
		Enabled      bool      `gorm:"not null"`
		CreatedAt    time.Time `gorm:"not null;autoCreateTime:false"`
	}
	tables := []struct {
		name  string
		model any
	}{
		{"meta", &meta{}},
		{"pools", &pools{}},
		{"clients", &clients{}},
		{"user_groups", &userGroups{}},
		{"group_members", &groupMembers{}},
		{"resource_servers", &resourceServers{}},
		{"users", &users{}},
		{"access_keys", &accessKeys{}},
	}
	for _, t := range tables {
		if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
			return fmt.Errorf("create table %s: %w", t.name, err)
		}
	}
	if tx.Dialector.Name() == "postgres" {
		// Keys that are sorted or prefix-searched compare bytewise (as on SQLite), whatever the
		// database's locale: range predicates for "^=" and keyset pagination rely on it, and the
		// indexes (built from the column's collation) then serve them.
		collated := map[string][]string{
			"pools":            {"id"},
			"clients":          {"client_id"},
			"user_groups":      {"name"},
			"group_members":    {"group_name", "sub"},
			"resource_servers": {"identifier"},
			"users": {"sub", "username_key", "email_key", "phone_number_key", "preferred_username_key",
				"status", "email", "phone_number", "name", "given_name", "family_name", "preferred_username"},
			"access_keys": {"id"},
		}
		for table, cols := range collated {
			for _, col := range cols {
				if err := tx.Exec(fmt.Sprintf(`ALTER TABLE %s ALTER COLUMN %s TYPE text COLLATE "C"`, table, col)).Error; err != nil {
					return fmt.Errorf("collate %s.%s: %w", table, col, err)
				}
			}
		}
	}
	indexes := []string{
		// Uniqueness of usernames and sign-in aliases within a pool; NULL keys (no alias) never collide.
		`CREATE UNIQUE INDEX users_username_key_uq ON users (pool_id, username_key)`,
		`CREATE UNIQUE INDEX users_email_key_uq ON users (pool_id, email_key)`,
		`CREATE UNIQUE INDEX users_phone_number_key_uq ON users (pool_id, phone_number_key)`,
		`CREATE UNIQUE INDEX users_preferred_username_key_uq ON users (pool_id, preferred_username_key)`,
		// ListUsers: "=" and "^=" on each searchable column, ordered by (column, sub).
		`CREATE INDEX users_email_idx ON users (pool_id, email, sub)`,
		`CREATE INDEX users_phone_number_idx ON users (pool_id, phone_number, sub)`,
		`CREATE INDEX users_name_idx ON users (pool_id, name, sub)`,
		`CREATE INDEX users_given_name_idx ON users (pool_id, given_name, sub)`,
		`CREATE INDEX users_family_name_idx ON users (pool_id, family_name, sub)`,
		`CREATE INDEX users_preferred_username_idx ON users (pool_id, preferred_username, sub)`,
		`CREATE INDEX users_status_idx ON users (pool_id, status, sub)`,
		`CREATE INDEX users_enabled_idx ON users (pool_id, enabled, sub)`,
		// ListGroupsForUser.
		`CREATE INDEX group_members_sub_idx ON group_members (pool_id, sub, group_name)`,
	}
	for _, stmt := range indexes {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

// migrate0002 adds the pools' signing keys. (pool_id, seq) is unique so that concurrent
// rotations of a pool, and concurrent first keys, end with one key.
func migrate0002(tx *gorm.DB) error {
	type signingKeys struct {
		PoolID        string    `gorm:"primaryKey"`
		ID            string    `gorm:"primaryKey"`
		Seq           int64     `gorm:"not null"`
		Algorithm     string    `gorm:"not null"`
		CreatedAt     time.Time `gorm:"not null;autoCreateTime:false"`
		PublishFrom   time.Time `gorm:"not null"`
		ActiveFrom    time.Time `gorm:"not null"`
		RetireAt      *time.Time
		DeleteAfter   *time.Time
		PrivateSealed string `gorm:"not null"`
		PublicJWK     string `gorm:"column:public_jwk;not null"`
	}
	if err := tx.Table("signing_keys").Migrator().CreateTable(&signingKeys{}); err != nil {
		return fmt.Errorf("create table signing_keys: %w", err)
	}
	if err := tx.Exec(`CREATE UNIQUE INDEX signing_keys_pool_seq_uq ON signing_keys (pool_id, seq)`).Error; err != nil {
		return fmt.Errorf("create index signing_keys_pool_seq_uq: %w", err)
	}
	return nil
}
