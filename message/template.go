package message

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/userpool/userpool/errs"
)

// Placeholders, as Cognito spells them. CodePlaceholder stands for the code, or for the
// temporary password in an invitation; a link placeholder {##text##} becomes a link to the
// confirm URL with "text" as its label.
const (
	CodePlaceholder     = "{####}"
	UsernamePlaceholder = "{username}"
)

// Limits checked when templates are saved (Cognito's).
const (
	MaxSubjectLength = 140
	MaxEmailLength   = 20000
	MaxSMSLength     = 140
	// SMS length is checked with a code and a username of these lengths substituted.
	sampleCodeLength     = 6
	sampleUsernameLength = 128
)

// EmailOption is Cognito's DefaultEmailOption: whether sign-up verification emails carry the
// code or a link to the confirm page.
type EmailOption string

const (
	ConfirmWithCode EmailOption = "CONFIRM_WITH_CODE"
	ConfirmWithLink EmailOption = "CONFIRM_WITH_LINK"
)

// Template is the wording of one message type. EmailText and EmailHTML are the two parts of a
// multipart email; one of them may be empty, and is then derived from the other. EmailHTML is
// trusted markup written by the operator; the values substituted into it are escaped.
type Template struct {
	EmailSubject string `json:"emailSubject,omitempty"`
	EmailText    string `json:"emailText,omitempty"`
	EmailHTML    string `json:"emailHtml,omitempty"`
	SMS          string `json:"sms,omitempty"`
}

// Templates are a pool's templates, one per message type. VerificationByLink is the email used
// for sign-up verification when EmailOption is ConfirmWithLink (its SMS is unused: texts always
// carry the code); it maps to Cognito's EmailMessageByLink and EmailSubjectByLink.
type Templates struct {
	EmailOption           EmailOption `json:"emailOption,omitempty"`
	Verification          Template    `json:"verification"`
	VerificationByLink    Template    `json:"verificationByLink"`
	Invitation            Template    `json:"invitation"`
	ResetPassword         Template    `json:"resetPassword"`
	AttributeVerification Template    `json:"attributeVerification"`
	MFA                   Template    `json:"mfa"`
}

// Values are what a template's placeholders stand for. They come from users and are escaped in
// HTML. LinkURL is the confirm page's URL (carrying the code) for link-style verification.
type Values struct {
	Code     string
	Username string
	LinkURL  string
}

// kind is the set of placeholder rules of one template slot.
type kind struct {
	name         string // for error messages
	key          string // the slot's JSON name
	needUsername bool
	byLink       bool // email must carry {##...##}, not the code; no SMS
}

func (ts *Templates) slots() []struct {
	t *Template
	k kind
} {
	return []struct {
		t *Template
		k kind
	}{
		{&ts.Verification, kind{name: "verification", key: "verification"}},
		{&ts.VerificationByLink, kind{name: "verification by link", key: "verificationByLink", byLink: true}},
		{&ts.Invitation, kind{name: "invitation", key: "invitation", needUsername: true}},
		{&ts.ResetPassword, kind{name: "reset password", key: "resetPassword"}},
		{&ts.AttributeVerification, kind{name: "attribute verification", key: "attributeVerification"}},
		{&ts.MFA, kind{name: "MFA", key: "mfa"}},
	}
}

// WithDefaults returns ts with every empty field filled from Defaults. The two email bodies are
// filled as a pair: when the operator wrote one of them, the other is derived from it when
// rendering rather than taken from a default that says something else.
func (ts Templates) WithDefaults() Templates {
	d := Defaults()
	if ts.EmailOption == "" {
		ts.EmailOption = ConfirmWithCode
	}
	out, def := ts.slots(), d.slots()
	for i, s := range out {
		dt := def[i].t
		if s.t.EmailSubject == "" {
			s.t.EmailSubject = dt.EmailSubject
		}
		if s.t.EmailText == "" && s.t.EmailHTML == "" {
			s.t.EmailText, s.t.EmailHTML = dt.EmailText, dt.EmailHTML
		}
		if s.t.SMS == "" {
			s.t.SMS = dt.SMS
		}
	}
	return ts
}

// Validate checks every template: the placeholders each type needs, and Cognito's lengths.
// Run it on the result of WithDefaults; an empty field is an error.
func (ts Templates) Validate() error {
	switch ts.EmailOption {
	case ConfirmWithCode, ConfirmWithLink:
	default:
		return errs.New(errs.InvalidParameter, "EmailOption must be %s or %s", ConfirmWithCode, ConfirmWithLink)
	}
	for _, s := range ts.slots() {
		if err := s.t.validate(s.k); err != nil {
			return err
		}
	}
	return nil
}

