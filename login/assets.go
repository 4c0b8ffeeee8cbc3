package login

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/branding"
)

// styleSheet serves a pool's generated style sheet (colours and custom CSS from its branding;
// the CSS was sanitized when it was set). Its URL carries the version, so it may be cached.
func (h *Handler) styleSheet(w http.ResponseWriter, r *http.Request) {
	c := h.customization(w, r)
	if c == nil {
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(c.StyleSheet()))
	}
}

// logo serves a pool's logo (PNG or JPEG, checked when it was set).
func (h *Handler) logo(w http.ResponseWriter, r *http.Request) {
	c := h.customization(w, r)
	if c == nil {
		return
	}
	if len(c.Image) == 0 {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", c.ImageType)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	if r.Method != http.MethodHead {
		_, _ = w.Write(c.Image)
	}
}

// customization returns the branding the asset's URL names (its client's, else the pool's),
// or answers 404 and returns nil.
func (h *Handler) customization(w http.ResponseWriter, r *http.Request) *branding.Customization {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if h.Branding == nil {
		http.NotFound(w, r)
		return nil
	}
	c, err := h.Branding.Get(r.Context(), mux.Vars(r)["pool"], r.URL.Query().Get("client"))
	if err != nil {
		h.logger().ErrorContext(r.Context(), "read branding", "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return nil
	}
	if c == nil {
		http.NotFound(w, r)
		return nil
	}
	return c
}
