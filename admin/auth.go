package admin

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/userpool/userpool/audit"
	"github.com/userpool/userpool/httpx"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/templates"
	"github.com/userpool/userpool/user"
)

// Names of what Setup creates.
const (
	SystemPoolName = "Userpool operators"
	ClientName     = "admin-console"
	// FirstOperator is the username of the operator created with the system pool.
	FirstOperator = "admin"
)

// Credentials are the first operator's, returned by Setup once.
type Credentials struct {
	PoolID, Username, Password string
}

// Setup finds or creates the system pool and the console's app client. When the pool has no
// operator yet it creates FirstOperator with a temporary password (changed at the first
// sign-in) and returns the credentials; otherwise it returns nil.
func (h *Handler) Setup(ctx context.Context) (*Credentials, error) {
	p, _, err := h.Pools.EnsureSystemPool(ctx, &pool.Pool{Name: SystemPoolName,
		AdminCreateUserConfig: pool.AdminCreateUserConfig{AllowAdminCreateUserOnly: true}})
	if err != nil {
		return nil, fmt.Errorf("admin console: %w", err)
	}
	h.systemPoolID = p.Id
	c, err := h.ensureClient(ctx, p.Id)
	if err != nil {
		return nil, err
	}
	h.clientID, h.clientSecret = c.ClientId, c.ClientSecret
	n, err := h.Pools.CountUsers(ctx, p.Id)
	if err != nil || n > 0 {
		return nil, err
	}
	_, password, err := h.Users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: FirstOperator, MessageAction: "SUPPRESS"})
	if err != nil {
		return nil, fmt.Errorf("admin console: create the first operator: %w", err)
	}
	return &Credentials{PoolID: p.Id, Username: FirstOperator, Password: password}, nil
}

// SystemPoolID and ClientID are the operators' pool and the console's app (after Setup).
func (h *Handler) SystemPoolID() string { return h.systemPoolID }
func (h *Handler) ClientID() string     { return h.clientID }

func (h *Handler) callbackURL() string  { return h.PublicURL + "/admin/callback" }
func (h *Handler) signedOutURL() string { return h.PublicURL + "/admin/signed-out" }

// ensureClient finds or creates the console's confidential app, registering the current
// public URL's callback and sign-out URLs.
func (h *Handler) ensureClient(ctx context.Context, poolID string) (*pool.Client, error) {
	want := pool.ClientDefaults()
	want.ClientName = ClientName
	want.CallbackURLs, want.LogoutURLs = []string{h.callbackURL()}, []string{h.signedOutURL()}
	want.AllowedOAuthFlows, want.AllowedOAuthScopes = []string{pool.FlowCode}, []string{"openid", "profile"}
	want.AllowedOAuthFlowsUserPoolClient = true
	// Short-lived tokens: the console keeps its own session and uses the tokens only once.
	want.AccessTokenValidity, want.IdTokenValidity, want.RefreshTokenValidity = 5, 5, 60
	want.TokenValidityUnits = pool.TokenValidityUnits{AccessToken: pool.UnitMinutes, IdToken: pool.UnitMinutes, RefreshToken: pool.UnitMinutes}
	c, err := h.Pools.EnsureClient(ctx, poolID, &want, true)
	if err != nil {
		return nil, fmt.Errorf("admin console: %w", err)
	}
	return c, nil
}

// The console session cookie and the sign-in flow cookie.
const (
	sessionCookie = "userpool_admin"
	flowCookie    = "userpool_admin_flow"
)

// operator is the signed-in operator of a request.
type operator struct {
	sub, username string
}

type operatorFunc func(w http.ResponseWriter, r *http.Request, op *operator)

// operator requires a live console session: without one a GET goes to the sign-in (and comes
// back afterwards), anything else is refused. Every POST must carry the CSRF token.
func (h *Handler) operator(fn operatorFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		op, err := h.currentOperator(r)
		if err != nil {
			h.logger().ErrorContext(r.Context(), "console session", "err", err)
			http.Error(w, "Internal error", http.StatusInternalServerError)
			return
		}
		if op == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, h.basePath()+"/admin/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.problem(w, r, nil, http.StatusUnauthorized, "Signed out", "Your console session ended. Sign in again, then repeat the change.")
			return
		}
		if r.Method == http.MethodPost && !h.parseForm(w, r, op) {
			return
		}
		if r.Method == http.MethodPost && !h.csrf().Check(r, "admin") {
			h.problem(w, r, op, http.StatusForbidden, "The form has expired",
				"The form was not sent from this console (or it is too old), so nothing was changed. Go back, reload the page and try again.")
			return
		}
		fn(w, r, op)
	}
}

