package provider

import (
	"context"
	"errors"
	"net/http"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/httpx"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/token"
)

// discoveryDoc is the OpenID Provider metadata; it lists exactly what is supported.
type discoveryDoc struct {
	Issuer                                     string   `json:"issuer"`
	AuthorizationEndpoint                      string   `json:"authorization_endpoint"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	UserinfoEndpoint                           string   `json:"userinfo_endpoint"`
	RevocationEndpoint                         string   `json:"revocation_endpoint"`
	IntrospectionEndpoint                      string   `json:"introspection_endpoint"`
	EndSessionEndpoint                         string   `json:"end_session_endpoint"`
	JwksURI                                    string   `json:"jwks_uri"`
	ScopesSupported                            []string `json:"scopes_supported"`
	ResponseTypesSupported                     []string `json:"response_types_supported"`
	ResponseModesSupported                     []string `json:"response_modes_supported"`
	GrantTypesSupported                        []string `json:"grant_types_supported"`
	SubjectTypesSupported                      []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported           []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported     []string `json:"revocation_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethodsSupported  []string `json:"introspection_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported"`
	ClaimsSupported                            []string `json:"claims_supported"`
	PromptValuesSupported                      []string `json:"prompt_values_supported"`
	RequestParameterSupported                  bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported               bool     `json:"request_uri_parameter_supported"`
	AuthorizationResponseIssParameterSupported bool     `json:"authorization_response_iss_parameter_supported"`
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	pl := PoolFromContext(r.Context())
	iss := p.Issuer(pl.Id)
	algs := []string{pl.Algorithm()}
	if sk, err := p.signingKey(r.Context(), pl); err == nil && string(sk.SignatureAlgorithm()) != algs[0] {
		algs = append(algs, string(sk.SignatureAlgorithm())) // during a change of algorithm
	}
	doc := discoveryDoc{
		Issuer:                 iss,
		AuthorizationEndpoint:  iss + PathAuthorize,
		TokenEndpoint:          iss + PathToken,
		UserinfoEndpoint:       iss + PathUserInfo,
		RevocationEndpoint:     iss + PathRevoke,
		IntrospectionEndpoint:  iss + PathIntrospect,
		EndSessionEndpoint:     iss + PathLogout,
		JwksURI:                iss + PathJWKS,
		ScopesSupported:        []string{"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"},
		ResponseTypesSupported: []string{responseCode, responseToken, responseIDToken, responseIDTokenAndAT},
		ResponseModesSupported: []string{modeQuery, modeFragment, modeFormPost},
		GrantTypesSupported: []string{string(oidc.GrantTypeCode), string(oidc.GrantTypeImplicit),
			string(oidc.GrantTypeRefreshToken), string(oidc.GrantTypeClientCredentials)},
		SubjectTypesSupported:                     []string{"public"},
		IDTokenSigningAlgValuesSupported:          algs,
		TokenEndpointAuthMethodsSupported:         []string{"client_secret_basic", "client_secret_post", "none"},
		RevocationEndpointAuthMethodsSupported:    []string{"client_secret_basic", "client_secret_post", "none"},
		IntrospectionEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
		CodeChallengeMethodsSupported:             []string{string(oidc.CodeChallengeMethodS256)},
		ClaimsSupported: []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "c_hash", "amr",
			"jti", "origin_jti", "token_use", "cognito:username", "cognito:groups", "name", "given_name", "family_name",
			"middle_name", "nickname", "preferred_username", "profile", "picture", "website", "email", "email_verified",
			"gender", "birthdate", "zoneinfo", "locale", "phone_number", "phone_number_verified", "address", "updated_at"},
		PromptValuesSupported:                      []string{oidc.PromptNone, oidc.PromptLogin, oidc.PromptConsent, oidc.PromptSelectAccount},
		AuthorizationResponseIssParameterSupported: true,
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = httpx.WriteJSON(w, http.StatusOK, "", doc)
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	pl := PoolFromContext(r.Context())
	if _, err := p.signingKey(r.Context(), pl); err != nil { // a new pool's first key
		http.Error(w, "the key set is unavailable", http.StatusServiceUnavailable)
		return
	}
	ks, err := p.keys.PublicKeys(r.Context(), pl.Id)
	if err != nil {
		http.Error(w, "the key set is unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Cache-Control", p.keys.JWKSCacheControl())
	_ = httpx.WriteJSON(w, http.StatusOK, "", jose.JSONWebKeySet{Keys: ks})
}

// bearerError answers a protected resource request (RFC 6750 section 3).
func bearerError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("WWW-Authenticate", `Bearer error="`+code+`", error_description="`+desc+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_ = httpx.WriteJSON(w, status, "", map[string]string{"error": code, "error_description": desc})
}

// bearerToken returns the access token of a request: the Authorization header, or the
// access_token form field of a POST (RFC 6750 section 2.2).
func bearerToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(nil, r.Body, maxTokenRequestSize)
		if r.ParseForm() == nil {
			return r.PostForm.Get("access_token")
		}
	}
	return ""
}

