package login

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// A sign-in that needs more than the password — a new password, missing attributes, or the
// confirmation of a new account before its first sign-in — remembers who is signing in in a
// signed cookie scoped to the pool's pages, bound to the pending authorization request. Only
// the browser that passed the earlier step holds it, so the next page acts for that user and
// no other; it expires after stepTTL.

const (
	stepCookie = "userpool_step"
	stepTTL    = 15 * time.Minute
	// confirmTTL is longer: the user must find the code in their mail.
	confirmTTL = time.Hour
)

// Step kinds.
const (
	stepConfirm     = "confirm"
	stepNewPassword = "newpassword"
	stepProfile     = "profile"
	stepMFA         = "mfa"
)

// step is the cookie's content.
type step struct {
	Pool    string `json:"p"`
	Sub     string `json:"s"`
	Request string `json:"r"`
	Kind    string `json:"k"`
	Expires int64  `json:"e"`
	// Username is what the user typed (the confirm page needs it); Destination the masked
	// address a code went to.
	Username    string `json:"u,omitempty"`
	Destination string `json:"d,omitempty"`
	// MFA is the second-factor attempt's handle, MFAStep its step and Options the factors it
	// offers (see mfa.go).
	MFA     string   `json:"m,omitempty"`
	MFAStep string   `json:"ms,omitempty"`
	Options []string `json:"o,omitempty"`
}

func (h *Handler) stepMAC(payload string) string {
	m := hmac.New(sha256.New, h.CSRFKey)
	m.Write([]byte("userpool login step v1\x00"))
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// setStep sets the step cookie.
func (h *Handler) setStep(w http.ResponseWriter, s step, ttl time.Duration) {
	s.Expires = h.now().Add(ttl).Unix()
	b, _ := json.Marshal(s) // a struct of strings and string slices always encodes
	payload := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, h.cookie(s.Pool, stepCookie, payload+"."+h.stepMAC(payload), int(ttl/time.Second)))
}

func (h *Handler) clearStep(w http.ResponseWriter, poolID string) {
	http.SetCookie(w, h.cookie(poolID, stepCookie, "", -1))
}

// getStep returns the browser's step of kind for the pool and request, or nil.
func (h *Handler) getStep(r *http.Request, poolID, requestID, kind string) *step {
	c, err := r.Cookie(stepCookie)
	if err != nil {
		return nil
	}
	payload, mac, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(h.stepMAC(payload))) {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil
	}
	var s step
	if json.Unmarshal(b, &s) != nil || s.Pool != poolID || s.Kind != kind || s.Request != requestID || h.now().Unix() >= s.Expires {
		return nil
	}
	return &s
}
