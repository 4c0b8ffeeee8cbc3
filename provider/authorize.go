package provider

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/token"
)

// Response types and modes we answer.
const (
	responseCode         = string(oidc.ResponseTypeCode)
	responseIDToken      = string(oidc.ResponseTypeIDTokenOnly) // "id_token"
	responseIDTokenAndAT = string(oidc.ResponseTypeIDToken)     // "id_token token"
	// responseToken is Cognito's implicit grant: an access token, and an ID token too when
	// the openid scope is granted.
	responseToken         = "token"
	modeQuery             = string(oidc.ResponseModeQuery)
	modeFragment          = string(oidc.ResponseModeFragment)
	modeFormPost          = string(oidc.ResponseModeFormPost)
	maxAuthorizeParamSize = 64 << 10
)

// challengeRE is an S256 code challenge: base64url of a SHA-256 digest, no padding.
var challengeRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// verifierRE is a PKCE code verifier (RFC 7636 section 4.1).
var verifierRE = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// target is where an authorization response goes: the client's verified redirect URI.
type target struct {
	redirectURI  string
	state        string
	responseType string
	responseMode string
}

// mode returns the response mode, defaulting as OAuth does: query for code, fragment for
// responses that carry tokens.
func (t target) mode() string {
	if t.responseMode != "" {
		return t.responseMode
	}
	if t.responseType == responseCode || t.responseType == "" {
		return modeQuery
	}
	return modeFragment
}

// authorize serves GET and POST /oauth2/authorize: it checks the request, stores it and sends
// the browser to the pool's login page. A bad client or redirect URI gets an error page (an
// attacker must not be able to bounce the browser anywhere); every other error goes back to
// the client's redirect URI with state and iss.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pl := PoolFromContext(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, maxAuthorizeParamSize)
	if err := r.ParseForm(); err != nil {
		errorPage(w, http.StatusBadRequest, "The request could not be read.")
		return
	}
	q := r.Form
	clientID, redirectURI := q.Get("client_id"), q.Get("redirect_uri")
	if clientID == "" {
		errorPage(w, http.StatusBadRequest, "The request has no client_id.")
		return
	}
	c, err := p.client(ctx, pl.Id, clientID)
	if err != nil {
		errorPage(w, http.StatusBadRequest, "The app client is unknown.")
		return
	}
	if redirectURI == "" {
		errorPage(w, http.StatusBadRequest, "The request has no redirect_uri.")
		return
	}
	if !redirectAllowed(c, redirectURI) {
		errorPage(w, http.StatusBadRequest, "The redirect_uri is not registered for this app client.")
		return
	}
	t := target{redirectURI: redirectURI, state: q.Get("state"), responseType: q.Get("response_type")}
	switch m := q.Get("response_mode"); m {
	case "", modeQuery, modeFragment, modeFormPost:
		t.responseMode = m
	default:
		p.respondError(w, r, pl.Id, t, string(oidc.InvalidRequest), "unsupported response_mode")
		return
	}
	if t.responseMode == modeQuery && t.responseType != responseCode && t.responseType != "" {
		// Tokens in a query string end up in logs, Referer headers and history (OAuth 2.0
		// Multiple Response Type Encoding Practices): the error goes by fragment.
		t.responseMode = ""
		p.respondError(w, r, pl.Id, t, string(oidc.InvalidRequest), "response_mode=query cannot carry tokens; use fragment or form_post")
		return
	}
	ar, oerr := p.checkAuthorize(c, q, t)
	if oerr != nil {
		p.respondError(w, r, pl.Id, t, string(oerr.ErrorType), oerr.Description)
		return
	}
	if hint := q.Get("id_token_hint"); hint != "" {
		// OpenID Connect: the hint names the user the app expects; only that user's session
		// may pass through (login), and the sign-in form starts with their username.
		claims, err := p.verifyHint(ctx, pl, hint)
		if err != nil || claims.Audience[0] != c.ClientId {
			p.respondError(w, r, pl.Id, t, string(oidc.InvalidRequest), "id_token_hint is not an ID token of this pool for this app client")
			return
		}
		ar.IDTokenHintSub = claims.Subject
		if ar.LoginHint == "" {
			ar.LoginHint = signInName(pl, claims)
		}
	}
	now := p.now()
	ar.ID = randomToken(32)
	ar.PoolID = pl.Id
	ar.CreatedAt = now
	ar.ExpiresAt = now.Add(time.Duration(c.AuthSessionValidity) * time.Minute)
	if err := p.store.CreateAuthRequest(ctx, ar); err != nil {
		slog.ErrorContext(ctx, "store auth request", "pool", pl.Id, "err", err)
		p.respondError(w, r, pl.Id, t, string(oidc.ServerError), "internal error")
		return
	}
	http.Redirect(w, r, p.opClient(c).LoginURL(ar.ID), http.StatusFound)
}