// currentOperator returns the operator of the request's session cookie, or nil. A session
// past its idle timeout or maximum age is deleted; a live one is touched. The operator must
// still be able to sign in (exists, enabled, no pending step).
func (h *Handler) currentOperator(r *http.Request) (*operator, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	ctx := r.Context()
	hash := session.HashBrowserID(c.Value)
	s, err := h.Sessions.GetOperatorSession(ctx, h.systemPoolID, hash)
	if err != nil || s == nil {
		return nil, err
	}
	now := h.now()
	if !now.Before(s.ExpiresAt) || !now.Before(s.LastSeenAt.Add(h.idleTimeout())) {
		return nil, h.Sessions.DeleteOperatorSession(ctx, h.systemPoolID, hash)
	}
	if _, err := h.Users.Resume(ctx, h.systemPoolID, s.Sub); err != nil {
		return nil, h.Sessions.DeleteOperatorSession(ctx, h.systemPoolID, hash)
	}
	if err := h.Sessions.TouchOperatorSession(ctx, h.systemPoolID, hash, now); err != nil {
		return nil, err
	}
	return &operator{sub: s.Sub, username: s.Username}, nil
}

func (h *Handler) idleTimeout() time.Duration {
	if h.IdleTimeout > 0 {
		return h.IdleTimeout
	}
	return DefaultIdleTimeout
}

func (h *Handler) maxAge() time.Duration {
	if h.MaxAge > 0 {
		return h.MaxAge
	}
	return DefaultMaxAge
}

// flow carries the state, nonce, PKCE verifier and return path of one sign-in between
// /admin/login and the callback.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"r"`
}

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// context returns ctx with the HTTP client the relying-party libraries use.
func (h *Handler) context(ctx context.Context) context.Context {
	c := &http.Client{Timeout: 10 * time.Second}
	if h.Local != nil {
		c.Transport = httpx.InProcess{Handler: h.Local}
	}
	return oidc.ClientContext(ctx, c)
}

func (h *Handler) oauth(ctx context.Context) (*oauth2.Config, *oidc.Provider, error) {
	p, err := oidc.NewProvider(ctx, h.PublicURL+"/"+h.systemPoolID)
	if err != nil {
		return nil, nil, fmt.Errorf("discovery: %w", err)
	}
	return &oauth2.Config{ClientID: h.clientID, ClientSecret: h.clientSecret, Endpoint: p.Endpoint(),
		RedirectURL: h.callbackURL(), Scopes: []string{oidc.ScopeOpenID, "profile"}}, p, nil
}

// safeNext keeps a return path only when it is a console path of this server.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/admin/") && !strings.HasPrefix(next, "/admin//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/admin/"
}

// startSignIn sends the browser to the system pool's hosted sign-in. prompt=login asks for
// the password even when the pool's single sign-on session is still there, so that a
// console session that timed out is not silently renewed.
func (h *Handler) startSignIn(w http.ResponseWriter, r *http.Request) {
	cfg, _, err := h.oauth(h.context(r.Context()))
	if err != nil {
		h.logger().ErrorContext(r.Context(), "console sign-in", "err", err)
		h.problem(w, r, nil, http.StatusBadGateway, "The console cannot reach the sign-in",
			"The console could not read the system pool's OpenID configuration. Check that the server's public URL (--public-url) is right.")
		return
	}
	f := flow{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(), Next: safeNext(r.URL.Query().Get("next"))}
	raw, _ := json.Marshal(f)
	http.SetCookie(w, h.cookie(flowCookie, base64.RawURLEncoding.EncodeToString(raw), 600))
	http.Redirect(w, r, cfg.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier),
		oauth2.SetAuthURLParam("prompt", "login")), http.StatusFound)
}

