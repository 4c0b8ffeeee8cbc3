package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/userpool/userpool/audit"
)

var _ audit.Store = (*Store)(nil)

// migrate0014Audit adds the audit trail. It is not in DeletePool's list: a pool's records
// outlive it, so that its deletion stays on record. The indexes serve the newest-first page,
// alone or filtered by pool or actor.
func migrate0014Audit(tx *gorm.DB) error {
	type auditRecords struct {
		ID        string    `gorm:"primaryKey"`
		At        time.Time `gorm:"not null"`
		ActorKind string    `gorm:"not null"`
		Actor     string    `gorm:"not null"`
		Action    string    `gorm:"not null"`
		PoolID    string    `gorm:"not null"`
		Target    string    `gorm:"not null"`
		Outcome   string    `gorm:"not null"`
	}
	if err := tx.Table("audit_records").Migrator().CreateTable(&auditRecords{}); err != nil {
		return fmt.Errorf("create table audit_records: %w", err)
	}
	for _, stmt := range []string{
		`CREATE INDEX audit_records_at_idx ON audit_records (at, id)`,
		`CREATE INDEX audit_records_pool_idx ON audit_records (pool_id, at, id)`,
		`CREATE INDEX audit_records_actor_idx ON audit_records (actor, at, id)`,
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

type auditRow struct {
	ID        string `gorm:"primaryKey"`
	At        time.Time
	ActorKind string
	Actor     string
	Action    string
	PoolID    string
	Target    string
	Outcome   string
}

func (auditRow) TableName() string { return "audit_records" }

func (s *Store) AddAuditRecord(ctx context.Context, r *audit.Record) error {
	row := auditRow{ID: r.ID, At: normTime(r.At), ActorKind: r.ActorKind, Actor: r.Actor, Action: r.Action,
		PoolID: r.PoolID, Target: r.Target, Outcome: r.Outcome}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("add audit record: %w", err)
	}
	return nil
}

// ListAuditRecords pages through the records matching q, newest first.
func (s *Store) ListAuditRecords(ctx context.Context, q audit.Query) ([]*audit.Record, string, error) {
	after, err := decodeCursor(q.Cursor, "audit")
	if err != nil {
		return nil, "", err
	}
	limit := q.Limit
	if limit <= 0 || limit > audit.MaxLimit {
		limit = audit.MaxLimit
	}
	db := s.db.WithContext(ctx).Model(&auditRow{})
	for col, v := range map[string]string{"pool_id": q.PoolID, "actor": q.Actor, "action": q.Action} {
		if v != "" {
			db = db.Where(col+" = ?", v)
		}
	}
	if !q.From.IsZero() {
		db = db.Where("at >= ?", normTime(q.From))
	}
	if !q.To.IsZero() {
		db = db.Where("at < ?", normTime(q.To))
	}
	if after.Key != "" {
		at, err := time.Parse(time.RFC3339Nano, after.Value)
		if err != nil {
			return nil, "", errBadToken
		}
		db = db.Where("at < ? OR (at = ? AND id < ?)", at, at, after.Key)
	}
	var rows []auditRow
	if err := db.Order("at DESC, id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list audit records: %w", err)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = encodeCursor(cursor{Field: "audit", Value: last.At.UTC().Format(time.RFC3339Nano), Key: last.ID})
	}
	out := make([]*audit.Record, len(rows))
	for i, r := range rows {
		out[i] = &audit.Record{ID: r.ID, At: r.At.UTC(), ActorKind: r.ActorKind, Actor: r.Actor, Action: r.Action,
			PoolID: r.PoolID, Target: r.Target, Outcome: r.Outcome}
	}
	return out, next, nil
}
