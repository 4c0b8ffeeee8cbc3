package httpx

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// CSRF protects HTML forms with a signed double submit: the browser holds a random value in a
// cookie, and every form carries HMAC(Key, scope, value). A forged form from another site
// cannot read the cookie, so it cannot compute the token; a cookie planted by a sibling host is
// useless without the server's key. Scope binds a token to one part of the site (a pool's
// pages, the admin console), so a token of one is worthless on another.
type CSRF struct {
	Key []byte
	// CookieName is the cookie that holds the browser's random value.
	CookieName string
	// NewCookie returns the cookie (path, flags) that carries value for scope.
	NewCookie func(scope, value string) *http.Cookie
}

// FormField is the form field that carries the token.
const FormField = "csrf_token"

// DeriveKey derives a key for one purpose from the master key, so that every server process
// computes the same tokens and the master key itself is never used for two purposes.
func DeriveKey(masterKey []byte, purpose string) []byte {
	m := hmac.New(sha256.New, masterKey)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

func (c CSRF) token(scope, value string) string {
	m := hmac.New(sha256.New, c.Key)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Token returns the token for the page's forms, setting the browser's cookie when it has none.
func (c CSRF) Token(w http.ResponseWriter, r *http.Request, scope string) string {
	if ck, err := r.Cookie(c.CookieName); err == nil && validCSRFValue(ck.Value) {
		return c.token(scope, ck.Value)
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw) // crypto/rand does not fail on supported platforms
	value := base64.RawURLEncoding.EncodeToString(raw)
	// A second page rendered in the same response must see the new value.
	r.AddCookie(&http.Cookie{Name: c.CookieName, Value: value})
	http.SetCookie(w, c.NewCookie(scope, value))
	return c.token(scope, value)
}

// Check reports whether the posted form carries the token of the browser's cookie.
func (c CSRF) Check(r *http.Request, scope string) bool {
	ck, err := r.Cookie(c.CookieName)
	if err != nil || !validCSRFValue(ck.Value) {
		return false
	}
	want := c.token(scope, ck.Value)
	return hmac.Equal([]byte(r.PostFormValue(FormField)), []byte(want))
}

// validCSRFValue accepts the base64url values Token sets, and nothing else.
func validCSRFValue(v string) bool {
	b, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil && len(b) == 32
}
