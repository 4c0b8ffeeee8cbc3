package templates_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/userpool/userpool/templates"
)

func TestRenderEscapes(t *testing.T) {
	evil := `<script>alert(1)</script>`
	b := templates.Base{Title: evil, Brand: templates.Brand{Name: evil}, CSRF: `"x`, Alert: evil}
	tests := []struct {
		page string
		data any
	}{
		{templates.PageSignIn, templates.SignIn{Base: b, Action: "javascript:alert(1)", Username: templates.Field{Value: evil, Error: evil}}},
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
	}
	if _, err := templates.Render("nope", nil); err == nil {
		t.Error("unknown page rendered")
	}
	if _, err := fs.Stat(templates.Static(), "pages.css"); err != nil {
		t.Error(err)
	}
}
