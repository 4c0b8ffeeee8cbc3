package login

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/mfa"
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
		h.message(w, r, http.StatusBadRequest, h.view(r, p, nil), "err.incomplete_title", "err.incomplete")
		return
	}
	ar, ok := h.authRequest(w, r, p, id)
	if !ok {
		return
	}
	if h.forwardNext(w, r, p, ar) || h.passThrough(w, r, p, ar) {
		return
	}
	h.renderSignIn(w, r, &flow{p: p, ar: ar, v: h.view(r, p, ar)}, ar.LoginHint, http.StatusOK, signInErrors{})
}

// authRequest loads the pending request, answering with an error page when it is not usable.
func (h *Handler) authRequest(w http.ResponseWriter, r *http.Request, p *pool.Pool, id string) (*session.AuthRequest, bool) {
	ar, err := h.Authorizer.AuthRequest(r.Context(), p.Id, id)
	if err != nil {
		h.logger().InfoContext(r.Context(), "sign-in with an unusable auth request", "pool", p.Id, "err", err)
		h.message(w, r, http.StatusBadRequest, h.view(r, p, nil), "err.expired_title", "err.expired", "err.expired_next")
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
	if s != nil && ar.IDTokenHintSub != "" && s.Sub != ar.IDTokenHintSub {
		// The app expects another user (id_token_hint) than the one signed in here.
		s = nil
	}
	var u *user.User
	if s != nil {
		var err error
		if u, err = h.Users.Resume(r.Context(), p.Id, s.Sub); err != nil {
			if errs.CodeOf(err) == errs.Internal {
				h.internal(w, r, h.view(r, p, ar), err)
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
	if lacksSecondFactor(p, u, s.AMR) {
		// The session began before the pool (or the user) required a second factor: it must
		// not stand in for one. prompt=none cannot ask for it.
		if none {
			h.Authorizer.Fail(w, r, p.Id, ar.ID, "interaction_required", "The user must sign in with a second factor.")
			return true
		}
		h.secondFactor(w, r, &flow{p: p, ar: ar, v: h.view(r, p, ar)}, s.Sub)
		return true
	}
	h.complete(w, r, p, ar.ID, s.Sub, s.AuthTime, s.AMR, http.StatusFound)
	return true
}

// lacksSecondFactor reports whether u's sign-in now needs a second factor (mfa.Decide) that a
// session signed in with amr did not give.
func lacksSecondFactor(p *pool.Pool, u *user.User, amr []string) bool {
	return mfa.Decide(p, u).Step != mfa.StepNone && !slices.Contains(amr, mfa.AMRMFA)
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
		h.message(w, r, http.StatusBadRequest, h.view(r, p, nil), "err.expired_title", "err.expired", "err.expired_next")
		return
	}
	http.Redirect(w, r, next, status)
}

// signInErrors are the messages shown on the form.
type signInErrors struct {
	alert, username, password string
}

func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, f *flow, username string, status int, e signInErrors) {
	label, mode := identifierLabel(f.v, f.p)
	h.formPage(w, r, f, status, "signin.title", templates.Form{
		Base: templates.Base{Alert: e.alert},
		// The form posts back to this page's path with the request id in the body.
		Action: h.pageURL(f.p, "login", nil),
		Inputs: []templates.Input{
			{Name: fUsername, ID: "username", Label: label, Type: "text", InputMode: mode, Autocomplete: "username",
				Required: true, MaxLength: maxIdentifier, Value: username, Error: e.username},
			{Name: fPassword, ID: "password", Label: f.v.t("signin.password"), Type: "password", Autocomplete: "current-password",
				Required: true, MaxLength: maxPassword, Error: e.password},
		},
		Submit: f.v.t("signin.submit"),
		Links:  h.links(f, "forgot", "signup"),
	})
}

// identifierLabel names what the pool accepts in the username field, and the keyboard to offer.
func identifierLabel(v view, p *pool.Pool) (string, string) {
	var parts []string
	if len(p.UsernameAttributes) == 0 {
		parts = append(parts, v.t("id.username"))
	}
	for _, a := range p.SignInAttributes() {
		parts = append(parts, v.t("id."+a))
	}
	mode := "text"
	if len(parts) == 1 && len(p.UsernameAttributes) == 1 {
		mode = map[string]string{"email": "email", "phone_number": "tel"}[p.UsernameAttributes[0]]
	}
	label := parts[0]
	if n := len(parts); n > 1 {
		label = v.t("id.or", strings.Join(parts[:n-1], ", "), parts[n-1])
	}
	return strings.ToUpper(label[:1]) + label[1:], mode
}

// signIn handles the posted form.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	if !h.readForm(w, r, p) {
		return
	}
	f := h.startFlow(w, r, p, "login")
	if f == nil {
		return
	}
	username, password := strings.TrimSpace(r.PostFormValue("username")), r.PostFormValue("password")
	if !h.checkCSRF(r, p.Id) {
		// A forged or stale form: nothing is tried, the form is shown again with a fresh token.
		h.renderSignIn(w, r, f, username, http.StatusForbidden, signInErrors{alert: f.v.t("signin.csrf")})
		return
	}
	var e signInErrors
	switch {
	case username == "":
		label, _ := identifierLabel(f.v, p)
		e.username = f.v.t("signin.enter", strings.ToLower(label))
	case utf8.RuneCountInString(username) > maxIdentifier:
		e.username = f.v.t("signin.too_long")
	}
	switch {
	case password == "":
		e.password = f.v.t("signin.enter_password")
	case utf8.RuneCountInString(password) > maxPassword:
		e.password = f.v.t("signin.password_too_long")
	}
	if e.username != "" || e.password != "" {
		h.renderSignIn(w, r, f, username, http.StatusBadRequest, e)
		return
	}
	res, err := h.Users.SignInFor(r.Context(), p.Id, username, password, f.caller())
	if errs.Is(err, errs.UserNotConfirmed) {
		h.toConfirm(w, r, f, username)
		return
	}
	if err != nil {
		status, msg := h.signInError(f, err)
		if status == http.StatusInternalServerError {
			h.internal(w, r, f.v, err)
			return
		}
		h.renderSignIn(w, r, f, username, status, signInErrors{alert: msg})
		return
	}
	h.signedIn(w, r, f, res)
}

