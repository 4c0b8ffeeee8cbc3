package pool

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/userpool/userpool/errs"
)

// Pool setting values.
const (
	MfaOff      = "OFF"
	MfaOn       = "ON"
	MfaOptional = "OPTIONAL"

	DeletionProtectionActive   = "ACTIVE"
	DeletionProtectionInactive = "INACTIVE"
)

// DefaultPasswordPolicy is Cognito's default policy. CreatePool and UpdatePool use it when the
// policy is the zero value (the caller sent none); an API layer may also start from it and
// overlay the fields a caller sent.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{
		MinimumLength:                 8,
		RequireUppercase:              true,
		RequireLowercase:              true,
		RequireNumbers:                true,
		RequireSymbols:                true,
		TemporaryPasswordValidityDays: 7,
	}
}

// nameRE is Cognito's pattern for pool, client and resource server names.
var nameRE = regexp.MustCompile(`^[\w\s+=,.@-]+$`)

func checkName(field, v string, max int) error {
	if n := utf8.RuneCountInString(v); n < 1 || n > max {
		return errs.New(errs.InvalidParameter, "%s must be 1-%d characters long.", field, max)
	}
	if !nameRE.MatchString(v) {
		return errs.New(errs.InvalidParameter, "%s may contain only letters, digits, spaces and + = , . @ - _.", field)
	}
	return nil
}

// checkSubset returns an InvalidParameter error when values has an entry outside allowed or
// a duplicate.
func checkSubset(field string, values, allowed []string) error {
	for i, v := range values {
		if !slices.Contains(allowed, v) {
			return errs.New(errs.InvalidParameter, "%s: %q is not one of %s.", field, v, strings.Join(allowed, ", "))
		}
		if slices.Contains(values[:i], v) {
			return errs.New(errs.InvalidParameter, "%s: %q is given more than once.", field, v)
		}
	}
	return nil
}

// normalizePasswordPolicy fills defaults and checks ranges.
func normalizePasswordPolicy(pp *PasswordPolicy) error {
	if *pp == (PasswordPolicy{}) {
		*pp = DefaultPasswordPolicy()
		return nil
	}
	if pp.MinimumLength == 0 {
		pp.MinimumLength = 8
	}
	if pp.MinimumLength < 6 || pp.MinimumLength > 99 {
		return errs.New(errs.InvalidParameter, "PasswordPolicy.MinimumLength must be between 6 and 99.")
	}
	if pp.TemporaryPasswordValidityDays == 0 {
		pp.TemporaryPasswordValidityDays = 7
	}
	if pp.TemporaryPasswordValidityDays < 0 || pp.TemporaryPasswordValidityDays > 365 {
		return errs.New(errs.InvalidParameter, "PasswordPolicy.TemporaryPasswordValidityDays must be between 0 and 365.")
	}
	if pp.PasswordHistorySize < 0 || pp.PasswordHistorySize > 24 {
		return errs.New(errs.InvalidParameter, "PasswordPolicy.PasswordHistorySize must be between 0 and 24.")
	}
	if pp.MinimumStrength < 0 || pp.MinimumStrength > 4 {
		return errs.New(errs.InvalidParameter, "PasswordPolicy.MinimumStrength must be between 0 and 4.")
	}
	return nil
}

