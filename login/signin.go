package login

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/templates"
	"github.com/userpool/userpool/user"
)

const (
	sessionCookie = "userpool_session"
	// maxFormBytes bounds a posted form; the sign-in form is far smaller.
	maxFormBytes = 64 << 10
	// Longest accepted identifier and password (Cognito: 128-character usernames, 256-character
	// passwords; an email can be longer than a username).
	maxIdentifier = 2048
	maxPassword   = 256
)

// amrPassword is the RFC 8176 method of a password sign-in.
var amrPassword = []string{"pwd"}

// signInPage shows the sign-in form of a pending authorization request, or passes the user
// through with the pool's SSO session. A Cognito-style link (/login?client_id=...) goes to
// /oauth2/authorize with the same query, where the provider checks it.
func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	q := r.URL.Query()
	id := q.Get("authRequestID")
	if id == "" {
		if q.Get("client_id") != "" {
			http.Redirect(w, r, h.basePath()+"/"+p.Id+"/oauth2/authorize?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		h.message(w, r, http.StatusBadRequest, brand(p), "This sign-in link is incomplete",
			"Sign-in starts from the app you want to use. Go back to the app and choose to sign in there.")
		return
	}
	ar, ok := h.authRequest(w, r, p, id)
	if !ok {
		return
	}
	if h.passThrough(w, r, p, ar) {
		return
	}
	h.renderSignIn(w, r, p, ar.ID, ar.LoginHint, http.StatusOK, signInErrors{})
}

// authRequest loads the pending request, answering with an error page when it is not usable.
func (h *Handler) authRequest(w http.ResponseWriter, r *http.Request, p *pool.Pool, id string) (*session.AuthRequest, bool) {
	ar, err := h.Authorizer.AuthRequest(r.Context(), p.Id, id)
	if err != nil {
		h.logger().InfoContext(r.Context(), "sign-in with an unusable auth request", "pool", p.Id, "err", err)
		h.message(w, r, http.StatusBadRequest, brand(p), "This sign-in has expired",
			"The sign-in you started is no longer valid: it took too long, or it was already completed.",
			"Go back to the app and choose to sign in again.")
		return nil, false
	}
	return ar, true
}

// passThrough completes the request with the browser's SSO session when prompt and max_age
// allow it, and reports whether it answered. prompt=none never shows the form: without a
// usable session the client gets login_required.
func (h *Handler) passThrough(w http.ResponseWriter, r *http.Request, p *pool.Pool, ar *session.AuthRequest) bool {
	none := slices.Contains(ar.Prompt, "none")
	if slices.Contains(ar.Prompt, "login") && !none {
		return false
	}
	s := h.ssoSession(r, p)
	if s != nil && ar.MaxAge != nil && h.now().Sub(s.AuthTime) > time.Duration(*ar.MaxAge)*time.Second {
		s = nil
	}
	if s != nil {
		if _, err := h.Users.Resume(r.Context(), p.Id, s.Sub); err != nil {
			if errs.CodeOf(err) == errs.Internal {
				h.internal(w, r, brand(p), err)
				return true
			}
			s = nil
		}
	}
	if s == nil {
		if none {
			h.Authorizer.Fail(w, r, p.Id, ar.ID, "login_required", "The user is not signed in.")
			return true
		}
		return false
	}
	h.complete(w, r, p, ar.ID, s.Sub, s.AuthTime, s.AMR, http.StatusFound)
	return true
}

// ssoSession returns the browser's live SSO session in the pool, or nil.
func (h *Handler) ssoSession(r *http.Request, p *pool.Pool) *session.BrowserSession {
	c, err := r.Cookie(sessionCookie)
	if err != nil || !validCookieValue(c.Value) {
		return nil
	}
	s, err := h.Sessions.Get(r.Context(), p.Id, c.Value)
	if err != nil {
		h.logger().WarnContext(r.Context(), "read SSO session", "pool", p.Id, "err", err)
		return nil
	}
	return s
}

// complete tells the provider who signed in and sends the browser on to the client.
func (h *Handler) complete(w http.ResponseWriter, r *http.Request, p *pool.Pool, id, sub string, authTime time.Time, amr []string, status int) {
	next, err := h.Authorizer.Complete(r.Context(), p.Id, id, sub, authTime, amr)
	if err != nil {
		h.logger().InfoContext(r.Context(), "complete auth request", "pool", p.Id, "err", err)
		h.message(w, r, http.StatusBadRequest, brand(p), "This sign-in has expired",
			"The sign-in you started is no longer valid: it took too long, or it was already completed.",
			"Go back to the app and choose to sign in again.")
		return
	}
	http.Redirect(w, r, next, status)
}

// signInErrors are the messages shown on the form.
type signInErrors struct {
	alert, username, password string
}

func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, p *pool.Pool, id, username string, status int, e signInErrors) {
	label, mode := identifierLabel(p)
	h.render(w, r, status, templates.PageSignIn, templates.SignIn{
		Base: templates.Base{Title: "Sign in", Brand: brand(p), CSRF: h.csrf(w, r, p.Id), Alert: e.alert},
		// The form posts back to this page's path with the request id in the body.
		Action:        h.basePath() + "/" + p.Id + "/login",
		AuthRequestID: id,
		Username:      templates.Field{Label: label, Value: username, Error: e.username},
		Password:      templates.Field{Label: "Password", Error: e.password},
		InputMode:     mode,
	})
}

