package provider

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/token"
	"github.com/userpool/userpool/trigger"
)

type clientIDKey struct{}

// wantsIDToken reports whether a grant of scopes comes with an ID token: only with openid, as
// in Cognito. The scopes are those granted, before the pre token generation trigger changes the
// access token's: the trigger cannot add or take away the ID token.
func wantsIDToken(scopes []string) bool { return slices.Contains(scopes, oidc.ScopeOpenID) }

// idTokenDecision carries wantsIDToken from the storage calls op makes during an exchange back
// to exchangeAndTidy, which drops the ID token op signs whatever the scopes.
type idTokenDecision struct{ wanted bool }

type idTokenDecisionKey struct{}

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
	c := a.client
	g := session.Grant{FamilyID: token.NewJTI(), PoolID: pl.Id, ClientID: c.ClientId, Sub: u.Sub, AuthRequestID: a.r.ID,
		Scopes: a.r.Scopes, AMR: a.r.AMR, AuthTime: a.r.AuthTime, TokenTTL: max(c.AccessTokenTTL(), c.IDTokenTTL())}
	if refresh {
		g.RefreshTTL = c.RefreshTokenTTL()
	}
	// The trigger runs before the family is stored: its refusal leaves nothing behind.
	a.user, a.originJTI = u, g.FamilyID
	if err := p.generate(ctx, pl, &a.issued, trigger.TokenGenerationHostedAuth, a.r.Scopes, a.r.AuthTime); err != nil {
		return "", err
	}
	_, plain, err := p.tokens.Start(ctx, g)
	if err != nil {
		return "", oauthError(err)
	}
	return plain, nil
}

// generate builds the ID and access token claims of a request whose user, client, access
// token id and family are known, through token.Generate: the pool's pre token generation
// trigger changes them as for the Cognito API. op then signs them (see storage.go).
func (p *Provider) generate(ctx context.Context, pl *pool.Pool, is *issued, src trigger.Source, scopes []string, authTime time.Time) error {
	iss, now, c := p.Issuer(pl.Id), p.now(), is.client
	if scopes == nil {
		scopes = []string{} // granted scopes, none of them openid: token.Generate makes no ID token
	}
	if d, ok := ctx.Value(idTokenDecisionKey{}).(*idTokenDecision); ok {
		d.wanted = wantsIDToken(scopes)
	}
	g, err := token.Generate(ctx, p.cfg.Triggers, pl, token.Generation{Source: src,
		Access: token.AccessTokenInput{Issuer: iss, ClientID: c.ClientId, User: *is.user, Scopes: scopes, AuthTime: authTime,
			IssuedAt: now, Lifetime: c.AccessTokenTTL(), JTI: is.jti, OriginJTI: is.originJTI},
		ID: token.IDTokenInput{Issuer: iss, ClientID: c.ClientId, User: *is.user, Scopes: scopes, ReadAttributes: c.ReadAttributes,
			AuthTime: authTime, IssuedAt: now, Lifetime: c.IDTokenTTL(), JTI: token.NewJTI(), OriginJTI: is.originJTI}})
	if err != nil {
		return oauthError(err)
	}
	is.gen = g
	return nil
}

// refreshRequest checks a presented refresh token with the shared rules (session.Tokens): a
// token rotated out longer ago than the app's grace period revokes its family.
func (p *Provider) refreshRequest(ctx context.Context, plain string) (*refreshRequest, error) {
	pl, err := poolOf(ctx)
	if err != nil {
		return nil, err
	}
	invalid := oidc.ErrInvalidGrant().WithDescription("invalid refresh token")
	clientID, _ := ctx.Value(clientIDKey{}).(string)
	c, err := p.client(ctx, pl.Id, clientID)
	if err != nil {
		return nil, invalid.WithParent(err)
	}
	rt, err := p.tokens.Check(ctx, pl.Id, c.ClientId, plain, c.RefreshRetryGrace())
	if errors.Is(err, session.ErrInvalidRefreshToken) {
		return nil, invalid.WithParent(err)
	}
	if err != nil {
		return nil, oauthError(err)
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
	plain, err := p.tokens.Rotate(ctx, r.rt)
	if err != nil {
		return "", oauthError(err)
	}
	return plain, nil
}
