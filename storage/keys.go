package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"gorm.io/gorm"

	"github.com/userpool/userpool/keys"
)

// signingKeyRow is a pool's signing key. (pool_id, seq) is unique: that constraint is what makes
// concurrent rotations (and concurrent first keys) of a pool end with one key.
type signingKeyRow struct {
	PoolID        string    `gorm:"primaryKey"`
	ID            string    `gorm:"primaryKey"`
	Seq           int64     `gorm:"not null"`
	Algorithm     string    `gorm:"not null"`
	CreatedAt     time.Time `gorm:"not null;autoCreateTime:false"`
	PublishFrom   time.Time `gorm:"not null"`
	ActiveFrom    time.Time `gorm:"not null"`
	RetireAt      *time.Time
	DeleteAfter   *time.Time
	PrivateSealed string `gorm:"not null"`
	PublicJWK     string `gorm:"column:public_jwk;not null"`
}

func (signingKeyRow) TableName() string { return "signing_keys" }

var uqSigningKeySeq = constraint{"signing_keys_pool_seq_uq", "signing_keys.pool_id, signing_keys.seq"}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	n := normTime(t)
	return &n
}

func fromOptTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func (r *signingKeyRow) toKey() keys.Key {
	return keys.Key{
		ID: r.ID, PoolID: r.PoolID, Seq: r.Seq, Algorithm: jose.SignatureAlgorithm(r.Algorithm),
		CreatedAt: r.CreatedAt.UTC(), PublishFrom: r.PublishFrom.UTC(), ActiveFrom: r.ActiveFrom.UTC(),
		RetireAt: fromOptTime(r.RetireAt), DeleteAfter: fromOptTime(r.DeleteAfter),
		SealedPrivateKey: r.PrivateSealed, PublicJWK: r.PublicJWK,
	}
}

// InsertKey implements keys.Store.
func (s *Store) InsertKey(ctx context.Context, k keys.Key, retire []keys.Key) error {
	row := signingKeyRow{
		PoolID: k.PoolID, ID: k.ID, Seq: k.Seq, Algorithm: string(k.Algorithm),
		CreatedAt: normTime(k.CreatedAt), PublishFrom: normTime(k.PublishFrom), ActiveFrom: normTime(k.ActiveFrom),
		RetireAt: optTime(k.RetireAt), DeleteAfter: optTime(k.DeleteAfter),
		PrivateSealed: k.SealedPrivateKey, PublicJWK: k.PublicJWK,
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return updateKeyTimes(tx, k.PoolID, retire)
	})
	switch {
	case violates(err, uqSigningKeySeq):
		return keys.ErrSeqTaken
	case err != nil:
		return fmt.Errorf("insert signing key of pool %s: %w", k.PoolID, err)
	}
	return nil
}

// ListKeys implements keys.Store.
func (s *Store) ListKeys(ctx context.Context, poolID string) ([]keys.Key, error) {
	var rows []signingKeyRow
	if err := s.db.WithContext(ctx).Where("pool_id = ?", poolID).Order("seq").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list signing keys of pool %s: %w", poolID, err)
	}
	out := make([]keys.Key, len(rows))
	for i := range rows {
		out[i] = rows[i].toKey()
	}
	return out, nil
}

// UpdateKeyTimes implements keys.Store.
func (s *Store) UpdateKeyTimes(ctx context.Context, poolID string, update []keys.Key) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return updateKeyTimes(tx, poolID, update) })
	if err != nil {
		return fmt.Errorf("update signing keys of pool %s: %w", poolID, err)
	}
	return nil
}

func updateKeyTimes(tx *gorm.DB, poolID string, update []keys.Key) error {
	for _, k := range update {
		if k.PoolID != poolID {
			return fmt.Errorf("key %s belongs to pool %s, not %s", k.ID, k.PoolID, poolID)
		}
		res := tx.Model(&signingKeyRow{}).Where("pool_id = ? AND id = ?", poolID, k.ID).Updates(map[string]any{
			"active_from":  normTime(k.ActiveFrom),
			"retire_at":    optTime(k.RetireAt),
			"delete_after": optTime(k.DeleteAfter),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errors.New("signing key " + k.ID + " not found")
		}
	}
	return nil
}

// DeleteKeys implements keys.Store.
func (s *Store) DeleteKeys(ctx context.Context, poolID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND id IN ?", poolID, ids).Delete(&signingKeyRow{}).Error; err != nil {
		return fmt.Errorf("delete signing keys of pool %s: %w", poolID, err)
	}
	return nil
}

// ListKeyPools implements keys.Store.
func (s *Store) ListKeyPools(ctx context.Context) ([]string, error) {
	var ids []string
	if err := s.db.WithContext(ctx).Model(&signingKeyRow{}).Distinct("pool_id").Order("pool_id").Pluck("pool_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("list pools with signing keys: %w", err)
	}
	return ids, nil
}
