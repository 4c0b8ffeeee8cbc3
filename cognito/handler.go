// Package cognito serves the Cognito Identity Provider JSON protocol on POST / (X-Amz-Target
// dispatch), with SigV4 verification for the management actions and Cognito's error shape.
package cognito

import (
	"context"
	"log/slog"
	"time"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/user"
)

// Credentials finds the secret of an enabled admin access key (for SigV4 verification).
type Credentials interface {
	// SecretFor returns the secret of the access key id, or an error when the key is unknown
	// or disabled.
	SecretFor(ctx context.Context, accessKeyID string) (string, error)
}

// Handler is the JSON API edge.
type Handler struct {
	Pools       *pool.Service
	Users       *user.Service
	Credentials Credentials
	Logger      *slog.Logger
	Now         func() time.Time
}

// Mount registers POST / (and the CORS preflight) on r.
func (h *Handler) Mount(r *mux.Router) { panic("unimplemented") }
