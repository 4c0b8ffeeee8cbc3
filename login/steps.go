package login

import (
	"net/http"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/templates"
	"github.com/userpool/userpool/user"
)

// stepFlow loads the flow and the user of a sign-in step (new password, profile); without a
// valid step cookie for this request it says the step expired and returns nil.
func (h *Handler) stepFlow(w http.ResponseWriter, r *http.Request, p *pool.Pool, kind string) (*flow, *user.User) {
	f := h.startFlow(w, r, p, "login")
	if f == nil {
		return nil, nil
	}
	s := h.getStep(r, p.Id, f.ar.ID, kind)
	if s == nil {
		h.stepExpired(w, r, f)
		return nil, nil
	}
	u, err := h.Users.GetBySub(r.Context(), p.Id, s.Sub)
	if err != nil {
		if isInternal(err) {
			h.internal(w, r, f.v, err)
		} else {
			h.stepExpired(w, r, f)
		}
		return nil, nil
	}
	return f, u
}

// missingInputs are the inputs of the required attributes the user lacks.
func missingInputs(f *flow, u *user.User) []templates.Input {
	var out []templates.Input
	for _, a := range user.MissingRequired(f.p, u) {
		out = append(out, attrInput(f.v, f.p, a, true))
	}
	return out
}

// readInputs reads attribute inputs from the form.
func readInputs(f *flow, r *http.Request, inputs []templates.Input) []user.Attribute {
	var attrs []user.Attribute
	for i := range inputs {
		if v, ok := readAttr(f.v, r, &inputs[i]); ok && v != "" {
			attrs = append(attrs, user.Attribute{Name: inputs[i].Name, Value: v})
		}
	}
	return attrs
}

func (h *Handler) renderNewPassword(w http.ResponseWriter, r *http.Request, f *flow, status int, pw, confirm templates.Input, attrs []templates.Input, alert string) {
	intro := []string{f.v.t("newpw.intro")}
	if len(attrs) > 0 {
		intro = append(intro, f.v.t("newpw.intro_attrs"))
	}
	h.formPage(w, r, f, status, "newpw.title", templates.Form{
		Base:   templates.Base{Alert: alert},
		Action: h.pageURL(f.p, "newpassword", nil),
		Intro:  intro,
		Inputs: append([]templates.Input{pw, confirm}, attrs...),
		Submit: f.v.t("newpw.submit"),
	})
}

func (h *Handler) newPasswordPage(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	f, u := h.stepFlow(w, r, p, stepNewPassword)
	if f == nil {
		return
	}
	h.renderNewPassword(w, r, f, http.StatusOK, passwordInput(f.v, p, "pw.new"), confirmInput(f.v), missingInputs(f, u), "")
}

// newPassword sets the new password (and the missing attributes) of a user who signed in with
// a temporary password, then finishes the sign-in.
func (h *Handler) newPassword(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	if !h.readForm(w, r, p) {
		return
	}
	f, u := h.stepFlow(w, r, p, stepNewPassword)
	if f == nil {
		return
	}
	pw, confirm, inputs := passwordInput(f.v, p, "pw.new"), confirmInput(f.v), missingInputs(f, u)
	if !h.checkCSRF(r, p.Id) {
		h.renderNewPassword(w, r, f, http.StatusForbidden, pw, confirm, inputs, f.v.t("form.csrf"))
		return
	}
	password := r.PostFormValue(fPassword)
	switch {
	case password == "":
		pw.Error = f.v.t("signin.enter_password")
	case password != r.PostFormValue(fConfirm):
		confirm.Error = f.v.t("err.password_mismatch")
	}
	attrs := readInputs(f, r, inputs)
	if pw.Error != "" || confirm.Error != "" || hasErrors(inputs) {
		h.renderNewPassword(w, r, f, http.StatusBadRequest, pw, confirm, inputs, "")
		return
	}
	if _, err := h.Users.CompleteNewPassword(r.Context(), f.client, u.Sub, password, attrs); err != nil {
		switch {
		case isInternal(err):
			h.internal(w, r, f.v, err)
		case markPasswordError(f.v, p, &pw, err) || markAttributeError(f.v, inputs, err):
			h.renderNewPassword(w, r, f, http.StatusBadRequest, pw, confirm, inputs, "")
		case errs.Is(err, errs.NotAuthorized):
			h.stepExpired(w, r, f)
		default:
			h.renderNewPassword(w, r, f, http.StatusBadRequest, pw, confirm, inputs, f.v.t("err.invalid", errMessage(err)))
		}
		return
	}
	h.finish(w, r, f, u.Sub)
}

func (h *Handler) renderProfile(w http.ResponseWriter, r *http.Request, f *flow, status int, inputs []templates.Input, alert string) {
	h.formPage(w, r, f, status, "profile.title", templates.Form{
		Base:   templates.Base{Alert: alert},
		Action: h.pageURL(f.p, "profile", nil),
		Intro:  []string{f.v.t("profile.intro")},
		Inputs: inputs,
		Submit: f.v.t("profile.submit"),
	})
}

func (h *Handler) profilePage(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	f, u := h.stepFlow(w, r, p, stepProfile)
	if f == nil {
		return
	}
	inputs := missingInputs(f, u)
	if len(inputs) == 0 {
		h.finish(w, r, f, u.Sub)
		return
	}
	h.renderProfile(w, r, f, http.StatusOK, inputs, "")
}

// profile saves the attributes that became required after the user signed up, then
// finishes the sign-in.
func (h *Handler) profile(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	if !h.readForm(w, r, p) {
		return
	}
	f, u := h.stepFlow(w, r, p, stepProfile)
	if f == nil {
		return
	}
	inputs := missingInputs(f, u)
	if !h.checkCSRF(r, p.Id) {
		h.renderProfile(w, r, f, http.StatusForbidden, inputs, f.v.t("form.csrf"))
		return
	}
	attrs := readInputs(f, r, inputs)
	if hasErrors(inputs) {
		h.renderProfile(w, r, f, http.StatusBadRequest, inputs, "")
		return
	}
	if len(inputs) > 0 {
		if _, err := h.Users.CompleteProfile(r.Context(), f.client, u.Sub, attrs); err != nil {
			switch {
			case isInternal(err):
				h.internal(w, r, f.v, err)
			case markAttributeError(f.v, inputs, err):
				h.renderProfile(w, r, f, http.StatusBadRequest, inputs, "")
			default:
				h.renderProfile(w, r, f, http.StatusBadRequest, inputs, f.v.t("err.invalid", errMessage(err)))
			}
			return
		}
	}
	h.finish(w, r, f, u.Sub)
}
