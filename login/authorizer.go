package login

import (
	"context"
	"net/http"
	"time"

	"github.com/userpool/userpool/session"
)

// Authorizer is what the hosted pages need of the OpenID Connect provider (package provider
// implements it): the pending authorization request a sign-in completes, and the answers to
// the client.
type Authorizer interface {
	// AuthRequest returns a pending authorization request of the pool; an error when it is
	// unknown, expired, already completed or of another pool.
	AuthRequest(ctx context.Context, poolID, id string) (*session.AuthRequest, error)
	// Complete records that sub signed in for the request and returns the URL to send the
	// browser to (the provider's callback, which answers the client).
	Complete(ctx context.Context, poolID, id, sub string, authTime time.Time, amr []string) (string, error)
	// Fail answers the request with an OAuth error at the client's redirect URI, in the
	// request's response mode and with iss.
	Fail(w http.ResponseWriter, r *http.Request, poolID, id, oauthError, description string)
	// VerifyIDTokenHint checks an ID token the pool issued (an expired one is accepted) and
	// returns its subject and audience (the client id).
	VerifyIDTokenHint(ctx context.Context, poolID, hint string) (sub, clientID string, err error)
}