// checkAuthorize validates an authorization request of a known client with a verified
// redirect URI and returns the request to store.
func (p *Provider) checkAuthorize(c *pool.Client, q url.Values, t target) (*session.AuthRequest, *oidc.Error) {
	if q.Get("request") != "" {
		return nil, oidc.ErrRequestNotSupported().WithDescription("the request parameter is not supported")
	}
	if q.Get("request_uri") != "" {
		return nil, &oidc.Error{ErrorType: "request_uri_not_supported", Description: "the request_uri parameter is not supported"}
	}
	if !c.AllowedOAuthFlowsUserPoolClient {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("the app client may not use OAuth flows")
	}
	switch t.responseType {
	case responseCode:
		if !oauthEnabled(c, pool.FlowCode) {
			return nil, oidc.ErrUnauthorizedClient().WithDescription("the code flow is not enabled for this app client")
		}
	case responseIDToken, responseIDTokenAndAT, responseToken:
		if !oauthEnabled(c, pool.FlowImplicit) {
			return nil, oidc.ErrUnauthorizedClient().WithDescription("the implicit flow is not enabled for this app client")
		}
	case "":
		return nil, oidc.ErrInvalidRequest().WithDescription("response_type is missing")
	default:
		return nil, &oidc.Error{ErrorType: "unsupported_response_type", Description: `response_type must be code, token, id_token or "id_token token"`}
	}
	scopes := uniqueFields(q.Get("scope"))
	if len(scopes) == 0 {
		scopes = slices.Clone(c.AllowedOAuthScopes) // Cognito grants every allowed scope
	}
	for _, s := range scopes {
		if !slices.Contains(c.AllowedOAuthScopes, s) {
			return nil, oidc.ErrInvalidScope().WithDescription("scope %q is not allowed for this app client", s)
		}
	}
	implicit := t.responseType != responseCode
	// response_type=token asks for an ID token only through the openid scope, and like
	// Cognito does not require a nonce then; the OpenID Connect response types require both.
	idTokenType := implicit && t.responseType != responseToken
	if idTokenType && !slices.Contains(scopes, oidc.ScopeOpenID) {
		return nil, oidc.ErrInvalidScope().WithDescription("an ID token needs the openid scope")
	}
	if idTokenType && q.Get("nonce") == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("nonce is required for response types with an ID token")
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method without code_challenge")
	case challenge != "" && method != string(oidc.CodeChallengeMethodS256):
		// An absent method means plain (RFC 7636 section 4.3), which is refused like "plain".
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	case challenge != "" && !challengeRE.MatchString(challenge):
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge must be 43 base64url characters")
	case challenge == "" && !implicit && !confidential(c):
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE (code_challenge with S256) is required for public clients")
	}
	prompt := uniqueFields(q.Get("prompt"))
	for _, v := range prompt {
		switch v {
		case oidc.PromptNone, oidc.PromptLogin, oidc.PromptConsent, oidc.PromptSelectAccount:
		default:
			return nil, oidc.ErrInvalidRequest().WithDescription("unsupported prompt value %q", v)
		}
	}
	if slices.Contains(prompt, oidc.PromptNone) && len(prompt) > 1 {
		return nil, oidc.ErrInvalidRequest().WithDescription("prompt=none must be used alone")
	}
	ar := &session.AuthRequest{ClientID: c.ClientId, RedirectURI: t.redirectURI, Scopes: scopes, State: t.state,
		Nonce: q.Get("nonce"), ResponseType: t.responseType, ResponseMode: t.responseMode,
		CodeChallenge: challenge, CodeChallengeMethod: method, Prompt: prompt, LoginHint: q.Get("login_hint"),
		UILocales: uniqueFields(q.Get("ui_locales"))}
	if v := q.Get("max_age"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, oidc.ErrInvalidRequest().WithDescription("max_age must be a non-negative number of seconds")
		}
		ar.MaxAge = &n
	}
	return ar, nil
}