// FieldError says which template field a validation error is about, so that a caller which
// took the field from another shape (Cognito's VerificationMessageTemplate) can name it its way.
// Slot and Field are JSON names: "verification", "emailText".
type FieldError struct {
	Slot, Field string
	Rule        string // "must contain {####}"
}

func (e *FieldError) Error() string { return e.Slot + "." + e.Field + " " + e.Rule }

// fieldKeys are the JSON names of Template's fields.
var fieldKeys = map[string]string{"EmailSubject": "emailSubject", "EmailText": "emailText", "EmailHTML": "emailHtml", "SMS": "sms"}

func (t Template) validate(k kind) error {
	bad := func(field, rule string, args ...any) error {
		rule = fmt.Sprintf(rule, args...)
		return errs.Wrap(errs.InvalidParameter, &FieldError{Slot: k.key, Field: fieldKeys[field], Rule: rule},
			fmt.Sprintf("%s template: %s %s", k.name, field, rule))
	}
	switch {
	case strings.TrimSpace(t.EmailSubject) == "":
		return bad("EmailSubject", "must not be empty")
	case utf8.RuneCountInString(t.EmailSubject) > MaxSubjectLength:
		return bad("EmailSubject", "must be at most %d characters", MaxSubjectLength)
	case strings.ContainsAny(t.EmailSubject, "\r\n"):
		return bad("EmailSubject", "must be a single line")
	case strings.TrimSpace(t.EmailText) == "" && strings.TrimSpace(t.EmailHTML) == "":
		return bad("EmailText", "or EmailHTML must be given")
	}
	for _, body := range []struct{ field, text string }{{"EmailText", t.EmailText}, {"EmailHTML", t.EmailHTML}} {
		if body.text == "" {
			continue
		}
		if n := utf8.RuneCountInString(body.text); n > MaxEmailLength {
			return bad(body.field, "must be at most %d characters (has %d)", MaxEmailLength, n)
		}
		if err := k.checkPlaceholders(body.text, true); err != "" {
			return bad(body.field, "%s", err)
		}
	}
	if k.byLink {
		if t.SMS != "" {
			return bad("SMS", "must be empty: link verification is by email only, text messages carry the code")
		}
		return nil
	}
	if strings.TrimSpace(t.SMS) == "" {
		return bad("SMS", "must not be empty")
	}
	if err := k.checkPlaceholders(t.SMS, false); err != "" {
		return bad("SMS", "%s", err)
	}
	sample := Values{Code: strings.Repeat("0", sampleCodeLength), Username: strings.Repeat("u", sampleUsernameLength), LinkURL: "x"}
	if n := utf8.RuneCountInString(render(t.SMS, sample, asText)); n > MaxSMSLength {
		return bad("SMS", "must be at most %d characters with a %d-digit code and a %d-character username substituted (has %d)",
			MaxSMSLength, sampleCodeLength, sampleUsernameLength, n)
	}
	return nil
}

// checkPlaceholders returns what body lacks, or "".
func (k kind) checkPlaceholders(body string, email bool) string {
	if k.byLink && email {
		if !linkPattern.MatchString(body) {
			return "must contain a link placeholder such as {##Click here##}"
		}
		return ""
	}
	hasCode := strings.Contains(body, CodePlaceholder)
	if k.needUsername && (!hasCode || !strings.Contains(body, UsernamePlaceholder)) {
		return "must contain both " + UsernamePlaceholder + " and " + CodePlaceholder
	}
	if !hasCode {
		return "must contain " + CodePlaceholder
	}
	return ""
}

// Render renders ts's template for typ with v: the full content and the redacted copy in which
// the code (and any link carrying it) reads Redaction. Only the parts the channel uses are set.
// Sign-up verification by email uses VerificationByLink when EmailOption is ConfirmWithLink.
func (ts Templates) Render(typ Type, ch Channel, v Values) (content, redacted Content, err error) {
	var t Template
	switch typ {
	case Verification:
		t = ts.Verification
		if ch == Email && ts.EmailOption == ConfirmWithLink {
			t = ts.VerificationByLink
			if v.LinkURL == "" {
				return Content{}, Content{}, errs.New(errs.InvalidParameter, "a confirm link URL is required for link verification")
			}
		}
	case Invitation:
		t = ts.Invitation
	case ResetPassword:
		t = ts.ResetPassword
	case AttributeVerification:
		t = ts.AttributeVerification
	case MFA:
		t = ts.MFA
	default:
		return Content{}, Content{}, errs.New(errs.InvalidParameter, "unknown message type %q", typ)
	}
	hidden := v
	if v.Code != "" {
		hidden.Code = Redaction
		hidden.LinkURL = strings.ReplaceAll(v.LinkURL, v.Code, Redaction)
	}
	switch ch {
	case Email:
		return t.renderEmail(v), t.renderEmail(hidden), nil
	case SMS:
		return Content{SMS: render(t.SMS, v, asText)}, Content{SMS: render(t.SMS, hidden, asText)}, nil
	default:
		return Content{}, Content{}, errs.New(errs.InvalidParameter, "unknown channel %q", ch)
	}
}

