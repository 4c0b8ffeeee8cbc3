package user

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/trigger"
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

	// dummyHash is verified when a sign-in names an unknown user, so that the answer takes
	// as long as for a known one.
	dummyOnce sync.Once
	dummyHash string

	// messaging: codes and messages (codes.go).
	messaging Messaging
	// triggers are the pools' triggers (triggers.go); nil calls none.
	triggers  Triggers
	keyOnce   sync.Once
	randomKey []byte
}

// NewService returns a Service.
func NewService(store Store, pools Pools, hasher *Hasher) *Service {
	return &Service{store: store, pools: pools, hasher: hasher, now: time.Now}
}

// ErrUnknownUser is wrapped in the NotAuthorized error of Authenticate when no user matched, so
// that an edge whose client has PreventUserExistenceErrors LEGACY can answer UserNotFound.
var ErrUnknownUser = errors.New("no such user")

var usernameRE = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)

// CheckUsername applies Cognito's username rules: 1-128 characters of letters, marks,
// symbols, numbers and punctuation (no whitespace).
func CheckUsername(username string) error {
	if n := utf8.RuneCountInString(username); n < 1 || n > 128 {
		return errs.New(errs.InvalidParameter, "Username must be 1-128 characters long.")
	}
	if !usernameRE.MatchString(username) {
		return errs.New(errs.InvalidParameter, "Username may contain only letters, marks, symbols, numbers and punctuation (no whitespace).")
	}
	return nil
}

func userNotFound() error { return errs.New(errs.UserNotFound, "User does not exist.") }

// pageLimit validates a user-list page size: 0-60, 0 meaning 60.
func pageLimit(page pool.Page) (pool.Page, error) {
	if page.Limit == 0 {
		page.Limit = 60
	}
	if page.Limit < 1 || page.Limit > 60 {
		return page, errs.New(errs.InvalidParameter, "Limit must be between 0 and 60.")
	}
	return page, nil
}

// AdminCreateUserInput is what an administrator gives to create a user.
type AdminCreateUserInput struct {
	Username           string
	Attributes         []Attribute
	TemporaryPassword  string // generated from the policy when empty
	ForceAliasCreation bool
	MessageAction      string // "", "SUPPRESS" or "RESEND"
	// DeliveryMediums are Cognito's DesiredDeliveryMediums for the invitation: "EMAIL", "SMS"
	// (see invitation for the default).
	DeliveryMediums []string
	// Caller is passed to the pre sign-up trigger (ValidationData, ClientMetadata).
	Caller Caller
}

