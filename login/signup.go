package login

import (
	"net/http"
	"slices"
	"strings"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/templates"
	"github.com/userpool/userpool/user"
)

// maxUsername is Cognito's limit on usernames.
const maxUsername = 128

// signUpForm is the sign-up form generated from the pool's schema: the sign-in identifier(s),
// the password with its rules, every required attribute, the attributes a sign-up code may go
// to, and the optional attributes the app may write.
func (h *Handler) signUpForm(f *flow) []templates.Input {
	p, v := f.p, f.v
	var inputs []templates.Input
	shown := map[string]bool{"sub": true, "email_verified": true, "phone_number_verified": true, "updated_at": true}
	add := func(name string, required bool) {
		if shown[name] || p.Attribute(name) == nil {
			return
		}
		shown[name] = true
		inputs = append(inputs, attrInput(v, p, name, required))
	}
	switch {
	case len(p.UsernameAttributes) == 0:
		inputs = append(inputs, templates.Input{Name: fUsername, ID: "username", Label: v.t("attr.username"), Type: "text",
			Autocomplete: "username", Required: true, MaxLength: maxUsername})
	case len(p.UsernameAttributes) == 1:
		add(p.UsernameAttributes[0], true)
	default:
		// Email or phone number: either may be the sign-in name; the form asks for at least one.
		for _, a := range p.UsernameAttributes {
			add(a, slices.Contains(p.RequiredAttributes(), a))
			inputs[len(inputs)-1].Hint = v.t("hint.username_choice")
		}
	}
	inputs = append(inputs, passwordInput(v, p, "pw.label"), confirmInput(v))
	for _, a := range p.RequiredAttributes() {
		add(a, true)
	}
	// Where a confirmation code can go, and the sign-in aliases, are worth offering.
	for _, a := range append(slices.Clone(p.AutoVerifiedAttributes), p.AliasAttributes...) {
		if user.Writable(p, f.client, a) {
			add(a, false)
		}
	}
	// Optional attributes: what the app lists as writable, or else the pool's custom ones.
	for _, s := range p.SchemaAttributes {
		explicit := len(f.client.WriteAttributes) > 0
		if explicit && slices.Contains(f.client.WriteAttributes, s.Name) || !explicit && strings.HasPrefix(s.Name, pool.CustomPrefix) {
			if user.Writable(p, f.client, s.Name) {
				add(s.Name, false)
			}
		}
	}
	return inputs
}

func (h *Handler) signUpPage(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	f := h.startFlow(w, r, p, "signup")
	if f == nil {
		return
	}
	if p.AdminCreateUserConfig.AllowAdminCreateUserOnly {
		h.messageLink(w, r, http.StatusForbidden, f.v, &templates.Link{URL: h.pageURL(p, "login", arQuery(f.ar)), Text: f.v.t("link.back_signin")},
			"signup.closed_title", "signup.disabled")
		return
	}
	h.renderSignUp(w, r, f, http.StatusOK, h.signUpForm(f), "")
}

func (h *Handler) renderSignUp(w http.ResponseWriter, r *http.Request, f *flow, status int, inputs []templates.Input, alert string) {
	h.formPage(w, r, f, status, "signup.title", templates.Form{
		Base:   templates.Base{Alert: alert},
		Action: h.pageURL(f.p, "signup", nil),
		Inputs: inputs,
		Submit: f.v.t("signup.submit"),
		Links:  h.links(f, "login"),
	})
}

