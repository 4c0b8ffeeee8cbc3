package login

import (
	"net/http"
	"strings"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/templates"
)

func (h *Handler) renderForgot(w http.ResponseWriter, r *http.Request, f *flow, status int, username, usernameError, alert string) {
	label, mode := identifierLabel(f.v, f.p)
	h.formPage(w, r, f, status, "forgot.title", templates.Form{
		Base:   templates.Base{Alert: alert},
		Action: h.pageURL(f.p, "forgot", nil),
		Intro:  []string{f.v.t("forgot.intro", strings.ToLower(label))},
		Inputs: []templates.Input{{Name: fUsername, ID: "username", Label: label, Type: "text", InputMode: mode, Autocomplete: "username",
			Required: true, MaxLength: maxIdentifier, Value: username, Error: usernameError}},
		Submit: f.v.t("forgot.submit"),
		Links:  h.links(f, "back"),
	})
}

func (h *Handler) forgotPage(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	f := h.startFlow(w, r, p, "forgot")
	if f == nil {
		return
	}
	h.renderForgot(w, r, f, http.StatusOK, f.ar.LoginHint, "", "")
}

// forgot sends a reset code. With PreventUserExistenceErrors on (the default) every answer
// but a failure of ours is the same — the code page with the same notice — whether the
// account exists, has no verified address, is disabled or was throttled; with LEGACY the
// reason is shown, as Cognito's API does.
func (h *Handler) forgot(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	if !h.readForm(w, r, p) {
		return
	}
	f := h.startFlow(w, r, p, "forgot")
	if f == nil {
		return
	}
	username := strings.TrimSpace(r.PostFormValue(fUsername))
	if !h.checkCSRF(r, p.Id) {
		h.renderForgot(w, r, f, http.StatusForbidden, username, "", f.v.t("form.csrf"))
		return
	}
	label, _ := identifierLabel(f.v, p)
	switch {
	case username == "":
		h.renderForgot(w, r, f, http.StatusBadRequest, username, f.v.t("signin.enter", strings.ToLower(label)), "")
		return
	case len(username) > maxIdentifier:
		h.renderForgot(w, r, f, http.StatusBadRequest, username, f.v.t("signin.too_long"), "")
		return
	}
	d, err := h.Users.ForgotPassword(r.Context(), f.client, username)
	legacy := f.client.PreventUserExistenceErrors == pool.PreventUserExistenceLegacy
	switch {
	case err == nil:
	case isInternal(err):
		h.internal(w, r, f.v, err)
		return
	case legacy:
		msg := errMessage(err)
		switch {
		case errs.Is(err, errs.UserNotFound):
			msg = f.v.t("signin.no_user")
		case errs.Is(err, errs.LimitExceeded):
			msg = f.v.t("err.limit")
		case errs.Is(err, errs.NotAuthorized) && strings.Contains(msg, "administrator"):
			msg = f.v.t("reset.no_recovery")
		}
		h.renderForgot(w, r, f, http.StatusBadRequest, username, "", msg)
		return
	default:
		h.logger().InfoContext(r.Context(), "password reset refused", "pool", p.Id, "err", err)
	}
	notice := f.v.t("reset.sent")
	if legacy && d != nil {
		notice = f.v.t("reset.sent_to", d.Destination)
	}
	h.renderReset(w, r, f, http.StatusOK, resetState{username: username, notice: notice})
}

type resetState struct {
	username, code string
	alert, notice  string
	usernameError  string
	codeError      string
	password       *templates.Input
	confirmError   string
}

func (h *Handler) renderReset(w http.ResponseWriter, r *http.Request, f *flow, status int, st resetState) {
	form := templates.Form{
		Base:   templates.Base{Alert: st.alert, Notice: st.notice},
		Action: h.pageURL(f.p, "reset", nil),
		Submit: f.v.t("reset.submit"),
		Links:  h.links(f, "back"),
	}
	if st.username == "" || st.usernameError != "" {
		label, mode := identifierLabel(f.v, f.p)
		form.Inputs = append(form.Inputs, templates.Input{Name: fUsername, ID: "username", Label: label, Type: "text", InputMode: mode,
			Autocomplete: "username", Required: true, MaxLength: maxIdentifier, Value: st.username, Error: st.usernameError})
	} else {
		// The identifier is also given visibly to password managers, which save it with the new password.
		form.Hidden = append(form.Hidden, templates.Hidden{Name: fUsername, Value: st.username})
	}
	code := codeInput(f.v, st.code)
	code.Label, code.Error = f.v.t("reset.code"), st.codeError
	pw := passwordInput(f.v, f.p, "pw.new")
	if st.password != nil {
		pw = *st.password
	}
	confirm := confirmInput(f.v)
	confirm.Error = st.confirmError
	form.Inputs = append(form.Inputs, code, pw, confirm)
	h.formPage(w, r, f, status, "reset.title", form)
}

func (h *Handler) resetPage(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	f := h.startFlow(w, r, p, "forgot")
	if f == nil {
		return
	}
	h.renderReset(w, r, f, http.StatusOK, resetState{username: strings.TrimSpace(r.URL.Query().Get("username"))})
}

// reset sets the new password with the code and signs the user in with it.
func (h *Handler) reset(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	if !h.readForm(w, r, p) {
		return
	}
	f := h.startFlow(w, r, p, "forgot")
	if f == nil {
		return
	}
	st := resetState{username: strings.TrimSpace(r.PostFormValue(fUsername)), code: strings.TrimSpace(r.PostFormValue(fCode))}
	pw := passwordInput(f.v, p, "pw.new")
	st.password = &pw
	if !h.checkCSRF(r, p.Id) {
		st.alert = f.v.t("form.csrf")
		h.renderReset(w, r, f, http.StatusForbidden, st)
		return
	}
	password := r.PostFormValue(fPassword)
	if st.username == "" || len(st.username) > maxIdentifier {
		label, _ := identifierLabel(f.v, p)
		st.usernameError = f.v.t("signin.enter", strings.ToLower(label))
	}
	switch {
	case st.code == "":
		st.codeError = f.v.t("err.enter_code")
	case !validCode(st.code):
		st.codeError = f.v.t("code.invalid")
	}
	switch {
	case password == "":
		pw.Error = f.v.t("signin.enter_password")
	case password != r.PostFormValue(fConfirm):
		st.confirmError = f.v.t("err.password_mismatch")
	}
	if st.usernameError != "" || st.codeError != "" || pw.Error != "" || st.confirmError != "" {
		h.renderReset(w, r, f, http.StatusBadRequest, st)
		return
	}
	err := h.Users.ConfirmForgotPassword(r.Context(), f.client, st.username, st.code, password)
	if err != nil {
		switch {
		case isInternal(err):
			h.internal(w, r, f.v, err)
			return
		case markPasswordError(f.v, p, &pw, err):
		default:
			// An unknown user reads as a wrong code, as for a known one.
			if st.codeError = codeError(f.v, err); st.codeError == "" {
				st.codeError = f.v.t("code.mismatch")
			}
			st.code = ""
		}
		h.renderReset(w, r, f, http.StatusBadRequest, st)
		return
	}
	res, err := h.Users.SignInFor(r.Context(), p.Id, st.username, password, f.caller())
	if err != nil {
		status, msg := h.signInError(f, err)
		if status == http.StatusInternalServerError {
			h.internal(w, r, f.v, err)
			return
		}
		h.renderSignIn(w, r, f, st.username, status, signInErrors{alert: msg})
		return
	}
	h.signedIn(w, r, f, res)
}