// AdminCreateUser creates a user in FORCE_CHANGE_PASSWORD with a temporary password and
// returns the user and the temporary password (for the invitation).
//
// In pools with UsernameAttributes the username must be an email or phone number: it becomes
// that attribute and the user's Username is its sub, as Cognito does. Required attributes may
// be omitted, as in Cognito; the user is then ProfileIncomplete and is asked for them at sign-in.
// MessageAction RESEND gives an existing FORCE_CHANGE_PASSWORD user a new temporary password.
// The invitation (username and temporary password) is written to the outbox in the same
// transaction as the user, unless MessageAction is SUPPRESS.
func (s *Service) AdminCreateUser(ctx context.Context, poolID string, in AdminCreateUserInput) (*User, string, error) {
	switch in.MessageAction {
	case "", "SUPPRESS", "RESEND":
	default:
		return nil, "", errs.New(errs.InvalidParameter, "MessageAction must be RESEND or SUPPRESS, not %q.", in.MessageAction)
	}
	if err := CheckUsername(in.Username); err != nil {
		return nil, "", err
	}
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return nil, "", fmt.Errorf("admin create user: %w", err)
	}
	if in.MessageAction == "RESEND" {
		return s.resendInvitation(ctx, p, in)
	}
	attrs, err := checkAttributes(p, in.Attributes, true)
	if err != nil {
		return nil, "", err
	}
	maps.DeleteFunc(attrs, func(_, v string) bool { return v == "" })
	sub := uuid.NewString()
	username, err := identify(p, in.Username, sub, attrs)
	if err != nil {
		return nil, "", err
	}
	now := s.now().UTC()
	u := &User{
		PoolID:      p.Id,
		Sub:         sub,
		Username:    username,
		UsernameKey: p.NormalizeUsername(username),
		Attributes:  attrs,
		Status:      StatusForceChangePassword,
		Enabled:     true,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	u.AliasKeys = aliasKeys(p, attrs)
	u.ProfileIncomplete = len(missingRequired(p, attrs)) > 0
	password, err := s.setTemporaryPassword(p, u, in.TemporaryPassword, in.Username)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.store.GetUser(ctx, p.Id, Lookup{Kind: ByUsernameKey, Key: u.UsernameKey}); err == nil {
		return nil, "", errs.New(errs.UsernameExists, "User account already exists.")
	} else if !errs.Is(err, errs.UserNotFound) {
		return nil, "", fmt.Errorf("admin create user: %w", err)
	}
	// The trigger may refuse; nothing is written before it answered. Its auto flags do not
	// apply to AdminCreateUser (as in Cognito).
	if _, err := s.preSignUp(ctx, p, trigger.PreSignUpAdminCreateUser, username, attrs, in.Caller); err != nil {
		return nil, "", err
	}
	var fx Effects
	if in.MessageAction != "SUPPRESS" {
		if fx.Messages, err = s.invitation(ctx, p, u, in.Username, password, in.DeliveryMediums); err != nil {
			return nil, "", err
		}
	}
	if err := s.claimAliases(ctx, p, u, in.ForceAliasCreation); err != nil {
		return nil, "", err
	}
	if err := s.store.CreateUserWith(ctx, u, fx); err != nil {
		if len(p.UsernameAttributes) > 0 && errs.Is(err, errs.AliasExists) {
			return nil, "", errs.Wrap(errs.UsernameExists, err, "An account with the given username already exists.")
		}
		return nil, "", fmt.Errorf("admin create user: %w", err)
	}
	if len(fx.Messages) > 0 {
		s.wake()
	}
	return u, password, nil
}

// identify applies the pool's username rules to a new user and returns its Username. In pools
// with UsernameAttributes the username must be an email or phone number: it becomes that
// attribute (added to attrs) and the Username is the sub, as Cognito does. In pools with email
// or phone_number aliases the username may not have the alias's format.
func identify(p *pool.Pool, username, sub string, attrs map[string]string) (string, error) {
	if len(p.UsernameAttributes) > 0 {
		attr, err := usernameAttribute(p, username)
		if err != nil {
			return "", err
		}
		if v, ok := attrs[attr]; ok && v != username {
			return "", errs.New(errs.InvalidParameter, "The %s attribute must equal the username in this user pool.", attr)
		}
		attrs[attr] = username
		return sub, nil
	}
	if p.IsAlias("email") && ValidEmail(username) {
		return "", errs.New(errs.InvalidParameter, "Username cannot be of email format, since user pool is configured for email alias.")
	}
	if p.IsAlias("phone_number") && ValidPhone(username) {
		return "", errs.New(errs.InvalidParameter, "Username cannot be of phone number format, since user pool is configured for phone_number alias.")
	}
	return username, nil
}

// usernameAttribute says which of the pool's UsernameAttributes a username is.
func usernameAttribute(p *pool.Pool, username string) (string, error) {
	email, phone := p.IsUsernameAttribute("email"), p.IsUsernameAttribute("phone_number")
	switch {
	case email && ValidEmail(username):
		return "email", nil
	case phone && ValidPhone(username):
		return "phone_number", nil
	case email && phone:
		return "", errs.New(errs.InvalidParameter, "Username should be either an email or a phone number.")
	case email:
		return "", errs.New(errs.InvalidParameter, "Username should be an email.")
	default:
		return "", errs.New(errs.InvalidParameter, "Username should be a phone number.")
	}
}

