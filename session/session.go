// Package session holds the plain records of sign-in state: OAuth authorization requests (and
// their codes), refresh tokens, browser (SSO) sessions and, later, challenge sessions. Every
// record belongs to one pool and every lookup is scoped to it. Secrets (codes, refresh tokens,
// browser session ids) are stored hashed.
package session

import "time"

// AuthRequest is a pending OAuth 2.0 / OpenID Connect authorization request.
type AuthRequest struct {
	ID                  string
	PoolID              string
	ClientID            string
	RedirectURI         string
	Scopes              []string
	State               string
	Nonce               string
	ResponseType        string
	ResponseMode        string
	CodeChallenge       string
	CodeChallengeMethod string
	// Prompt holds the prompt values ("none", "login", ...).
	Prompt []string
	// MaxAge is the max_age parameter in seconds; nil when absent.
	MaxAge    *int64
	LoginHint string
	UILocales []string
	// IDTokenHintSub is the subject of a verified id_token_hint: only an SSO session of this
	// user may complete the request without the sign-in form.
	IDTokenHintSub string
	// Set when the user has signed in for this request.
	Subject  string
	AuthTime time.Time
	AMR      []string
	Done     bool

	CreatedAt time.Time
	ExpiresAt time.Time
}

// BrowserSession is a pool's single sign-on session, referenced by a cookie. The cookie holds a
// random id; only its hash (IDHash) is stored.
type BrowserSession struct {
	IDHash    string
	PoolID    string
	Sub       string
	AuthTime  time.Time
	AMR       []string
	CreatedAt time.Time
	ExpiresAt time.Time
}
