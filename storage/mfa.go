package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/userpool/userpool/mfa"
)

var _ mfa.Store = (*Store)(nil)

// The second factors of package mfa (migration 0012): authenticator secrets sealed with the
// master key, recovery codes as hashes, and the second-factor steps of sign-ins in progress.

type totpRow struct {
	PoolID        string `gorm:"primaryKey"`
	Sub           string `gorm:"primaryKey"`
	SecretSealed  string
	PendingSealed string
	LastStep      int64
	UpdatedAt     time.Time `gorm:"autoUpdateTime:false"`
}

func (totpRow) TableName() string { return "mfa_totp" }

type recoveryCodeRow struct {
	PoolID    string    `gorm:"primaryKey"`
	Sub       string    `gorm:"primaryKey"`
	Hash      string    `gorm:"primaryKey"`
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
}

func (recoveryCodeRow) TableName() string { return "mfa_recovery_codes" }

type mfaAttemptRow struct {
	PoolID    string `gorm:"primaryKey"`
	ID        string `gorm:"primaryKey"`
	Sub       string
	Step      string
	Options   string // []mfa.Factor as JSON
	Factor    string
	Failures  int
	ExpiresAt time.Time
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
}

func (mfaAttemptRow) TableName() string { return "mfa_attempts" }

// totpPurpose binds a sealed secret to its pool and user, so that it cannot be moved to another.
func totpPurpose(poolID, sub string) string { return "totp:" + poolID + ":" + sub }

func (s *Store) sealTOTP(poolID, sub, secret string) string {
	if secret == "" {
		return ""
	}
	return s.sealer.Seal(totpPurpose(poolID, sub), []byte(secret))
}

func (s *Store) openTOTP(poolID, sub, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	pt, err := s.sealer.Open(totpPurpose(poolID, sub), sealed)
	if err != nil {
		return "", fmt.Errorf("open totp secret of %s/%s: %w", poolID, sub, err)
	}
	return string(pt), nil
}

// GetTOTP implements mfa.Store.
func (s *Store) GetTOTP(ctx context.Context, poolID, sub string) (*mfa.TOTP, error) {
	var rows []totpRow
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND sub = ?", poolID, sub).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get totp: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	t := &mfa.TOTP{PoolID: r.PoolID, Sub: r.Sub, LastStep: r.LastStep, UpdatedAt: r.UpdatedAt.UTC()}
	var err error
	if t.Secret, err = s.openTOTP(poolID, sub, r.SecretSealed); err != nil {
		return nil, err
	}
	if t.Pending, err = s.openTOTP(poolID, sub, r.PendingSealed); err != nil {
		return nil, err
	}
	return t, nil
}

// SetPendingTOTP implements mfa.Store.
func (s *Store) SetPendingTOTP(ctx context.Context, poolID, sub, secret string, at time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ok, err := s.exists(tx, true, &userRow{}, "pool_id = ? AND sub = ?", poolID, sub)
		if err != nil {
			return fmt.Errorf("find user: %w", err)
		}
		if !ok {
			return errUserNotFound
		}
		sealed := s.sealTOTP(poolID, sub, secret)
		res := tx.Model(&totpRow{}).Where("pool_id = ? AND sub = ?", poolID, sub).
			Updates(map[string]any{"pending_sealed": sealed, "updated_at": normTime(at)})
		if res.Error != nil {
			return fmt.Errorf("set pending totp: %w", res.Error)
		}
		if res.RowsAffected > 0 {
			return nil
		}
		if err := tx.Create(&totpRow{PoolID: poolID, Sub: sub, PendingSealed: sealed, UpdatedAt: normTime(at)}).Error; err != nil {
			return fmt.Errorf("set pending totp: %w", err)
		}
		return nil
	})
}

