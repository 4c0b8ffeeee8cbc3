package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/userpool/userpool/user"
)

var _ user.CodeStore = (*Store)(nil)

// codeRow is a user's one-time code for one purpose: its keyed hash, never the code.
type codeRow struct {
	PoolID      string `gorm:"primaryKey"`
	Sub         string `gorm:"primaryKey"`
	Purpose     string `gorm:"primaryKey"`
	Hash        string
	Value       string
	Destination string
	Attempts    int
	ExpiresAt   time.Time
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
}

func (codeRow) TableName() string { return "codes" }

// codeSendRow records one code sent, for the send throttle: the counters live in the database
// so that every server process sees the same counts.
type codeSendRow struct {
	ID          string `gorm:"primaryKey"`
	PoolID      string
	Sub         string
	Purpose     string
	Destination string
	SentAt      time.Time
}

func (codeSendRow) TableName() string { return "code_sends" }

func (r *codeRow) toCode() *user.Code {
	return &user.Code{
		PoolID: r.PoolID, Sub: r.Sub, Purpose: user.Purpose(r.Purpose), Hash: r.Hash, Value: r.Value,
		Destination: r.Destination, Attempts: r.Attempts, ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC(),
	}
}

// WriteEffects writes fx for an existing user.
func (s *Store) WriteEffects(ctx context.Context, poolID, sub string, fx user.Effects) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ok, err := s.exists(tx, true, &userRow{}, "pool_id = ? AND sub = ?", poolID, sub)
		if err != nil {
			return fmt.Errorf("find user: %w", err)
		}
		if !ok {
			return errUserNotFound
		}
		return s.writeEffects(tx, poolID, sub, fx)
	})
}

// xactLock takes a PostgreSQL advisory lock on key until tx ends (SQLite's immediate
// transactions already serialise writers).
func (s *Store) xactLock(tx *gorm.DB, key string) error {
	if s.driver != DriverPostgres {
		return nil
	}
	if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", key).Error; err != nil {
		return fmt.Errorf("lock %s: %w", key, err)
	}
	return nil
}

// writeEffects writes codes, deletions and messages inside tx, after checking the throttle.
func (s *Store) writeEffects(tx *gorm.DB, poolID, sub string, fx user.Effects) error {
	for _, p := range fx.DeleteCodes {
		if err := tx.Where("pool_id = ? AND sub = ? AND purpose = ?", poolID, sub, string(p)).Delete(&codeRow{}).Error; err != nil {
			return fmt.Errorf("delete code: %w", err)
		}
	}
	for _, c := range fx.Codes {
		if c.PoolID != poolID || c.Sub != sub {
			return fmt.Errorf("write code: the code belongs to %s/%s, not %s/%s", c.PoolID, c.Sub, poolID, sub)
		}
		if fx.Throttle != nil {
			if err := s.checkThrottle(tx, c, fx.Throttle); err != nil {
				return err
			}
		}
		if err := tx.Where("pool_id = ? AND sub = ? AND purpose = ?", poolID, sub, string(c.Purpose)).Delete(&codeRow{}).Error; err != nil {
			return fmt.Errorf("replace code: %w", err)
		}
		row := &codeRow{PoolID: poolID, Sub: sub, Purpose: string(c.Purpose), Hash: c.Hash, Value: c.Value,
			Destination: c.Destination, Attempts: c.Attempts, ExpiresAt: normTime(c.ExpiresAt), CreatedAt: normTime(c.CreatedAt)}
		if err := tx.Create(row).Error; err != nil {
			return fmt.Errorf("write code: %w", err)
		}
		if err := tx.Create(&codeSendRow{ID: randomID(), PoolID: poolID, Sub: sub, Purpose: string(c.Purpose),
			Destination: c.Destination, SentAt: normTime(c.CreatedAt)}).Error; err != nil {
			return fmt.Errorf("record code send: %w", err)
		}
	}
	return s.insertMessages(tx, fx.Messages...)
}

