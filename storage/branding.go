package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/userpool/userpool/branding"
)

var _ branding.Store = (*Store)(nil)

// uiCustomizationRow is a pool's (client_id "ALL") or a client's hosted-page look.
type uiCustomizationRow struct {
	PoolID          string `gorm:"primaryKey"`
	ClientID        string `gorm:"primaryKey"`
	CSS             string `gorm:"column:css"`
	Image           []byte
	ImageType       string
	PrimaryColor    string
	BackgroundColor string
	PageTitle       string
	FooterLinks     string    // []branding.FooterLink as JSON
	CreatedAt       time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt       time.Time `gorm:"autoUpdateTime:false"`
}

func (uiCustomizationRow) TableName() string { return "ui_customizations" }

// migrate0009Branding adds the pools' UI customizations.
func migrate0009Branding(tx *gorm.DB) error {
	type uiCustomizations struct {
		PoolID          string    `gorm:"primaryKey"`
		ClientID        string    `gorm:"primaryKey"`
		CSS             string    `gorm:"column:css;not null"`
		Image           []byte    `gorm:"not null"`
		ImageType       string    `gorm:"not null"`
		PrimaryColor    string    `gorm:"not null"`
		BackgroundColor string    `gorm:"not null"`
		PageTitle       string    `gorm:"not null"`
		FooterLinks     string    `gorm:"not null"`
		CreatedAt       time.Time `gorm:"not null;autoCreateTime:false"`
		UpdatedAt       time.Time `gorm:"not null;autoUpdateTime:false"`
	}
	if err := tx.Table("ui_customizations").Migrator().CreateTable(&uiCustomizations{}); err != nil {
		return fmt.Errorf("create table ui_customizations: %w", err)
	}
	return nil
}

// GetCustomization returns the customization of poolID/clientID, or nil.
func (s *Store) GetCustomization(ctx context.Context, poolID, clientID string) (*branding.Customization, error) {
	var row uiCustomizationRow
	err := s.db.WithContext(ctx).Where("pool_id = ? AND client_id = ?", poolID, clientID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get UI customization: %w", err)
	}
	c := &branding.Customization{PoolID: row.PoolID, ClientID: row.ClientID, CSS: row.CSS, Image: row.Image, ImageType: row.ImageType,
		PrimaryColor: row.PrimaryColor, BackgroundColor: row.BackgroundColor, PageTitle: row.PageTitle,
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(row.FooterLinks), &c.FooterLinks); err != nil {
		return nil, fmt.Errorf("decode footer links: %w", err)
	}
	return c, nil
}

// PutCustomization creates or replaces c; a replaced one keeps its CreatedAt.
func (s *Store) PutCustomization(ctx context.Context, c *branding.Customization) error {
	links, err := json.Marshal(c.FooterLinks)
	if err != nil {
		return fmt.Errorf("encode footer links: %w", err)
	}
	if c.Image == nil {
		c.Image = []byte{}
	}
	c.CreatedAt, c.UpdatedAt = normTime(c.CreatedAt), normTime(c.UpdatedAt)
	row := uiCustomizationRow{PoolID: c.PoolID, ClientID: c.ClientID, CSS: c.CSS, Image: c.Image, ImageType: c.ImageType,
		PrimaryColor: c.PrimaryColor, BackgroundColor: c.BackgroundColor, PageTitle: c.PageTitle, FooterLinks: string(links),
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.requirePool(tx, c.PoolID); err != nil {
			return err
		}
		var old []time.Time
		if err := tx.Model(&uiCustomizationRow{}).Where("pool_id = ? AND client_id = ?", c.PoolID, c.ClientID).Pluck("created_at", &old).Error; err != nil {
			return fmt.Errorf("put UI customization: %w", err)
		}
		if len(old) > 0 {
			row.CreatedAt, c.CreatedAt = old[0].UTC(), old[0].UTC()
		}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
			return fmt.Errorf("put UI customization: %w", err)
		}
		return nil
	})
}
