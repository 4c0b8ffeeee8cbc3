package provider

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/userpool/userpool/pool"
)

// client adapts an app client to op.Client.
type client struct {
	c        *pool.Client
	loginURL string // the pool's login page, "?authRequestID=" appended
}

var _ op.Client = (*client)(nil)

func (p *Provider) opClient(c *pool.Client) *client {
	return &client{c: c, loginURL: p.Issuer(c.UserPoolId) + PathLogin + "?authRequestID="}
}

// confidential reports whether the app has a secret: only those may use client_credentials and
// introspection; the others (public: SPAs, mobile) must use PKCE.
func confidential(c *pool.Client) bool { return c.ClientSecret != "" }

// oauthEnabled reports whether the app may use the OAuth flows at all (Cognito's
// AllowedOAuthFlowsUserPoolClient).
func oauthEnabled(c *pool.Client, flow string) bool {
	return c.AllowedOAuthFlowsUserPoolClient && slices.Contains(c.AllowedOAuthFlows, flow)
}

// mayRefresh reports whether the app may use refresh tokens: the legacy auth flows always
// allowed it; with ALLOW_ values it takes ALLOW_REFRESH_TOKEN_AUTH.
func mayRefresh(c *pool.Client) bool {
	for _, f := range c.ExplicitAuthFlows {
		if f == "ALLOW_REFRESH_TOKEN_AUTH" {
			return true
		}
		if !strings.HasPrefix(f, "ALLOW_") {
			return true
		}
	}
	return false
}

func (c *client) GetID() string                    { return c.c.ClientId }
func (c *client) RedirectURIs() []string           { return c.c.CallbackURLs }
func (c *client) PostLogoutRedirectURIs() []string { return c.c.LogoutURLs }
func (c *client) LoginURL(id string) string        { return c.loginURL + url.QueryEscape(id) }
func (c *client) AccessTokenType() op.AccessTokenType {
	return op.AccessTokenTypeJWT
}
func (c *client) IDTokenLifetime() time.Duration { return c.c.IDTokenTTL() }
func (c *client) DevMode() bool                  { return false }
func (c *client) ClockSkew() time.Duration       { return 0 }

func (c *client) ApplicationType() op.ApplicationType {
	if confidential(c.c) {
		return op.ApplicationTypeWeb
	}
	return op.ApplicationTypeNative
}

func (c *client) AuthMethod() oidc.AuthMethod {
	if confidential(c.c) {
		return oidc.AuthMethodBasic // client_secret_post is accepted too (op.Config.AuthMethodPost)
	}
	return oidc.AuthMethodNone
}

func (c *client) ResponseTypes() []oidc.ResponseType {
	var out []oidc.ResponseType
	if oauthEnabled(c.c, pool.FlowCode) {
		out = append(out, oidc.ResponseTypeCode)
	}
	if oauthEnabled(c.c, pool.FlowImplicit) {
		out = append(out, responseToken, oidc.ResponseTypeIDToken, oidc.ResponseTypeIDTokenOnly)
	}
	return out
}

func (c *client) GrantTypes() []oidc.GrantType {
	var out []oidc.GrantType
	if oauthEnabled(c.c, pool.FlowCode) {
		out = append(out, oidc.GrantTypeCode)
	}
	if oauthEnabled(c.c, pool.FlowImplicit) {
		out = append(out, oidc.GrantTypeImplicit)
	}
	if oauthEnabled(c.c, pool.FlowClientCredentials) && confidential(c.c) {
		out = append(out, oidc.GrantTypeClientCredentials)
	}
	if mayRefresh(c.c) {
		out = append(out, oidc.GrantTypeRefreshToken)
	}
	return out
}

func identityScopes(scopes []string) []string { return scopes }

func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return identityScopes
}

func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return identityScopes
}

func (c *client) IsScopeAllowed(scope string) bool {
	return slices.Contains(c.c.AllowedOAuthScopes, scope)
}

// IDTokenUserinfoClaimsAssertion is true: Cognito's ID tokens carry the profile and email
// claims even when an access token is issued beside them.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
