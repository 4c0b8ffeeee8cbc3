package storage

import (
	"context"
	"fmt"
	"time"
)

// The failed sign-in counters of user.FailureStore (table signin_failures, migration 0004).

type signinFailureRow struct {
	PoolID        string `gorm:"primaryKey"`
	Sub           string `gorm:"primaryKey"`
	Failures      int
	LastFailureAt time.Time
}

func (signinFailureRow) TableName() string { return "signin_failures" }

// SignInFailures implements user.FailureStore.
func (s *Store) SignInFailures(ctx context.Context, poolID, sub string) (int, time.Time, error) {
	var rows []signinFailureRow
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND sub = ?", poolID, sub).Limit(1).Find(&rows).Error; err != nil {
		return 0, time.Time{}, fmt.Errorf("read sign-in failures: %w", err)
	}
	if len(rows) == 0 {
		return 0, time.Time{}, nil
	}
	return rows[0].Failures, rows[0].LastFailureAt.UTC(), nil
}

// AddSignInFailure implements user.FailureStore with one upsert, so that concurrent failures
// in several processes are all counted.
func (s *Store) AddSignInFailure(ctx context.Context, poolID, sub string, at, staleBefore time.Time) (int, error) {
	var count int
	err := s.db.WithContext(ctx).Raw(`INSERT INTO signin_failures (pool_id, sub, failures, last_failure_at) VALUES (?, ?, 1, ?)
ON CONFLICT (pool_id, sub) DO UPDATE SET
	failures = CASE WHEN signin_failures.last_failure_at <= ? THEN 1 ELSE signin_failures.failures + 1 END,
	last_failure_at = excluded.last_failure_at
RETURNING failures`, poolID, sub, normTime(at), normTime(staleBefore)).Scan(&count).Error
	if err != nil {
		return 0, fmt.Errorf("count sign-in failure: %w", err)
	}
	return count, nil
}

// ResetSignInFailures implements user.FailureStore.
func (s *Store) ResetSignInFailures(ctx context.Context, poolID, sub string) error {
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND sub = ?", poolID, sub).Delete(&signinFailureRow{}).Error; err != nil {
		return fmt.Errorf("reset sign-in failures: %w", err)
	}
	return nil
}
