package session

import (
	"context"
	"errors"
	"time"
)

// Family is one sign-in as the tokens see it: every token issued from one authorization code
// (or one implicit grant) carries its ID as "origin_jti", and so do the tokens later obtained
// with its refresh tokens. Revoking the family makes all of them unusable: its refresh tokens
// stop working and userInfo refuses access tokens that carry its ID.
type Family struct {
	ID       string // the origin_jti: random, unique
	PoolID   string
	ClientID string
	Sub      string
	// AuthRequestID is the authorization request whose code started the family ("" for none);
	// a replayed code revokes the families it started.
	AuthRequestID string
	CreatedAt     time.Time
	// ExpiresAt is when the last token of the family expires at the latest (its refresh
	// tokens' expiry, or the access token's when there is no refresh token).
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// RefreshToken is an opaque refresh token. The token itself is random and only its hash
// (TokenHash) is stored; ID is a separate random handle used in logs and for revocation.
type RefreshToken struct {
	ID        string
	PoolID    string
	FamilyID  string
	ClientID  string
	Sub       string
	TokenHash string
	Scopes    []string
	AMR       []string
	AuthTime  time.Time
	CreatedAt time.Time
	// ExpiresAt is fixed for the family at sign-in: rotation does not extend it.
	ExpiresAt time.Time
	// RotatedAt is set when a successor replaced this token (rotation enabled); the token is
	// still accepted for the client's grace period after it.
	RotatedAt *time.Time
	RevokedAt *time.Time
}

// Errors of the Store. They are plain sentinels: the provider maps them to OAuth errors.
var (
	// ErrNotFound: no such record in this pool (or it expired).
	ErrNotFound = errors.New("session record not found")
	// ErrCodeUsed: the authorization code was redeemed before. The store has already marked the
	// request replayed and revoked the families it started.
	ErrCodeUsed = errors.New("authorization code already used")
	// ErrConflict: the record is not in the state the change needs (an auth request completed
	// twice, a code saved twice, a revoked refresh token rotated).
	ErrConflict = errors.New("session record changed concurrently or is in the wrong state")
)

// Store keeps authorization requests, token families and refresh tokens. Every method is
// scoped to a pool: a record of another pool is ErrNotFound.
type Store interface {
	CreateAuthRequest(ctx context.Context, r *AuthRequest) error
	// GetAuthRequest returns a request that has not expired at now.
	GetAuthRequest(ctx context.Context, poolID, id string, now time.Time) (*AuthRequest, error)
	// CompleteAuthRequest records the sign-in on a pending (not done, not expired) request;
	// ErrConflict when it is already done.
	CompleteAuthRequest(ctx context.Context, poolID, id, sub string, authTime time.Time, amr []string, now time.Time) error
	// SaveCode stores the hash of the request's code, valid until expiresAt. Only a done
	// request without a code can get one (ErrConflict otherwise), so a callback URL works once.
	SaveCode(ctx context.Context, poolID, id, codeHash string, expiresAt time.Time) error
	// ConsumeCode redeems a code atomically: of concurrent calls exactly one gets the request.
	// A code redeemed before gives ErrCodeUsed and, in the same call, marks the request
	// replayed and revokes every family it started; an unknown or expired code is ErrNotFound.
	ConsumeCode(ctx context.Context, poolID, codeHash string, now time.Time) (*AuthRequest, error)

	// CreateFamily stores a family and, when rt is not nil, its first refresh token. A family
	// whose auth request was replayed meanwhile is stored revoked (f.RevokedAt is set).
	CreateFamily(ctx context.Context, f *Family, rt *RefreshToken) error
	// GetFamily returns a family (revoked or not) of the pool.
	GetFamily(ctx context.Context, poolID, id string) (*Family, error)
	// GetRefreshToken finds a refresh token by the hash of the token.
	GetRefreshToken(ctx context.Context, poolID, tokenHash string) (*RefreshToken, error)
	// RotateRefreshToken stores next as the successor of the token oldID and marks oldID
	// rotated at now (unless it already was: a retry within the grace period). It fails with
	// ErrConflict when the family was revoked meanwhile.
	RotateRefreshToken(ctx context.Context, poolID, oldID string, next *RefreshToken, now time.Time) error
	// RevokeFamily revokes the family and all its refresh tokens; revoking twice is no error.
	RevokeFamily(ctx context.Context, poolID, familyID string, now time.Time) error
	// RevokeUserTokens revokes every family and refresh token of the user (an admin "sign out
	// everywhere"; the store also does it when a user is disabled or deleted). Browser
	// sessions are the BrowserStore's; a disabled or deleted user cannot complete a sign-in
	// with one, since the provider checks the user.
	RevokeUserTokens(ctx context.Context, poolID, sub string, now time.Time) error
	// RevokeClientTokens revokes every family and refresh token issued to the app client (the
	// console's "revoke all tokens of this app") and returns how many families it revoked.
	RevokeClientTokens(ctx context.Context, poolID, clientID string, now time.Time) (int64, error)
	// DeleteExpiredSessions removes auth requests, families and refresh tokens that expired
	// before now, in every pool, and returns how many rows went.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}
