package provider

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/token"
	"github.com/userpool/userpool/trigger"
)

// storage is the op.Storage of a Provider. The pool of every call is the one PoolMiddleware put
// into ctx; every error it returns is an *oidc.Error.
type storage struct{ p *Provider }

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.ClientCredentialsStorage       = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*storage)(nil)
	_ op.CanGetPrivateClaimsFromRequest = (*storage)(nil)
)

var errNotSupported = oidc.ErrRequestNotSupported().WithDescription("not supported")

// poolOf returns the request's pool; a call without one is a wiring bug.
func poolOf(ctx context.Context) (*pool.Pool, error) {
	if pl := PoolFromContext(ctx); pl != nil {
		return pl, nil
	}
	return nil, oidc.ErrServerError().WithParent(errors.New("no pool in the request context"))
}

// issuedOf returns what token creation remembers for a request of ours.
func issuedOf(req any) *issued {
	switch r := req.(type) {
	case *authRequest:
		return &r.issued
	case *refreshRequest:
		return &r.issued
	case *clientCredentialsRequest:
		return &r.issued
	}
	return nil
}

// --- auth requests: our authorize handler creates and completes them, so op only reads them.

func (s *storage) CreateAuthRequest(context.Context, *oidc.AuthRequest, string) (op.AuthRequest, error) {
	return nil, errNotSupported
}

func (s *storage) SaveAuthCode(context.Context, string, string) error { return errNotSupported }

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	pl, err := poolOf(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.p.store.GetAuthRequest(ctx, pl.Id, id, s.p.now())
	if err != nil {
		return nil, oauthError(err)
	}
	return &authRequest{r: r}, nil
}

// AuthRequestByCode redeems the code: it is consumed here, before op checks the client, the
// redirect URI and the PKCE verifier, so a failed check also uses it up.
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	pl, err := poolOf(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.p.store.ConsumeCode(ctx, pl.Id, hashSecret(code), s.p.now())
	if errors.Is(err, session.ErrCodeUsed) {
		slog.WarnContext(ctx, "authorization code replayed; its tokens are revoked", "pool", pl.Id)
		return nil, oidc.ErrInvalidGrant().WithDescription("the code was already used").WithParent(err)
	}
	if err != nil {
		return nil, oidc.ErrInvalidGrant().WithDescription("invalid or expired code").WithParent(err)
	}
	c, err := s.p.client(ctx, pl.Id, r.ClientID)
	if err != nil {
		return nil, oidc.ErrInvalidGrant().WithParent(err)
	}
	return &authRequest{r: r, issued: issued{client: c}}, nil
}

// DeleteAuthRequest keeps the row: the redeemed code must stay recognisable for replay
// detection; expired requests are deleted by DeleteExpiredSessions.
func (s *storage) DeleteAuthRequest(context.Context, string) error { return nil }

// --- tokens

func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	now := s.p.now()
	switch r := req.(type) {
	case *clientCredentialsRequest:
		// Nothing is written: a client_credentials token is not revocable, as in Cognito.
		r.jti = token.NewJTI()
		return r.jti, now.Add(r.client.AccessTokenTTL()), nil
	case *authRequest:
		if r.jti == "" {
			r.jti = token.NewJTI()
		}
		if _, err := s.p.startFamily(ctx, r, false); err != nil {
			return "", time.Time{}, err
		}
		return r.jti, now.Add(r.client.AccessTokenTTL()), nil
	}
	return "", time.Time{}, oidc.ErrServerError().WithParent(fmt.Errorf("unexpected token request %T", req))
}

func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	now := s.p.now()
	switch r := req.(type) {
	case *authRequest:
		if r.jti == "" {
			r.jti = token.NewJTI()
		}
		refresh, err := s.p.startFamily(ctx, r, true)
		if err != nil {
			return "", "", time.Time{}, err
		}
		return r.jti, refresh, now.Add(r.client.AccessTokenTTL()), nil
	case *refreshRequest:
		// The trigger runs before the refresh token rotates: its refusal changes nothing.
		pl, err := poolOf(ctx)
		if err != nil {
			return "", "", time.Time{}, err
		}
		r.jti = token.NewJTI()
		if err := s.p.generate(ctx, pl, &r.issued, trigger.TokenGenerationRefreshTokens, r.scopes, r.rt.AuthTime); err != nil {
			return "", "", time.Time{}, err
		}
		refresh, err := s.p.rotate(ctx, r, current)
		if err != nil {
			return "", "", time.Time{}, err
		}
		return r.jti, refresh, now.Add(r.client.AccessTokenTTL()), nil
	}
	return "", "", time.Time{}, oidc.ErrServerError().WithParent(fmt.Errorf("unexpected token request %T", req))
}

