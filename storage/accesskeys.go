package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/userpool/userpool/accesskey"
	"github.com/userpool/userpool/errs"
)

type accessKeyRow struct {
	ID           string `gorm:"primaryKey"`
	SecretSealed string
	Enabled      bool
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
}

func (accessKeyRow) TableName() string { return "access_keys" }

func accessKeyPurpose(id string) string { return "access-key-secret/" + id }

func accessKeyNotFound() error {
	return errs.New(errs.UnrecognizedClient, "The security token included in the request is invalid.")
}

func (s *Store) toKey(r *accessKeyRow) (*accesskey.Key, error) {
	secret, err := s.sealer.Open(accessKeyPurpose(r.ID), r.SecretSealed)
	if err != nil {
		return nil, fmt.Errorf("open secret of access key %s: %w", r.ID, err)
	}
	return &accesskey.Key{ID: r.ID, Secret: string(secret), Enabled: r.Enabled, CreatedAt: r.CreatedAt.UTC()}, nil
}

func (s *Store) CreateAccessKey(ctx context.Context, k *accesskey.Key) error {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = now()
	}
	k.CreatedAt = normTime(k.CreatedAt)
	row := accessKeyRow{ID: k.ID, SecretSealed: s.sealer.Seal(accessKeyPurpose(k.ID), []byte(k.Secret)),
		Enabled: k.Enabled, CreatedAt: k.CreatedAt}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		if violates(err, uqAccessKey) {
			return errs.New(errs.InvalidParameter, "An access key with id %s already exists.", k.ID)
		}
		return fmt.Errorf("create access key: %w", err)
	}
	return nil
}

func (s *Store) GetAccessKey(ctx context.Context, id string) (*accesskey.Key, error) {
	var rows []accessKeyRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get access key: %w", err)
	}
	if len(rows) == 0 {
		return nil, accessKeyNotFound()
	}
	return s.toKey(&rows[0])
}

func (s *Store) ListAccessKeys(ctx context.Context) ([]*accesskey.Key, error) {
	var rows []accessKeyRow
	if err := s.db.WithContext(ctx).Order("created_at").Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list access keys: %w", err)
	}
	out := make([]*accesskey.Key, 0, len(rows))
	for i := range rows {
		k, err := s.toKey(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func (s *Store) SetAccessKeyEnabled(ctx context.Context, id string, enabled bool) error {
	res := s.db.WithContext(ctx).Model(&accessKeyRow{}).Where("id = ?", id).Update("enabled", enabled)
	if res.Error != nil {
		return fmt.Errorf("update access key: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return accessKeyNotFound()
	}
	return nil
}

func (s *Store) DeleteAccessKey(ctx context.Context, id string) error {
	res := s.db.WithContext(ctx).Where("id = ?", id).Delete(&accessKeyRow{})
	if res.Error != nil {
		return fmt.Errorf("delete access key: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return accessKeyNotFound()
	}
	return nil
}

func (s *Store) CountAccessKeys(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&accessKeyRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count access keys: %w", err)
	}
	return n, nil
}
