package webhook_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/webhook"
)

// The test vector of the Standard Webhooks specification: matching it is what lets receivers
// verify with that specification's libraries.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func mustKey(t *testing.T, secret string) []byte {
	t.Helper()
	key, err := webhook.ParseSecret(secret)
	if err != nil {
		t.Fatalf("ParseSecret(%q) = %v", secret, err)
	}
	return key
}

func TestSignMatchesStandardWebhooks(t *testing.T) {
	h := http.Header{}
	webhook.Sign(h, [][]byte{mustKey(t, vectorSecret)}, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	if got := h.Get(webhook.IDHeader); got != vectorID {
		t.Errorf("%s = %q", webhook.IDHeader, got)
	}
	if got := h.Get(webhook.TimestampHeader); got != "1614265330" {
		t.Errorf("%s = %q", webhook.TimestampHeader, got)
	}
	if got := h.Get(webhook.SignatureHeader); got != vectorSignature {
		t.Errorf("%s = %q, want %q", webhook.SignatureHeader, got, vectorSignature)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(vectorBody)
	now := time.Unix(vectorTimestamp, 0)
	signed := http.Header{}
	webhook.Sign(signed, [][]byte{mustKey(t, vectorSecret)}, vectorID, now, body)
	tests := []struct {
		name   string
		secret string
		change func(h http.Header) ([]byte, time.Time)
		ok     bool
	}{
		{"valid", vectorSecret, func(http.Header) ([]byte, time.Time) { return body, now }, true},
		{"within tolerance", vectorSecret, func(http.Header) ([]byte, time.Time) { return body, now.Add(5 * time.Minute) }, true},
		{"other body", vectorSecret, func(http.Header) ([]byte, time.Time) { return []byte(`{"test": 2432232315}`), now }, false},
		{"other secret", webhook.NewSecret(), func(http.Header) ([]byte, time.Time) { return body, now }, false},
		{"not a secret", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", func(http.Header) ([]byte, time.Time) { return body, now }, false},
		{"stale", vectorSecret, func(http.Header) ([]byte, time.Time) { return body, now.Add(6 * time.Minute) }, false},
		{"from the future", vectorSecret, func(http.Header) ([]byte, time.Time) { return body, now.Add(-6 * time.Minute) }, false},
		{"timestamp changed", vectorSecret, func(h http.Header) ([]byte, time.Time) {
			h.Set(webhook.TimestampHeader, "1614265331")
			return body, now
		}, false},
		{"id changed", vectorSecret, func(h http.Header) ([]byte, time.Time) { h.Set(webhook.IDHeader, "msg_other"); return body, now }, false},
		{"no signature", vectorSecret, func(h http.Header) ([]byte, time.Time) { h.Del(webhook.SignatureHeader); return body, now }, false},
		{"no timestamp", vectorSecret, func(h http.Header) ([]byte, time.Time) { h.Del(webhook.TimestampHeader); return body, now }, false},
		{"no id", vectorSecret, func(h http.Header) ([]byte, time.Time) { h.Del(webhook.IDHeader); return body, now }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := signed.Clone()
			b, at := tt.change(h)
			if err := webhook.Verify(tt.secret, h, b, at, 5*time.Minute); (err == nil) != tt.ok {
				t.Fatalf("Verify() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// During a rotation a message carries a signature per key, and a receiver that knows either
// secret accepts it.
func TestSignWithSeveralKeys(t *testing.T) {
	old, fresh := webhook.NewSecret(), webhook.NewSecret()
	body, now := []byte(`{}`), time.Now()
	h := http.Header{}
	webhook.Sign(h, [][]byte{mustKey(t, fresh), mustKey(t, old)}, "msg_1", now, body)
	if n := len(strings.Fields(h.Get(webhook.SignatureHeader))); n != 2 {
		t.Fatalf("%s = %q, want 2 signatures", webhook.SignatureHeader, h.Get(webhook.SignatureHeader))
	}
	for _, secret := range []string{old, fresh} {
		if err := webhook.Verify(secret, h, body, now, time.Minute); err != nil {
			t.Errorf("Verify(%q) = %v", secret, err)
		}
	}
	if err := webhook.Verify(webhook.NewSecret(), h, body, now, time.Minute); err == nil {
		t.Error("Verify() with a third secret succeeded")
	}
}

func TestParseSecret(t *testing.T) {
	s := webhook.NewSecret()
	if key := mustKey(t, s); len(key) != 32 || s == webhook.NewSecret() {
		t.Fatalf("NewSecret() = %q: %d bytes, or not random", s, len(key))
	}
	for _, bad := range []string{
		"",
		"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", // no prefix
		"whsec_not base64!",
		"whsec_c2hvcnQ=", // 5 bytes
		webhook.SecretPrefix + base64.StdEncoding.EncodeToString(make([]byte, 65)),
	} {
		if _, err := webhook.ParseSecret(bad); !errs.Is(err, errs.InvalidParameter) {
			t.Errorf("ParseSecret(%q) = %v, want InvalidParameter", bad, err)
		}
	}
}
