package storage

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// constraint names one unique constraint as each driver reports it: PostgreSQL by constraint
// (index) name, SQLite by the columns in "UNIQUE constraint failed: t.a, t.b".
type constraint struct {
	pg     string
	sqlite string
}

var (
	uqPool           = constraint{"pools_pkey", "pools.id"}
	uqClient         = constraint{"clients_pkey", "clients.pool_id, clients.client_id"}
	uqGroup          = constraint{"user_groups_pkey", "user_groups.pool_id, user_groups.name"}
	uqResourceServer = constraint{"resource_servers_pkey", "resource_servers.pool_id, resource_servers.identifier"}
	uqAccessKey      = constraint{"access_keys_pkey", "access_keys.id"}
	uqUserSub        = constraint{"users_pkey", "users.pool_id, users.sub"}
	uqUsername       = constraint{"users_username_key_uq", "users.pool_id, users.username_key"}
	uqAlias          = map[string]constraint{
		"email":              {"users_email_key_uq", "users.pool_id, users.email_key"},
		"phone_number":       {"users_phone_number_key_uq", "users.pool_id, users.phone_number_key"},
		"preferred_username": {"users_preferred_username_key_uq", "users.pool_id, users.preferred_username_key"},
	}
)

// violates reports whether err is a unique violation of c.
func violates(err error, c constraint) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505" && pgErr.ConstraintName == c.pg
	}
	msg := err.Error()
	i := strings.Index(msg, "UNIQUE constraint failed: ")
	if i < 0 {
		return false
	}
	cols := msg[i+len("UNIQUE constraint failed: "):]
	// The driver may append " (2067)" after the column list.
	if j := strings.Index(cols, " ("); j >= 0 {
		cols = cols[:j]
	}
	return cols == c.sqlite
}
