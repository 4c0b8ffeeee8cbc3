package storage

import (
	"fmt"

	"gorm.io/gorm"
)

// migrate0013Indexes adds the indexes of the lookups by user or by app client that the earlier
// migrations left to a walk over the pool's rows: ending a user's SSO and operator sessions
// (disable, delete, global sign-out) and revoking an app client's tokens.
func migrate0013Indexes(tx *gorm.DB) error {
	for _, stmt := range []string{
		`CREATE INDEX browser_sessions_sub_idx ON browser_sessions (pool_id, sub)`,
		`CREATE INDEX operator_sessions_sub_idx ON operator_sessions (pool_id, sub)`,
		`CREATE INDEX token_families_client_idx ON token_families (pool_id, client_id)`,
		`CREATE INDEX refresh_tokens_client_idx ON refresh_tokens (pool_id, client_id)`,
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}