func uniqueFields(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// redirectAllowed matches a redirect URI against the client's callback URLs exactly (no
// normalisation: case, trailing slash and port all count). With AllowLoopbackRedirectAnyPort,
// an http loopback URL may differ from a registered loopback URL in its port only (RFC 8252).
func redirectAllowed(c *pool.Client, uri string) bool {
	if slices.Contains(c.CallbackURLs, uri) {
		return true
	}
	if !c.AllowLoopbackRedirectAnyPort {
		return false
	}
	u, ok := pool.IsLoopbackRedirect(uri)
	if !ok || u.User != nil || u.Fragment != "" {
		return false
	}
	for _, reg := range c.CallbackURLs {
		ru, ok := pool.IsLoopbackRedirect(reg)
		if ok && ru.Hostname() == u.Hostname() && ru.EscapedPath() == u.EscapedPath() && ru.RawQuery == u.RawQuery {
			return true
		}
	}
	return false
}

// callback serves /oauth2/authorize/callback?id=…, where the login page sends the browser once
// the user signed in: it answers the client with a code (or tokens, for the implicit flow).
// The request is consumed here, so the URL works once.
func (p *Provider) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pl := PoolFromContext(ctx)
	ar, err := p.store.GetAuthRequest(ctx, pl.Id, r.URL.Query().Get("id"), p.now())
	if err != nil {
		errorPage(w, http.StatusBadRequest, "This sign-in request is unknown or has expired. Please start again from the app.")
		return
	}
	c, err := p.client(ctx, pl.Id, ar.ClientID)
	if err != nil {
		errorPage(w, http.StatusBadRequest, "The app client is unknown.")
		return
	}
	t := target{redirectURI: ar.RedirectURI, state: ar.State, responseType: ar.ResponseType, responseMode: ar.ResponseMode}
	if !ar.Done {
		p.respondError(w, r, pl.Id, t, string(oidc.InteractionRequired), "the user has not signed in")
		return
	}
	code := randomToken(32)
	if err := p.store.SaveCode(ctx, pl.Id, ar.ID, hashSecret(code), p.now().Add(CodeTTL)); err != nil {
		errorPage(w, http.StatusBadRequest, "This sign-in request was already used. Please start again from the app.")
		return
	}
	if ar.ResponseType == responseCode {
		p.respond(w, pl.Id, t, url.Values{"code": {code}})
		return
	}
	// Implicit: the tokens go in the response itself (the saved code only marks the request used).
	a := &authRequest{r: ar, issued: issued{client: c, jti: token.NewJTI()}}
	if _, err := p.startFamily(ctx, a, false); err != nil {
		oe := oauthError(err)
		p.respondError(w, r, pl.Id, t, string(oe.ErrorType), oe.Description)
		return
	}
	resp, err := p.implicitTokens(ctx, a, c)
	if err != nil {
		oe := oauthError(err)
		p.respondError(w, r, pl.Id, t, string(oe.ErrorType), oe.Description)
		return
	}
	v := url.Values{}
	if resp.IDToken != "" {
		v.Set("id_token", resp.IDToken)
	}
	if resp.AccessToken != "" {
		v.Set("access_token", resp.AccessToken)
		v.Set("token_type", oidc.BearerToken)
		v.Set("expires_in", strconv.FormatUint(resp.ExpiresIn, 10))
	}
	p.respond(w, pl.Id, t, v)
}

// implicitTokens makes the tokens of an implicit response: an ID token for id_token, both for
// "id_token token", and for token an access token plus an ID token when openid was granted.
func (p *Provider) implicitTokens(ctx context.Context, a *authRequest, c *pool.Client) (*oidc.AccessTokenResponse, error) {
	rt := a.r.ResponseType
	if rt == responseToken && !wantsIDToken(a.r.Scopes) {
		oc := p.opClient(c)
		at, _, validity, err := op.CreateAccessToken(ctx, a, oc.AccessTokenType(), p.op, oc, "")
		if err != nil {
			return nil, err
		}
		return &oidc.AccessTokenResponse{AccessToken: at, ExpiresIn: uint64(validity.Seconds())}, nil
	}
	return op.CreateTokenResponse(ctx, a, p.opClient(c), p.op, rt != responseIDToken, "", "")
}