// ActivateTOTP implements mfa.Store.
func (s *Store) ActivateTOTP(ctx context.Context, poolID, sub, secret string, step int64, at time.Time) error {
	res := s.db.WithContext(ctx).Model(&totpRow{}).Where("pool_id = ? AND sub = ?", poolID, sub).Updates(map[string]any{
		"secret_sealed": s.sealTOTP(poolID, sub, secret), "pending_sealed": "", "last_step": step, "updated_at": normTime(at)})
	if res.Error != nil {
		return fmt.Errorf("activate totp: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("activate totp: no secret for %s/%s", poolID, sub)
	}
	return nil
}

// AcceptTOTPStep implements mfa.Store with one conditional update, so that of two concurrent
// uses of a code only one raises the step.
func (s *Store) AcceptTOTPStep(ctx context.Context, poolID, sub string, step int64) (bool, error) {
	res := s.db.WithContext(ctx).Model(&totpRow{}).Where("pool_id = ? AND sub = ? AND last_step < ?", poolID, sub, step).
		Update("last_step", step)
	if res.Error != nil {
		return false, fmt.Errorf("accept totp step: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReplaceRecoveryCodes implements mfa.Store.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, poolID, sub string, hashes []string, at time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ok, err := s.exists(tx, true, &userRow{}, "pool_id = ? AND sub = ?", poolID, sub)
		if err != nil {
			return fmt.Errorf("find user: %w", err)
		}
		if !ok {
			return errUserNotFound
		}
		if err := tx.Where("pool_id = ? AND sub = ?", poolID, sub).Delete(&recoveryCodeRow{}).Error; err != nil {
			return fmt.Errorf("delete recovery codes: %w", err)
		}
		rows := make([]recoveryCodeRow, len(hashes))
		for i, h := range hashes {
			rows[i] = recoveryCodeRow{PoolID: poolID, Sub: sub, Hash: h, CreatedAt: normTime(at)}
		}
		if len(rows) > 0 {
			if err := tx.Create(&rows).Error; err != nil {
				return fmt.Errorf("write recovery codes: %w", err)
			}
		}
		return nil
	})
}

// UseRecoveryCode implements mfa.Store: the delete itself decides, so a code is used once even
// by concurrent sign-ins.
func (s *Store) UseRecoveryCode(ctx context.Context, poolID, sub, hash string) (bool, error) {
	res := s.db.WithContext(ctx).Where("pool_id = ? AND sub = ? AND hash = ?", poolID, sub, hash).Delete(&recoveryCodeRow{})
	if res.Error != nil {
		return false, fmt.Errorf("use recovery code: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// CountRecoveryCodes implements mfa.Store.
func (s *Store) CountRecoveryCodes(ctx context.Context, poolID, sub string) (int, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&recoveryCodeRow{}).Where("pool_id = ? AND sub = ?", poolID, sub).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count recovery codes: %w", err)
	}
	return int(n), nil
}

// DeleteMFA implements mfa.Store.
func (s *Store) DeleteMFA(ctx context.Context, poolID, sub string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return deleteUserMFA(tx, poolID, sub)
	})
}

// deleteUserMFA removes a user's second factors (a reset, or a deleted user).
func deleteUserMFA(tx *gorm.DB, poolID, sub string) error {
	for _, model := range []any{&totpRow{}, &recoveryCodeRow{}, &mfaAttemptRow{}} {
		if err := tx.Where("pool_id = ? AND sub = ?", poolID, sub).Delete(model).Error; err != nil {
			return fmt.Errorf("delete user's mfa: %w", err)
		}
	}
	return nil
}

// CreateAttempt implements mfa.Store.
func (s *Store) CreateAttempt(ctx context.Context, a *mfa.Attempt) error {
	options, err := json.Marshal(a.Options)
	if err != nil {
		return fmt.Errorf("create mfa attempt: %w", err)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("pool_id = ? AND expires_at <= ?", a.PoolID, normTime(a.CreatedAt)).Delete(&mfaAttemptRow{}).Error; err != nil {
			return fmt.Errorf("prune mfa attempts: %w", err)
		}
		row := &mfaAttemptRow{PoolID: a.PoolID, ID: a.ID, Sub: a.Sub, Step: string(a.Step), Options: string(options),
			Factor: string(a.Factor), Failures: a.Failures, ExpiresAt: normTime(a.ExpiresAt), CreatedAt: normTime(a.CreatedAt)}
		if err := tx.Create(row).Error; err != nil {
			return fmt.Errorf("create mfa attempt: %w", err)
		}
		return nil
	})
}