func (s *storage) TokenRequestByRefreshToken(ctx context.Context, refreshToken string) (op.RefreshTokenRequest, error) {
	return s.p.refreshRequest(ctx, refreshToken)
}

func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

// GetRefreshTokenInfo returns the token's hash as its id: RevokeToken looks it up again.
func (s *storage) GetRefreshTokenInfo(ctx context.Context, _ string, refreshToken string) (string, string, error) {
	pl, err := poolOf(ctx)
	if err != nil {
		return "", "", err
	}
	rt, err := s.p.store.GetRefreshToken(ctx, pl.Id, hashSecret(refreshToken))
	if errors.Is(err, session.ErrNotFound) {
		return "", "", op.ErrInvalidRefreshToken
	}
	if err != nil {
		return "", "", oauthError(err)
	}
	return rt.Sub, rt.TokenHash, nil
}

// RevokeToken revokes a refresh token and with it its whole family, so that the access and ID
// tokens issued from it stop working at userInfo. Anything else (an access token, an unknown
// token) is accepted and ignored, as RFC 7009 asks.
func (s *storage) RevokeToken(ctx context.Context, tokenOrID, _ string, clientID string) *oidc.Error {
	pl, err := poolOf(ctx)
	if err != nil {
		return oauthError(err)
	}
	c, err := s.p.client(ctx, pl.Id, clientID)
	if err != nil {
		return oidc.ErrInvalidClient().WithParent(err)
	}
	if !c.EnableTokenRevocation {
		return oidc.ErrInvalidRequest().WithDescription("token revocation is disabled for this app client")
	}
	err = s.p.tokens.Revoke(ctx, pl.Id, clientID, tokenOrID)
	if errors.Is(err, session.ErrWrongClient) {
		return oidc.ErrUnauthorizedClient().WithDescription("the token was not issued to this client")
	}
	return oauthError(err)
}

// --- keys

func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	pl, err := poolOf(ctx)
	if err != nil {
		return nil, err
	}
	sk, err := s.p.signingKey(ctx, pl)
	if err != nil {
		return nil, oauthError(err)
	}
	return sk, nil
}

func (s *storage) SignatureAlgorithms(ctx context.Context) ([]jose.SignatureAlgorithm, error) {
	pl, err := poolOf(ctx)
	if err != nil {
		return nil, err
	}
	return []jose.SignatureAlgorithm{jose.SignatureAlgorithm(pl.Algorithm())}, nil
}

// publicKey adapts a JWK to op.Key.
type publicKey struct{ jwk jose.JSONWebKey }

func (k publicKey) ID() string { return k.jwk.KeyID }
func (k publicKey) Algorithm() jose.SignatureAlgorithm {
	return jose.SignatureAlgorithm(k.jwk.Algorithm)
}
func (k publicKey) Use() string { return k.jwk.Use }
func (k publicKey) Key() any    { return k.jwk.Key }

func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	pl, err := poolOf(ctx)
	if err != nil {
		return nil, err
	}
	jwks, err := s.p.keys.PublicKeys(ctx, pl.Id)
	if err != nil {
		return nil, oauthError(err)
	}
	out := make([]op.Key, len(jwks))
	for i, k := range jwks {
		out[i] = publicKey{k}
	}
	return out, nil
}

// --- clients

