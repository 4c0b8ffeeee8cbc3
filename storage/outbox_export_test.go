package storage

import (
	"context"
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// MigrateUpTo applies the migrations up to and including id, as the release that ended with it
// did, so tests can upgrade a database from a previous version.
func MigrateUpTo(ctx context.Context, s *Store, id string) error {
	for i, m := range migrations {
		if m.ID == id {
			return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				return gormigrate.New(tx, &gormigrate.Options{TableName: "schema_migrations", IDColumnName: "id", IDColumnSize: 255},
					migrations[:i+1]).Migrate()
			})
		}
	}
	return fmt.Errorf("no migration %s", id)
}
