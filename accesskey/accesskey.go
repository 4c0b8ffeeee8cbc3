// Package accesskey manages the admin access keys that sign (SigV4) management API requests.
// The secret is needed to verify signatures, so it is sealed with the master key, not hashed.
package accesskey

import (
	"context"
	"time"
)

// Key is an admin access key. Secret is plain in memory and sealed at rest.
type Key struct {
	ID        string // AKIA-like: 20 upper-case letters and digits
	Secret    string // 40 characters
	Enabled   bool
	CreatedAt time.Time
	// LastUsedAt is not tracked per request (that would write on every call).
}

// Store is what the package needs from the database.
type Store interface {
	CreateAccessKey(ctx context.Context, k *Key) error
	// GetAccessKey returns errs.UnrecognizedClient when the id is unknown.
	GetAccessKey(ctx context.Context, id string) (*Key, error)
	ListAccessKeys(ctx context.Context) ([]*Key, error)
	SetAccessKeyEnabled(ctx context.Context, id string, enabled bool) error
	DeleteAccessKey(ctx context.Context, id string) error
	CountAccessKeys(ctx context.Context) (int64, error)
}
