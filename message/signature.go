package message

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook signature headers. A receiver recomputes HMAC-SHA256(secret, timestamp + "." + body),
// compares it in constant time with the hex after "v1=" and rejects stale timestamps:
//
//	X-Userpool-Timestamp: 1767225600            (Unix seconds)
//	X-Userpool-Signature: v1=5257a869e7ecebed... (hex)
//
// The SMS webhook signs this way, and so will the triggers.
const (
	TimestampHeader = "X-Userpool-Timestamp"
	SignatureHeader = "X-Userpool-Signature"
	signatureScheme = "v1="
)

// Signer signs webhook bodies with a shared secret.
type Signer struct {
	Secret []byte
}

// Signature returns the SignatureHeader value for body sent at timestamp (Unix seconds).
func (s Signer) Signature(timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, s.Secret)
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return signatureScheme + hex.EncodeToString(mac.Sum(nil))
}

// Sign sets the timestamp and signature headers of req, whose body is body.
func (s Signer) Sign(req *http.Request, body []byte, now time.Time) {
	ts := now.Unix()
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, s.Signature(ts, body))
}

// Verify checks the signature headers h of body at now: the signature must match and the
// timestamp be within tolerance of now (which stops replays of old requests).
func (s Signer) Verify(h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(h.Get(TimestampHeader), 10, 64)
	if err != nil {
		return errors.New("missing or malformed " + TimestampHeader)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return errors.New("stale " + TimestampHeader)
	}
	got := h.Get(SignatureHeader)
	if !strings.HasPrefix(got, signatureScheme) {
		return errors.New("missing or malformed " + SignatureHeader)
	}
	if !hmac.Equal([]byte(got), []byte(s.Signature(ts, body))) {
		return errors.New("signature mismatch")
	}
	return nil
}