// claimAliases checks that no other user holds u's alias keys. With force, an email or phone
// alias held by another user is moved: the other user keeps the value, but unverified and
// without the alias. The store has no transaction spanning both users, so a concurrent
// creation can still take the alias between the move and the creation; the unique index then
// fails the creation with AliasExists, and the other user stays without the alias.
func (s *Service) claimAliases(ctx context.Context, p *pool.Pool, u *User, force bool) error {
	for attr, key := range u.AliasKeys {
		other, err := s.store.GetUser(ctx, p.Id, Lookup{Kind: ByAlias, Attr: attr, Key: key})
		if errs.Is(err, errs.UserNotFound) || err == nil && other.Sub == u.Sub {
			continue
		}
		if err != nil {
			return fmt.Errorf("check alias %s: %w", attr, err)
		}
		if p.IsUsernameAttribute(attr) {
			return errs.New(errs.UsernameExists, "An account with the given %s already exists.", attr)
		}
		if !force || attr == "preferred_username" {
			return errs.New(errs.AliasExists, "An account with the given %s already exists.", attr)
		}
		delete(other.AliasKeys, attr)
		other.Attributes[attr+"_verified"] = "false"
		other.UpdatedAt = s.now().UTC()
		if err := s.store.UpdateUser(ctx, other); err != nil {
			return fmt.Errorf("move alias %s: %w", attr, err)
		}
	}
	return nil
}

// resendInvitation gives an existing FORCE_CHANGE_PASSWORD user a new temporary password.
func (s *Service) resendInvitation(ctx context.Context, p *pool.Pool, in AdminCreateUserInput) (*User, string, error) {
	u, err := s.lookup(ctx, p, in.Username)
	if err != nil {
		return nil, "", err
	}
	if u.Status != StatusForceChangePassword {
		return nil, "", errs.New(errs.UnsupportedUserState, "Resend not possible. %s status is not FORCE_CHANGE_PASSWORD.", in.Username)
	}
	password, err := s.setTemporaryPassword(p, u, in.TemporaryPassword, in.Username)
	if err != nil {
		return nil, "", err
	}
	msgs, err := s.invitation(ctx, p, u, in.Username, password, in.DeliveryMediums)
	if err != nil {
		return nil, "", err
	}
	u.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateUserWith(ctx, u, Effects{Messages: msgs}); err != nil {
		return nil, "", fmt.Errorf("resend invitation: %w", err)
	}
	if len(msgs) > 0 {
		s.wake()
	}
	return u, password, nil
}

// userInputs are the words a password must not equal and zxcvbn treats as known.
func userInputs(u *User, extra ...string) []string {
	return append(extra, u.Username, u.Attributes["email"], u.Attributes["phone_number"], u.Attributes["preferred_username"])
}

// setTemporaryPassword checks (or generates) a temporary password and sets it on u with its
// expiry; it returns the password.
func (s *Service) setTemporaryPassword(p *pool.Pool, u *User, password, username string) (string, error) {
	pp := p.Policies.PasswordPolicy
	inputs := userInputs(u, username)
	if password == "" {
		var err error
		if password, err = GeneratePassword(pp, inputs...); err != nil {
			return "", err
		}
	} else if err := CheckPassword(pp, password, inputs...); err != nil {
		return "", err
	}
	if err := s.setPassword(p, u, password); err != nil {
		return "", err
	}
	days := pp.TemporaryPasswordValidityDays
	if days == 0 {
		days = 7
	}
	expires := s.now().UTC().AddDate(0, 0, days)
	u.Status, u.TemporaryPasswordExpiresAt = StatusForceChangePassword, &expires
	return password, nil
}

// rotatePassword makes hash the user's password, keeping the replaced one in the history
// when it was a permanent password and the pool keeps a history.
func (s *Service) rotatePassword(p *pool.Pool, u *User, hash string) {
	n := p.Policies.PasswordPolicy.PasswordHistorySize
	if u.PasswordHash != "" && u.Status != StatusForceChangePassword && n > 0 {
		u.PasswordHistory = append([]string{u.PasswordHash}, u.PasswordHistory...)
	}
	if len(u.PasswordHistory) > n {
		u.PasswordHistory = u.PasswordHistory[:n]
	}
	u.PasswordHash = hash
}