// normalizeSettings fills defaults and validates everything of a pool except its id and
// schema; p.SchemaAttributes must already be built.
func normalizeSettings(p *Pool) error {
	if err := checkName("PoolName", p.Name, 128); err != nil {
		return err
	}
	if err := normalizePasswordPolicy(&p.Policies.PasswordPolicy); err != nil {
		return err
	}
	if err := normalizeSigningAlgorithm(p); err != nil {
		return err
	}
	if err := normalizeLambdaConfig(p); err != nil {
		return err
	}
	if err := checkSubset("UsernameAttributes", p.UsernameAttributes, []string{"email", "phone_number"}); err != nil {
		return err
	}
	if err := checkSubset("AliasAttributes", p.AliasAttributes, []string{"email", "phone_number", "preferred_username"}); err != nil {
		return err
	}
	if len(p.UsernameAttributes) > 0 && len(p.AliasAttributes) > 0 {
		return errs.New(errs.InvalidParameter, "Only one of AliasAttributes and UsernameAttributes can be set in a user pool.")
	}
	if a := p.Attribute("preferred_username"); a != nil && a.Required && p.IsAlias("preferred_username") {
		return errs.New(errs.InvalidParameter, "preferred_username cannot be both a required attribute and an alias.")
	}
	if err := checkSubset("AutoVerifiedAttributes", p.AutoVerifiedAttributes, []string{"email", "phone_number"}); err != nil {
		return err
	}
	switch p.MfaConfiguration {
	case "":
		p.MfaConfiguration = MfaOff
	case MfaOff, MfaOn, MfaOptional:
	default:
		return errs.New(errs.InvalidParameter, "MfaConfiguration must be OFF, ON or OPTIONAL, not %q.", p.MfaConfiguration)
	}
	normalizeMfaFactors(p)
	switch p.DeletionProtection {
	case "":
		p.DeletionProtection = DeletionProtectionInactive
	case DeletionProtectionActive, DeletionProtectionInactive:
	default:
		return errs.New(errs.InvalidParameter, "DeletionProtection must be ACTIVE or INACTIVE, not %q.", p.DeletionProtection)
	}
	if p.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate == nil {
		// Unlike Cognito, on by default: a changed email or phone number replaces a verified
		// one (and its sign-in alias) only once the new value is confirmed with a code.
		p.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate = slices.Clone(p.AutoVerifiedAttributes)
	}
	verifyFirst := p.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate
	if err := checkSubset("AttributesRequireVerificationBeforeUpdate", verifyFirst, []string{"email", "phone_number"}); err != nil {
		return err
	}
	for _, a := range verifyFirst {
		if !slices.Contains(p.AutoVerifiedAttributes, a) {
			return errs.New(errs.InvalidParameter, "AttributesRequireVerificationBeforeUpdate: %s must also be in AutoVerifiedAttributes.", a)
		}
	}
	if p.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate == nil {
		p.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate = []string{}
	}
	if err := checkRecovery(p.AccountRecoverySetting); err != nil {
		return err
	}
	return normalizeMessaging(p)
}

func checkRecovery(r *AccountRecoverySetting) error {
	if r == nil {
		return nil
	}
	n := len(r.RecoveryMechanisms)
	if n < 1 || n > 2 {
		return errs.New(errs.InvalidParameter, "AccountRecoverySetting.RecoveryMechanisms must have 1 or 2 entries.")
	}
	var names []string
	var prios []int
	for _, m := range r.RecoveryMechanisms {
		if !slices.Contains([]string{"verified_email", "verified_phone_number", "admin_only"}, m.Name) {
			return errs.New(errs.InvalidParameter, "AccountRecoverySetting: %q is not one of verified_email, verified_phone_number, admin_only.", m.Name)
		}
		if m.Priority < 1 || m.Priority > 2 {
			return errs.New(errs.InvalidParameter, "AccountRecoverySetting: Priority must be 1 or 2.")
		}
		if slices.Contains(names, m.Name) || slices.Contains(prios, m.Priority) {
			return errs.New(errs.InvalidParameter, "AccountRecoverySetting: mechanisms and priorities must be unique.")
		}
		names, prios = append(names, m.Name), append(prios, m.Priority)
	}
	if n == 2 && slices.Contains(names, "admin_only") {
		return errs.New(errs.InvalidParameter, "AccountRecoverySetting: admin_only cannot be combined with another mechanism.")
	}
	return nil
}

// randomString returns n characters drawn uniformly from alphabet with crypto/rand.
func randomString(alphabet string, n int) (string, error) {
	out := make([]byte, 0, n)
	// Rejection sampling keeps the distribution uniform: bytes at or above the largest
	// multiple of len(alphabet) are discarded.
	limit := 256 - 256%len(alphabet)
	buf := make([]byte, n+n/2+8)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("random string: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

const (
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
)