func (s *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	pl, err := poolOf(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.p.client(ctx, pl.Id, clientID)
	if err != nil {
		return nil, oauthError(err)
	}
	return s.p.opClient(c), nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, secret string) error {
	pl, err := poolOf(ctx)
	if err != nil {
		return err
	}
	_, err = s.p.authenticate(ctx, pl.Id, clientID, secret)
	return err
}

// authenticate checks a confidential client's secret. Secrets are long random strings made by
// the server, so a constant-time comparison is enough: no slow hash per token request.
func (p *Provider) authenticate(ctx context.Context, poolID, clientID, secret string) (*pool.Client, error) {
	c, err := p.client(ctx, poolID, clientID)
	if err != nil {
		return nil, oidc.ErrInvalidClient().WithDescription("invalid client_id or client_secret").WithParent(err)
	}
	if !confidential(c) || subtle.ConstantTimeCompare([]byte(c.ClientSecret), []byte(secret)) != 1 {
		return nil, oidc.ErrInvalidClient().WithDescription("invalid client_id or client_secret")
	}
	return c, nil
}

func (s *storage) ClientCredentials(ctx context.Context, clientID, secret string) (op.Client, error) {
	pl, err := poolOf(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.p.authenticate(ctx, pl.Id, clientID, secret)
	if err != nil {
		return nil, err
	}
	if !oauthEnabled(c, pool.FlowClientCredentials) {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("the client_credentials flow is not enabled for this app client")
	}
	return s.p.opClient(c), nil
}

// ClientCredentialsTokenRequest grants resource-server scopes ("identifier/scope") the app
// may use; no scope asks for all of them, as Cognito does.
func (s *storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	pl, err := poolOf(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.p.client(ctx, pl.Id, clientID)
	if err != nil {
		return nil, oauthError(err)
	}
	var allowed []string
	for _, sc := range c.AllowedOAuthScopes {
		if strings.Contains(sc, "/") {
			allowed = append(allowed, sc)
		}
	}
	if len(scopes) == 0 {
		scopes = allowed
	}
	if len(scopes) == 0 {
		return nil, oidc.ErrInvalidScope().WithDescription("the app client has no resource server scopes")
	}
	for _, sc := range scopes {
		if !slices.Contains(allowed, sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("scope %q is not allowed for this app client", sc)
		}
	}
	return &clientCredentialsRequest{clientID: clientID, scopes: scopes, issued: issued{client: c}}, nil
}

// --- claims

func (s *storage) SetUserinfoFromScopes(_ context.Context, ui *oidc.UserInfo, userID, _ string, _ []string) error {
	ui.Subject = userID
	return nil
}

// idTokenRegistered are the claims op sets on ID tokens itself.
var idTokenRegistered = map[string]bool{"iss": true, "sub": true, "aud": true, "exp": true, "iat": true,
	"auth_time": true, "nonce": true, "at_hash": true}

// SetUserinfoFromRequest adds the ID token's Cognito claims, generated with the access token's
// (token.Generate, as the Cognito API's, pre token generation trigger included), except those
// op sets itself.
func (s *storage) SetUserinfoFromRequest(_ context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	is := issuedOf(req)
	if is == nil || is.user == nil || is.gen == nil {
		return oidc.ErrServerError().WithParent(fmt.Errorf("ID token for unexpected request %T", req))
	}
	ui.Subject = is.user.Sub
	for k, v := range is.gen.ID {
		if !idTokenRegistered[k] {
			ui.AppendClaims(k, v)
		}
	}
	return nil
}

// GetPrivateClaimsFromRequest returns the access token's claims (generated with the ID token's,
// or built here for client_credentials, which no trigger sees); op's own
// claims (iss, sub, aud, exp, iat, nbf, client_id, jti) take precedence and agree with them.
func (s *storage) GetPrivateClaimsFromRequest(ctx context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	pl, err := poolOf(ctx)
	if err != nil {
		return nil, err
	}
	is := issuedOf(req)
	if is == nil {
		return nil, oidc.ErrServerError().WithParent(fmt.Errorf("access token for unexpected request %T", req))
	}
	iss, now := s.p.Issuer(pl.Id), s.p.now()
	var claims token.Claims
	if cc, ok := req.(*clientCredentialsRequest); ok {
		claims, err = token.ClientCredentials(token.ClientCredentialsInput{Issuer: iss, ClientID: cc.clientID,
			Scopes: cc.scopes, IssuedAt: now, Lifetime: is.client.AccessTokenTTL(), JTI: is.jti})
	} else if is.gen != nil {
		claims = is.gen.Access
	} else {
		err = fmt.Errorf("access token before its claims were generated (%T)", req)
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return claims, nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// userInfo and introspection are served by our own handlers.
func (s *storage) SetUserinfoFromToken(context.Context, *oidc.UserInfo, string, string, string) error {
	return errNotSupported
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errNotSupported
}

// The JWT bearer grant and private_key_jwt are not supported (op always advertises them; our
// discovery does not, and these refuse).
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

func (s *storage) Health(context.Context) error { return nil }

// tokenUser loads a user for a token: it must exist and be enabled (token.LoadUser).
func (p *Provider) tokenUser(ctx context.Context, poolID, sub string) (*token.User, error) {
	return token.LoadUser(ctx, p.users, poolID, sub)
}
