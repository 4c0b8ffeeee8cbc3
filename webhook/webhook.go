// Package webhook signs and verifies HTTP requests as Standard Webhooks
// (https://www.standardwebhooks.com) define it, so that receivers verify them with that
// specification's libraries. The triggers and the SMS gateway sign this way:
//
//	webhook-id: <unique id of the message; a retry keeps its id>
//	webhook-timestamp: <Unix seconds>
//	webhook-signature: v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>
//
// The key is the bytes of a secret "whsec_<base64>". While a secret is being rotated the header
// carries one signature per valid key, separated by spaces: a receiver accepts the request
// when any of them matches a secret it knows, so it can switch secrets at its own pace.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/userpool/userpool/errs"
)

const (
	IDHeader        = "webhook-id"
	TimestampHeader = "webhook-timestamp"
	SignatureHeader = "webhook-signature"

	// SecretPrefix starts a secret in the Standard Webhooks form: "whsec_" + base64 of the key.
	SecretPrefix = "whsec_"
	// secretBytes is the length of a generated key (Standard Webhooks asks for 24 to 64).
	secretBytes = 32
)

// NewSecret returns a random secret in the whsec_ form.
func NewSecret() string {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// ParseSecret returns the key of a whsec_ secret.
func ParseSecret(secret string) ([]byte, error) {
	raw, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, errs.New(errs.InvalidParameter, "A webhook secret must be whsec_ followed by base64.")
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, errs.New(errs.InvalidParameter, "A webhook secret must be whsec_ followed by base64.")
	}
	if len(key) < 24 || len(key) > 64 {
		return nil, errs.New(errs.InvalidParameter, "A webhook secret's key must be 24 to 64 bytes long, not %d.", len(key))
	}
	return key, nil
}

// signature is the signature of one key over a message: "v1,<base64>".
func signature(key []byte, id string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Sign sets the three headers of message id, sent at at with body, signed with every key.
func Sign(h http.Header, keys [][]byte, id string, at time.Time, body []byte) {
	ts := at.Unix()
	sigs := make([]string, 0, len(keys))
	for _, k := range keys {
		sigs = append(sigs, signature(k, id, ts, body))
	}
	h.Set(IDHeader, id)
	h.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	h.Set(SignatureHeader, strings.Join(sigs, " "))
}

// Verify checks a message as a receiver does: one of the signatures in h must be secret's, and
// the timestamp within tolerance of now (which stops replays of old requests).
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	key, err := ParseSecret(secret)
	if err != nil {
		return err
	}
	ts, err := strconv.ParseInt(h.Get(TimestampHeader), 10, 64)
	if err != nil {
		return errors.New("missing or malformed " + TimestampHeader)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return errors.New("stale " + TimestampHeader)
	}
	id := h.Get(IDHeader)
	if id == "" {
		return errors.New("missing " + IDHeader)
	}
	want := signature(key, id, ts, body)
	for _, got := range strings.Fields(h.Get(SignatureHeader)) {
		if hmac.Equal([]byte(got), []byte(want)) {
			return nil
		}
	}
	return errors.New("no matching signature")
}
