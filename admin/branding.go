package admin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/templates"
)

// Branding reads and sets pools' UI customizations (*branding.Service is one).
type Branding interface {
	Get(ctx context.Context, poolID, clientID string) (*branding.Customization, error)
	Set(ctx context.Context, in branding.Customization) (*branding.Customization, error)
}

// brandingFields maps the branding service's messages to the form's fields.
var brandingFields = []field{{"PrimaryColor", "primary_color"}, {"BackgroundColor", "background_color"}, {"PageTitle", "page_title"},
	{"FooterLinks", "footer_links"}, {"CSS", "css"}, {"ImageFile", "logo"}}

// maxUpload bounds a console form's body: the largest is the branding form (a logo of
// branding.MaxImageBytes and CSS of branding.MaxCSSLength).
const maxUpload = 1 << 20

func (h *Handler) brandingView(w http.ResponseWriter, r *http.Request, op *operator, p *pool.Pool, c *branding.Customization) templates.AdminBranding {
	v := templates.AdminBranding{AdminBase: h.poolBase(w, r, op, p, "branding", "Branding"), AllowedClasses: branding.AllowedClasses,
		MaxImageKB: branding.MaxImageBytes >> 10, FooterLinks: make([]branding.FooterLink, branding.MaxFooterLinks)}
	if c == nil {
		return v
	}
	v.PrimaryColor, v.BackgroundColor, v.PageTitle, v.CSS = c.PrimaryColor, c.BackgroundColor, c.PageTitle, c.CSS
	copy(v.FooterLinks, c.FooterLinks)
	if !c.UpdatedAt.IsZero() {
		at := c.UpdatedAt
		v.Updated = &at
	}
	if lp := c.LogoPath(); lp != "" {
		v.LogoURL = h.basePath() + lp
	}
	return v
}

// loadBranding loads the pool of the request and its pool-wide branding (nil when none is
// saved), answering with the error page when it cannot.
func (h *Handler) loadBranding(w http.ResponseWriter, r *http.Request, op *operator) (*pool.Pool, *branding.Customization, bool) {
	p := h.loadPool(w, r, op)
	if p == nil {
		return nil, nil, false
	}
	c, err := h.Branding.Get(r.Context(), p.Id, branding.AllClients)
	if err != nil {
		h.fail(w, r, op, err)
		return nil, nil, false
	}
	return p, c, true
}

func (h *Handler) brandingPage(w http.ResponseWriter, r *http.Request, op *operator) {
	p, c, ok := h.loadBranding(w, r, op)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, templates.AdminPageBranding, h.brandingView(w, r, op, p, c))
}

// saveBranding replaces the pool's customization with the form's; the logo is kept unless a
// new one is uploaded or it is removed.
func (h *Handler) saveBranding(w http.ResponseWriter, r *http.Request, op *operator) {
	p, cur, ok := h.loadBranding(w, r, op)
	if !ok {
		return
	}
	in := branding.Customization{PoolID: p.Id, ClientID: branding.AllClients,
		PrimaryColor: strings.TrimSpace(r.PostFormValue("primary_color")), BackgroundColor: strings.TrimSpace(r.PostFormValue("background_color")),
		PageTitle: r.PostFormValue("page_title"), CSS: r.PostFormValue("css")}
	texts, urls := r.PostForm["link_text"], r.PostForm["link_url"]
	for i := range min(len(texts), len(urls)) {
		if l := (branding.FooterLink{Text: strings.TrimSpace(texts[i]), URL: strings.TrimSpace(urls[i])}); l != (branding.FooterLink{}) {
			in.FooterLinks = append(in.FooterLinks, l)
		}
	}
	if cur != nil && !formBool(r, "remove_logo") {
		in.Image = cur.Image
	}
	v := h.brandingView(w, r, op, p, &in)
	if cur != nil && len(in.Image) > 0 {
		v.LogoURL = h.basePath() + cur.LogoPath()
	}
	logo, err := uploaded(r, "logo")
	if err != nil {
		h.render(w, r, fieldError(&v.AdminBase, "logo", err.Error()), templates.AdminPageBranding, v)
		return
	}
	if logo != nil {
		in.Image = logo
	}
	if _, err := h.Branding.Set(r.Context(), in); err != nil {
		h.render(w, r, h.formFailure(r, &v.AdminBase, err, brandingFields...), templates.AdminPageBranding, v)
		return
	}
	h.logger().InfoContext(r.Context(), "console: branding saved", "operator", op.username, "pool", p.Id)
	h.redirect(w, r, "/admin/pools/"+p.Id+"/branding", "saved")
}

// uploaded returns the bytes of the form's file field name, nil when none was chosen. A file
// larger than a logo may be is refused here, before the branding service sees it.
func uploaded(r *http.Request, name string) ([]byte, error) {
	f, hdr, err := r.FormFile(name)
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}
	if err != nil {
		return nil, errors.New("The file could not be read; choose it again.")
	}
	defer f.Close()
	if hdr.Size == 0 {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(f, branding.MaxImageBytes+1))
	if err != nil {
		return nil, errors.New("The file could not be read; choose it again.")
	}
	if len(b) > branding.MaxImageBytes {
		return nil, errors.New("The logo must be at most 100 KB.")
	}
	return b, nil
}

// brandingPreview renders the pool's hosted sign-in page with its saved branding: the hosted
// pages' own template and style sheets, inside the console (the hosted pages forbid framing).
// The form posts nowhere useful: it is a picture of the page.
func (h *Handler) brandingPreview(w http.ResponseWriter, r *http.Request, op *operator) {
	p, c, ok := h.loadBranding(w, r, op)
	if !ok {
		return
	}
	const lang = templates.DefaultLanguage
	t := func(key string) string { return templates.T(lang, key) }
	brand := templates.Brand{Name: p.Name}
	if c != nil {
		base := h.basePath()
		brand.StyleURL = base + c.StylePath()
		if c.PageTitle != "" {
			brand.Name = c.PageTitle
		}
		if lp := c.LogoPath(); lp != "" {
			brand.LogoURL = base + lp
		}
		for _, l := range c.FooterLinks {
			brand.FooterLinks = append(brand.FooterLinks, templates.Link{URL: l.URL, Text: l.Text})
		}
	}
	self := h.basePath() + "/admin/pools/" + p.Id + "/branding"
	body, err := templates.Render(templates.PageForm, templates.Form{
		Base:   templates.Base{Lang: lang, Title: t("signin.title"), Brand: brand, Notice: "Preview of the sign-in page. It signs nobody in."},
		Action: self + "/preview",
		Inputs: []templates.Input{
			{Name: "username", ID: "username", Label: capitalize(t("id.username")), Type: "text", Autocomplete: "off"},
			{Name: "password", ID: "password", Label: t("signin.password"), Type: "password", Autocomplete: "off"},
		},
		Submit: t("signin.submit"),
		Links:  []templates.Link{{URL: self, Text: "Back to the console's branding page"}, {URL: self + "/preview", Text: t("link.forgot")}},
	})
	if err != nil {
		h.fail(w, r, op, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(body)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
