package user

import (
	"context"

	"github.com/userpool/userpool/pool"
)

// Store is what the user package needs from the database. Every call is scoped to a pool.
// Missing rows are errs.UserNotFound (users) or errs.ResourceNotFound (groups); a duplicate
// UsernameKey is errs.UsernameExists and a duplicate alias key errs.AliasExists, enforced by
// unique indexes so that concurrent creations cannot both win.
type Store interface {
	CreateUser(ctx context.Context, u *User) error
	// GetUser finds a user by one identifier.
	GetUser(ctx context.Context, poolID string, by Lookup) (*User, error)
	// UpdateUser writes u (matched by PoolID and Sub), including its keys.
	UpdateUser(ctx context.Context, u *User) error
	DeleteUser(ctx context.Context, poolID, sub string) error
	// ListUsers returns the users matching q, and the cursor of the next page ("" at the end).
	ListUsers(ctx context.Context, poolID string, q Query) ([]*User, string, error)

	AddUserToGroup(ctx context.Context, poolID, sub, group string) error
	RemoveUserFromGroup(ctx context.Context, poolID, sub, group string) error
	ListGroupsForUser(ctx context.Context, poolID, sub string, page pool.Page) ([]*pool.Group, string, error)
	ListUsersInGroup(ctx context.Context, poolID, group string, page pool.Page) ([]*User, string, error)

	FailureStore
	CodeStore
	ActivityStore
}

// LookupKind says which identifier a Lookup carries.
type LookupKind int

const (
	BySub LookupKind = iota
	ByUsernameKey
	// ByAlias: Attr is "email", "phone_number" or "preferred_username" and Key its alias key.
	ByAlias
)

// Lookup identifies one user.
type Lookup struct {
	Kind LookupKind
	Attr string
	Key  string
}

// Searchable fields of ListUsers filters, as Cognito allows them.
const (
	FieldUsername          = "username"
	FieldEmail             = "email"
	FieldPhoneNumber       = "phone_number"
	FieldName              = "name"
	FieldGivenName         = "given_name"
	FieldFamilyName        = "family_name"
	FieldPreferredUsername = "preferred_username"
	FieldUserStatus        = "cognito:user_status"
	FieldStatus            = "status"
	FieldSub               = "sub"
)

// Query is a parsed ListUsers filter plus paging. An empty Field lists everyone.
// For FieldUsername the Value is compared with UsernameKey; for FieldStatus it is "Enabled" or
// "Disabled"; for FieldUserStatus it is an upper-case Status.
type Query struct {
	Field  string
	Prefix bool // "^=" instead of "="
	Value  string
	Page   pool.Page
}
