package storage

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/trigger"
)

var _ trigger.Store = (*Store)(nil)

// triggerSecretRow holds a trigger's signing secrets, sealed with the master key.
type triggerSecretRow struct {
	PoolID         string `gorm:"primaryKey"`
	Trigger        string `gorm:"primaryKey"`
	CurrentSealed  string
	PreviousSealed string
	PreviousUntil  *time.Time
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (triggerSecretRow) TableName() string { return "trigger_secrets" }

// triggerInvocationRow is one entry of a pool's trigger log.
type triggerInvocationRow struct {
	ID         string `gorm:"primaryKey"`
	PoolID     string
	Trigger    string
	Source     string
	Status     string
	HTTPStatus int `gorm:"column:http_status"`
	DurationMs int64
	Error      string
	Payload    string
	At         time.Time
}

func (triggerInvocationRow) TableName() string { return "trigger_invocations" }

// triggerLogRetention bounds the invocation log: older entries are deleted as new ones come.
const triggerLogRetention = 7 * 24 * time.Hour

// triggerSecretPurpose binds a sealed secret to its pool and trigger.
func triggerSecretPurpose(poolID, name string) string {
	return "trigger-secret/" + poolID + "/" + name
}

func (s *Store) TriggerSecrets(ctx context.Context, poolID, name string) (*trigger.Secrets, error) {
	var rows []triggerSecretRow
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND trigger = ?", poolID, name).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get trigger secret: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r, purpose := rows[0], triggerSecretPurpose(poolID, name)
	cur, err := s.sealer.Open(purpose, r.CurrentSealed)
	if err != nil {
		return nil, fmt.Errorf("open %s secret: %w", name, err)
	}
	out := &trigger.Secrets{Current: string(cur)}
	if r.PreviousSealed != "" && r.PreviousUntil != nil {
		prev, err := s.sealer.Open(purpose, r.PreviousSealed)
		if err != nil {
			return nil, fmt.Errorf("open previous %s secret: %w", name, err)
		}
		out.Previous, out.PreviousUntil = string(prev), r.PreviousUntil.UTC()
	}
	return out, nil
}

func (s *Store) SetTriggerSecret(ctx context.Context, poolID, name, secret string, previousUntil time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.requirePool(tx, poolID); err != nil {
			return err
		}
		return s.writeTriggerSecrets(tx, poolID, []pool.TriggerSecret{{Trigger: name, Secret: secret, PreviousUntil: previousUntil}})
	})
}

// writeTriggerSecrets makes each secret its trigger's current one, inside tx (the pool's
// transaction, or SetTriggerSecret's); the replaced secret keeps signing beside the new one
// until its PreviousUntil. An unknown trigger or an empty secret fails the whole transaction.
func (s *Store) writeTriggerSecrets(tx *gorm.DB, poolID string, secrets []pool.TriggerSecret) error {
	for _, ts := range secrets {
		if !slices.Contains(pool.Triggers, ts.Trigger) {
			return errs.New(errs.InvalidParameter, "%q is not a trigger.", ts.Trigger)
		}
		if ts.Secret == "" {
			return errs.New(errs.InvalidParameter, "The %s secret is empty.", ts.Trigger)
		}
		sealed := s.sealer.Seal(triggerSecretPurpose(poolID, ts.Trigger), []byte(ts.Secret))
		var rows []triggerSecretRow
		q := tx.Where("pool_id = ? AND trigger = ?", poolID, ts.Trigger)
		if s.driver == DriverPostgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Limit(1).Find(&rows).Error; err != nil {
			return fmt.Errorf("get trigger secret: %w", err)
		}
		if len(rows) == 0 {
			row := triggerSecretRow{PoolID: poolID, Trigger: ts.Trigger, CurrentSealed: sealed, UpdatedAt: now()}
			if err := tx.Create(&row).Error; err != nil {
				return fmt.Errorf("create %s secret: %w", ts.Trigger, err)
			}
			continue
		}
		err := tx.Model(&triggerSecretRow{}).Where("pool_id = ? AND trigger = ?", poolID, ts.Trigger).Updates(map[string]any{
			"current_sealed": sealed, "previous_sealed": rows[0].CurrentSealed, "previous_until": normTime(ts.PreviousUntil), "updated_at": now(),
		}).Error
		if err != nil {
			return fmt.Errorf("rotate %s secret: %w", ts.Trigger, err)
		}
	}
	return nil
}

