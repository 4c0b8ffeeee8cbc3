package provider

import (
	"context"
	"net/http"
	"net/url"

	"github.com/userpool/userpool/pool"
)

// cors lets browsers call the pool's endpoints from the origins of its app clients' callback
// URLs, and from no other. No credentials (cookies) are allowed: these endpoints take tokens.
func (p *Provider) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" {
			w.Header().Add("Vary", "Origin")
			pl := PoolFromContext(r.Context())
			origins, err := p.origins(r.Context(), pl.Id)
			if err == nil && origins[origin] {
				h := w.Header()
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Expose-Headers", "WWW-Authenticate")
				if r.Method == http.MethodOptions {
					h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
					h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
					h.Set("Access-Control-Max-Age", "600")
				}
			}
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// origins returns the origins ("scheme://host[:port]") of the pool's callback URLs.
func (p *Provider) origins(ctx context.Context, poolID string) (map[string]bool, error) {
	return p.originCache.get(poolID, func() (map[string]bool, error) {
		out := map[string]bool{}
		page := pool.Page{Limit: 60}
		for {
			clients, next, err := p.pools.ListClients(ctx, poolID, page)
			if err != nil {
				return nil, err
			}
			for _, c := range clients {
				for _, cb := range c.CallbackURLs {
					if u, err := url.Parse(cb); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
						out[u.Scheme+"://"+u.Host] = true
					}
				}
			}
			if next == "" {
				return out, nil
			}
			page.After = next
		}
	})
}