// checkThrottle counts the recent sends of c's purpose to its user and its destination, under
// locks on both so that concurrent sends are counted one after the other, and asks the domain.
// Sends older than the window are pruned on the way.
func (s *Store) checkThrottle(tx *gorm.DB, c *user.Code, t *user.Throttle) error {
	for _, key := range []string{"code-user:" + c.PoolID + ":" + c.Sub, "code-destination:" + c.PoolID + ":" + c.Destination} {
		if err := s.xactLock(tx, key); err != nil {
			return err
		}
	}
	since := normTime(t.Since)
	if err := tx.Where("pool_id = ? AND sent_at < ?", c.PoolID, since).Delete(&codeSendRow{}).Error; err != nil {
		return fmt.Errorf("prune code sends: %w", err)
	}
	var toUser, toDestination int64
	if err := tx.Model(&codeSendRow{}).Where("pool_id = ? AND sub = ? AND purpose = ? AND sent_at >= ?",
		c.PoolID, c.Sub, string(c.Purpose), since).Count(&toUser).Error; err != nil {
		return fmt.Errorf("count code sends: %w", err)
	}
	if err := tx.Model(&codeSendRow{}).Where("pool_id = ? AND destination = ? AND purpose = ? AND sent_at >= ?",
		c.PoolID, c.Destination, string(c.Purpose), since).Count(&toDestination).Error; err != nil {
		return fmt.Errorf("count code sends: %w", err)
	}
	return t.Allow(int(toUser), int(toDestination))
}

// GetCode returns the user's code for purpose, or nil.
func (s *Store) GetCode(ctx context.Context, poolID, sub string, purpose user.Purpose) (*user.Code, error) {
	var rows []codeRow
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND sub = ? AND purpose = ?", poolID, sub, string(purpose)).
		Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get code: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0].toCode(), nil
}

// CheckCode runs check on the locked code and writes its outcome (consumed, or a new attempt
// count) in the same transaction, which commits even when check fails: a wrong try counts.
func (s *Store) CheckCode(ctx context.Context, poolID, sub string, purpose user.Purpose, check func(c *user.Code) (bool, error)) error {
	var checkErr error
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("pool_id = ? AND sub = ? AND purpose = ?", poolID, sub, string(purpose))
		if s.driver == DriverPostgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var rows []codeRow
		if err := q.Limit(1).Find(&rows).Error; err != nil {
			return fmt.Errorf("get code: %w", err)
		}
		var c *user.Code
		if len(rows) > 0 {
			c = rows[0].toCode()
		}
		consume, err := check(c)
		checkErr = err
		if c == nil {
			return nil
		}
		where := tx.Model(&codeRow{}).Where("pool_id = ? AND sub = ? AND purpose = ?", poolID, sub, string(purpose))
		switch {
		case consume:
			if err := where.Delete(&codeRow{}).Error; err != nil {
				return fmt.Errorf("consume code: %w", err)
			}
		case c.Attempts != rows[0].Attempts:
			if err := where.Update("attempts", c.Attempts).Error; err != nil {
				return fmt.Errorf("count code attempt: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return checkErr
}

// deleteUserCodes removes a deleted user's codes and send records.
func deleteUserCodes(tx *gorm.DB, poolID, sub string) error {
	if err := tx.Where("pool_id = ? AND sub = ?", poolID, sub).Delete(&codeRow{}).Error; err != nil {
		return fmt.Errorf("delete user's codes: %w", err)
	}
	if err := tx.Where("pool_id = ? AND sub = ?", poolID, sub).Delete(&codeSendRow{}).Error; err != nil {
		return fmt.Errorf("delete user's code sends: %w", err)
	}
	return nil
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// migrate0006Codes adds one-time codes and the send records of their throttle.
func migrate0006Codes(tx *gorm.DB) error {
	type codes struct {
		PoolID      string    `gorm:"primaryKey"`
		Sub         string    `gorm:"primaryKey"`
		Purpose     string    `gorm:"primaryKey"`
		Hash        string    `gorm:"not null"`
		Value       string    `gorm:"not null"`
		Destination string    `gorm:"not null"`
		Attempts    int       `gorm:"not null"`
		ExpiresAt   time.Time `gorm:"not null"`
		CreatedAt   time.Time `gorm:"not null;autoCreateTime:false"`
	}
	type codeSends struct {
		ID          string    `gorm:"primaryKey"`
		PoolID      string    `gorm:"not null"`
		Sub         string    `gorm:"not null"`
		Purpose     string    `gorm:"not null"`
		Destination string    `gorm:"not null"`
		SentAt      time.Time `gorm:"not null"`
	}
	if err := tx.Table("codes").Migrator().CreateTable(&codes{}); err != nil {
		return fmt.Errorf("create table codes: %w", err)
	}
	if err := tx.Table("code_sends").Migrator().CreateTable(&codeSends{}); err != nil {
		return fmt.Errorf("create table code_sends: %w", err)
	}
	for _, stmt := range []string{
		`CREATE INDEX code_sends_user_idx ON code_sends (pool_id, sub, purpose, sent_at)`,
		`CREATE INDEX code_sends_destination_idx ON code_sends (pool_id, destination, purpose, sent_at)`,
		`CREATE INDEX code_sends_age_idx ON code_sends (pool_id, sent_at)`,
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}