// callback exchanges the code, verifies the ID token and starts a console session.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		h.problem(w, r, nil, http.StatusBadRequest, "The sign-in did not complete",
			fmt.Sprintf("The sign-in answered %q: %s", e, q.Get("error_description")))
		return
	}
	var f flow
	c, err := r.Cookie(flowCookie)
	if err == nil {
		var raw []byte
		if raw, err = base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			err = json.Unmarshal(raw, &f)
		}
	}
	if err != nil || f.State == "" || q.Get("state") != f.State {
		h.render(w, r, http.StatusBadRequest, templates.AdminPageMessage, templates.AdminMessage{
			AdminBase:  templates.AdminBase{Title: "This sign-in is not the console's"},
			Paragraphs: []string{"The answer does not match a sign-in this browser started (or it was already used)."},
			Next:       &templates.Link{URL: h.basePath() + "/admin/login", Text: "Sign in again"}})
		return
	}
	http.SetCookie(w, h.cookie(flowCookie, "", -1))
	sub, username, err := h.exchange(r.Context(), q.Get("code"), f)
	if err != nil {
		h.logger().WarnContext(r.Context(), "console sign-in failed", "err", err)
		h.problem(w, r, nil, http.StatusBadGateway, "The sign-in did not complete", "The console could not verify the sign-in. Try again.")
		return
	}
	id := random()
	now := h.now()
	if old, err := r.Cookie(sessionCookie); err == nil && old.Value != "" {
		_ = h.Sessions.DeleteOperatorSession(r.Context(), h.systemPoolID, session.HashBrowserID(old.Value))
	}
	if err := h.Sessions.DeleteExpiredOperatorSessions(r.Context(), h.systemPoolID, now, now.Add(-h.idleTimeout())); err != nil {
		h.logger().WarnContext(r.Context(), "deleting expired console sessions", "err", err)
	}
	if err := h.Sessions.CreateOperatorSession(r.Context(), &session.OperatorSession{IDHash: session.HashBrowserID(id), PoolID: h.systemPoolID,
		Sub: sub, Username: username, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(h.maxAge())}); err != nil {
		h.logger().ErrorContext(r.Context(), "console session", "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, h.cookie(sessionCookie, id, 0))
	h.logger().InfoContext(r.Context(), "operator signed in to the console", "operator", username)
	h.Audit.Record(r.Context(), audit.Record{ActorKind: audit.Operator, Actor: username, Action: "signin"})
	http.Redirect(w, r, h.basePath()+f.Next, http.StatusSeeOther)
}

// exchange redeems the code and returns the operator's sub and username from the ID token.
func (h *Handler) exchange(ctx context.Context, code string, f flow) (sub, username string, err error) {
	ctx = h.context(ctx)
	cfg, p, err := h.oauth(ctx)
	if err != nil {
		return "", "", err
	}
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return "", "", fmt.Errorf("code exchange: %w", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return "", "", errors.New("the token response has no id_token")
	}
	idToken, err := p.Verifier(&oidc.Config{ClientID: h.clientID}).Verify(ctx, rawID)
	if err != nil {
		return "", "", fmt.Errorf("ID token: %w", err)
	}
	if idToken.Nonce != f.Nonce {
		return "", "", errors.New("ID token: the nonce does not match")
	}
	var claims struct {
		Username string `json:"cognito:username"`
	}
	if err := idToken.Claims(&claims); err != nil {
		return "", "", fmt.Errorf("ID token: %w", err)
	}
	if claims.Username == "" {
		claims.Username = idToken.Subject
	}
	return idToken.Subject, claims.Username, nil
}

// signOut ends the console session and the system pool's single sign-on session.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, op *operator) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := h.Sessions.DeleteOperatorSession(r.Context(), h.systemPoolID, session.HashBrowserID(c.Value)); err != nil {
			h.fail(w, r, op, err)
			return
		}
	}
	http.SetCookie(w, h.cookie(sessionCookie, "", -1))
	h.logger().InfoContext(r.Context(), "operator signed out of the console", "operator", op.username)
	http.Redirect(w, r, h.PublicURL+"/"+h.systemPoolID+"/logout?"+url.Values{"client_id": {h.clientID}, "logout_uri": {h.signedOutURL()}}.Encode(), http.StatusSeeOther)
}

func (h *Handler) signedOut(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, templates.AdminPageMessage, templates.AdminMessage{
		AdminBase:  templates.AdminBase{Title: "Signed out"},
		Paragraphs: []string{"You are signed out of the Userpool console."},
		Next:       &templates.Link{URL: h.basePath() + "/admin/login", Text: "Sign in"}})
}
