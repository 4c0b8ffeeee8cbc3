package login

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/templates"
	"github.com/userpool/userpool/user"
)

// Form names of the fixed inputs; attributes use their own names ("email", "custom:team").
const (
	fUsername = "username"
	fPassword = "password"
	fConfirm  = "password_confirm"
	fCode     = "code"
)

// autocomplete tokens of the standard attributes (HTML's autofill names).
var autocomplete = map[string]string{
	"email": "email", "phone_number": "tel", "name": "name", "given_name": "given-name", "family_name": "family-name",
	"middle_name": "additional-name", "nickname": "nickname", "birthdate": "bday", "gender": "sex",
	"address": "street-address", "locale": "language", "website": "url", "preferred_username": "username",
}

// fieldID turns an attribute name into an HTML id.
func fieldID(name string) string { return "f-" + strings.NewReplacer(":", "-", "_", "-").Replace(name) }

// attrLabel is an attribute's label: the catalogue's for standard attributes, the name made
// readable for custom ones ("custom:favourite_team" → "Favourite team").
func attrLabel(v view, name string) string {
	if !strings.HasPrefix(name, pool.CustomPrefix) {
		return v.t("attr." + name)
	}
	s := strings.ReplaceAll(strings.TrimPrefix(name, pool.CustomPrefix), "_", " ")
	s = strings.ReplaceAll(s, "-", " ")
	if s == "" {
		return name
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// attrInput builds the input of an attribute from the pool's schema.
func attrInput(v view, p *pool.Pool, name string, required bool) templates.Input {
	in := templates.Input{Name: name, ID: fieldID(name), Label: attrLabel(v, name), Type: "text", Required: required,
		Autocomplete: autocomplete[name], MaxLength: pool.MaxAttributeValueLength}
	if !required {
		in.Label = v.t("attr.optional", in.Label)
	}
	s := p.Attribute(name)
	if s == nil {
		return in
	}
	switch s.AttributeDataType {
	case pool.TypeNumber:
		in.Type, in.MaxLength, in.Step, in.InputMode = "number", 0, "any", "decimal"
		if c := s.NumberAttributeConstraints; c != nil {
			in.Min, in.Max = c.MinValue, c.MaxValue
		}
	case pool.TypeBoolean:
		in.Type, in.MaxLength = "checkbox", 0
	case pool.TypeDateTime:
		in.Type, in.MaxLength = "datetime-local", 0
	case pool.TypeString:
		if c := s.StringAttributeConstraints; c != nil {
			if n, err := strconv.Atoi(c.MaxLength); err == nil && n > 0 {
				in.MaxLength = n
			}
			if n, err := strconv.Atoi(c.MinLength); err == nil && n > 0 && strings.HasPrefix(name, pool.CustomPrefix) {
				in.MinLength = n
			}
		}
	}
	switch name {
	case "email":
		in.Type = "email"
	case "phone_number":
		in.Type, in.Hint = "tel", v.t("hint.phone")
	case "birthdate":
		in.Type, in.MaxLength = "date", 0
	case "website", "picture", "profile":
		in.Type = "url"
	}
	return in
}

// readAttr reads an attribute's input from the form into its stored form, and checks what
// the page can tell the user in their language (the domain checks everything again).
func readAttr(v view, r *http.Request, in *templates.Input) (string, bool) {
	raw := strings.TrimSpace(r.PostFormValue(in.Name))
	if in.Type == "checkbox" {
		in.Checked = raw == "true"
		if in.Checked {
			return "true", true
		}
		return "false", true
	}
	in.Value = raw
	if raw == "" {
		if in.Required {
			in.Error = v.t("err.required", strings.ToLower(in.Label))
			return "", false
		}
		return "", true
	}
	if in.MaxLength > 0 && utf8.RuneCountInString(raw) > in.MaxLength {
		in.Error = v.t("err.too_long", in.MaxLength)
		return "", false
	}
	switch in.Type {
	case "email":
		if !user.ValidEmail(raw) {
			in.Error = v.t("err.email")
			return "", false
		}
	case "tel":
		if !user.ValidPhone(raw) {
			in.Error = v.t("err.phone")
			return "", false
		}
	case "number":
		if _, err := pool.ParseNumber(raw); err != nil {
			in.Error = v.t("err.number")
			return "", false
		}
	case "date":
		if _, err := time.Parse(time.DateOnly, raw); err != nil {
			in.Error = v.t("err.date")
			return "", false
		}
	case "datetime-local":
		// The browser sends local wall time without a zone; the attribute is RFC 3339.
		t, err := time.Parse("2006-01-02T15:04", raw)
		if err != nil {
			if t, err = time.Parse("2006-01-02T15:04:05", raw); err != nil {
				in.Error = v.t("err.date")
				return "", false
			}
		}
		return t.UTC().Format(time.RFC3339), true
	}
	return raw, true
}

// passwordInput is a new-password input with the pool's rules listed before typing.
func passwordInput(v view, p *pool.Pool, labelKey string) templates.Input {
	pp := p.Policies.PasswordPolicy
	in := templates.Input{Name: fPassword, ID: "password", Label: v.t(labelKey), Type: "password", Required: true,
		Autocomplete: "new-password", MaxLength: user.MaxPasswordLength}
	in.Rules = append(in.Rules, templates.Rule{Text: v.t("pw.rule.length", max(pp.MinimumLength, 1))})
	for _, r := range []struct {
		on  bool
		key string
	}{{pp.RequireUppercase, "upper"}, {pp.RequireLowercase, "lower"}, {pp.RequireNumbers, "number"},
		{pp.RequireSymbols, "symbol"}, {pp.MinimumStrength > 0, "strength"}} {
		if r.on {
			in.Rules = append(in.Rules, templates.Rule{Text: v.t("pw.rule." + r.key)})
		}
	}
	return in
}

func confirmInput(v view) templates.Input {
	return templates.Input{Name: fConfirm, ID: "password-confirm", Label: v.t("pw.confirm"), Type: "password", Required: true,
		Autocomplete: "new-password", MaxLength: user.MaxPasswordLength}
}

// policyRules maps the domain's policy failures (CheckPassword's wording) to the rules.
var policyRules = map[string]string{
	"Password not long enough":                               "length",
	"Password must have uppercase characters":                "upper",
	"Password must have lowercase characters":                "lower",
	"Password must have numeric characters":                  "number",
	"Password must have symbol characters":                   "symbol",
	"Password is too easy to guess":                          "strength",
	"Password must not begin or end with whitespace":         "space",
	"Password must not be the same as the username or email": "username",
}

// markPasswordError marks on the password input the rule err says failed (InvalidPassword or
// PasswordHistoryViolation) and reports whether err was one.
func markPasswordError(v view, p *pool.Pool, in *templates.Input, err error) bool {
	var key string
	switch {
	case errs.Is(err, errs.PasswordHistoryViolation):
		key = "history"
	case errs.Is(err, errs.InvalidPassword):
		e, _ := errs.As(err)
		_, rule, _ := strings.Cut(e.Message, ": ")
		key = policyRules[rule]
		if key == "" {
			in.Error = e.Message
			return true
		}
	default:
		return false
	}
	text := v.t("pw.rule."+key, max(p.Policies.PasswordPolicy.MinimumLength, 1))
	i := slices.IndexFunc(in.Rules, func(r templates.Rule) bool { return r.Text == text })
	if i < 0 {
		in.Rules = append(in.Rules, templates.Rule{Text: text})
		i = len(in.Rules) - 1
	}
	in.Rules[i].Failed = true
	in.Error = v.t("pw.rules_failed") + " " + text + "."
	return true
}

// attributeErrorRE finds the attribute a domain validation error is about, in the wordings
// of package user ("Invalid user attributes: NAME: ...", "...schema: NAME: ...",
// "Invalid attributes given, NAME is missing").
var attributeErrorRE = regexp.MustCompile(`^(?:Invalid user attributes: |Attributes did not conform to the schema: )([^:]+(?::[A-Za-z0-9_-]+)?): (.*)$|^Invalid attributes given, (\S+) is missing$`)

// markAttributeError puts a domain validation error next to its input; it reports whether
// one matched.
func markAttributeError(v view, inputs []templates.Input, err error) bool {
	e, ok := errs.As(err)
	if !ok || e.Code != errs.InvalidParameter {
		return false
	}
	m := attributeErrorRE.FindStringSubmatch(e.Message)
	if m == nil {
		return false
	}
	name, msg := m[1], m[2]
	if name == "" {
		name, msg = m[3], ""
	}
	for i := range inputs {
		if inputs[i].Name == name {
			if msg == "" || strings.Contains(msg, "required") {
				inputs[i].Error = v.t("err.required", strings.ToLower(inputs[i].Label))
			} else {
				inputs[i].Error = msg
			}
			return true
		}
	}
	return false
}

// codeError is the message of a failed code check, or "".
func codeError(v view, err error) string {
	switch errs.CodeOf(err) {
	case errs.CodeMismatch:
		return v.t("code.mismatch")
	case errs.ExpiredCode:
		return v.t("code.expired")
	case errs.LimitExceeded, errs.TooManyFailedAttempts, errs.TooManyRequests:
		return v.t("code.limit")
	}
	return ""
}

// validCode reports whether s looks like a code (digits only, the code's length).
func validCode(s string) bool {
	if len(s) != user.CodeLength {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func codeInput(v view, value string) templates.Input {
	return templates.Input{Name: fCode, ID: "code", Label: v.t("confirm.code"), Type: "text", InputMode: "numeric",
		Autocomplete: "one-time-code", Required: true, MaxLength: user.CodeLength, Value: value}
}

// isInternal reports whether err is a failure of ours rather than a refusal.
func isInternal(err error) bool {
	_, ok := errs.As(err)
	return !ok || errs.CodeOf(err) == errs.Internal
}

// readForm reads a posted form of bounded size; an unreadable one gets the bad-form page and
// false.
func (h *Handler) readForm(w http.ResponseWriter, r *http.Request, p *pool.Pool) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.message(w, r, http.StatusBadRequest, h.view(r, p, nil), "err.bad_form_title", "err.bad_form")
		return false
	}
	return true
}

// errMessage is the caller-safe message of a domain error.
func errMessage(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return ""
}