// checkHistory refuses a password equal to one of the PasswordHistorySize most recent
// permanent passwords (the current one included).
func (s *Service) checkHistory(p *pool.Pool, u *User, password string) error {
	n := p.Policies.PasswordPolicy.PasswordHistorySize
	var recent []string
	if u.PasswordHash != "" && u.Status != StatusForceChangePassword {
		recent = append(recent, u.PasswordHash)
	}
	recent = append(recent, u.PasswordHistory...)
	for _, h := range recent[:min(n, len(recent))] {
		ok, _, err := s.hasher.Verify(h, password)
		if err != nil {
			slog.Warn("unreadable password history entry", "pool", p.Id, "sub", u.Sub, "err", err)
			continue
		}
		if ok {
			return errs.New(errs.PasswordHistoryViolation, "The password was used recently; choose a password you have not used before.")
		}
	}
	return nil
}

// aliasKeys computes the alias keys of a user with the given attributes.
func aliasKeys(p *pool.Pool, attrs map[string]string) map[string]string {
	keys := map[string]string{}
	for _, attr := range p.SignInAttributes() {
		if k := p.AliasKey(attr, attrs[attr], attrs[attr+"_verified"] == "true"); k != "" {
			keys[attr] = k
		}
	}
	return keys
}

func missingRequired(p *pool.Pool, attrs map[string]string) []string {
	var missing []string
	for _, name := range p.RequiredAttributes() {
		if attrs[name] == "" {
			missing = append(missing, name)
		}
	}
	return missing
}

// Get finds a user by username or, where the pool allows, by an alias or the sub
// (errs.UserNotFound when there is none).
func (s *Service) Get(ctx context.Context, poolID, username string) (*User, error) {
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	return s.lookup(ctx, p, username)
}

// lookup finds a user by username key, then by sign-in attribute (email and phone only when
// the value has their format), then by sub.
func (s *Service) lookup(ctx context.Context, p *pool.Pool, username string) (*User, error) {
	if username == "" {
		return nil, userNotFound()
	}
	tries := []Lookup{{Kind: ByUsernameKey, Key: p.NormalizeUsername(username)}}
	for _, attr := range p.SignInAttributes() {
		if attr == "email" && !strings.Contains(username, "@") || attr == "phone_number" && !ValidPhone(username) {
			continue
		}
		if key := p.AliasKey(attr, username, true); key != "" {
			tries = append(tries, Lookup{Kind: ByAlias, Attr: attr, Key: key})
		}
	}
	if id, err := uuid.Parse(username); err == nil {
		tries = append(tries, Lookup{Kind: BySub, Key: id.String()})
	}
	for _, l := range tries {
		u, err := s.store.GetUser(ctx, p.Id, l)
		if err == nil {
			return u, nil
		}
		if !errs.Is(err, errs.UserNotFound) {
			return nil, fmt.Errorf("get user: %w", err)
		}
	}
	return nil, userNotFound()
}

// poolAndUser loads the pool and the user an admin call names.
func (s *Service) poolAndUser(ctx context.Context, poolID, username string) (*pool.Pool, *User, error) {
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return nil, nil, fmt.Errorf("get pool: %w", err)
	}
	u, err := s.lookup(ctx, p, username)
	if err != nil {
		return nil, nil, err
	}
	return p, u, nil
}

