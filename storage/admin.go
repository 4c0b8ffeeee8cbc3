package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/user"
)

var (
	_ session.OperatorStore = (*Store)(nil)
	_ user.ActivityStore    = (*Store)(nil)
)

// dayFormat is how activity days are stored: a UTC date that sorts as text on both databases.
const dayFormat = "2006-01-02"

// migrate0010Admin adds what the admin console needs: the operators' console sessions and the
// daily sign-up and sign-in counters of its charts.
func migrate0010Admin(tx *gorm.DB) error {
	type operatorSessions struct {
		PoolID     string    `gorm:"primaryKey"`
		IDHash     string    `gorm:"primaryKey"`
		Sub        string    `gorm:"not null"`
		Username   string    `gorm:"not null"`
		CreatedAt  time.Time `gorm:"not null;autoCreateTime:false"`
		LastSeenAt time.Time `gorm:"not null"`
		ExpiresAt  time.Time `gorm:"not null"`
	}
	type activityDaily struct {
		PoolID        string `gorm:"primaryKey"`
		Day           string `gorm:"primaryKey"`
		SignUps       int64  `gorm:"not null"`
		SignIns       int64  `gorm:"not null"`
		FailedSignIns int64  `gorm:"not null"`
	}
	if err := tx.Table("operator_sessions").Migrator().CreateTable(&operatorSessions{}); err != nil {
		return fmt.Errorf("create table operator_sessions: %w", err)
	}
	if err := tx.Table("activity_daily").Migrator().CreateTable(&activityDaily{}); err != nil {
		return fmt.Errorf("create table activity_daily: %w", err)
	}
	if tx.Dialector.Name() == "postgres" {
		if err := tx.Exec(`ALTER TABLE activity_daily ALTER COLUMN day TYPE text COLLATE "C"`).Error; err != nil {
			return fmt.Errorf("collate activity_daily.day: %w", err)
		}
	}
	return nil
}

type operatorSessionRow struct {
	PoolID     string `gorm:"primaryKey"`
	IDHash     string `gorm:"primaryKey"`
	Sub        string
	Username   string
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

func (operatorSessionRow) TableName() string { return "operator_sessions" }

// CreateOperatorSession implements session.OperatorStore.
func (s *Store) CreateOperatorSession(ctx context.Context, os *session.OperatorSession) error {
	row := operatorSessionRow{PoolID: os.PoolID, IDHash: os.IDHash, Sub: os.Sub, Username: os.Username,
		CreatedAt: normTime(os.CreatedAt), LastSeenAt: normTime(os.LastSeenAt), ExpiresAt: normTime(os.ExpiresAt)}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create operator session: %w", err)
	}
	return nil
}

// GetOperatorSession implements session.OperatorStore.
func (s *Store) GetOperatorSession(ctx context.Context, poolID, idHash string) (*session.OperatorSession, error) {
	var rows []operatorSessionRow
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND id_hash = ?", poolID, idHash).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get operator session: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	return &session.OperatorSession{IDHash: r.IDHash, PoolID: r.PoolID, Sub: r.Sub, Username: r.Username,
		CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}, nil
}

// TouchOperatorSession implements session.OperatorStore.
func (s *Store) TouchOperatorSession(ctx context.Context, poolID, idHash string, at time.Time) error {
	if err := s.db.WithContext(ctx).Model(&operatorSessionRow{}).Where("pool_id = ? AND id_hash = ?", poolID, idHash).
		Update("last_seen_at", normTime(at)).Error; err != nil {
		return fmt.Errorf("touch operator session: %w", err)
	}
	return nil
}

// DeleteOperatorSession implements session.OperatorStore.
func (s *Store) DeleteOperatorSession(ctx context.Context, poolID, idHash string) error {
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND id_hash = ?", poolID, idHash).Delete(&operatorSessionRow{}).Error; err != nil {
		return fmt.Errorf("delete operator session: %w", err)
	}
	return nil
}

// DeleteOperatorSessions implements session.OperatorStore.
func (s *Store) DeleteOperatorSessions(ctx context.Context, poolID, sub string) error {
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND sub = ?", poolID, sub).Delete(&operatorSessionRow{}).Error; err != nil {
		return fmt.Errorf("delete operator sessions: %w", err)
	}
	return nil
}

