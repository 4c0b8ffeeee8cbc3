package login

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// CSRF protection is a signed double submit: the browser holds a random value in a cookie
// scoped to the pool's pages, and every form carries HMAC(key, pool, value). A forged form
// from another site cannot read the cookie, so it cannot compute the token; a cookie planted
// by a sibling host is useless without the server's key.

const csrfCookie = "userpool_csrf"

// DeriveCSRFKey derives the key of the CSRF tokens from the master key, so that every server
// process computes the same tokens and the master key itself is never used for two purposes.
func DeriveCSRFKey(masterKey []byte) []byte {
	m := hmac.New(sha256.New, masterKey)
	m.Write([]byte("userpool login csrf v1"))
	return m.Sum(nil)
}

func (h *Handler) csrfToken(poolID, value string) string {
	m := hmac.New(sha256.New, h.CSRFKey)
	m.Write([]byte(poolID))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrf returns the token for the page's forms, setting the browser's cookie when it has none.
func (h *Handler) csrf(w http.ResponseWriter, r *http.Request, poolID string) string {
	if c, err := r.Cookie(csrfCookie); err == nil && validCookieValue(c.Value) {
		return h.csrfToken(poolID, c.Value)
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw) // crypto/rand does not fail on supported platforms
	value := base64.RawURLEncoding.EncodeToString(raw)
	http.SetCookie(w, h.cookie(poolID, csrfCookie, value, 0))
	return h.csrfToken(poolID, value)
}

// checkCSRF reports whether the posted form carries the token of the browser's cookie.
func (h *Handler) checkCSRF(r *http.Request, poolID string) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || !validCookieValue(c.Value) {
		return false
	}
	want := h.csrfToken(poolID, c.Value)
	return hmac.Equal([]byte(r.PostFormValue("csrf_token")), []byte(want))
}

// validCookieValue accepts the base64url values this package sets, and nothing else.
func validCookieValue(v string) bool {
	b, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil && len(b) == 32
}