// signInError maps a failed sign-in to a status and a message. Refusals that could reveal
// whether an account exists share one message; the others come only after a correct
// password, so they tell nothing to someone who does not know it.
func (h *Handler) signInError(f *flow, err error) (int, string) {
	e, ok := errs.As(err)
	if !ok {
		return http.StatusInternalServerError, ""
	}
	switch e.Code {
	case errs.NotAuthorized:
		switch {
		case errors.Is(err, user.ErrUnknownUser) && f.client.PreventUserExistenceErrors == pool.PreventUserExistenceLegacy:
			return http.StatusUnauthorized, f.v.t("signin.no_user")
		case e.Message == "User is disabled.":
			return http.StatusUnauthorized, f.v.t("signin.disabled")
		case strings.HasPrefix(e.Message, "Temporary password has expired"):
			return http.StatusUnauthorized, f.v.t("signin.temp_expired")
		}
		return http.StatusUnauthorized, f.v.t("signin.incorrect")
	case errs.UserNotConfirmed:
		return http.StatusForbidden, f.v.t("signin.unconfirmed")
	case errs.PasswordResetRequired:
		return http.StatusForbidden, f.v.t("signin.reset_required")
	case errs.InvalidParameter:
		return http.StatusBadRequest, e.Message
	case errs.UserLambdaValidation, errs.UnexpectedLambda, errs.InvalidLambdaResponse:
		return http.StatusForbidden, triggerMessage(f.v, e)
	}
	return http.StatusInternalServerError, ""
}

// triggerMessage tells the user that a trigger refused the action: a refusal carries the
// trigger's own words (Cognito's "PreAuthentication failed with error <message>." without
// the wrapping), a failed or unreadable trigger a generic message to try again.
func triggerMessage(v view, e *errs.Error) string {
	if e.Code != errs.UserLambdaValidation {
		return v.t("err.trigger")
	}
	_, msg, ok := strings.Cut(e.Message, " failed with error ")
	if msg = strings.TrimSpace(strings.TrimSuffix(msg, ".")); !ok || msg == "" {
		return v.t("err.trigger")
	}
	return msg
}

// isTrigger reports whether err is a trigger's refusal or failure.
func isTrigger(err error) bool {
	switch errs.CodeOf(err) {
	case errs.UserLambdaValidation, errs.UnexpectedLambda, errs.InvalidLambdaResponse:
		return true
	}
	return false
}

// caller is who the triggers see behind a hosted page: the app of the request.
func (f *flow) caller() user.Caller {
	return user.Caller{ClientID: f.ar.ClientID}
}

// toConfirm answers the right password of an UNCONFIRMED user: a new code goes out (throttled
// as every send; a throttled user still has the last one) and the confirm page takes the
// user, once the code is right, on to the app. The password was right, so telling the user
// about the account reveals nothing.
func (h *Handler) toConfirm(w http.ResponseWriter, r *http.Request, f *flow, username string) {
	u, err := h.Users.Get(r.Context(), f.p.Id, username)
	if err != nil {
		if isInternal(err) {
			h.internal(w, r, f.v, err)
			return
		}
		h.renderSignIn(w, r, f, username, http.StatusForbidden, signInErrors{alert: f.v.t("signin.unconfirmed")})
		return
	}
	s := step{Pool: f.p.Id, Sub: u.Sub, Request: f.ar.ID, Kind: stepConfirm, Username: username}
	d, err := h.Users.ResendConfirmationCode(r.Context(), f.client, username)
	switch {
	case err == nil:
		s.Destination = d.Destination
	case errs.Is(err, errs.LimitExceeded):
		// The codes sent recently still work.
	case isInternal(err):
		h.internal(w, r, f.v, err)
		return
	default:
		// No auto-verified email or phone number: only an administrator can confirm.
		h.logger().InfoContext(r.Context(), "no confirmation code for an unconfirmed sign-in", "pool", f.p.Id, "err", err)
		h.renderSignIn(w, r, f, username, http.StatusForbidden, signInErrors{alert: f.v.t("signin.unconfirmed_admin")})
		return
	}
	h.setStep(w, s, confirmTTL)
	http.Redirect(w, r, h.pageURL(f.p, "confirm", arQuery(f.ar, "username", username)), http.StatusSeeOther)
}
