package user

import (
	"context"
	"time"

	"github.com/userpool/userpool/pool"
)

// Attribute is one name/value pair, as Cognito's AttributeType.
type Attribute struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// Pools is what the user package needs of the pool package.
type Pools interface {
	GetPool(ctx context.Context, id string) (*pool.Pool, error)
	GetGroup(ctx context.Context, poolID, name string) (*pool.Group, error)
}

// Service is the one place where user rules live; every surface goes through it.
type Service struct {
	store  Store
	pools  Pools
	hasher *Hasher
	now    func() time.Time
}

// NewService returns a Service.
func NewService(store Store, pools Pools, hasher *Hasher) *Service {
	return &Service{store: store, pools: pools, hasher: hasher, now: time.Now}
}

// AdminCreateUserInput is what an administrator gives to create a user.
type AdminCreateUserInput struct {
	Username           string
	Attributes         []Attribute
	TemporaryPassword  string // generated from the policy when empty
	ForceAliasCreation bool
	MessageAction      string // "", "SUPPRESS" or "RESEND"
}

// AdminCreateUser creates a user in FORCE_CHANGE_PASSWORD with a temporary password and
// returns the user and the temporary password (for the invitation).
func (s *Service) AdminCreateUser(ctx context.Context, poolID string, in AdminCreateUserInput) (*User, string, error) {
	panic("unimplemented")
}

// Get finds a user by username or, where the pool allows, by an alias or the sub
// (errs.UserNotFound when there is none).
func (s *Service) Get(ctx context.Context, poolID, username string) (*User, error) {
	panic("unimplemented")
}

// AdminDeleteUser deletes a user.
func (s *Service) AdminDeleteUser(ctx context.Context, poolID, username string) error {
	panic("unimplemented")
}

// SetEnabled enables or disables a user.
func (s *Service) SetEnabled(ctx context.Context, poolID, username string, enabled bool) error {
	panic("unimplemented")
}

// AdminConfirmSignUp confirms an UNCONFIRMED user without a code.
func (s *Service) AdminConfirmSignUp(ctx context.Context, poolID, username string) error {
	panic("unimplemented")
}

// AdminUpdateAttributes validates and sets attributes (email_verified and
// phone_number_verified included).
func (s *Service) AdminUpdateAttributes(ctx context.Context, poolID, username string, attrs []Attribute) error {
	panic("unimplemented")
}

// AdminDeleteAttributes removes attributes (not required ones, not sub).
func (s *Service) AdminDeleteAttributes(ctx context.Context, poolID, username string, names []string) error {
	panic("unimplemented")
}

// AdminSetPassword sets a password checked against the policy: permanent → CONFIRMED,
// otherwise a temporary password → FORCE_CHANGE_PASSWORD.
func (s *Service) AdminSetPassword(ctx context.Context, poolID, username, password string, permanent bool) error {
	panic("unimplemented")
}

// List parses a ListUsers filter and returns one page of users.
func (s *Service) List(ctx context.Context, poolID, filter string, page pool.Page) ([]*User, string, error) {
	panic("unimplemented")
}

// AddToGroup adds a user to a group (idempotent).
func (s *Service) AddToGroup(ctx context.Context, poolID, username, group string) error {
	panic("unimplemented")
}

// RemoveFromGroup removes a user from a group (idempotent).
func (s *Service) RemoveFromGroup(ctx context.Context, poolID, username, group string) error {
	panic("unimplemented")
}

// ListGroupsForUser lists the groups of a user.
func (s *Service) ListGroupsForUser(ctx context.Context, poolID, username string, page pool.Page) ([]*pool.Group, string, error) {
	panic("unimplemented")
}

// ListUsersInGroup lists the users of a group.
func (s *Service) ListUsersInGroup(ctx context.Context, poolID, group string, page pool.Page) ([]*User, string, error) {
	panic("unimplemented")
}

// Authenticate checks a username (or alias) and password. An unknown user still costs one
// hash verification so timing does not reveal existence; a bcrypt hash is re-hashed to argon2id
// after a successful check. Returns errs.NotAuthorized ("Incorrect username or password.") on
// any mismatch. Lockout and the sign-in flows come with the App API issue.
func (s *Service) Authenticate(ctx context.Context, poolID, username, password string) (*User, error) {
	panic("unimplemented")
}
