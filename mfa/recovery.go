package mfa

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"strings"
)

// Recovery codes (beyond Cognito): RecoveryCodeCount single-use codes, shown once, usable
// instead of any second-factor code. Each has 16 characters from a 31-letter alphabet without
// look-alikes (about 79 bits), so an unkeyed SHA-256 of it is safe to store: no dump can be
// searched back to a code.
const (
	RecoveryCodeCount  = 10
	recoveryCodeLength = 16
	recoveryAlphabet   = "23456789abcdefghjkmnpqrstuvwxyz"
)

// newRecoveryCodes returns RecoveryCodeCount codes formatted xxxx-xxxx-xxxx-xxxx.
func newRecoveryCodes() []string {
	codes := make([]string, RecoveryCodeCount)
	max := big.NewInt(int64(len(recoveryAlphabet)))
	for i := range codes {
		var b strings.Builder
		for j := range recoveryCodeLength {
			if j > 0 && j%4 == 0 {
				b.WriteByte('-')
			}
			n, _ := rand.Int(rand.Reader, max) // crypto/rand never fails (Go 1.24+)
			b.WriteByte(recoveryAlphabet[n.Int64()])
		}
		codes[i] = b.String()
	}
	return codes
}

// normalizeRecoveryCode accepts a code typed with any case, dashes and spaces; ok is false
// when it cannot be a recovery code.
func normalizeRecoveryCode(s string) (code string, ok bool) {
	s = strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
	if len(s) != recoveryCodeLength {
		return "", false
	}
	for _, r := range s {
		if !strings.ContainsRune(recoveryAlphabet, r) {
			return "", false
		}
	}
	return s, true
}

// hashRecoveryCode binds a normalized code to its pool and user.
func hashRecoveryCode(poolID, sub, code string) string {
	h := sha256.New()
	for _, part := range []string{poolID, sub, code} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
