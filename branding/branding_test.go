package branding_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
)

func TestSanitizeCSS(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"simple", ".submitButton-customizable { background-color: #0a7d43; color: white }", ".submitButton-customizable { background-color: #0a7d43; color: white; }\n"},
		{"comments dropped", "/* brand */ .label-customizable{font-weight:700;/* x */}", ".label-customizable { font-weight: 700; }\n"},
		{"several selectors and hover", ".logo-customizable, .submitButton-customizable:hover { max-width: 60%; opacity: 0.9 }",
			".logo-customizable, .submitButton-customizable:hover { max-width: 60%; opacity: 0.9; }\n"},
		{"functions", ".background-customizable { background-color: rgba(10, 20, 30, 0.5); width: calc(100% - 2rem) }",
			".background-customizable { background-color: rgba(10, 20, 30, 0.5); width: calc(100% - 2rem); }\n"},
		{"fonts and important", `.label-customizable { font-family: "Open Sans", Arial, sans-serif !important; font-size: 1.5rem }`,
			`.label-customizable { font-family: "Open Sans", Arial, sans-serif !important; font-size: 1.5rem; }` + "\n"},
		{"font shorthand slash", ".textDescription-customizable { line-height: 1.4; margin: 0 auto }", ".textDescription-customizable { line-height: 1.4; margin: 0 auto; }\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := branding.SanitizeCSS(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v\nwant %q", got, err, tt.want)
			}
			// Sanitizing is idempotent: what it writes, it accepts unchanged.
			again, err := branding.SanitizeCSS(got)
			if err != nil || again != got {
				t.Fatalf("not idempotent: %q %v", again, err)
			}
		})
	}
	refused := map[string]string{
		"url":                  ".background-customizable { background-color: url(https://evil.example/x.png) }",
		"url uppercase":        ".background-customizable { color: URL(x) }",
		"expression":           ".label-customizable { width: expression(alert(1)) }",
		"import":               "@import 'https://evil.example/x.css'; .label-customizable { color: red }",
		"at-rule":              "@font-face { font-family: x }",
		"unknown class":        ".secret { color: red }",
		"element selector":     "body { color: red }",
		"id selector":          "#main { color: red }",
		"descendant":           ".label-customizable input { color: red }",
		"attribute selector":   ".label-customizable[x] { color: red }",
		"position":             ".label-customizable { position: fixed }",
		"background shorthand": ".label-customizable { background: url(x) }",
		"content":              ".label-customizable { content: 'x' }",
		"behavior":             ".label-customizable { behavior: x }",
		"escape":               `.label-customizable { color: \72 ed }`,
		"escaped url":          `.label-customizable { color: \75 rl(x) }`,
		"comment splitting":    ".label-customizable { col/**/or: red }",
		"unterminated comment": ".label-customizable { color: red } /* .secret { color: red }",
		"unterminated block":   ".label-customizable { color: red",
		"stray brace":          ".label-customizable { color: red } }",
		"html":                 ".label-customizable { color: red } </style><script>alert(1)</script>",
		"quote in string":      `.label-customizable { font-family: "a\"b" }`,
		"string with url":      `.label-customizable { font-family: "x);background:url(//evil" }`,
		"var":                  ".label-customizable { color: var(--x) }",
		"image-set":            ".label-customizable { color: image-set(x) }",
		"unbalanced paren":     ".label-customizable { color: rgb(1,2,3 }",
		"no value":             ".label-customizable { color: }",
		"semicolon in value":   ".label-customizable { color: red; ; x: y }",
		"bang":                 ".label-customizable { color: red !x }",
		"star outside calc":    ".label-customizable { color: * }",
		"too long":             strings.Repeat(" ", branding.MaxCSSLength+1),
	}
	for name, in := range refused {
		t.Run("refuses "+name, func(t *testing.T) {
			out, err := branding.SanitizeCSS(in)
			if !errs.Is(err, errs.InvalidParameter) {
				t.Fatalf("accepted as %q (%v)", out, err)
			}
		})
	}
}

