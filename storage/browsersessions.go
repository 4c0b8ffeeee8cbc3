package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/userpool/userpool/session"
)

type browserSessionRow struct {
	PoolID    string `gorm:"primaryKey"`
	IDHash    string `gorm:"primaryKey"`
	Sub       string
	AuthTime  time.Time
	AMR       string    `gorm:"column:amr"` // []string as JSON
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt time.Time
}

func (browserSessionRow) TableName() string { return "browser_sessions" }

// migrate0004SignIn adds the SSO sessions of the hosted pages and the failed sign-in counters
// of the lockout.
func migrate0004SignIn(tx *gorm.DB) error {
	type browserSessions struct {
		PoolID    string    `gorm:"primaryKey"`
		IDHash    string    `gorm:"primaryKey"`
		Sub       string    `gorm:"not null"`
		AuthTime  time.Time `gorm:"not null"`
		AMR       string    `gorm:"column:amr;not null"`
		CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
		ExpiresAt time.Time `gorm:"not null"`
	}
	type signinFailures struct {
		PoolID        string    `gorm:"primaryKey"`
		Sub           string    `gorm:"primaryKey"`
		Failures      int       `gorm:"not null"`
		LastFailureAt time.Time `gorm:"not null"`
	}
	if err := tx.Table("browser_sessions").Migrator().CreateTable(&browserSessions{}); err != nil {
		return fmt.Errorf("create table browser_sessions: %w", err)
	}
	if err := tx.Exec(`CREATE INDEX browser_sessions_expires_idx ON browser_sessions (pool_id, expires_at)`).Error; err != nil {
		return fmt.Errorf("create index browser_sessions_expires_idx: %w", err)
	}
	if err := tx.Table("signin_failures").Migrator().CreateTable(&signinFailures{}); err != nil {
		return fmt.Errorf("create table signin_failures: %w", err)
	}
	return nil
}

// CreateBrowserSession implements session.BrowserStore.
func (s *Store) CreateBrowserSession(ctx context.Context, bs *session.BrowserSession) error {
	amr, err := json.Marshal(bs.AMR)
	if err != nil {
		return fmt.Errorf("create browser session: %w", err)
	}
	row := browserSessionRow{PoolID: bs.PoolID, IDHash: bs.IDHash, Sub: bs.Sub, AuthTime: normTime(bs.AuthTime),
		AMR: string(amr), CreatedAt: normTime(bs.CreatedAt), ExpiresAt: normTime(bs.ExpiresAt)}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create browser session: %w", err)
	}
	return nil
}

// GetBrowserSession implements session.BrowserStore.
func (s *Store) GetBrowserSession(ctx context.Context, poolID, idHash string) (*session.BrowserSession, error) {
	var rows []browserSessionRow
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND id_hash = ?", poolID, idHash).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get browser session: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	bs := &session.BrowserSession{IDHash: r.IDHash, PoolID: r.PoolID, Sub: r.Sub, AuthTime: r.AuthTime.UTC(),
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
	if err := json.Unmarshal([]byte(r.AMR), &bs.AMR); err != nil {
		return nil, fmt.Errorf("get browser session: amr: %w", err)
	}
	return bs, nil
}

// DeleteBrowserSession implements session.BrowserStore.
func (s *Store) DeleteBrowserSession(ctx context.Context, poolID, idHash string) error {
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND id_hash = ?", poolID, idHash).Delete(&browserSessionRow{}).Error; err != nil {
		return fmt.Errorf("delete browser session: %w", err)
	}
	return nil
}

// DeleteExpiredBrowserSessions implements session.BrowserStore.
func (s *Store) DeleteExpiredBrowserSessions(ctx context.Context, poolID string, t time.Time) error {
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND expires_at < ?", poolID, normTime(t)).Delete(&browserSessionRow{}).Error; err != nil {
		return fmt.Errorf("delete expired browser sessions: %w", err)
	}
	return nil
}
