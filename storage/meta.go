package storage

import (
	"bytes"
	"fmt"

	"gorm.io/gorm"
)

// The sentinel is a known value sealed with the master key when the database is first migrated.
// Opening it proves that the key in use is the one the database's secrets were sealed with.
const (
	sentinelName    = "master_key_sentinel"
	sentinelPurpose = "sentinel"
)

var sentinelPlaintext = []byte("userpool master key sentinel v1")

type metaRow struct {
	Name  string `gorm:"primaryKey"`
	Value string
}

func (metaRow) TableName() string { return "meta" }

// checkSentinel seals the sentinel on first use and otherwise checks that it opens.
func (s *Store) checkSentinel(tx *gorm.DB) error {
	var rows []metaRow
	if err := tx.Where("name = ?", sentinelName).Limit(1).Find(&rows).Error; err != nil {
		return fmt.Errorf("read master key sentinel: %w", err)
	}
	if len(rows) == 0 {
		row := metaRow{Name: sentinelName, Value: s.sealer.Seal(sentinelPurpose, sentinelPlaintext)}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("write master key sentinel: %w", err)
		}
		return nil
	}
	pt, err := s.sealer.Open(sentinelPurpose, rows[0].Value)
	if err != nil || !bytes.Equal(pt, sentinelPlaintext) {
		return ErrWrongMasterKey
	}
	return nil
}
