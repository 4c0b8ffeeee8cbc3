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
	// TemporaryPasswordExpiresAt is set while Status is FORCE_CHANGE_PASSWORD.
	TemporaryPasswordExpiresAt *time.Time
	// ProfileIncomplete is set when an attribute became required that the user lacks.
	ProfileIncomplete bool
	// MFA holds the user's MFA settings (a later issue fills it in); stored as JSON.
	MFA       MFASettings
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MFASettings is a placeholder for the MFA issue.
type MFASettings struct {
	PreferredMfa string   `json:"PreferredMfa,omitempty"`
	Enabled      []string `json:"Enabled,omitempty"`
}