func (s *Store) RecordTriggerInvocation(ctx context.Context, inv *trigger.Invocation) error {
	row := triggerInvocationRow{ID: inv.ID, PoolID: inv.PoolID, Trigger: inv.Trigger, Source: string(inv.Source),
		Status: string(inv.Status), HTTPStatus: inv.HTTPStatus, DurationMs: inv.Duration.Milliseconds(),
		Error: inv.Error, Payload: inv.Payload, At: normTime(inv.At)}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("record trigger invocation: %w", err)
		}
		if err := tx.Where("pool_id = ? AND at < ?", inv.PoolID, row.At.Add(-triggerLogRetention)).Delete(&triggerInvocationRow{}).Error; err != nil {
			return fmt.Errorf("prune trigger invocations: %w", err)
		}
		return nil
	})
}

func (s *Store) ListTriggerInvocations(ctx context.Context, poolID string, limit int) ([]*trigger.Invocation, error) {
	var rows []triggerInvocationRow
	if err := s.db.WithContext(ctx).Where("pool_id = ?", poolID).Order("at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list trigger invocations: %w", err)
	}
	out := make([]*trigger.Invocation, 0, len(rows))
	for _, r := range rows {
		out = append(out, &trigger.Invocation{ID: r.ID, PoolID: r.PoolID, Trigger: r.Trigger, Source: trigger.Source(r.Source),
			Status: trigger.Status(r.Status), HTTPStatus: r.HTTPStatus, Duration: time.Duration(r.DurationMs) * time.Millisecond,
			Error: r.Error, Payload: r.Payload, At: r.At.UTC()})
	}
	return out, nil
}

// migrate0011Triggers adds the triggers' secrets and invocation log.
func migrate0011Triggers(tx *gorm.DB) error {
	type triggerSecrets struct {
		PoolID         string `gorm:"primaryKey"`
		Trigger        string `gorm:"primaryKey"`
		CurrentSealed  string `gorm:"not null"`
		PreviousSealed string `gorm:"not null;default:''"`
		PreviousUntil  *time.Time
		UpdatedAt      time.Time `gorm:"not null;autoUpdateTime:false"`
	}
	type triggerInvocations struct {
		ID         string    `gorm:"primaryKey"`
		PoolID     string    `gorm:"not null"`
		Trigger    string    `gorm:"not null"`
		Source     string    `gorm:"not null"`
		Status     string    `gorm:"not null"`
		HTTPStatus int       `gorm:"column:http_status;not null"`
		DurationMs int64     `gorm:"not null"`
		Error      string    `gorm:"not null"`
		Payload    string    `gorm:"not null"`
		At         time.Time `gorm:"not null"`
	}
	if err := tx.Table("trigger_secrets").Migrator().CreateTable(&triggerSecrets{}); err != nil {
		return fmt.Errorf("create table trigger_secrets: %w", err)
	}
	if err := tx.Table("trigger_invocations").Migrator().CreateTable(&triggerInvocations{}); err != nil {
		return fmt.Errorf("create table trigger_invocations: %w", err)
	}
	if err := tx.Exec(`CREATE INDEX trigger_invocations_pool_at_idx ON trigger_invocations (pool_id, at)`).Error; err != nil {
		return fmt.Errorf("create index trigger_invocations_pool_at_idx: %w", err)
	}
	return nil
}
