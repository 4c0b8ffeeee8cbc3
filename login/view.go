package login

import (
	"net/http"
	"net/url"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/templates"
)

// view is what every page of a request shares: its language and the pool's look.
type view struct {
	lang  string
	brand templates.Brand
}

func (v view) t(key string, args ...any) string { return templates.T(v.lang, key, args...) }

// base is the page base with the title given as a catalogue key.
func (v view) base(titleKey, csrf string) templates.Base {
	return templates.Base{Lang: v.lang, Title: v.t(titleKey), Brand: v.brand, CSRF: csrf}
}

// plainView is the view of a page outside any pool: the browser's language, no branding.
func (h *Handler) plainView(r *http.Request) view {
	return view{lang: templates.Negotiate(nil, r.Header.Get("Accept-Language"))}
}

// view returns the view of a pool's page for the pending request ar (nil when there is
// none): the language from its ui_locales, then the browser's; the branding of its client,
// else the pool's.
func (h *Handler) view(r *http.Request, p *pool.Pool, ar *session.AuthRequest) view {
	var locales []string
	clientID := ""
	if ar != nil {
		locales, clientID = ar.UILocales, ar.ClientID
	}
	v := view{lang: templates.Negotiate(locales, r.Header.Get("Accept-Language")), brand: templates.Brand{Name: p.Name}}
	if h.Branding == nil {
		return v
	}
	c, err := h.Branding.Get(r.Context(), p.Id, clientID)
	if err != nil {
		// The pages work in the default look; the failure is the operator's to see.
		h.logger().WarnContext(r.Context(), "read branding", "pool", p.Id, "err", err)
		return v
	}
	if c == nil {
		return v
	}
	base := h.basePath()
	v.brand.StyleURL = base + c.StylePath()
	if c.PageTitle != "" {
		v.brand.Name = c.PageTitle
	}
	if lp := c.LogoPath(); lp != "" {
		v.brand.LogoURL = base + lp
	}
	for _, l := range c.FooterLinks {
		v.brand.FooterLinks = append(v.brand.FooterLinks, templates.Link{URL: l.URL, Text: l.Text})
	}
	return v
}

// pageURL is the URL of one of the pool's pages with the query q.
func (h *Handler) pageURL(p *pool.Pool, page string, q url.Values) string {
	u := h.basePath() + "/" + p.Id + "/" + page
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// arQuery is the query that carries the pending request to another page.
func arQuery(ar *session.AuthRequest, kv ...string) url.Values {
	q := url.Values{}
	if ar != nil {
		q.Set("authRequestID", ar.ID)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}