// userInfo serves GET and POST /oauth2/userInfo: the user's claims for a valid access token
// whose family is not revoked and whose user still exists and is enabled.
func (p *Provider) userInfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pl := PoolFromContext(ctx)
	raw := bearerToken(r)
	if raw == "" {
		w.Header().Set("WWW-Authenticate", `Bearer`)
		bearerError(w, http.StatusUnauthorized, "invalid_request", "no access token")
		return
	}
	claims, u, c, err := p.checkAccessToken(ctx, pl, raw)
	if err != nil {
		if !errs.Is(err, errs.NotAuthorized) {
			bearerError(w, http.StatusInternalServerError, "server_error", "internal error")
			return
		}
		bearerError(w, http.StatusUnauthorized, "invalid_token", "the access token is invalid, expired or revoked")
		return
	}
	scopes := claims.Scopes()
	if !token.GrantsUserInfo(scopes) {
		bearerError(w, http.StatusForbidden, "insufficient_scope", "the openid scope is required")
		return
	}
	out, err := token.UserInfo(*u, scopes, c.ReadAttributes)
	if err != nil {
		bearerError(w, http.StatusInternalServerError, "server_error", "internal error")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	_ = httpx.WriteJSON(w, http.StatusOK, "", out)
}

var errRevoked = errs.New(errs.NotAuthorized, "Access Token has been revoked")

// checkAccessToken verifies a user's access token of the pool: signature, issuer, expiry, use,
// that its family (origin_jti) is not revoked, and that its user exists and is enabled. Any
// failure of the token is errs.NotAuthorized.
func (p *Provider) checkAccessToken(ctx context.Context, pl *pool.Pool, raw string) (token.Claims, *token.User, *pool.Client, error) {
	claims, err := p.verifier.Verify(ctx, pl.Id, p.Issuer(pl.Id), raw, token.UseAccess)
	if err != nil {
		return nil, nil, nil, err
	}
	origin, sub := claims.String("origin_jti"), claims.String("sub")
	if origin == "" || claims.String("username") == "" {
		return nil, nil, nil, errs.New(errs.NotAuthorized, "The access token has no user") // client_credentials
	}
	f, err := p.store.GetFamily(ctx, pl.Id, origin)
	if errors.Is(err, session.ErrNotFound) || (err == nil && (f.RevokedAt != nil || f.Sub != sub)) {
		return nil, nil, nil, errRevoked
	}
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := p.client(ctx, pl.Id, claims.String("client_id"))
	if err != nil {
		return nil, nil, nil, errs.Wrap(errs.NotAuthorized, err, "The app client no longer exists")
	}
	u, err := p.tokenUser(ctx, pl.Id, sub)
	if errs.Is(err, errs.UserNotFound) {
		return nil, nil, nil, errs.Wrap(errs.NotAuthorized, err, "The user no longer exists")
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return claims, u, c, nil
}

// introspect serves POST /oauth2/introspect (RFC 7662) for confidential clients of the pool.
// Access tokens of the pool are active while valid and not revoked; refresh tokens only for
// the client they were issued to.
func (p *Provider) introspect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pl := PoolFromContext(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestSize)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, oidc.ErrInvalidRequest().WithDescription("the request body could not be read"))
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	caller, err := p.authenticate(ctx, pl.Id, id, secret)
	if err != nil {
		writeOAuthError(w, http.StatusUnauthorized, oauthError(err))
		return
	}
	raw := r.PostForm.Get("token")
	if raw == "" {
		writeOAuthError(w, http.StatusBadRequest, oidc.ErrInvalidRequest().WithDescription("token is missing"))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	inactive := map[string]any{"active": false}
	if strings.Count(raw, ".") == 2 {
		claims, _, _, err := p.checkAccessToken(ctx, pl, raw)
		if err != nil {
			if !errs.Is(err, errs.NotAuthorized) {
				writeOAuthError(w, http.StatusInternalServerError, oauthError(err))
				return
			}
			// A client_credentials token is valid without a user or family.
			if claims, err = p.verifier.Verify(ctx, pl.Id, p.Issuer(pl.Id), raw, token.UseAccess); err != nil || claims.String("username") != "" {
				_ = httpx.WriteJSON(w, http.StatusOK, "", inactive)
				return
			}
		}
		out := map[string]any{"active": true, "token_type": "Bearer"}
		for _, k := range []string{"scope", "client_id", "username", "sub", "aud", "iss", "exp", "iat", "jti", "token_use", "origin_jti"} {
			if v, ok := claims[k]; ok {
				out[k] = v
			}
		}
		_ = httpx.WriteJSON(w, http.StatusOK, "", out)
		return
	}
	rt, err := p.store.GetRefreshToken(ctx, pl.Id, hashSecret(raw))
	now := p.now()
	if err != nil || rt.ClientID != caller.ClientId || rt.RevokedAt != nil || !now.Before(rt.ExpiresAt) {
		_ = httpx.WriteJSON(w, http.StatusOK, "", inactive)
		return
	}
	if rt.RotatedAt != nil {
		grace := 0
		if caller.RefreshTokenRotation != nil {
			grace = caller.RefreshTokenRotation.RetryGracePeriodSeconds
		}
		if now.Sub(*rt.RotatedAt).Seconds() > float64(grace) {
			_ = httpx.WriteJSON(w, http.StatusOK, "", inactive)
			return
		}
	}
	if f, err := p.store.GetFamily(ctx, pl.Id, rt.FamilyID); err != nil || f.RevokedAt != nil {
		_ = httpx.WriteJSON(w, http.StatusOK, "", inactive)
		return
	}
	_ = httpx.WriteJSON(w, http.StatusOK, "", map[string]any{"active": true, "token_type": "refresh_token",
		"client_id": rt.ClientID, "sub": rt.Sub, "scope": token.JoinScopes(rt.Scopes), "iss": p.Issuer(pl.Id),
		"exp": rt.ExpiresAt.Unix(), "iat": rt.CreatedAt.Unix()})
}
