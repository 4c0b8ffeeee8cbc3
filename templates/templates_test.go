package templates_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/userpool/userpool/templates"
)

func TestRenderEscapes(t *testing.T) {
	evil := `<script>alert(1)</script>`
	b := templates.Base{Title: evil, Brand: templates.Brand{Name: evil, FooterLinks: []templates.Link{{URL: "javascript:alert(1)", Text: evil}}},
		CSRF: `"x`, Alert: evil, Notice: evil}
	tests := []struct {
		page string
		data any
	}{
		{templates.PageForm, templates.Form{Base: b, Action: "javascript:alert(1)", Intro: []string{evil},
			Hidden: []templates.Hidden{{Name: evil, Value: evil}},
			Inputs: []templates.Input{{Name: evil, ID: evil, Label: evil, Type: "text", Value: evil, Error: evil, Hint: evil,
				Rules: []templates.Rule{{Text: evil, Failed: true}}}, {Name: "c", ID: "c", Type: "checkbox", Label: evil, Checked: true}},
			Submit: evil, Aside: &templates.SmallForm{Action: "javascript:alert(1)", Text: evil, Submit: evil},
			Links: []templates.Link{{URL: "javascript:alert(1)", Text: evil}}}},
		{templates.PageMessage, templates.Message{Base: b, Paragraphs: []string{evil}, Next: &templates.Link{URL: "javascript:alert(1)", Text: evil}}},
		{templates.PageDemo, templates.Demo{Base: b, PoolID: evil, CreateUser: evil}},
		{templates.PageDemoToken, templates.DemoTokens{Base: b, Tokens: []templates.Token{{Name: evil, Claims: []templates.Claim{{Name: evil, Value: evil}}, Raw: evil}}}},
	}
	for _, tt := range tests {
		out, err := templates.Render(tt.page, tt.data)
		if err != nil {
			t.Fatalf("%s: %v", tt.page, err)
		}
		s := string(out)
		if strings.Contains(s, "<script>") || strings.Contains(s, "javascript:") {
			t.Errorf("%s: unescaped input:\n%s", tt.page, s)
		}
		if !strings.Contains(s, `<html lang="en">`) || !strings.Contains(s, "/static/pages.css") {
			t.Errorf("%s: layout missing", tt.page)
		}
		// No inline script or style anywhere: the pages run under a CSP without unsafe-inline.
		if strings.Contains(s, "<script") || strings.Contains(s, "<style") || strings.Contains(s, " style=") || strings.Contains(s, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(s) {
			t.Errorf("%s: inline script or style:\n%s", tt.page, s)
		}
	}
	if _, err := templates.Render("nope", nil); err == nil {
		t.Error("unknown page rendered")
	}
	if _, err := fs.Stat(templates.Static(), "pages.css"); err != nil {
		t.Error(err)
	}
}

func TestFormAccessibility(t *testing.T) {
	out, err := templates.Render(templates.PageForm, templates.Form{
		Base: templates.Base{Lang: "fr", Title: "T"},
		Inputs: []templates.Input{
			{Name: "email", ID: "f-email", Label: "Email", Type: "email", Error: "Bad"},
			{Name: "password", ID: "password", Label: "Password", Type: "password", Value: "secret", Rules: []templates.Rule{{Text: "8"}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		`<html lang="fr">`,
		`<label for="f-email" class="label-customizable">Email</label>`,
		`aria-invalid="true" aria-describedby="f-email-error"`,
		`id="f-email-error" role="alert">Bad</p>`,
		`aria-describedby="password-rules"`,
		`<ul class="rules" id="password-rules">`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
	if strings.Contains(s, "secret") {
		t.Error("a password value was written into the page")
	}
}

func TestCatalogues(t *testing.T) {
	langs := templates.Languages()
	if len(langs) < 2 || !slices.Contains(langs, "en") {
		t.Fatalf("languages %v", langs)
	}
	en := templates.Keys("en")
	for _, l := range langs {
		if got := templates.Keys(l); !slices.Equal(got, en) {
			t.Errorf("catalogue %s has keys %d, en has %d: they must match", l, len(got), len(en))
		}
		for _, k := range en {
			// A text's arguments must be the same in every language.
			if a, b := verbs(templates.T("en", k)), verbs(templates.T(l, k)); !slices.Equal(a, b) {
				t.Errorf("%s %s: arguments %v, en has %v", l, k, b, a)
			}
		}
	}
	// Every key the templates and the login pages use exists.
	used := regexp.MustCompile(`\.T "([a-z_.]+)"`)
	files, _ := filepath.Glob("html/*.html")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if !templates.HasKey(m[1]) {
				t.Errorf("%s uses unknown key %q", f, m[1])
			}
		}
	}
	loginKeys := regexp.MustCompile(`"((?:signin|signup|confirm|code|forgot|reset|newpw|profile|step|err|logout|link|pw|id|attr|hint|form|layout|mfa)\.[a-z_.]+)"`)
	goFiles, _ := filepath.Glob("../login/*.go")
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range loginKeys.FindAllStringSubmatch(string(b), -1) {
			if !templates.HasKey(m[1]) && !strings.HasSuffix(m[1], ".") {
				t.Errorf("%s uses unknown key %q", f, m[1])
			}
		}
	}
}

func verbs(s string) []string {
	out := regexp.MustCompile(`%\[\d\][sd]`).FindAllString(s, -1)
	slices.Sort(out)
	return slices.Compact(out)
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		ui     []string
		accept string
		want   string
	}{
		{nil, "", "en"},
		{[]string{"fr-CA"}, "en", "fr"},
		{[]string{"xx", "fr"}, "en", "fr"},
		{[]string{"xx"}, "fr-FR,fr;q=0.9,en;q=0.8", "fr"},
		{nil, "de;q=1, en;q=0.5, fr;q=0.8", "fr"},
		{nil, "fr;q=0", "en"},
		{nil, "en-GB", "en"},
		{nil, "garbage;q=x, fr", "fr"},
		{nil, "ja", "en"},
	}
	for _, tt := range tests {
		if got := templates.Negotiate(tt.ui, tt.accept); got != tt.want {
			t.Errorf("Negotiate(%v, %q) = %q, want %q", tt.ui, tt.accept, got, tt.want)
		}
	}
}

func TestT(t *testing.T) {
	if got := templates.T("fr", "pw.rule.length", 8); got != "Au moins 8 caractères" {
		t.Errorf("fr: %q", got)
	}
	if got := templates.T("xx", "signin.title"); got != "Sign in" {
		t.Errorf("fallback: %q", got)
	}
	if got := templates.T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key: %q", got)
	}
}
