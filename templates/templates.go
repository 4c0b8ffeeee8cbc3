// Package templates holds the hosted pages' HTML templates and static assets, embedded in the
// binary, and the view models the pages are rendered from. Pages are html/template, so every
// value is escaped for the context it appears in; they need no JavaScript.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
)

//go:embed html/*.html
var pageFS embed.FS

//go:embed static
var staticFS embed.FS

// Static returns the static assets (style sheet), served under StaticPath.
func Static() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	return sub
}

// StaticPath is where the server serves Static; the layout links to it.
const StaticPath = "/static/"

// Page names.
const (
	PageForm      = "form"
	PageMessage   = "message"
	PageDemo      = "demo"
	PageDemoToken = "demo_tokens"
)

// pages holds one template set per page: the layout plus the page's blocks.
var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{"static": func(name string) string { return StaticPath + name }}
	out := map[string]*template.Template{}
	for _, name := range []string{PageForm, PageMessage, PageDemo, PageDemoToken, PageMFAStep, PageMFAManage} {
		out[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(pageFS, "html/layout.html", "html/"+name+".html"))
	}
	return out
}()

// Render renders the page name with data (one of the view models below). The page is
// rendered in full before anything is written, so a failure cannot leave half a page.
func Render(name string, data any) ([]byte, error) {
	t, ok := pages[name]
	if !ok {
		return nil, fmt.Errorf("render: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}
