package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/userpool/userpool/session"
)

type challengeRow struct {
	PoolID    string `gorm:"primaryKey"`
	IDHash    string `gorm:"primaryKey"`
	ClientID  string
	Sub       string
	Username  string
	Typed     string
	Name      string
	State     string
	AuthTime  time.Time
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt time.Time
}

func (challengeRow) TableName() string { return "challenges" }

// migrate0007Challenges adds the Cognito API's sign-in challenges (its Session strings) and
// an index to find app clients by id alone.
func migrate0007Challenges(tx *gorm.DB) error {
	type challenges struct {
		PoolID    string    `gorm:"primaryKey"`
		IDHash    string    `gorm:"primaryKey"`
		ClientID  string    `gorm:"not null"`
		Sub       string    `gorm:"not null"`
		Username  string    `gorm:"not null"`
		Typed     string    `gorm:"not null"`
		Name      string    `gorm:"not null"`
		State     string    `gorm:"not null"`
		AuthTime  time.Time `gorm:"not null"`
		CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
		ExpiresAt time.Time `gorm:"not null"`
	}
	if err := tx.Table("challenges").Migrator().CreateTable(&challenges{}); err != nil {
		return fmt.Errorf("create table challenges: %w", err)
	}
	for _, stmt := range []string{
		`CREATE INDEX challenges_expires_idx ON challenges (pool_id, expires_at)`,
		// The public actions find an app client by its id alone.
		`CREATE INDEX clients_client_id_idx ON clients (client_id)`,
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

// CreateChallenge implements session.ChallengeStore.
func (s *Store) CreateChallenge(ctx context.Context, c *session.Challenge) error {
	row := challengeRow{PoolID: c.PoolID, IDHash: c.IDHash, ClientID: c.ClientID, Sub: c.Sub, Username: c.Username,
		Typed: c.Typed, Name: c.Name, State: c.State, AuthTime: normTime(c.AuthTime), CreatedAt: normTime(c.CreatedAt),
		ExpiresAt: normTime(c.ExpiresAt)}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Expired challenges of the pool go when a new one comes, so the table does not grow.
		if err := tx.Where("pool_id = ? AND expires_at < ?", c.PoolID, normTime(c.CreatedAt)).Delete(&challengeRow{}).Error; err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("create challenge: %w", err)
	}
	return nil
}

// TakeChallenge implements session.ChallengeStore: the delete decides which of concurrent
// callers gets the challenge.
func (s *Store) TakeChallenge(ctx context.Context, poolID, idHash string, now time.Time) (*session.Challenge, error) {
	db := s.db.WithContext(ctx)
	var rows []challengeRow
	if err := db.Where("pool_id = ? AND id_hash = ?", poolID, idHash).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("take challenge: %w", err)
	}
	if len(rows) == 0 {
		return nil, session.ErrNotFound
	}
	res := db.Where("pool_id = ? AND id_hash = ?", poolID, idHash).Delete(&challengeRow{})
	if res.Error != nil {
		return nil, fmt.Errorf("take challenge: %w", res.Error)
	}
	r := rows[0]
	if res.RowsAffected == 0 || !normTime(now).Before(r.ExpiresAt) {
		return nil, session.ErrNotFound
	}
	return &session.Challenge{IDHash: r.IDHash, PoolID: r.PoolID, ClientID: r.ClientID, Sub: r.Sub, Username: r.Username,
		Typed: r.Typed, Name: r.Name, State: r.State, AuthTime: r.AuthTime.UTC(), CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: r.ExpiresAt.UTC()}, nil
}
