package message

import (
	"strings"
	"testing"

	"github.com/userpool/userpool/errs"
)

func TestDefaultsAreValid(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatalf("default templates invalid: %v", err)
	}
	if err := (Templates{}).WithDefaults().Validate(); err != nil {
		t.Fatalf("empty templates with defaults invalid: %v", err)
	}
}

func TestValidateRejectsBadTemplates(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name   string
		change func(*Templates)
		want   string // in the error message
	}{
		{"unknown email option", func(ts *Templates) { ts.EmailOption = "CONFIRM_BY_PIGEON" }, "EmailOption must be"},
		{"verification email without code", func(ts *Templates) { ts.Verification.EmailText = "Welcome!" }, "verification template: EmailText must contain {####}"},
		{"verification html without code", func(ts *Templates) { ts.Verification.EmailHTML = "<p>Welcome!</p>" }, "verification template: EmailHTML must contain {####}"},
		{"verification sms without code", func(ts *Templates) { ts.Verification.SMS = "Welcome!" }, "verification template: SMS must contain {####}"},
		{"invitation without username", func(ts *Templates) { ts.Invitation.EmailText = "Password: {####}" }, "invitation template: EmailText must contain both {username} and {####}"},
		{"invitation sms without code", func(ts *Templates) { ts.Invitation.SMS = "Hi {username}" }, "invitation template: SMS must contain both {username} and {####}"},
		{"link email without link", func(ts *Templates) { ts.VerificationByLink.EmailText = "Code {####}" }, "verification by link template: EmailText must contain a link placeholder"},
		{"link template with sms", func(ts *Templates) { ts.VerificationByLink.SMS = "Code {####}" }, "verification by link template: SMS must be empty"},
		{"sms too long", func(ts *Templates) { ts.ResetPassword.SMS = "{####} " + long(134) }, "reset password template: SMS must be at most 140 characters"},
		{"invitation sms too long with a 128-character username", func(ts *Templates) {
			ts.Invitation.SMS = "Your username is {username} and temporary password is {####}."
		}, "invitation template: SMS must be at most 140 characters with a 6-digit code and a 128-character username substituted (has 179)"},
		{"subject too long", func(ts *Templates) { ts.MFA.EmailSubject = long(141) }, "MFA template: EmailSubject must be at most 140 characters"},
		{"subject with newline", func(ts *Templates) { ts.MFA.EmailSubject = "Code\r\nBcc: x@example.com" }, "MFA template: EmailSubject must be a single line"},
		{"empty subject", func(ts *Templates) { ts.MFA.EmailSubject = " " }, "MFA template: EmailSubject must not be empty"},
		{"no email body", func(ts *Templates) { ts.AttributeVerification.EmailText, ts.AttributeVerification.EmailHTML = "", "" }, "attribute verification template: EmailText or EmailHTML must be given"},
		{"email body too long", func(ts *Templates) { ts.AttributeVerification.EmailText = "{####}" + long(20000) }, "attribute verification template: EmailText must be at most 20000 characters"},
		{"empty sms", func(ts *Templates) { ts.MFA.SMS = "" }, "MFA template: SMS must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := Defaults()
			tt.change(&ts)
			err := ts.Validate()
			if !errs.Is(err, errs.InvalidParameter) {
				t.Fatalf("Validate() = %v, want InvalidParameter", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestValidateAcceptsCustomTemplates(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Templates)
	}{
		{"html only", func(ts *Templates) {
			ts.Verification.EmailText, ts.Verification.EmailHTML = "", "<p>Code: <b>{####}</b></p>"
		}},
		{"text only", func(ts *Templates) { ts.Verification.EmailText, ts.Verification.EmailHTML = "Code: {####}", "" }},
		{"sms at the limit", func(ts *Templates) { ts.MFA.SMS = "{####}" + strings.Repeat("x", 134) }},
		{"non-ASCII counted in characters", func(ts *Templates) { ts.MFA.SMS = "{####}" + strings.Repeat("é", 134) }},
		{"link option", func(ts *Templates) { ts.EmailOption = ConfirmWithLink }},
		{"username in a verification", func(ts *Templates) { ts.Verification.SMS = "{username}: {####}" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := Defaults()
			tt.change(&ts)
			if err := ts.Validate(); err != nil {
				t.Fatalf("Validate() = %v", err)
			}
		})
	}
}

func TestWithDefaultsKeepsTheOperatorsBody(t *testing.T) {
	ts := Templates{Verification: Template{EmailHTML: "<p>Code {####}</p>"}}.WithDefaults()
	if ts.Verification.EmailText != "" {
		t.Fatalf("EmailText = %q, want it left empty (derived from the HTML)", ts.Verification.EmailText)
	}
	if ts.Verification.EmailSubject != Defaults().Verification.EmailSubject || ts.Verification.SMS != Defaults().Verification.SMS {
		t.Fatalf("subject and SMS not defaulted: %+v", ts.Verification)
	}
	if ts.EmailOption != ConfirmWithCode {
		t.Fatalf("EmailOption = %q", ts.EmailOption)
	}
}

func TestRender(t *testing.T) {
	evil := `<script>alert("x")</script>&`
	custom := Templates{
		Invitation: Template{
			EmailSubject: "Welcome {username}",
			EmailText:    "User {username}, password {####}",
			EmailHTML:    `<p class="x">User <b>{username}</b>, password {####}</p>`,
			SMS:          "{username} {####}",
		},
		Verification:       Template{EmailSubject: "Code", EmailText: "Line 1 <ok>\nCode {####}", SMS: "Code {####}"},
		VerificationByLink: Template{EmailSubject: "Confirm", EmailHTML: "<p>Hello&nbsp;there</p>\n<p>{##Click <i>here</i>##}</p>"},
		EmailOption:        ConfirmWithLink,
	}.WithDefaults()
	link := "https://id.example.com/local_abc/confirm?code=123456&user=a"
	tests := []struct {
		name         string
		typ          Type
		ch           Channel
		v            Values
		want         Content
		wantRedacted Content
	}{
		{
			name: "invitation email escapes the username in HTML only",
			typ:  Invitation, ch: Email, v: Values{Code: "Tmp#Pass1", Username: evil},
			want: Content{
				Subject: "Welcome " + evil,
				Text:    "User " + evil + ", password Tmp#Pass1",
				HTML:    `<p class="x">User <b>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;</b>, password Tmp#Pass1</p>`,
			},
			wantRedacted: Content{
				Subject: "Welcome " + evil,
				Text:    "User " + evil + ", password ******",
				HTML:    `<p class="x">User <b>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;</b>, password ******</p>`,
			},
		},
		{
			name: "invitation sms",
			typ:  Invitation, ch: SMS, v: Values{Code: "Tmp#Pass1", Username: "ann"},
			want: Content{SMS: "ann Tmp#Pass1"}, wantRedacted: Content{SMS: "ann ******"},
		},
		{
			name: "link verification email: an anchor in HTML, label and URL in text",
			typ:  Verification, ch: Email, v: Values{Code: "123456", LinkURL: link},
			want: Content{
				Subject: "Confirm",
				Text:    "Hello\u00a0there\n\nClick here: " + link,
				HTML:    "<p>Hello&nbsp;there</p>\n<p><a href=\"https://id.example.com/local_abc/confirm?code=123456&amp;user=a\">Click <i>here</i></a></p>",
			},
			wantRedacted: Content{
				Subject: "Confirm",
				Text:    "Hello\u00a0there\n\nClick here: https://id.example.com/local_abc/confirm?code=******&user=a",
				HTML:    "<p>Hello&nbsp;there</p>\n<p><a href=\"https://id.example.com/local_abc/confirm?code=******&amp;user=a\">Click <i>here</i></a></p>",
			},
		},
		{
			name: "verification sms carries the code even with the link option",
			typ:  Verification, ch: SMS, v: Values{Code: "123456", LinkURL: link},
			want: Content{SMS: "Code 123456"}, wantRedacted: Content{SMS: "Code ******"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, redacted, err := custom.Render(tt.typ, tt.ch, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("content\n got %#v\nwant %#v", got, tt.want)
			}
			if redacted != tt.wantRedacted {
				t.Errorf("redacted\n got %#v\nwant %#v", redacted, tt.wantRedacted)
			}
		})
	}
}

func TestRenderHTMLFromText(t *testing.T) {
	ts := Templates{Verification: Template{EmailText: "Hi <friend> & co\nCode {####}"}}.WithDefaults()
	got, _, err := ts.Render(Verification, Email, Values{Code: "123456"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.HTML, "Hi &lt;friend&gt; &amp; co<br>\nCode 123456") {
		t.Fatalf("HTML derived from text = %q", got.HTML)
	}
}

func TestRenderErrors(t *testing.T) {
	ts := Defaults()
	ts.EmailOption = ConfirmWithLink
	tests := []struct {
		name string
		typ  Type
		ch   Channel
		v    Values
	}{
		{"link option without a URL", Verification, Email, Values{Code: "123456"}},
		{"unknown type", "newsletter", Email, Values{Code: "1"}},
		{"unknown channel", MFA, "pigeon", Values{Code: "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := ts.Render(tt.typ, tt.ch, tt.v); !errs.Is(err, errs.InvalidParameter) {
				t.Fatalf("Render() = %v, want InvalidParameter", err)
			}
		})
	}
}

func TestDefaultTemplatesRender(t *testing.T) {
	ts := Defaults()
	for _, typ := range Types {
		for _, ch := range []Channel{Email, SMS} {
			got, redacted, err := ts.Render(typ, ch, Values{Code: "987654", Username: "ann"})
			if err != nil {
				t.Fatalf("%s/%s: %v", typ, ch, err)
			}
			for _, s := range []string{got.Text, got.HTML, got.SMS} {
				if s != "" && !strings.Contains(s, "987654") {
					t.Errorf("%s/%s: %q lacks the code", typ, ch, s)
				}
			}
			for _, s := range []string{redacted.Subject, redacted.Text, redacted.HTML, redacted.SMS} {
				if strings.Contains(s, "987654") {
					t.Errorf("%s/%s: redacted %q shows the code", typ, ch, s)
				}
			}
		}
	}
}

func TestNewRejectsBadDrafts(t *testing.T) {
	ok := Draft{PoolID: "local_abc", Type: Verification, Channel: Email, Destination: "ann@example.com", Values: Values{Code: "123456"}}
	tests := []struct {
		name   string
		change func(*Draft)
	}{
		{"bad email", func(d *Draft) { d.Destination = "not an address" }},
		{"email with a display name", func(d *Draft) { d.Destination = "Ann <ann@example.com>" }},
		{"header injection", func(d *Draft) { d.Destination = "ann@example.com\r\nBcc: x@example.com" }},
		{"bad from", func(d *Draft) { d.From = "nobody" }},
		{"bad reply-to", func(d *Draft) { d.ReplyTo = "@@" }},
		{"bad phone", func(d *Draft) { d.Channel, d.Destination = SMS, "0612345678" }},
		{"unknown channel", func(d *Draft) { d.Channel = "fax" }},
		{"unknown type", func(d *Draft) { d.Type = "spam" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ok
			tt.change(&d)
			if m, err := New(Defaults(), d, testEpoch); !errs.Is(err, errs.InvalidParameter) {
				t.Fatalf("New() = %+v, %v; want InvalidParameter", m, err)
			}
		})
	}
	m, err := New(Defaults(), ok, testEpoch)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != Pending || !m.NextAttemptAt.Equal(testEpoch) || m.ID == "" || !strings.Contains(m.Content.Text, "123456") || strings.Contains(m.Redacted.Text, "123456") {
		t.Fatalf("New() = %+v", m)
	}
}
