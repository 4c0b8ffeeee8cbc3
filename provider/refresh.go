package provider

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/token"
)

type clientIDKey struct{}

// withClientID records the client a token request names (basic auth or client_id), so the
// refresh token lookup can refuse another client's token before it has any side effect.
func withClientID(ctx context.Context, clientID string) context.Context {
	return context.WithValue(ctx, clientIDKey{}, clientID)
}

// startFamily starts the token family of a redeemed code (or an implicit grant): it checks the
// user, stores the family and, with refresh, its first refresh token, which it returns. The
// family is started once per request, even when op asks twice.
func (p *Provider) startFamily(ctx context.Context, a *authRequest, refresh bool) (string, error) {
	if a.originJTI != "" {
		return "", nil
	}
	pl, err := poolOf(ctx)
	if err != nil {
		return "", err
	}
	if a.client == nil {
		if a.client, err = p.client(ctx, pl.Id, a.r.ClientID); err != nil {
			return "", oidc.ErrInvalidGrant().WithParent(err)
		}
	}
	u, err := p.tokenUser(ctx, pl.Id, a.r.Subject)
	if err != nil {
		return "", oauthError(err)
	}
	now := p.now()
	c := a.client
	f := &session.Family{ID: token.NewJTI(), PoolID: pl.Id, ClientID: c.ClientId, Sub: u.Sub, AuthRequestID: a.r.ID,
		CreatedAt: now, ExpiresAt: now.Add(max(c.AccessTokenTTL(), c.IDTokenTTL()))}
	var rt *session.RefreshToken
	var plain string
	if refresh {
		plain = randomToken(32)
		rt = &session.RefreshToken{ID: randomToken(16), PoolID: pl.Id, FamilyID: f.ID, ClientID: c.ClientId, Sub: u.Sub,
			TokenHash: hashSecret(plain), Scopes: a.r.Scopes, AMR: a.r.AMR, AuthTime: a.r.AuthTime,
			CreatedAt: now, ExpiresAt: now.Add(c.RefreshTokenTTL())}
		if rt.ExpiresAt.After(f.ExpiresAt) {
			f.ExpiresAt = rt.ExpiresAt
		}
	}
	if err := p.store.CreateFamily(ctx, f, rt); err != nil {
		return "", oauthError(err)
	}
	a.user, a.originJTI = u, f.ID
	return plain, nil
}

// refreshRequest checks a presented refresh token. A token rotated out longer ago than the
// app's grace period is a reuse: the whole family is revoked (whoever holds the newer token
// must sign in again), as RFC 9700 section 4.14.2 recommends.
func (p *Provider) refreshRequest(ctx context.Context, plain string) (*refreshRequest, error) {
	pl, err := poolOf(ctx)
	if err != nil {
		return nil, err
	}
	invalid := oidc.ErrInvalidGrant().WithDescription("invalid refresh token")
	rt, err := p.store.GetRefreshToken(ctx, pl.Id, hashSecret(plain))
	if err != nil {
		if errors.Is(err, session.ErrNotFound) {
			return nil, invalid.WithParent(err)
		}
		return nil, oauthError(err)
	}
	if id, _ := ctx.Value(clientIDKey{}).(string); id != rt.ClientID {
		return nil, invalid.WithParent(errors.New("refresh token of another client"))
	}
	now := p.now()
	if rt.RevokedAt != nil || !now.Before(rt.ExpiresAt) {
		return nil, invalid
	}
	c, err := p.client(ctx, pl.Id, rt.ClientID)
	if err != nil {
		return nil, invalid.WithParent(err)
	}
	if rt.RotatedAt != nil {
		var grace time.Duration
		if r := c.RefreshTokenRotation; r != nil {
			grace = time.Duration(r.RetryGracePeriodSeconds) * time.Second
		}
		if now.After(rt.RotatedAt.Add(grace)) {
			if err := p.store.RevokeFamily(ctx, pl.Id, rt.FamilyID, now); err != nil {
				return nil, oauthError(err)
			}
			slog.WarnContext(ctx, "rotated refresh token reused; its family is revoked", "pool", pl.Id, "client_id", rt.ClientID, "token", rt.ID)
			return nil, invalid
		}
	}
	f, err := p.store.GetFamily(ctx, pl.Id, rt.FamilyID)
	if err != nil || f.RevokedAt != nil {
		return nil, invalid
	}
	u, err := p.tokenUser(ctx, pl.Id, rt.Sub)
	if err != nil {
		return nil, oauthError(err)
	}
	return &refreshRequest{rt: rt, scopes: rt.Scopes, issued: issued{client: c, user: u, originJTI: rt.FamilyID}}, nil
}

// rotate returns the refresh token the response carries: a new one when the app rotates
// (the presented one stays usable for the grace period), otherwise the presented one.
func (p *Provider) rotate(ctx context.Context, r *refreshRequest, current string) (string, error) {
	if !r.client.RotatesRefreshTokens() {
		return current, nil
	}
	now := p.now()
	plain := randomToken(32)
	next := &session.RefreshToken{ID: randomToken(16), PoolID: r.rt.PoolID, FamilyID: r.rt.FamilyID, ClientID: r.rt.ClientID,
		Sub: r.rt.Sub, TokenHash: hashSecret(plain), Scopes: r.rt.Scopes, AMR: r.rt.AMR, AuthTime: r.rt.AuthTime,
		CreatedAt: now, ExpiresAt: r.rt.ExpiresAt}
	if err := p.store.RotateRefreshToken(ctx, r.rt.PoolID, r.rt.ID, next, now); err != nil {
		return "", oauthError(err)
	}
	return plain, nil
}
