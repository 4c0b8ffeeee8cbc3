// Package user holds the users of a pool: statuses, attributes, password hashing and policy,
// creation, lookup by username or alias, administration, group membership and search.
package user

import "time"

// Status is Cognito's UserStatusType.
type Status string

const (
	StatusUnconfirmed         Status = "UNCONFIRMED"
	StatusConfirmed           Status = "CONFIRMED"
	StatusForceChangePassword Status = "FORCE_CHANGE_PASSWORD"
	StatusResetRequired       Status = "RESET_REQUIRED"
)

// User is one user of a pool.
type User struct {
	PoolID string
	// Sub is the user's immutable UUID.
	Sub string
	// Username is as the user gave it (for pools with UsernameAttributes it is the sub, as Cognito does).
	Username string
	// UsernameKey is the unique form of Username (lower-cased in case-insensitive pools).
	UsernameKey string
	// AliasKeys holds the unique keys of the sign-in aliases this user currently holds, by
	// attribute ("email", "phone_number", "preferred_username"); absent = no alias.
	AliasKeys map[string]string
	// Attributes are the user's attribute values by name, except sub (which is Sub).
	Attributes map[string]string
	Status     Status
	Enabled    bool
	// PasswordHash is a PHC string (argon2id, or bcrypt for imported users).
	PasswordHash string
	// PasswordHistory holds the hashes of previous passwords, newest first.
	PasswordHistory []string
	// SRPSalt and SRPVerifier (big-endian bytes, as srp.NewVerifier makes them) let the user
	// sign in with USER_SRP_AUTH: they are derived from the password at every password set
	// (setPassword) and sealed at rest by the store, since a verifier allows a fast offline
	// guess of the password. Empty until the first password set or password sign-in after SRP
	// support was added.
	SRPSalt     []byte
	SRPVerifier []byte
	// TemporaryPasswordExpiresAt is set while Status is FORCE_CHANGE_PASSWORD.
	TemporaryPasswordExpiresAt *time.Time
	// ProfileIncomplete is set when an attribute became required that the user lacks.
	ProfileIncomplete bool
	// MFA holds the user's MFA settings; stored as JSON.
	MFA       MFASettings
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MFASettings are the user's second factors (package mfa keeps the rules): Enabled lists the
// factors by their challenge names (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP) and PreferredMfa is
// one of them or "". The TOTP secret and recovery codes live in their own tables.
type MFASettings struct {
	PreferredMfa string   `json:"PreferredMfa,omitempty"`
	Enabled      []string `json:"Enabled,omitempty"`
}
