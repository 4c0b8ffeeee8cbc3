package user

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

// MaxPasswordLength is the longest password accepted, in Unicode code points (Cognito's limit).
const MaxPasswordLength = 256

// symbols is Cognito's symbol set, space included.
const symbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

func policyError(rule string) error {
	return errs.New(errs.InvalidPassword, "Password did not conform with policy: %s", rule)
}

// CheckPassword checks password against the pool's policy. userInputs (the username, email
// and the like) are words zxcvbn treats as known to an attacker; a password equal to one of
// them, ignoring case, is always refused. It does not check the password history (see
// Service). The first failed rule is reported, in Cognito's wording where Cognito has one.
func CheckPassword(pp pool.PasswordPolicy, password string, userInputs ...string) error {
	n := utf8.RuneCountInString(password)
	if !utf8.ValidString(password) {
		return policyError("Password must be valid UTF-8")
	}
	if n < pp.MinimumLength || n == 0 {
		return policyError("Password not long enough")
	}
	if n > MaxPasswordLength {
		return policyError(fmt.Sprintf("Password must be at most %d characters long", MaxPasswordLength))
	}
	first, _ := utf8.DecodeRuneInString(password)
	last, _ := utf8.DecodeLastRuneInString(password)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return policyError("Password must not begin or end with whitespace")
	}
	var upper, lower, digit, symbol bool
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case strings.ContainsRune(symbols, r):
			symbol = true
		}
	}
	switch {
	case pp.RequireUppercase && !upper:
		return policyError("Password must have uppercase characters")
	case pp.RequireLowercase && !lower:
		return policyError("Password must have lowercase characters")
	case pp.RequireNumbers && !digit:
		return policyError("Password must have numeric characters")
	case pp.RequireSymbols && !symbol:
		return policyError("Password must have symbol characters")
	}
	var inputs []string
	for _, in := range userInputs {
		if in == "" {
			continue
		}
		if strings.EqualFold(password, in) {
			return policyError("Password must not be the same as the username or email")
		}
		inputs = append(inputs, in)
	}
	if pp.MinimumStrength > 0 && zxcvbn.PasswordStrength(password, inputs).Score < pp.MinimumStrength {
		return policyError("Password is too easy to guess")
	}
	return nil
}

// GeneratePassword returns a random password that satisfies the policy, for temporary
// passwords. It avoids space and quotes so that it survives copying from a message.
func GeneratePassword(pp pool.PasswordPolicy, userInputs ...string) (string, error) {
	const (
		uppers  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		lowers  = "abcdefghijkmnopqrstuvwxyz"
		digits  = "23456789"
		symbolz = "^$*.[]{}()?!@#%&/,><:;|_~=+-"
	)
	length := max(pp.MinimumLength, 16)
	all := uppers + lowers + digits + symbolz
	for range 10 {
		// One of each class first, the rest from all classes, then a shuffle.
		buf := make([]byte, 0, length)
		for _, set := range []string{uppers, lowers, digits, symbolz} {
			c, err := pick(set)
			if err != nil {
				return "", err
			}
			buf = append(buf, c)
		}
		for len(buf) < length {
			c, err := pick(all)
			if err != nil {
				return "", err
			}
			buf = append(buf, c)
		}
		for i := len(buf) - 1; i > 0; i-- {
			j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
			if err != nil {
				return "", fmt.Errorf("generate password: %w", err)
			}
			buf[i], buf[j.Int64()] = buf[j.Int64()], buf[i]
		}
		if CheckPassword(pp, string(buf), userInputs...) == nil {
			return string(buf), nil
		}
	}
	return "", fmt.Errorf("generate password: no password met the policy after 10 tries")
}

func pick(set string) (byte, error) {
	i, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
	if err != nil {
		return 0, fmt.Errorf("generate password: %w", err)
	}
	return set[i.Int64()], nil
}