// respond sends an authorization response to the client: params plus state and iss (RFC 9207),
// in the query, the fragment or an auto-submitted form.
func (p *Provider) respond(w http.ResponseWriter, poolID string, t target, params url.Values) {
	if t.state != "" {
		params.Set("state", t.state)
	}
	params.Set("iss", p.Issuer(poolID))
	w.Header().Set("Cache-Control", "no-store")
	switch t.mode() {
	case modeFormPost:
		formPost(w, t.redirectURI, params)
	case modeFragment:
		u, err := url.Parse(t.redirectURI)
		if err != nil {
			errorPage(w, http.StatusBadRequest, "The redirect_uri is not a valid URL.")
			return
		}
		u.RawFragment = params.Encode()
		u.Fragment, _ = url.PathUnescape(u.RawFragment)
		w.Header().Set("Location", u.String())
		w.WriteHeader(http.StatusFound)
	default:
		u, err := url.Parse(t.redirectURI)
		if err != nil {
			errorPage(w, http.StatusBadRequest, "The redirect_uri is not a valid URL.")
			return
		}
		q := u.Query()
		for k, vs := range params {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
		w.Header().Set("Location", u.String())
		w.WriteHeader(http.StatusFound)
	}
}

// respondError sends an OAuth error to the client's (verified) redirect URI.
func (p *Provider) respondError(w http.ResponseWriter, r *http.Request, poolID string, t target, errType, description string) {
	slog.InfoContext(r.Context(), "authorization request refused", "pool", poolID, "error", errType, "description", description)
	v := url.Values{"error": {errType}}
	if description != "" {
		v.Set("error_description", description)
	}
	p.respond(w, poolID, t, v)
}

// formPostScript submits the form_post page's form. The page's CSP allows this script by its
// hash and nothing else.
const formPostScript = `document.forms[0].submit()`

var formPostScriptHash = func() string {
	sum := sha256.Sum256([]byte(formPostScript))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

var formPostTmpl = template.Must(template.New("form_post").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Signing in…</title></head>
<body>
<form method="post" action="{{.URI}}">{{range $k, $vs := .Params}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">{{end}}{{end}}
<noscript><button type="submit">Continue</button></noscript></form>
<script>` + formPostScript + `</script>
</body></html>`))

// formPost answers with a page that posts params to the redirect URI (response_mode=form_post).
// Only its own script runs, and the form may go only to the redirect URI's origin.
func formPost(w http.ResponseWriter, uri string, params url.Values) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src "+formPostScriptHash+"; form-action "+formAction(uri)+"; frame-ancestors 'none'")
	if err := formPostTmpl.Execute(w, struct {
		URI    string
		Params url.Values
	}{uri, params}); err != nil {
		slog.Error("write form_post response", "err", err)
	}
}

// formAction is the CSP source of the redirect URI's origin.
func formAction(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return "'none'"
	}
	return u.Scheme + "://" + u.Host
}

var errorTmpl = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign-in error</title></head>
<body><h1>Sign-in error</h1><p>{{.}}</p></body></html>`))

// errorPage shows an error to the user without redirecting anywhere.
func errorPage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = errorTmpl.Execute(w, msg)
}

// --- the login package's side (login.Authorizer)

// AuthRequest returns a pending authorization request of the pool for the login page.
func (p *Provider) AuthRequest(ctx context.Context, poolID, id string) (*session.AuthRequest, error) {
	ar, err := p.store.GetAuthRequest(ctx, poolID, id, p.now())
	if err != nil {
		return nil, fmt.Errorf("authorization request: %w", err)
	}
	if ar.Done {
		return nil, fmt.Errorf("authorization request %s: already completed: %w", id, session.ErrConflict)
	}
	return ar, nil
}

// Complete records that sub signed in for the request and returns the callback URL to send the
// browser to. A disabled or deleted user cannot complete a request, even from an SSO session.
func (p *Provider) Complete(ctx context.Context, poolID, id, sub string, authTime time.Time, amr []string) (string, error) {
	if _, err := p.tokenUser(ctx, poolID, sub); err != nil {
		return "", fmt.Errorf("complete authorization request: %w", err)
	}
	if err := p.store.CompleteAuthRequest(ctx, poolID, id, sub, authTime.UTC(), amr, p.now()); err != nil {
		return "", fmt.Errorf("complete authorization request: %w", err)
	}
	return p.CallbackURL(poolID, id), nil
}

// Fail answers the pending request with an OAuth error (e.g. login_required for prompt=none
// without a session) at the client's redirect URI, in the request's response mode, with iss.
// The request is used up. An unknown request gets the error page.
func (p *Provider) Fail(w http.ResponseWriter, r *http.Request, poolID, id, oauthError, description string) {
	ctx := r.Context()
	ar, err := p.AuthRequest(ctx, poolID, id)
	if err != nil {
		errorPage(w, http.StatusBadRequest, "This sign-in request is unknown or has expired. Please start again from the app.")
		return
	}
	// Saving a code nobody knows marks the request used, so its callback cannot run later.
	if err := p.store.CompleteAuthRequest(ctx, poolID, id, "", time.Time{}, nil, p.now()); err == nil {
		_ = p.store.SaveCode(ctx, poolID, id, hashSecret(randomToken(32)), p.now())
	} else if !errors.Is(err, session.ErrConflict) {
		slog.ErrorContext(ctx, "close failed authorization request", "pool", poolID, "err", err)
	}
	t := target{redirectURI: ar.RedirectURI, state: ar.State, responseType: ar.ResponseType, responseMode: ar.ResponseMode}
	p.respondError(w, r, poolID, t, oauthError, description)
}