func (s *Service) update(ctx context.Context, u *User, what string) error {
	u.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// AdminDeleteUser deletes a user.
func (s *Service) AdminDeleteUser(ctx context.Context, poolID, username string) error {
	_, u, err := s.poolAndUser(ctx, poolID, username)
	if err != nil {
		return err
	}
	if err := s.store.DeleteUser(ctx, poolID, u.Sub); err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	return nil
}

// SetEnabled enables or disables a user.
func (s *Service) SetEnabled(ctx context.Context, poolID, username string, enabled bool) error {
	_, u, err := s.poolAndUser(ctx, poolID, username)
	if err != nil {
		return err
	}
	u.Enabled = enabled
	return s.update(ctx, u, "set enabled")
}

// AdminConfirmSignUp confirms an UNCONFIRMED user without a code.
func (s *Service) AdminConfirmSignUp(ctx context.Context, poolID, username string) error {
	p, u, err := s.poolAndUser(ctx, poolID, username)
	if err != nil {
		return err
	}
	if u.Status != StatusUnconfirmed {
		return errs.New(errs.NotAuthorized, "User cannot be confirmed. Current status is %s", u.Status)
	}
	u.Status = StatusConfirmed
	msgs, err := s.postConfirmation(p, u, trigger.PostConfirmationConfirmSignUp, Caller{})
	if err != nil {
		return err
	}
	u.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateUserWith(ctx, u, Effects{Messages: msgs}); err != nil {
		return fmt.Errorf("confirm sign-up: %w", err)
	}
	if len(msgs) > 0 {
		s.wake()
	}
	return nil
}

// checkDeletable refuses to remove sub, a required attribute, a username attribute or an
// immutable attribute.
func checkDeletable(p *pool.Pool, name string) error {
	a := p.Attribute(name)
	switch {
	case a == nil:
		return attrError(name, "Attribute does not exist in the schema.")
	case name == "sub":
		return attrError(name, "Cannot delete the sub attribute.")
	case a.Required:
		return attrError(name, "Cannot delete a required attribute.")
	case p.IsUsernameAttribute(name):
		return attrError(name, "Cannot delete an attribute that is used as the username.")
	case !a.Mutable:
		return attrError(name, "Cannot delete an immutable attribute.")
	}
	return nil
}

// applyAttributes recomputes what depends on u's attributes after a change: the verified
// flags of removed email/phone values, the alias keys and ProfileIncomplete.
func applyAttributes(p *pool.Pool, u *User, attrs map[string]string) {
	for _, a := range []string{"email", "phone_number"} {
		if attrs[a] == "" {
			delete(attrs, a+"_verified")
		}
	}
	u.Attributes = attrs
	u.AliasKeys = aliasKeys(p, attrs)
	if u.ProfileIncomplete && len(missingRequired(p, attrs)) == 0 {
		u.ProfileIncomplete = false
	}
}

// AdminUpdateAttributes validates and sets attributes (email_verified and
// phone_number_verified included). A new email or phone number is unverified unless its
// verified flag is set in the same call (as Cognito); an empty value deletes the attribute.
// Verification codes and pending changes: see updateAttributes.
func (s *Service) AdminUpdateAttributes(ctx context.Context, poolID, username string, attrs []Attribute) error {
	p, u, err := s.poolAndUser(ctx, poolID, username)
	if err != nil {
		return err
	}
	writes, err := checkAttributes(p, attrs, false)
	if err != nil {
		return err
	}
	_, err = s.updateAttributes(ctx, p, u, writes)
	return err
}

// AdminDeleteAttributes removes attributes (not required ones, not sub, not a username
// attribute, not immutable ones).
func (s *Service) AdminDeleteAttributes(ctx context.Context, poolID, username string, names []string) error {
	if len(names) == 0 {
		return errs.New(errs.InvalidParameter, "UserAttributeNames must name at least one attribute.")
	}
	p, u, err := s.poolAndUser(ctx, poolID, username)
	if err != nil {
		return err
	}
	return s.deleteAttributes(ctx, p, u, names)
}

// deleteAttributes removes the named attributes of u, after checkDeletable. It is an update to
// empty values, so that deleting email or phone_number also drops its pending verification
// code in the same write (the code would otherwise bring the deleted value back).
func (s *Service) deleteAttributes(ctx context.Context, p *pool.Pool, u *User, names []string) error {
	writes := make(map[string]string, len(names))
	for _, name := range names {
		if err := checkDeletable(p, name); err != nil {
			return err
		}
		writes[name] = ""
	}
	_, err := s.updateAttributes(ctx, p, u, writes)
	return err
}

// AdminSetPassword sets a password checked against the policy: permanent → CONFIRMED (and
// the password history is enforced), otherwise a temporary password → FORCE_CHANGE_PASSWORD.
func (s *Service) AdminSetPassword(ctx context.Context, poolID, username, password string, permanent bool) error {
	p, u, err := s.poolAndUser(ctx, poolID, username)
	if err != nil {
		return err
	}
	if password == "" {
		return errs.New(errs.InvalidParameter, "Password is required.")
	}
	if !permanent {
		if _, err := s.setTemporaryPassword(p, u, password, username); err != nil {
			return err
		}
		return s.update(ctx, u, "set password")
	}
	if err := s.checkNewPassword(p, u, password, username); err != nil {
		return err
	}
	if err := s.setPassword(p, u, password); err != nil {
		return err
	}
	u.Status, u.TemporaryPasswordExpiresAt = StatusConfirmed, nil
	return s.update(ctx, u, "set password")
}

// List parses a ListUsers filter and returns one page of users; page.Limit 0-60 (0 = 60).
func (s *Service) List(ctx context.Context, poolID, filter string, page pool.Page) ([]*User, string, error) {
	q, err := ParseFilter(filter)
	if err != nil {
		return nil, "", err
	}
	if q.Page, err = pageLimit(page); err != nil {
		return nil, "", err
	}
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	if q.Field == FieldUsername {
		q.Value = p.NormalizeUsername(q.Value)
	}
	users, next, err := s.store.ListUsers(ctx, poolID, q)
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	return users, next, nil
}

// userAndGroup loads the user and checks that the group exists.
func (s *Service) userAndGroup(ctx context.Context, poolID, username, group string) (*User, error) {
	_, u, err := s.poolAndUser(ctx, poolID, username)
	if err != nil {
		return nil, err
	}
	if _, err := s.pools.GetGroup(ctx, poolID, group); err != nil {
		return nil, err
	}
	return u, nil
}

// AddToGroup adds a user to a group (idempotent).
func (s *Service) AddToGroup(ctx context.Context, poolID, username, group string) error {
	u, err := s.userAndGroup(ctx, poolID, username, group)
	if err != nil {
		return err
	}
	if err := s.store.AddUserToGroup(ctx, poolID, u.Sub, group); err != nil {
		return fmt.Errorf("add user to group: %w", err)
	}
	return nil
}

// RemoveFromGroup removes a user from a group (idempotent).
func (s *Service) RemoveFromGroup(ctx context.Context, poolID, username, group string) error {
	u, err := s.userAndGroup(ctx, poolID, username, group)
	if err != nil {
		return err
	}
	if err := s.store.RemoveUserFromGroup(ctx, poolID, u.Sub, group); err != nil {
		return fmt.Errorf("remove user from group: %w", err)
	}
	return nil
}

// ListGroupsForUser lists the groups of a user; page.Limit 0-60 (0 = 60).
func (s *Service) ListGroupsForUser(ctx context.Context, poolID, username string, page pool.Page) ([]*pool.Group, string, error) {
	page, err := pageLimit(page)
	if err != nil {
		return nil, "", err
	}
	_, u, err := s.poolAndUser(ctx, poolID, username)
	if err != nil {
		return nil, "", err
	}
	groups, next, err := s.store.ListGroupsForUser(ctx, poolID, u.Sub, page)
	if err != nil {
		return nil, "", fmt.Errorf("list groups for user: %w", err)
	}
	return groups, next, nil
}

// ListUsersInGroup lists the users of a group; page.Limit 0-60 (0 = 60).
func (s *Service) ListUsersInGroup(ctx context.Context, poolID, group string, page pool.Page) ([]*User, string, error) {
	page, err := pageLimit(page)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.pools.GetGroup(ctx, poolID, group); err != nil {
		return nil, "", err
	}
	users, next, err := s.store.ListUsersInGroup(ctx, poolID, group, page)
	if err != nil {
		return nil, "", fmt.Errorf("list users in group: %w", err)
	}
	return users, next, nil
}

func incorrect(cause error) error {
	return &errs.Error{Code: errs.NotAuthorized, Message: "Incorrect username or password.", Err: cause}
}

// Authenticate is SignIn for callers that need only the user: a FORCE_CHANGE_PASSWORD user
// is returned, and the caller asks for a new password.
func (s *Service) Authenticate(ctx context.Context, poolID, username, password string) (*User, error) {
	res, err := s.SignIn(ctx, poolID, username, password)
	if err != nil {
		return nil, err
	}
	return res.User, nil
}

// spendVerification verifies password against a fixed argon2id hash made with the Hasher's
// parameters, so that an unknown user costs as much as a known one.
func (s *Service) spendVerification(password string) {
	s.dummyOnce.Do(func() {
		h, err := s.hasher.Hash("userpool-dummy-password")
		if err != nil {
			slog.Error("dummy password hash", "err", err)
		}
		s.dummyHash = h
	})
	_, _, _ = s.hasher.Verify(s.dummyHash, password)
}
