package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Errors of Tokens. Both edges map them to their protocol's "invalid refresh token".
var (
	// ErrInvalidRefreshToken: unknown, expired, revoked, of another client, or of a revoked family.
	ErrInvalidRefreshToken = errors.New("invalid refresh token")
	// ErrRefreshTokenReused: a token rotated out longer ago than the grace period was presented
	// again; its whole family has been revoked.
	ErrRefreshTokenReused = fmt.Errorf("%w: rotated token reused", ErrInvalidRefreshToken)
	// ErrWrongClient: RevokeRefreshToken by a client the token was not issued to.
	ErrWrongClient = errors.New("the token was not issued to this client")
)

// Tokens holds the rules of token families and refresh tokens, the same for the OIDC provider
// and the Cognito API: a family per sign-in, refresh tokens that expire with their family's
// first token (rotation does not extend them), rotation with a retry grace period, reuse
// detection that revokes the family (RFC 9700 section 4.14.2), and revocation by family.
type Tokens struct {
	Store Store
	Now   func() time.Time // time.Now when nil
}

func (t *Tokens) now() time.Time {
	if t.Now != nil {
		return t.Now().UTC()
	}
	return time.Now().UTC()
}

// NewSecret returns n random bytes, base64url-encoded: refresh tokens, codes, handles.
func NewSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret is the stored form of a refresh token or code: they are random and long, so a
// plain SHA-256 is enough (no slow hash: they are looked up by their hash).
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Grant is a sign-in whose tokens start a family.
type Grant struct {
	FamilyID              string // the family's id, the tokens' origin_jti
	PoolID, ClientID, Sub string
	AuthRequestID         string // "" when the sign-in had no authorization request
	Scopes, AMR           []string
	AuthTime              time.Time
	// TokenTTL is the longest lifetime of the access and ID tokens.
	TokenTTL time.Duration
	// RefreshTTL is the refresh token's lifetime; 0 issues no refresh token.
	RefreshTTL time.Duration
}

// Start stores a new family for the grant and, when it has a RefreshTTL, its first refresh
// token. It returns the family and the refresh token ("" for none).
func (t *Tokens) Start(ctx context.Context, g Grant) (*Family, string, error) {
	now := t.now()
	f := &Family{ID: g.FamilyID, PoolID: g.PoolID, ClientID: g.ClientID, Sub: g.Sub, AuthRequestID: g.AuthRequestID,
		CreatedAt: now, ExpiresAt: now.Add(g.TokenTTL)}
	var rt *RefreshToken
	var plain string
	if g.RefreshTTL > 0 {
		plain = NewSecret(32)
		rt = &RefreshToken{ID: NewSecret(16), PoolID: g.PoolID, FamilyID: f.ID, ClientID: g.ClientID, Sub: g.Sub,
			TokenHash: HashSecret(plain), Scopes: g.Scopes, AMR: g.AMR, AuthTime: g.AuthTime,
			CreatedAt: now, ExpiresAt: now.Add(g.RefreshTTL)}
		if rt.ExpiresAt.After(f.ExpiresAt) {
			f.ExpiresAt = rt.ExpiresAt
		}
	}
	if err := t.Store.CreateFamily(ctx, f, rt); err != nil {
		return nil, "", fmt.Errorf("start token family: %w", err)
	}
	return f, plain, nil
}

// Check finds the refresh token a client presents and checks that it may be used now. grace
// is the client's retry grace period after a rotation; a rotated token presented after it is
// a reuse, and the family is revoked (whoever holds the newer token must sign in again).
func (t *Tokens) Check(ctx context.Context, poolID, clientID, plain string, grace time.Duration) (*RefreshToken, error) {
	if plain == "" {
		return nil, ErrInvalidRefreshToken
	}
	rt, err := t.Store.GetRefreshToken(ctx, poolID, HashSecret(plain))
	if errors.Is(err, ErrNotFound) {
		return nil, ErrInvalidRefreshToken
	}
	if err != nil {
		return nil, fmt.Errorf("check refresh token: %w", err)
	}
	now := t.now()
	if rt.ClientID != clientID || rt.RevokedAt != nil || !now.Before(rt.ExpiresAt) {
		return nil, ErrInvalidRefreshToken
	}
	if rt.RotatedAt != nil && now.After(rt.RotatedAt.Add(grace)) {
		if err := t.Store.RevokeFamily(ctx, poolID, rt.FamilyID, now); err != nil {
			return nil, fmt.Errorf("check refresh token: %w", err)
		}
		slog.WarnContext(ctx, "rotated refresh token reused; its family is revoked", "pool", poolID, "client_id", rt.ClientID, "token_id", rt.ID)
		return nil, ErrRefreshTokenReused
	}
	f, err := t.Store.GetFamily(ctx, poolID, rt.FamilyID)
	if errors.Is(err, ErrNotFound) || (err == nil && f.RevokedAt != nil) {
		return nil, ErrInvalidRefreshToken
	}
	if err != nil {
		return nil, fmt.Errorf("check refresh token: %w", err)
	}
	return rt, nil
}

// Rotate replaces a checked refresh token with a new one of the same family and expiry and
// returns it. The old one stays usable for the grace period (a retried request).
func (t *Tokens) Rotate(ctx context.Context, rt *RefreshToken) (string, error) {
	now := t.now()
	plain := NewSecret(32)
	next := &RefreshToken{ID: NewSecret(16), PoolID: rt.PoolID, FamilyID: rt.FamilyID, ClientID: rt.ClientID,
		Sub: rt.Sub, TokenHash: HashSecret(plain), Scopes: rt.Scopes, AMR: rt.AMR, AuthTime: rt.AuthTime,
		CreatedAt: now, ExpiresAt: rt.ExpiresAt}
	if err := t.Store.RotateRefreshToken(ctx, rt.PoolID, rt.ID, next, now); err != nil {
		return "", fmt.Errorf("rotate refresh token: %w", err)
	}
	return plain, nil
}

// Revoke revokes the family of the refresh token whose hash is given, so its refresh tokens
// stop working and its access tokens are refused. An unknown token is no error (RFC 7009);
// a token of another client is ErrWrongClient.
func (t *Tokens) Revoke(ctx context.Context, poolID, clientID, tokenHash string) error {
	rt, err := t.Store.GetRefreshToken(ctx, poolID, tokenHash)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("revoke refresh token: %w", err)
	}
	if rt.ClientID != clientID {
		return ErrWrongClient
	}
	if err := t.Store.RevokeFamily(ctx, poolID, rt.FamilyID, t.now()); err != nil {
		return fmt.Errorf("revoke refresh token: %w", err)
	}
	return nil
}