func (t Template) renderEmail(v Values) Content {
	c := Content{Subject: oneLine(render(t.EmailSubject, v, asText))}
	switch {
	case t.EmailText != "" && t.EmailHTML != "":
		c.Text, c.HTML = render(t.EmailText, v, asText), render(t.EmailHTML, v, asHTML)
	case t.EmailText != "":
		c.Text = render(t.EmailText, v, asText)
		c.HTML = `<!DOCTYPE html><html><body><div style="font-family:sans-serif">` +
			render(t.EmailText, v, textAsHTML) + "</div></body></html>"
	default:
		c.Text, c.HTML = render(htmlToText(t.EmailHTML), v, asText), render(t.EmailHTML, v, asHTML)
	}
	return c
}

// oneLine keeps a user-supplied value from starting a new header line in the subject.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

type mode int

const (
	asText     mode = iota // plain text: values as they are, links as "label: URL"
	asHTML                 // template is trusted HTML: values escaped, links as <a href>
	textAsHTML             // template is plain text shown as HTML: everything escaped, line breaks kept
)

var (
	placeholderPattern = regexp.MustCompile(`\{####\}|\{username\}|\{##(.+?)##\}`)
	linkPattern        = regexp.MustCompile(`\{##(.+?)##\}`)
)

func render(tmpl string, v Values, m mode) string {
	literal := func(s string) string {
		if m == textAsHTML {
			return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>\n")
		}
		return s
	}
	value := func(s string) string {
		if m == asText {
			return s
		}
		return html.EscapeString(s)
	}
	var b strings.Builder
	last := 0
	for _, loc := range placeholderPattern.FindAllStringSubmatchIndex(tmpl, -1) {
		b.WriteString(literal(tmpl[last:loc[0]]))
		switch match := tmpl[loc[0]:loc[1]]; {
		case match == CodePlaceholder:
			b.WriteString(value(v.Code))
		case match == UsernamePlaceholder:
			b.WriteString(value(v.Username))
		default:
			label := tmpl[loc[2]:loc[3]]
			switch m {
			case asText:
				b.WriteString(label + ": " + v.LinkURL)
			case asHTML:
				b.WriteString(`<a href="` + html.EscapeString(v.LinkURL) + `">` + label + "</a>")
			case textAsHTML:
				b.WriteString(`<a href="` + html.EscapeString(v.LinkURL) + `">` + html.EscapeString(label) + "</a>")
			}
		}
		last = loc[1]
	}
	b.WriteString(literal(tmpl[last:]))
	return b.String()
}

var (
	htmlDropped   = regexp.MustCompile(`(?is)<(?:head|style|script)\b.*?</(?:head|style|script)\s*>`)
	htmlAnchor    = regexp.MustCompile(`(?is)<a\b[^>]*\bhref\s*=\s*"([^"]*)"[^>]*>(.*?)</a\s*>`)
	htmlBreak     = regexp.MustCompile(`(?i)<br\s*/?>|</(?:li|tr)\s*>`)
	htmlParagraph = regexp.MustCompile(`(?i)</(?:p|div|h[1-6]|table|blockquote)\s*>`)
	manySpaces    = regexp.MustCompile(`[ \t]{2,}`)
	htmlTag       = regexp.MustCompile(`(?s)<[^>]*>`)
	blankLines    = regexp.MustCompile(`\n{3,}`)
	spacesAtBreak = regexp.MustCompile(`[ \t]*\n[ \t]*`)
)

// htmlToText turns an HTML template into a plain-text one for the text part of an email. It
// works on the template, before values are substituted, so a value cannot be mistaken for markup.
func htmlToText(s string) string {
	s = htmlDropped.ReplaceAllString(s, "")
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s) // HTML line breaks are spaces
	s = htmlAnchor.ReplaceAllString(s, "$2 ($1)")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlParagraph.ReplaceAllString(s, "\n\n")
	s = htmlTag.ReplaceAllString(s, "")
	s = manySpaces.ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	s = spacesAtBreak.ReplaceAllString(s, "\n")
	s = blankLines.ReplaceAllString(s, "\n\n")
	return strings.TrimSpace(s)
}