// GetAttempt implements mfa.Store.
func (s *Store) GetAttempt(ctx context.Context, poolID, id string) (*mfa.Attempt, error) {
	var rows []mfaAttemptRow
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND id = ?", poolID, id).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get mfa attempt: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	a := &mfa.Attempt{PoolID: r.PoolID, ID: r.ID, Sub: r.Sub, Step: mfa.Step(r.Step), Factor: mfa.Factor(r.Factor),
		Failures: r.Failures, ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Options), &a.Options); err != nil {
		return nil, fmt.Errorf("decode mfa attempt options: %w", err)
	}
	return a, nil
}

// UpdateAttempt implements mfa.Store.
func (s *Store) UpdateAttempt(ctx context.Context, a *mfa.Attempt) error {
	options, err := json.Marshal(a.Options)
	if err != nil {
		return fmt.Errorf("update mfa attempt: %w", err)
	}
	res := s.db.WithContext(ctx).Model(&mfaAttemptRow{}).Where("pool_id = ? AND id = ?", a.PoolID, a.ID).
		Updates(map[string]any{"step": string(a.Step), "options": string(options), "factor": string(a.Factor)})
	if res.Error != nil {
		return fmt.Errorf("update mfa attempt: %w", res.Error)
	}
	return nil
}

// AddAttemptFailure implements mfa.Store with one atomic update.
func (s *Store) AddAttemptFailure(ctx context.Context, poolID, id string) (int, error) {
	var n int
	err := s.db.WithContext(ctx).Raw(`UPDATE mfa_attempts SET failures = failures + 1 WHERE pool_id = ? AND id = ? RETURNING failures`,
		poolID, id).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count mfa attempt failure: %w", err)
	}
	return n, nil
}

// DeleteAttempt implements mfa.Store.
func (s *Store) DeleteAttempt(ctx context.Context, poolID, id string) (bool, error) {
	res := s.db.WithContext(ctx).Where("pool_id = ? AND id = ?", poolID, id).Delete(&mfaAttemptRow{})
	if res.Error != nil {
		return false, fmt.Errorf("delete mfa attempt: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// migrate0012MFA adds authenticator secrets, recovery codes and second-factor attempts.
func migrate0012MFA(tx *gorm.DB) error {
	type mfaTotp struct {
		PoolID        string    `gorm:"primaryKey"`
		Sub           string    `gorm:"primaryKey"`
		SecretSealed  string    `gorm:"not null"`
		PendingSealed string    `gorm:"not null"`
		LastStep      int64     `gorm:"not null"`
		UpdatedAt     time.Time `gorm:"not null;autoUpdateTime:false"`
	}
	type mfaRecoveryCodes struct {
		PoolID    string    `gorm:"primaryKey"`
		Sub       string    `gorm:"primaryKey"`
		Hash      string    `gorm:"primaryKey"`
		CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
	}
	type mfaAttempts struct {
		PoolID    string    `gorm:"primaryKey"`
		ID        string    `gorm:"primaryKey"`
		Sub       string    `gorm:"not null"`
		Step      string    `gorm:"not null"`
		Options   string    `gorm:"not null"`
		Factor    string    `gorm:"not null"`
		Failures  int       `gorm:"not null"`
		ExpiresAt time.Time `gorm:"not null"`
		CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
	}
	for name, model := range map[string]any{"mfa_totp": &mfaTotp{}, "mfa_recovery_codes": &mfaRecoveryCodes{}, "mfa_attempts": &mfaAttempts{}} {
		if err := tx.Table(name).Migrator().CreateTable(model); err != nil {
			return fmt.Errorf("create table %s: %w", name, err)
		}
	}
	for _, stmt := range []string{
		`CREATE INDEX mfa_attempts_expires_idx ON mfa_attempts (pool_id, expires_at)`,
		`CREATE INDEX mfa_attempts_sub_idx ON mfa_attempts (pool_id, sub)`,
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}
