package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/user"
)

// MigrationIDs lists the ids of all migrations, in order.
func MigrationIDs() []string {
	ids := make([]string, len(migrations))
	for i, m := range migrations {
		ids[i] = m.ID
	}
	return ids
}

// GormDB exposes the connection to the storage package's external tests (raw checks, seeding).
func GormDB(s *Store) *gorm.DB { return s.db }

// ExplainListUsers returns the database's query plan for ListUsers(poolID, q). With
// noSeqScan, PostgreSQL is told to avoid sequential scans, so that on a small table the plan
// shows whether an index can serve the query (and its order) at all.
func ExplainListUsers(ctx context.Context, s *Store, poolID string, q user.Query, noSeqScan bool) (string, error) {
	stmt, _, err := s.listUsersQuery(s.db.WithContext(ctx), poolID, q)
	if err != nil {
		return "", err
	}
	var rows []userRow
	st := stmt.Session(&gorm.Session{DryRun: true}).Find(&rows).Statement
	return Explain(ctx, s, st.SQL.String(), st.Vars, noSeqScan)
}

// Explain returns the database's plan for the statement query (nothing runs: the plan is
// read in a transaction that is rolled back), noSeqScan as for ExplainListUsers.
func Explain(ctx context.Context, s *Store, query string, vars []any, noSeqScan bool) (string, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return "", err
	}
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer func() { _ = tx.Rollback() }()
	explain := "EXPLAIN QUERY PLAN "
	if s.driver == DriverPostgres {
		explain = "EXPLAIN "
		if noSeqScan {
			if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				return "", err
			}
		}
		// database/sql's PostgreSQL driver numbers its parameters.
		for i := 1; strings.Contains(query, "?"); i++ {
			query = strings.Replace(query, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	res, err := tx.QueryContext(ctx, explain+query, vars...)
	if err != nil {
		return "", fmt.Errorf("explain %s: %w", query, err)
	}
	defer res.Close()
	cols, err := res.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for res.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := res.Scan(ptrs...); err != nil {
			return "", err
		}
		// SQLite's plan has (id, parent, notused, detail); PostgreSQL's one text column.
		b.WriteString(vals[len(vals)-1].String)
		b.WriteString("\n")
	}
	return b.String(), res.Err()
}

// PageGroupNames pages a pool's group names through the keyset helper, so that tests can
// exercise it directly (the List* methods exercise it through their conversions).
func PageGroupNames(ctx context.Context, s *Store, poolID, field, after string, limit int) ([]string, string, error) {
	k, err := newKeyset(pool.Page{After: after, Limit: limit}, field, "name")
	if err != nil {
		return nil, "", err
	}
	rows, next, err := findPage(s.db.WithContext(ctx).Where("pool_id = ?", poolID), k, groupName)
	names := make([]string, len(rows))
	for i := range rows {
		names[i] = rows[i].Name
	}
	return names, next, err
}