// identifierLabel names what the pool accepts in the username field, and the keyboard to offer.
func identifierLabel(p *pool.Pool) (string, string) {
	names := map[string]string{"email": "email address", "phone_number": "phone number", "preferred_username": "preferred username"}
	var parts []string
	if len(p.UsernameAttributes) == 0 {
		parts = append(parts, "username")
	}
	for _, a := range p.SignInAttributes() {
		parts = append(parts, names[a])
	}
	mode := "text"
	switch {
	case len(parts) == 1 && parts[0] == "email address":
		mode = "email"
	case len(parts) == 1 && parts[0] == "phone number":
		mode = "tel"
	}
	label := parts[0]
	if n := len(parts); n > 1 {
		label = strings.Join(parts[:n-1], ", ") + " or " + parts[n-1]
	}
	return strings.ToUpper(label[:1]) + label[1:], mode
}

// signIn handles the posted form.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.message(w, r, http.StatusBadRequest, brand(p), "The form could not be read",
			"What your browser sent was not a valid sign-in form. Go back to the app and sign in again.")
		return
	}
	ar, ok := h.authRequest(w, r, p, r.PostFormValue("authRequestID"))
	if !ok {
		return
	}
	username, password := strings.TrimSpace(r.PostFormValue("username")), r.PostFormValue("password")
	if !h.checkCSRF(r, p.Id) {
		// A forged or stale form: nothing is tried, the form is shown again with a fresh token.
		h.renderSignIn(w, r, p, ar.ID, username, http.StatusForbidden, signInErrors{
			alert: "This form has expired or was not sent from this page. Please sign in again."})
		return
	}
	var e signInErrors
	switch {
	case username == "":
		label, _ := identifierLabel(p)
		e.username = "Enter your " + strings.ToLower(label) + "."
	case utf8.RuneCountInString(username) > maxIdentifier:
		e.username = "This is too long to be a valid sign-in name."
	}
	switch {
	case password == "":
		e.password = "Enter your password."
	case utf8.RuneCountInString(password) > maxPassword:
		e.password = "Passwords are at most 256 characters long."
	}
	if e.username != "" || e.password != "" {
		h.renderSignIn(w, r, p, ar.ID, username, http.StatusBadRequest, e)
		return
	}
	res, err := h.Users.SignIn(r.Context(), p.Id, username, password)
	if err != nil {
		status, msg := h.signInError(r, p, ar, err)
		if status == http.StatusInternalServerError {
			h.internal(w, r, brand(p), err)
			return
		}
		h.renderSignIn(w, r, p, ar.ID, username, status, signInErrors{alert: msg})
		return
	}
	if res.Next == user.StepNewPassword {
		h.message(w, r, http.StatusOK, brand(p), "Choose a new password",
			"Your password is temporary: you must choose a new one before you can continue.",
			"Choosing it on this page is not available yet. Ask your administrator to set a permanent password for your account, then sign in again.")
		return
	}
	now := h.now().UTC()
	var old string
	if c, err := r.Cookie(sessionCookie); err == nil && validCookieValue(c.Value) {
		old = c.Value
	}
	sid, err := h.Sessions.Start(r.Context(), p.Id, old, res.User.Sub, now, amrPassword)
	if err != nil {
		h.internal(w, r, brand(p), err)
		return
	}
	http.SetCookie(w, h.cookie(p.Id, sessionCookie, sid, 0))
	h.complete(w, r, p, ar.ID, res.User.Sub, now, amrPassword, http.StatusSeeOther)
}

// signInError maps a failed sign-in to a status and a message. Refusals that could reveal
// whether an account exists share one message; the others come only after a correct
// password, so they tell nothing to someone who does not know it.
func (h *Handler) signInError(r *http.Request, p *pool.Pool, ar *session.AuthRequest, err error) (int, string) {
	e, ok := errs.As(err)
	if !ok {
		return http.StatusInternalServerError, ""
	}
	switch e.Code {
	case errs.NotAuthorized:
		if errors.Is(err, user.ErrUnknownUser) && h.legacyExistenceErrors(r, p, ar) {
			return http.StatusUnauthorized, "User does not exist."
		}
		return http.StatusUnauthorized, e.Message
	case errs.UserNotConfirmed:
		return http.StatusForbidden, "Your account is not confirmed yet. Confirm it with the code we sent you when you signed up, then sign in."
	case errs.PasswordResetRequired:
		return http.StatusForbidden, "You must reset your password before you can sign in."
	case errs.InvalidParameter:
		return http.StatusBadRequest, e.Message
	}
	return http.StatusInternalServerError, ""
}

// legacyExistenceErrors reports whether the request's client opted out of hiding whether a
// user exists (PreventUserExistenceErrors LEGACY).
func (h *Handler) legacyExistenceErrors(r *http.Request, p *pool.Pool, ar *session.AuthRequest) bool {
	c, err := h.Pools.GetClient(r.Context(), p.Id, ar.ClientID)
	return err == nil && c.PreventUserExistenceErrors == pool.PreventUserExistenceLegacy
}