func pngLogo(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		for y := range 8 {
			img.Set(x, y, color.RGBA{200, 30, 60, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestService(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		pools := pool.NewService(st, "local")
		p, err := pools.CreatePool(ctx, &pool.Pool{Name: "Brand"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := pools.CreateClient(ctx, &pool.Client{UserPoolId: p.Id, ClientName: "app"}, false)
		if err != nil {
			t.Fatal(err)
		}
		s := &branding.Service{Store: st, Pools: pools}
		if got, err := s.Get(ctx, p.Id, ""); err != nil || got != nil {
			t.Fatalf("before any: %+v %v", got, err)
		}
		logo := pngLogo(t)
		in := branding.Customization{PoolID: p.Id, CSS: ".label-customizable{color:#111}", Image: logo, PrimaryColor: "#0A7D43",
			BackgroundColor: "#f0f7f4", PageTitle: " Acme ", FooterLinks: []branding.FooterLink{{Text: "Terms", URL: "https://acme.example/terms"}}}
		set, err := s.Set(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if set.ClientID != branding.AllClients || set.ImageType != branding.TypePNG || set.PrimaryColor != "#0a7d43" || set.PageTitle != "Acme" {
			t.Fatalf("stored %+v", set)
		}
		got, err := s.Get(ctx, p.Id, c.ClientId) // no client override: the pool's
		if err != nil || got == nil || !bytes.Equal(got.Image, logo) || got.CSS != ".label-customizable { color: #111; }\n" ||
			len(got.FooterLinks) != 1 || got.FooterLinks[0].URL != "https://acme.example/terms" {
			t.Fatalf("got %+v %v", got, err)
		}
		sheet := got.StyleSheet()
		if !strings.Contains(sheet, "--primary: #0a7d43;") || !strings.Contains(sheet, "--primary-text: #ffffff;") || !strings.Contains(sheet, "--bg: #f0f7f4;") {
			t.Errorf("style sheet:\n%s", sheet)
		}
		// A light primary colour gets dark text.
		if light := (&branding.Customization{PrimaryColor: "#ffeb3b"}).StyleSheet(); !strings.Contains(light, "--primary-text: #111827;") {
			t.Errorf("light primary:\n%s", light)
		}
		// A client override, then replacing the pool's keeps its creation date.
		if _, err := s.Set(ctx, branding.Customization{PoolID: p.Id, ClientID: c.ClientId, PrimaryColor: "#123456"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Get(ctx, p.Id, c.ClientId); got.PrimaryColor != "#123456" || len(got.Image) != 0 {
			t.Fatalf("client override %+v", got)
		}
		again, err := s.Set(ctx, branding.Customization{PoolID: p.Id, PageTitle: "New"})
		if err != nil || !again.CreatedAt.Equal(set.CreatedAt) {
			t.Fatalf("replace: %+v %v (created %v)", again, err, set.CreatedAt)
		}

		svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
		bad := []struct {
			name string
			in   branding.Customization
		}{
			{"unknown pool", branding.Customization{PoolID: "local_nope00000"}},
			{"unknown client", branding.Customization{PoolID: p.Id, ClientID: "nope"}},
			{"svg logo", branding.Customization{PoolID: p.Id, Image: svg}},
			{"big logo", branding.Customization{PoolID: p.Id, Image: append(logo, make([]byte, branding.MaxImageBytes)...)}},
			{"bad colour", branding.Customization{PoolID: p.Id, PrimaryColor: "red"}},
			{"colour injection", branding.Customization{PoolID: p.Id, BackgroundColor: "#fff; } body { x"}},
			{"bad css", branding.Customization{PoolID: p.Id, CSS: "@import url(x);"}},
			{"long title", branding.Customization{PoolID: p.Id, PageTitle: strings.Repeat("x", 101)}},
			{"javascript link", branding.Customization{PoolID: p.Id, FooterLinks: []branding.FooterLink{{Text: "x", URL: "javascript:alert(1)"}}}},
			{"link without text", branding.Customization{PoolID: p.Id, FooterLinks: []branding.FooterLink{{Text: " ", URL: "https://a.example"}}}},
			{"too many links", branding.Customization{PoolID: p.Id, FooterLinks: make([]branding.FooterLink, 6)}},
		}
		for _, tt := range bad {
			if _, err := s.Set(ctx, tt.in); err == nil {
				t.Errorf("%s: accepted", tt.name)
			} else if _, ok := errs.As(err); !ok {
				t.Errorf("%s: %v is not a domain error", tt.name, err)
			}
		}
		// Nothing changed.
		if got, _ := s.Get(ctx, p.Id, ""); got.PageTitle != "New" {
			t.Errorf("a refused Set changed the customization: %+v", got)
		}
		// Deleting the pool deletes its branding.
		if err := st.DeletePool(ctx, p.Id); err != nil {
			t.Fatal(err)
		}
		if got, err := st.GetCustomization(ctx, p.Id, branding.AllClients); err != nil || got != nil {
			t.Errorf("after DeletePool: %+v %v", got, err)
		}
	})
}
