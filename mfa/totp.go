package mfa

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP rules: RFC 6238 with SHA-1, 6 digits and a 30-second step (what every authenticator app
// does by default), accepting codes one step before or after the server's clock.
const (
	TOTPDigits = 6
	TOTPPeriod = 30 * time.Second
	TOTPSkew   = 1
	// secretSize is 160 bits, as RFC 4226 recommends for HMAC-SHA1.
	secretSize = 20
	// qrSize is the side of the enrolment QR code in pixels.
	qrSize = 256
)

// Enrolment is a new authenticator secret, not active until a code from it is verified.
type Enrolment struct {
	// Secret is the base32 secret (Cognito's SecretCode), for manual entry.
	Secret string
	// URI is the otpauth:// URI that the QR code encodes: the pool name as issuer, the user's
	// sign-in name as account.
	URI string
}

// newEnrolment generates a secret for account at issuer.
func newEnrolment(issuer, account string) (*Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: uint(TOTPPeriod / time.Second),
		SecretSize: secretSize, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return nil, fmt.Errorf("generate totp secret: %w", err)
	}
	return &Enrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

// QRCode renders an otpauth:// URI as a PNG image.
func QRCode(uri string) ([]byte, error) {
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	return buf.Bytes(), nil
}

// step is the TOTP time-step of t.
func step(t time.Time) int64 {
	return t.Unix() / int64(TOTPPeriod/time.Second)
}

// matchTOTP returns the time-step whose code equals code, trying the step of now and TOTPSkew
// steps either side; ok is false when none matches. Every candidate is computed and compared
// in constant time, so the answer's timing does not tell which step matched.
func matchTOTP(secret, code string, now time.Time) (matched int64, ok bool) {
	if len(code) != TOTPDigits {
		return 0, false
	}
	cur := step(now)
	for s := cur - TOTPSkew; s <= cur+TOTPSkew; s++ {
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !ok {
			matched, ok = s, true
		}
	}
	return matched, ok
}
