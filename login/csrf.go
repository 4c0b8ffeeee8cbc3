package login

import (
	"encoding/base64"
	"net/http"

	"github.com/userpool/userpool/httpx"
)

// CSRF protection is httpx.CSRF's signed double submit, scoped to the pool: the cookie lives
// under the pool's pages and the token is bound to the pool id.

const csrfCookie = "userpool_csrf"

// DeriveCSRFKey derives the key of the CSRF tokens from the master key, so that every server
// process computes the same tokens and the master key itself is never used for two purposes.
func DeriveCSRFKey(masterKey []byte) []byte {
	return httpx.DeriveKey(masterKey, "userpool login csrf v1")
}

func (h *Handler) csrfGuard() httpx.CSRF {
	return httpx.CSRF{Key: h.CSRFKey, CookieName: csrfCookie, NewCookie: func(poolID, value string) *http.Cookie {
		return h.cookie(poolID, csrfCookie, value, 0)
	}}
}

// csrf returns the token for the page's forms, setting the browser's cookie when it has none.
func (h *Handler) csrf(w http.ResponseWriter, r *http.Request, poolID string) string {
	return h.csrfGuard().Token(w, r, poolID)
}

// checkCSRF reports whether the posted form carries the token of the browser's cookie.
func (h *Handler) checkCSRF(r *http.Request, poolID string) bool {
	return h.csrfGuard().Check(r, poolID)
}

// validCookieValue accepts the random base64url values this package sets (CSRF and session
// cookies), and nothing else.
func validCookieValue(v string) bool {
	b, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil && len(b) == 32
}
