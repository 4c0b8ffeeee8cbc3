package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/token"
)

// VerifyIDTokenHint checks an ID token the pool issued (signature by one of its published
// keys, issuer, token_use id) and returns its subject and audience. An expired token is
// accepted, as OpenID Connect RP-Initiated Logout allows for id_token_hint.
func (p *Provider) VerifyIDTokenHint(ctx context.Context, poolID, hint string) (sub, clientID string, err error) {
	pl, err := p.pool(ctx, poolID)
	if err != nil {
		return "", "", fmt.Errorf("verify id_token_hint: %w", err)
	}
	claims, err := p.verifyHint(ctx, pl, hint)
	if err != nil {
		return "", "", err
	}
	return claims.Subject, claims.Audience[0], nil
}

// signInName is what the user of an ID token types to sign in: the email or phone number in a
// pool that signs in with them (its usernames are generated), otherwise the username.
func signInName(pl *pool.Pool, claims *oidc.IDTokenClaims) string {
	for _, attr := range pl.UsernameAttributes {
		if v, ok := claims.Claims[attr].(string); ok && v != "" {
			return v
		}
	}
	name, _ := claims.Claims["cognito:username"].(string)
	return name
}

// verifyHint checks an id_token_hint of pool pl and returns its claims, which have one
// audience.
func (p *Provider) verifyHint(ctx context.Context, pl *pool.Pool, hint string) (*oidc.IDTokenClaims, error) {
	ctx = p.withPool(ctx, pl)
	v := op.NewIDTokenHintVerifier(p.Issuer(pl.Id), &op.OpenIDKeySet{Storage: &storage{p: p}})
	v.SupportedSignAlgs = []string{"RS256", "ES256"}
	claims, err := op.VerifyIDTokenHint[*oidc.IDTokenClaims](ctx, hint, v)
	if err != nil && !errors.As(err, &op.IDTokenHintExpiredError{}) {
		return nil, fmt.Errorf("verify id_token_hint: %w", err)
	}
	if use, _ := claims.Claims["token_use"].(string); use != token.UseID {
		return nil, errors.New("verify id_token_hint: not an ID token")
	}
	if len(claims.Audience) != 1 {
		return nil, errors.New("verify id_token_hint: the token must have one audience")
	}
	return claims, nil
}
