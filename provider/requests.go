package provider

import (
	"log/slog"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/token"
)

// issued is what the token creation of one request remembers between op's calls: op asks the
// storage for the access token id first, then for the claims of the access and ID tokens.
type issued struct {
	client    *pool.Client
	user      *token.User // nil for client_credentials
	jti       string      // the access token's id
	originJTI string      // the family's id
	// gen are the claim sets to sign, built (and changed by the pre token generation trigger)
	// once per request, before anything is stored.
	gen *token.Generated
}

// authRequest adapts a session.AuthRequest to op.AuthRequest.
type authRequest struct {
	r *session.AuthRequest
	issued
}

var (
	_ op.AuthRequest         = (*authRequest)(nil)
	_ op.RefreshTokenRequest = (*refreshRequest)(nil)
)

func (a *authRequest) GetID() string          { return a.r.ID }
func (a *authRequest) GetACR() string         { return "" }
func (a *authRequest) GetAMR() []string       { return a.r.AMR }
func (a *authRequest) GetAudience() []string  { return []string{a.r.ClientID} }
func (a *authRequest) GetAuthTime() time.Time { return a.r.AuthTime }
func (a *authRequest) GetClientID() string    { return a.r.ClientID }
func (a *authRequest) GetNonce() string       { return a.r.Nonce }
func (a *authRequest) GetRedirectURI() string { return a.r.RedirectURI }
func (a *authRequest) GetState() string       { return a.r.State }
func (a *authRequest) GetSubject() string     { return a.r.Subject }
func (a *authRequest) Done() bool             { return a.r.Done }
func (a *authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.r.ResponseType)
}
func (a *authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.r.ResponseMode)
}

// GetScopes adds offline_access for a code flow of an app that may refresh: op issues a
// refresh token only with that scope, and Cognito issues one on every code exchange. The
// scope never reaches a token or a response (see token.go).
func (a *authRequest) GetScopes() []string {
	if a.gen != nil {
		return a.gen.Scopes // the trigger's: the response says what the access token holds
	}
	if a.r.ResponseType == string(oidc.ResponseTypeCode) && a.client != nil && mayRefresh(a.client) {
		return append(slices.Clip(a.r.Scopes), oidc.ScopeOfflineAccess)
	}
	return a.r.Scopes
}

func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.r.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.r.CodeChallenge, Method: oidc.CodeChallengeMethod(a.r.CodeChallengeMethod)}
}

// LogValue keeps codes, challenges and nonces out of op's logs.
func (a *authRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.r.ID), slog.String("client_id", a.r.ClientID),
		slog.String("pool", a.r.PoolID), slog.String("response_type", a.r.ResponseType))
}

// refreshRequest adapts a refresh token to op.RefreshTokenRequest.
type refreshRequest struct {
	rt     *session.RefreshToken
	scopes []string
	issued
}

func (r *refreshRequest) GetAMR() []string       { return r.rt.AMR }
func (r *refreshRequest) GetAudience() []string  { return []string{r.rt.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time { return r.rt.AuthTime }
func (r *refreshRequest) GetClientID() string    { return r.rt.ClientID }
func (r *refreshRequest) GetScopes() []string {
	if r.gen != nil {
		return r.gen.Scopes
	}
	return r.scopes
}
func (r *refreshRequest) GetSubject() string          { return r.rt.Sub }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }

// clientCredentialsRequest is a client_credentials grant: the client is the subject.
type clientCredentialsRequest struct {
	clientID string
	scopes   []string
	issued
}

func (c *clientCredentialsRequest) GetSubject() string    { return c.clientID }
func (c *clientCredentialsRequest) GetAudience() []string { return []string{c.clientID} }
func (c *clientCredentialsRequest) GetScopes() []string   { return c.scopes }