func (h *Handler) signUp(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	if !h.readForm(w, r, p) {
		return
	}
	f := h.startFlow(w, r, p, "signup")
	if f == nil {
		return
	}
	if p.AdminCreateUserConfig.AllowAdminCreateUserOnly {
		h.message(w, r, http.StatusForbidden, f.v, "signup.closed_title", "signup.disabled")
		return
	}
	inputs := h.signUpForm(f)
	if !h.checkCSRF(r, p.Id) {
		h.renderSignUp(w, r, f, http.StatusForbidden, inputs, f.v.t("form.csrf"))
		return
	}
	var in user.SignUpInput
	var pw, confirm *templates.Input
	for i := range inputs {
		input := &inputs[i]
		switch input.Name {
		case fUsername:
			input.Value = strings.TrimSpace(r.PostFormValue(fUsername))
			in.Username = input.Value
			if input.Value == "" {
				input.Error = f.v.t("err.required", strings.ToLower(input.Label))
			} else if err := user.CheckUsername(input.Value); err != nil {
				input.Error = errMessage(err)
			}
		case fPassword:
			pw = input
			in.Password = r.PostFormValue(fPassword)
		case fConfirm:
			confirm = input
		default:
			value, ok := readAttr(f.v, r, input)
			if ok && value != "" && !(input.Type == "checkbox" && value == "false") {
				in.Attributes = append(in.Attributes, user.Attribute{Name: input.Name, Value: value})
			}
		}
	}
	if len(p.UsernameAttributes) > 0 {
		// The identifier is the email (or else the phone number) the user gave.
		for _, a := range p.UsernameAttributes {
			if i := slices.IndexFunc(in.Attributes, func(x user.Attribute) bool { return x.Name == a }); i >= 0 && in.Username == "" {
				in.Username = in.Attributes[i].Value
			}
		}
		if in.Username == "" && !hasErrors(inputs) {
			for i := range inputs {
				if slices.Contains(p.UsernameAttributes, inputs[i].Name) {
					inputs[i].Error = f.v.t("err.username_or_phone")
				}
			}
		}
	}
	switch {
	case in.Password == "":
		pw.Error = f.v.t("signin.enter_password")
	case in.Password != r.PostFormValue(fConfirm):
		confirm.Error = f.v.t("err.password_mismatch")
	}
	if hasErrors(inputs) {
		h.renderSignUp(w, r, f, http.StatusBadRequest, inputs, "")
		return
	}
	res, err := h.Users.SignUp(r.Context(), f.client, in)
	if err != nil {
		switch {
		case isInternal(err):
			h.internal(w, r, f.v, err)
		case markPasswordError(f.v, p, pw, err) || markAttributeError(f.v, inputs, err):
			h.renderSignUp(w, r, f, http.StatusBadRequest, inputs, "")
		case errs.Is(err, errs.UsernameExists) || errs.Is(err, errs.AliasExists):
			h.renderSignUp(w, r, f, http.StatusBadRequest, inputs, f.v.t("signup.exists"))
		case errs.Is(err, errs.LimitExceeded):
			h.renderSignUp(w, r, f, http.StatusTooManyRequests, inputs, f.v.t("err.limit"))
		case isTrigger(err):
			e, _ := errs.As(err)
			h.renderSignUp(w, r, f, http.StatusForbidden, inputs, triggerMessage(f.v, e))
		default:
			h.renderSignUp(w, r, f, http.StatusBadRequest, inputs, f.v.t("err.invalid", errMessage(err)))
		}
		return
	}
	switch {
	case res.Confirmed:
		// Auto-confirmed (a pre sign-up trigger): no code to enter.
		h.finish(w, r, f, res.User.Sub)
	case res.Delivery == nil:
		// No attribute is auto-verified: an administrator confirms the account.
		h.messageLink(w, r, http.StatusOK, f.v, &templates.Link{URL: h.pageURL(p, "login", arQuery(f.ar)), Text: f.v.t("link.back_signin")},
			"signup.pending_title", "signup.pending")
	default:
		// The confirm page signs the user in once the code is right, in this browser only.
		s := step{Pool: p.Id, Sub: res.User.Sub, Request: f.ar.ID, Kind: stepConfirm, Username: in.Username, Destination: res.Delivery.Destination}
		h.setStep(w, s, confirmTTL)
		http.Redirect(w, r, h.pageURL(p, "confirm", arQuery(f.ar, "username", in.Username)), http.StatusSeeOther)
	}
}