// DeleteExpiredOperatorSessions implements session.OperatorStore.
func (s *Store) DeleteExpiredOperatorSessions(ctx context.Context, poolID string, t, idleBefore time.Time) error {
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND (expires_at < ? OR last_seen_at < ?)", poolID, normTime(t), normTime(idleBefore)).
		Delete(&operatorSessionRow{}).Error; err != nil {
		return fmt.Errorf("delete expired operator sessions: %w", err)
	}
	return nil
}

// addActivity adds to a pool's counters of the UTC day of at, inside tx.
func addActivity(tx *gorm.DB, poolID string, at time.Time, signUps, signIns, failed int64) error {
	err := tx.Exec(`INSERT INTO activity_daily (pool_id, day, sign_ups, sign_ins, failed_sign_ins) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (pool_id, day) DO UPDATE SET sign_ups = activity_daily.sign_ups + excluded.sign_ups,
sign_ins = activity_daily.sign_ins + excluded.sign_ins, failed_sign_ins = activity_daily.failed_sign_ins + excluded.failed_sign_ins`,
		poolID, at.UTC().Format(dayFormat), signUps, signIns, failed).Error
	if err != nil {
		return fmt.Errorf("count activity: %w", err)
	}
	return nil
}

// RecordSignIn implements user.ActivityStore.
func (s *Store) RecordSignIn(ctx context.Context, poolID string, at time.Time, ok bool) error {
	if ok {
		return addActivity(s.db.WithContext(ctx), poolID, at, 0, 1, 0)
	}
	return addActivity(s.db.WithContext(ctx), poolID, at, 0, 0, 1)
}

// ListActivity implements user.ActivityStore.
func (s *Store) ListActivity(ctx context.Context, poolID string, from, to time.Time) ([]user.DayActivity, error) {
	var rows []struct {
		Day                             string
		SignUps, SignIns, FailedSignIns int64
	}
	if err := s.db.WithContext(ctx).Table("activity_daily").Where("pool_id = ? AND day >= ? AND day <= ?",
		poolID, from.UTC().Format(dayFormat), to.UTC().Format(dayFormat)).Order("day").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list activity: %w", err)
	}
	out := make([]user.DayActivity, 0, len(rows))
	for _, r := range rows {
		d, err := time.Parse(dayFormat, r.Day)
		if err != nil {
			return nil, fmt.Errorf("list activity: bad day %q: %w", r.Day, err)
		}
		out = append(out, user.DayActivity{Day: d, SignUps: r.SignUps, SignIns: r.SignIns, FailedSignIns: r.FailedSignIns})
	}
	return out, nil
}

// SetClientSecret implements pool.Store.
func (s *Store) SetClientSecret(ctx context.Context, poolID, clientID, secret string) error {
	res := s.db.WithContext(ctx).Model(&clientRow{}).Where("pool_id = ? AND client_id = ?", poolID, clientID).
		Updates(map[string]any{"secret_sealed": s.sealer.Seal(clientSecretPurpose(poolID, clientID), []byte(secret)), "updated_at": now()})
	if res.Error != nil {
		return fmt.Errorf("set client secret: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return clientNotFound(clientID)
	}
	return nil
}

// RevokeClientTokens implements session.Store.
func (s *Store) RevokeClientTokens(ctx context.Context, poolID, clientID string, at time.Time) (int64, error) {
	t := normTime(at)
	var n int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&familyRow{}).Where("pool_id = ? AND client_id = ? AND revoked_at IS NULL", poolID, clientID).Update("revoked_at", t)
		if res.Error != nil {
			return fmt.Errorf("revoke client's token families: %w", res.Error)
		}
		n = res.RowsAffected
		if err := tx.Model(&refreshTokenRow{}).Where("pool_id = ? AND client_id = ? AND revoked_at IS NULL", poolID, clientID).
			Update("revoked_at", t).Error; err != nil {
			return fmt.Errorf("revoke client's refresh tokens: %w", err)
		}
		return nil
	})
	return n, err
}
