// Package mfa holds the second factors of a sign-in: TOTP authenticator apps, one-time codes by
// SMS and email (through user's code machinery and the messaging outbox), recovery codes, the
// rules of a user's MFA preference, and the decision of which second-factor step a sign-in
// needs after a correct password. Every surface (hosted pages, the Cognito API, the admin
// console) goes through it.
package mfa

import (
	"slices"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/user"
)

// Factor is a second factor, named as Cognito names its challenges and UserMFASettingList.
type Factor string

const (
	SMS           Factor = "SMS_MFA"
	SoftwareToken Factor = "SOFTWARE_TOKEN_MFA"
	Email         Factor = "EMAIL_OTP"
	// RecoveryCode (beyond Cognito) is not a factor one enables: it answers any code step.
	RecoveryCode Factor = "RECOVERY_CODE"
)

// Factors lists the enableable factors in a stable order.
var Factors = []Factor{SMS, SoftwareToken, Email}

// ParseFactor reads a factor name as clients send it; EMAIL_MFA is an alias of EMAIL_OTP that
// Cognito's documentation uses in SELECT_MFA_TYPE answers.
func ParseFactor(s string) (Factor, error) {
	switch Factor(s) {
	case SMS, SoftwareToken, Email:
		return Factor(s), nil
	}
	if s == "EMAIL_MFA" {
		return Email, nil
	}
	return "", errs.New(errs.InvalidParameter, "%q is not an MFA type (SMS_MFA, SOFTWARE_TOKEN_MFA or EMAIL_OTP).", s)
}

// offered reports whether the pool offers f.
func offered(p *pool.Pool, f Factor) bool {
	switch f {
	case SMS:
		return p.MfaFactors.SMS
	case SoftwareToken:
		return p.MfaFactors.SoftwareToken
	case Email:
		return p.MfaFactors.Email
	}
	return false
}

// Step is the second-factor step a sign-in needs after a correct password; its values are
// Cognito's challenge names.
type Step string

const (
	StepNone   Step = ""
	StepSetup  Step = "MFA_SETUP"
	StepSelect Step = "SELECT_MFA_TYPE"
	StepTOTP   Step = "SOFTWARE_TOKEN_MFA"
	StepSMS    Step = "SMS_MFA"
	StepEmail  Step = "EMAIL_OTP"
	// stepDone: an MFA_SETUP attempt whose new authenticator was verified, waiting for Finish.
	stepDone Step = "DONE"
)

// stepOf is the code step of a factor.
func stepOf(f Factor) Step {
	return Step(f)
}

// Decision is what Decide says: the step and, for SELECT_MFA_TYPE and MFA_SETUP, the factors
// to choose from or to set up (Cognito's MFAS_CAN_CHOOSE and MFAS_CAN_SETUP).
type Decision struct {
	Step    Step
	Options []Factor
}

// Decide says which second-factor step a user needs after a correct password:
//   - pool MFA OFF: none;
//   - the user's enabled factors that the pool still offers: one → its step; several → the
//     preferred one's step, or SELECT_MFA_TYPE without a (usable) preference;
//   - none enabled, MFA OPTIONAL: none;
//   - none enabled, MFA ON: as Cognito, a verified phone number (SMS offered) or else a
//     verified email (email offered) receives the code; otherwise MFA_SETUP of an authenticator
//     app when the pool offers it, else MFA_SETUP with no option (the caller refuses the sign-in).
func Decide(p *pool.Pool, u *user.User) Decision {
	if p.MfaConfiguration != pool.MfaOn && p.MfaConfiguration != pool.MfaOptional {
		return Decision{}
	}
	var usable []Factor
	for _, f := range Factors {
		if slices.Contains(u.MFA.Enabled, string(f)) && offered(p, f) && reachable(u, f) {
			usable = append(usable, f)
		}
	}
	switch {
	case len(usable) == 1:
		return Decision{Step: stepOf(usable[0])}
	case len(usable) > 1:
		if pref := Factor(u.MFA.PreferredMfa); slices.Contains(usable, pref) {
			return Decision{Step: stepOf(pref)}
		}
		return Decision{Step: StepSelect, Options: usable}
	case p.MfaConfiguration == pool.MfaOptional:
		return Decision{}
	case p.MfaFactors.SMS && u.Attributes["phone_number"] != "" && u.Attributes["phone_number_verified"] == "true":
		return Decision{Step: StepSMS}
	case p.MfaFactors.Email && u.Attributes["email"] != "" && u.Attributes["email_verified"] == "true":
		return Decision{Step: StepEmail}
	case p.MfaFactors.SoftwareToken:
		return Decision{Step: StepSetup, Options: []Factor{SoftwareToken}}
	}
	return Decision{Step: StepSetup}
}

// reachable reports whether a code of factor f can reach the user.
func reachable(u *user.User, f Factor) bool {
	switch f {
	case SMS:
		return u.Attributes["phone_number"] != ""
	case Email:
		return u.Attributes["email"] != ""
	}
	return true
}

// AMR values (RFC 8176) for the amr claim of ID tokens.
const (
	AMRPassword = "pwd"
	AMROTP      = "otp"
	AMRSMS      = "sms"
	AMRMFA      = "mfa"
)

// AMR returns the amr claim of a sign-in with a password and the second factor f ("" = none):
// pwd alone; pwd, otp, mfa for an authenticator app or an emailed code; pwd, sms, mfa for a
// texted code; pwd, mfa for a recovery code (not an RFC 6238/4226 one-time password).
func AMR(f Factor) []string {
	switch f {
	case SoftwareToken, Email:
		return []string{AMRPassword, AMROTP, AMRMFA}
	case SMS:
		return []string{AMRPassword, AMRSMS, AMRMFA}
	case RecoveryCode:
		return []string{AMRPassword, AMRMFA}
	}
	return []string{AMRPassword}
}

// Proven reports whether a sign-in with amr passed a second factor.
func Proven(amr []string) bool {
	return slices.Contains(amr, AMRMFA)
}

// ChangeNeedsProof reports whether a sign-in with amr must pass u's second factor before it
// changes u's MFA (factors, authenticator app, recovery codes). One without a second factor
// may do so only while u has no enabled factor and u's sign-in needs none, so that a password
// alone never turns off or replaces the factor that guards it.
func ChangeNeedsProof(p *pool.Pool, u *user.User, amr []string) bool {
	return !Proven(amr) && (len(u.MFA.Enabled) > 0 || Decide(p, u).Step != StepNone)
}
