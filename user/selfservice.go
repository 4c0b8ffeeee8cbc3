package user

// Self-service: what users do for themselves, through an app client, on every surface (the
// App API's SignUp, ConfirmSignUp, ... and the hosted sign-up, confirm, forgot-password and
// new-password pages). The exported functions:
//
//	func (s *Service) SignUp(ctx context.Context, c *pool.Client, in SignUpInput) (*SignUpResult, error)
//	func (s *Service) ConfirmSignUp(ctx context.Context, c *pool.Client, username, code string, forceAliasCreation bool) (*User, error)
//	func (s *Service) ResendConfirmationCode(ctx context.Context, c *pool.Client, username string) (*CodeDelivery, error)
//	func (s *Service) ForgotPassword(ctx context.Context, c *pool.Client, username string) (*CodeDelivery, error)
//	func (s *Service) ConfirmForgotPassword(ctx context.Context, c *pool.Client, username, code, password string) error
//	func (s *Service) ChangePassword(ctx context.Context, poolID, sub, previous, proposed string) error
//	func (s *Service) CompleteNewPassword(ctx context.Context, c *pool.Client, sub, password string, attrs []Attribute) (*User, error)
//	func (s *Service) CompleteProfile(ctx context.Context, c *pool.Client, sub string, attrs []Attribute) (*User, error)
//	func (s *Service) UpdateAttributes(ctx context.Context, c *pool.Client, sub string, attrs []Attribute) ([]*CodeDelivery, error)
//	func (s *Service) DeleteAttributes(ctx context.Context, c *pool.Client, sub string, names []string) error
//	func (s *Service) SendAttributeCode(ctx context.Context, c *pool.Client, sub, attr string) (*CodeDelivery, error)
//	func (s *Service) VerifyAttribute(ctx context.Context, poolID, sub, attr, code string) error   (verification.go)
//	func (s *Service) DeleteSelf(ctx context.Context, poolID, sub string) error
//	func (s *Service) GetBySub(ctx context.Context, poolID, sub string) (*User, error)   (mfa.go)
//	func MissingRequired(p *pool.Pool, u *User) []string
//	func Writable(p *pool.Pool, c *pool.Client, name string) bool
//
// Functions that take the client name the user by what the user typed (username, or an alias
// the pool allows) and apply the client's PreventUserExistenceErrors: with ENABLED an unknown
// user gets the answer a known one would get (a plausible CodeDeliveryDetails from
// ResendConfirmationCode and ForgotPassword, CodeMismatch from ConfirmSignUp and
// ConfirmForgotPassword); with LEGACY, UserNotFound "Username/client id combination not found.".
// Functions that take a sub serve a signed-in user (an access token, a sign-in challenge).

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"

	"github.com/google/uuid"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/trigger"
)

// SignUpInput is what a user gives to sign up (Cognito's SignUpRequest).
type SignUpInput struct {
	Username   string
	Password   string
	Attributes []Attribute
	// ValidationData and ClientMetadata go to the pre sign-up trigger.
	ValidationData map[string]string
	ClientMetadata map[string]string
}

// SignUpResult is Cognito's SignUpResponse: the new user (UserSub is User.Sub), whether it is
// confirmed, and where the confirmation code went (nil when none was sent).
type SignUpResult struct {
	User      *User
	Confirmed bool
	Delivery  *CodeDelivery
}

// clientPool loads the pool of the client a self-service call comes through.
func (s *Service) clientPool(ctx context.Context, c *pool.Client) (*pool.Pool, error) {
	if c == nil {
		return nil, errs.New(errs.InvalidParameter, "An app client is required.")
	}
	p, err := s.pools.GetPool(ctx, c.UserPoolId)
	if err != nil {
		return nil, fmt.Errorf("get pool: %w", err)
	}
	return p, nil
}

// hidesUsers reports whether the client answers unknown users as known ones.
func hidesUsers(c *pool.Client) bool {
	return c.PreventUserExistenceErrors == pool.PreventUserExistenceEnabled
}

// clientUserNotFound is Cognito's answer to an unknown user on a ClientId-identified action.
func clientUserNotFound() error {
	return errs.New(errs.UserNotFound, "Username/client id combination not found.")
}

func codeMismatch() error {
	return errs.New(errs.CodeMismatch, "Invalid verification code provided, please try again.")
}

// Writable reports whether the client may write the attribute: one of its WriteAttributes,
// or, when it lists none, any attribute of the schema except sub, the verified flags and
// developer-only attributes (which only administrators set).
func Writable(p *pool.Pool, c *pool.Client, name string) bool {
	a := p.Attribute(name)
	if a == nil || a.DeveloperOnlyAttribute {
		return false
	}
	if len(c.WriteAttributes) > 0 {
		return slices.Contains(c.WriteAttributes, name)
	}
	return name != "sub" && name != "email_verified" && name != "phone_number_verified"
}

// checkWritable refuses a write of an attribute the client may not write, in Cognito's words.
// Unknown attributes pass here and are refused by the schema check with a clearer message.
func checkWritable(p *pool.Pool, c *pool.Client, names ...string) error {
	for _, n := range names {
		if p.Attribute(n) != nil && !Writable(p, c, n) {
			return errs.New(errs.NotAuthorized, "A client attempted to write unauthorized attribute")
		}
	}
	return nil
}

func attributeNames(attrs []Attribute) []string {
	names := make([]string, len(attrs))
	for i, a := range attrs {
		names[i] = a.Name
	}
	return names
}

// MissingRequired returns the required attributes the user has no value for.
func MissingRequired(p *pool.Pool, u *User) []string { return missingRequired(p, u.Attributes) }

// SignUp registers a user through an app client, as Cognito's SignUp: refused when the pool
// allows only administrators to create users; the username follows the pool's rules (as in
// AdminCreateUser); the password must meet the policy; the attributes must be writable by the
// client, valid, and include every required attribute. The user is UNCONFIRMED. When the pool
// auto-verifies an attribute the user has, a sign-up code goes to it (the phone number first
// when both, as Cognito), and ConfirmSignUp confirms the user and verifies that attribute.
// Without one (a pool with no AutoVerifiedAttributes) no code is sent and the user stays
// UNCONFIRMED until an administrator confirms them, as in Cognito (where a PreSignUp trigger
// may auto-confirm; triggers come with their own issue). The user is created before the code
// is sent: when the send is throttled (LimitExceeded) the user exists and
// ResendConfirmationCode sends the code later, as Cognito documents.
func (s *Service) SignUp(ctx context.Context, c *pool.Client, in SignUpInput) (*SignUpResult, error) {
	p, err := s.clientPool(ctx, c)
	if err != nil {
		return nil, err
	}
	if p.AdminCreateUserConfig.AllowAdminCreateUserOnly {
		return nil, errs.New(errs.NotAuthorized, "SignUp is not permitted for this user pool")
	}
	if err := CheckUsername(in.Username); err != nil {
		return nil, err
	}
	if in.Password == "" {
		return nil, errs.New(errs.InvalidParameter, "A password is required to sign up.")
	}
	if err := checkWritable(p, c, attributeNames(in.Attributes)...); err != nil {
		return nil, err
	}
	attrs, err := checkAttributes(p, in.Attributes, true)
	if err != nil {
		return nil, err
	}
	maps.DeleteFunc(attrs, func(_, v string) bool { return v == "" })
	sub := uuid.NewString()
	username, err := identify(p, in.Username, sub, attrs)
	if err != nil {
		return nil, err
	}
	if missing := missingRequired(p, attrs); len(missing) > 0 {
		return nil, errs.New(errs.InvalidParameter, "Attributes did not conform to the schema: %s: The attribute is required", missing[0])
	}
	now := s.now().UTC()
	u := &User{
		PoolID: p.Id, Sub: sub, Username: username, UsernameKey: p.NormalizeUsername(username),
		Attributes: attrs, Status: StatusUnconfirmed, Enabled: true, CreatedAt: now, UpdatedAt: now,
	}
	u.AliasKeys = aliasKeys(p, attrs)
	if err := CheckPassword(p.Policies.PasswordPolicy, in.Password, userInputs(u, in.Username)...); err != nil {
		return nil, err
	}
	if _, err := s.store.GetUser(ctx, p.Id, Lookup{Kind: ByUsernameKey, Key: u.UsernameKey}); err == nil {
		return nil, errs.New(errs.UsernameExists, "User already exists")
	} else if !errs.Is(err, errs.UserNotFound) {
		return nil, fmt.Errorf("sign up: %w", err)
	}
	// The pre sign-up trigger may refuse (nothing is written yet), auto-confirm the user and
	// auto-verify the email or phone number it has.
	pre, err := s.preSignUp(ctx, p, trigger.PreSignUpSignUp, username, attrs,
		Caller{ClientID: c.ClientId, ValidationData: in.ValidationData, ClientMetadata: in.ClientMetadata})
	if err != nil {
		return nil, err
	}
	var autoVerified []string
	for attr, auto := range map[string]bool{"email": pre.AutoVerifyEmail, "phone_number": pre.AutoVerifyPhone} {
		if auto && attrs[attr] != "" {
			attrs[attr+"_verified"] = "true"
			autoVerified = append(autoVerified, attr)
		}
	}
	u.AliasKeys = aliasKeys(p, attrs)
	if pre.AutoConfirmUser {
		u.Status = StatusConfirmed
	}
	// An alias the trigger verified moves to the new user when another holds it, as Cognito
	// (like ForceAliasCreation); any other alias taken, or a username attribute, refuses the
	// sign-up. The move comes after every check that can refuse, so only a concurrent sign-up
	// failing CreateUser (see claimAliases) can leave the other user without the alias.
	kept, moved := *u, *u
	kept.AliasKeys, moved.AliasKeys = maps.Clone(u.AliasKeys), map[string]string{}
	for _, attr := range autoVerified {
		if key, ok := kept.AliasKeys[attr]; ok && !p.IsUsernameAttribute(attr) {
			moved.AliasKeys[attr] = key
			delete(kept.AliasKeys, attr)
		}
	}
	if err := s.claimAliases(ctx, p, &kept, false); err != nil {
		return nil, err
	}
	if err := s.setPassword(p, u, in.Password); err != nil {
		return nil, err
	}
	if err := s.claimAliases(ctx, p, &moved, true); err != nil {
		return nil, err
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if len(p.UsernameAttributes) > 0 && errs.Is(err, errs.AliasExists) {
			return nil, errs.Wrap(errs.UsernameExists, err, "An account with the given username already exists.")
		}
		if errs.Is(err, errs.UsernameExists) || errs.Is(err, errs.AliasExists) {
			return nil, err
		}
		return nil, fmt.Errorf("sign up: %w", err)
	}
	res := &SignUpResult{User: u, Confirmed: u.Status == StatusConfirmed}
	if ch, ok := signUpChannel(p, u); ok && !res.Confirmed {
		if res.Delivery, err = s.sendCode(ctx, p.Id, u.Sub, PurposeSignUp, ch, trigger.CustomMessageSignUp); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// signUpChannel is where a sign-up code goes: the auto-verified phone number, else the
// auto-verified email (Cognito sends SMS first when both are auto-verified).
func signUpChannel(p *pool.Pool, u *User) (message.Channel, bool) {
	for _, attr := range []string{"phone_number", "email"} {
		if slices.Contains(p.AutoVerifiedAttributes, attr) && u.Attributes[attr] != "" {
			return channelOf(attr), true
		}
	}
	return "", false
}

// signUpChannels are the channels a sign-up code may go by in the pool, in order.
func signUpChannels(p *pool.Pool) []message.Channel {
	var out []message.Channel
	for _, attr := range []string{"phone_number", "email"} {
		if slices.Contains(p.AutoVerifiedAttributes, attr) {
			out = append(out, channelOf(attr))
		}
	}
	return out
}

// ConfirmSignUp confirms an UNCONFIRMED user with the sign-up code: the user becomes
// CONFIRMED and the attribute the code went to is verified. When that makes it a sign-in alias
// another user holds, the call fails with AliasExists before the code is spent, unless
// forceAliasCreation moves the alias to this user (as Cognito's ForceAliasCreation).
func (s *Service) ConfirmSignUp(ctx context.Context, c *pool.Client, username, code string, forceAliasCreation bool) (*User, error) {
	p, err := s.clientPool(ctx, c)
	if err != nil {
		return nil, err
	}
	u, err := s.lookup(ctx, p, username)
	if errs.Is(err, errs.UserNotFound) {
		if hidesUsers(c) {
			return nil, codeMismatch()
		}
		return nil, clientUserNotFound()
	}
	if err != nil {
		return nil, err
	}
	if u.Status != StatusUnconfirmed {
		return nil, errs.New(errs.NotAuthorized, "User cannot be confirmed. Current status is %s", u.Status)
	}
	pending, err := s.store.GetCode(ctx, p.Id, u.Sub, PurposeSignUp)
	if err != nil {
		return nil, fmt.Errorf("confirm sign-up: %w", err)
	}
	next := confirmedAttributes(u, pending)
	if !forceAliasCreation {
		probe := *u
		probe.AliasKeys = aliasKeys(p, next)
		if err := s.claimAliases(ctx, p, &probe, false); err != nil {
			return nil, err
		}
	}
	used, err := s.VerifyCode(ctx, p.Id, u.Sub, PurposeSignUp, code)
	if err != nil {
		return nil, err
	}
	applyAttributes(p, u, confirmedAttributes(u, used))
	if forceAliasCreation {
		if err := s.claimAliases(ctx, p, u, true); err != nil {
			return nil, err
		}
	}
	u.Status = StatusConfirmed
	msgs, err := s.postConfirmation(p, u, trigger.PostConfirmationConfirmSignUp, Caller{ClientID: c.ClientId})
	if err != nil {
		return nil, err
	}
	u.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateUserWith(ctx, u, Effects{Messages: msgs}); err != nil {
		return nil, fmt.Errorf("confirm sign-up: %w", err)
	}
	if len(msgs) > 0 {
		s.wake()
	}
	return u, nil
}

// confirmedAttributes are u's attributes with the one the sign-up code c went to verified.
func confirmedAttributes(u *User, c *Code) map[string]string {
	next := maps.Clone(u.Attributes)
	if next == nil {
		next = map[string]string{}
	}
	if c == nil {
		return next
	}
	for _, attr := range []string{"email", "phone_number"} {
		if next[attr] != "" && next[attr] == c.Destination {
			next[attr+"_verified"] = "true"
		}
	}
	return next
}

// ResendConfirmationCode sends a new sign-up code to an UNCONFIRMED user (replacing the old
// one; sends are throttled as SendCode's).
func (s *Service) ResendConfirmationCode(ctx context.Context, c *pool.Client, username string) (*CodeDelivery, error) {
	p, err := s.clientPool(ctx, c)
	if err != nil {
		return nil, err
	}
	if len(p.AutoVerifiedAttributes) == 0 {
		return nil, errs.New(errs.InvalidParameter, "Auto verification not turned on.")
	}
	u, err := s.lookup(ctx, p, username)
	if errs.Is(err, errs.UserNotFound) {
		if hidesUsers(c) {
			return s.fakeDelivery(p, username, signUpChannels(p)), nil
		}
		return nil, clientUserNotFound()
	}
	if err != nil {
		return nil, err
	}
	if u.Status != StatusUnconfirmed {
		return nil, errs.New(errs.InvalidParameter, "User is already confirmed.")
	}
	ch, ok := signUpChannel(p, u)
	if !ok {
		return nil, errs.New(errs.InvalidParameter, "The user has no auto-verified email or phone_number to send a code to.")
	}
	return s.SendCode(ctx, p.Id, u.Sub, PurposeSignUp, ch)
}

// Recovery mechanism names of AccountRecoverySetting.
const (
	recoverByEmail = "verified_email"
	recoverByPhone = "verified_phone_number"
	recoverByAdmin = "admin_only"
)

// recoveryOrder is the pool's recovery mechanisms by priority; without an
// AccountRecoverySetting, Cognito's legacy order (SMS before email).
func recoveryOrder(p *pool.Pool) []string {
	if p.AccountRecoverySetting == nil || len(p.AccountRecoverySetting.RecoveryMechanisms) == 0 {
		return []string{recoverByPhone, recoverByEmail}
	}
	ms := slices.Clone(p.AccountRecoverySetting.RecoveryMechanisms)
	slices.SortStableFunc(ms, func(a, b pool.RecoveryOption) int { return a.Priority - b.Priority })
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

// recoveryChannel picks where a password-reset code goes: the first mechanism by priority the
// user has a verified value for.
func recoveryChannel(p *pool.Pool, u *User) (message.Channel, error) {
	order := recoveryOrder(p)
	if slices.Equal(order, []string{recoverByAdmin}) {
		return "", errs.New(errs.NotAuthorized, "Contact administrator to reset password.")
	}
	for _, m := range order {
		attr := "email"
		switch m {
		case recoverByEmail:
		case recoverByPhone:
			attr = "phone_number"
		default:
			continue
		}
		if u.Attributes[attr] != "" && u.Attributes[attr+"_verified"] == "true" {
			return channelOf(attr), nil
		}
	}
	return "", errs.New(errs.InvalidParameter, "Cannot reset password for the user as there is no registered/verified email or phone_number")
}

// recoveryChannels are the channels a reset code may go by in the pool, in order.
func recoveryChannels(p *pool.Pool) []message.Channel {
	var out []message.Channel
	for _, m := range recoveryOrder(p) {
		switch m {
		case recoverByEmail:
			out = append(out, message.Email)
		case recoverByPhone:
			out = append(out, message.SMS)
		}
	}
	return out
}

// ForgotPassword sends a password-reset code by the pool's AccountRecoverySetting to the
// user's first verified email or phone number. The user's status does not change: the old
// password keeps working until ConfirmForgotPassword sets a new one.
func (s *Service) ForgotPassword(ctx context.Context, c *pool.Client, username string) (*CodeDelivery, error) {
	return s.ForgotPasswordFor(ctx, c, username, nil)
}

// ForgotPasswordFor is ForgotPassword with the request's ClientMetadata, for the triggers: a
// user the pool does not know is looked up by the user migration trigger
// (UserMigration_ForgotPassword), which may create them (RESET_REQUIRED) to receive the code.
func (s *Service) ForgotPasswordFor(ctx context.Context, c *pool.Client, username string, clientMetadata map[string]string) (*CodeDelivery, error) {
	p, err := s.clientPool(ctx, c)
	if err != nil {
		return nil, err
	}
	u, err := s.lookup(ctx, p, username)
	if errs.Is(err, errs.UserNotFound) && s.triggers != nil && p.TriggerURL(pool.TriggerUserMigration) != "" {
		caller := Caller{ClientID: c.ClientId, ValidationData: clientMetadata, ClientMetadata: clientMetadata}
		u, err = s.migrate(ctx, p, trigger.UserMigrationForgotPassword, username, "", caller)
	}
	if errs.Is(err, errs.UserNotFound) {
		if hidesUsers(c) {
			if slices.Equal(recoveryOrder(p), []string{recoverByAdmin}) {
				return nil, errs.New(errs.NotAuthorized, "Contact administrator to reset password.")
			}
			return s.fakeDelivery(p, username, recoveryChannels(p)), nil
		}
		return nil, clientUserNotFound()
	}
	if err != nil {
		return nil, err
	}
	switch {
	case !u.Enabled:
		return nil, errs.New(errs.NotAuthorized, "User is disabled.")
	case u.Status == StatusForceChangePassword:
		return nil, errs.New(errs.NotAuthorized, "User password cannot be reset in the current state.")
	}
	ch, err := recoveryChannel(p, u)
	if err != nil {
		return nil, err
	}
	return s.SendCode(ctx, p.Id, u.Sub, PurposeResetPassword, ch)
}

// fakeDelivery is the CodeDeliveryDetails an unknown user gets when the client prevents
// user-existence errors: the first channel the pool would use, to the username itself when it
// has that channel's format, else to a masked destination derived from the username with the
// server key, so that asking twice gives the same answer, as for a real user.
func (s *Service) fakeDelivery(p *pool.Pool, username string, channels []message.Channel) *CodeDelivery {
	if len(channels) == 0 {
		channels = []message.Channel{message.Email}
	}
	for _, ch := range channels {
		if ch == message.Email && ValidEmail(username) || ch == message.SMS && ValidPhone(username) {
			return newDelivery(ch, username)
		}
	}
	mac := hmac.New(sha256.New, s.codeKey())
	mac.Write([]byte("fake-delivery\x00" + p.Id + "\x00" + p.NormalizeUsername(username)))
	sum := mac.Sum(nil)
	if channels[0] == message.SMS {
		return newDelivery(message.SMS, fmt.Sprintf("+1555%07d", (int(sum[0])<<16|int(sum[1])<<8|int(sum[2]))%10_000_000))
	}
	letter := func(b byte) string { return string(rune('a' + b%26)) }
	return newDelivery(message.Email, letter(sum[0])+"x@"+letter(sum[1])+"x.com")
}

// ConfirmForgotPassword sets a new password with the reset code. The password is checked
// (policy, then history) before the code is spent, so a refused password leaves the code
// usable. The user becomes CONFIRMED (from RESET_REQUIRED too), and the sign-in failures are
// forgotten: whoever holds the code controls the user's verified email or phone.
func (s *Service) ConfirmForgotPassword(ctx context.Context, c *pool.Client, username, code, password string) error {
	p, err := s.clientPool(ctx, c)
	if err != nil {
		return err
	}
	// The policy is checked before the lookup, so an unknown user gets the same answer.
	if err := CheckPassword(p.Policies.PasswordPolicy, password, username); err != nil {
		return err
	}
	u, err := s.lookup(ctx, p, username)
	if errs.Is(err, errs.UserNotFound) {
		if hidesUsers(c) {
			return codeMismatch()
		}
		return clientUserNotFound()
	}
	if err != nil {
		return err
	}
	if !u.Enabled {
		return errs.New(errs.NotAuthorized, "User is disabled.")
	}
	if err := s.checkNewPassword(p, u, password, username); err != nil {
		return err
	}
	if _, err := s.VerifyCode(ctx, p.Id, u.Sub, PurposeResetPassword, code); err != nil {
		return err
	}
	if err := s.setPassword(p, u, password); err != nil {
		return err
	}
	u.Status, u.TemporaryPasswordExpiresAt = StatusConfirmed, nil
	msgs, err := s.postConfirmation(p, u, trigger.PostConfirmationConfirmForgotPassword, Caller{ClientID: c.ClientId})
	if err != nil {
		return err
	}
	u.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateUserWith(ctx, u, Effects{Messages: msgs}); err != nil {
		return fmt.Errorf("confirm forgot password: %w", err)
	}
	if len(msgs) > 0 {
		s.wake()
	}
	if err := s.store.ResetSignInFailures(ctx, p.Id, u.Sub); err != nil {
		return fmt.Errorf("confirm forgot password: %w", err)
	}
	return nil
}

// ChangePassword changes a signed-in user's password. The previous password is checked as at
// sign-in (the lockout applies and a wrong one counts as a failed sign-in: NotAuthorized
// "Incorrect username or password."); the proposed one must meet the policy and the history.
func (s *Service) ChangePassword(ctx context.Context, poolID, sub, previous, proposed string) error {
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	u, err := s.GetBySub(ctx, poolID, sub)
	if err != nil {
		return err
	}
	if err := CheckPassword(p.Policies.PasswordPolicy, proposed, userInputs(u)...); err != nil {
		return err
	}
	if err := s.verifyPassword(ctx, p, u, previous); err != nil {
		return err
	}
	if err := s.checkHistory(p, u, proposed); err != nil {
		return err
	}
	if err := s.setPassword(p, u, proposed); err != nil {
		return err
	}
	return s.update(ctx, u, "change password")
}

// checkProfileWrites validates attributes a user supplies while completing a sign-in (new
// password, missing required attributes): writable by the client, valid, not empty, and not
// changing a required attribute that already has a value. An immutable attribute may be given
// while the user has no value for it (it could not be set later otherwise).
func checkProfileWrites(p *pool.Pool, c *pool.Client, u *User, attrs []Attribute) (map[string]string, error) {
	if err := checkWritable(p, c, attributeNames(attrs)...); err != nil {
		return nil, err
	}
	writes := make(map[string]string, len(attrs))
	for _, a := range attrs {
		if _, dup := writes[a.Name]; dup {
			return nil, attrError(a.Name, "Attribute is given more than once.")
		}
		if a.Value == "" {
			return nil, attrError(a.Name, "A value is required.")
		}
		if err := checkAttribute(p, a.Name, a.Value, u.Attributes[a.Name] == ""); err != nil {
			return nil, err
		}
		if s := p.Attribute(a.Name); s.Required && u.Attributes[a.Name] != "" && u.Attributes[a.Name] != a.Value {
			return nil, attrError(a.Name, "Cannot modify an already provided required attribute.")
		}
		writes[a.Name] = a.Value
	}
	merged := maps.Clone(u.Attributes)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, writes)
	if missing := missingRequired(p, merged); len(missing) > 0 {
		return nil, errs.New(errs.InvalidParameter, "Invalid attributes given, %s is missing", missing[0])
	}
	return writes, nil
}

// CompleteNewPassword finishes the sign-in of a FORCE_CHANGE_PASSWORD user (Cognito's
// NEW_PASSWORD_REQUIRED challenge): a new password meeting the policy and history, and values
// for the required attributes the user lacks (other writable attributes may be given too). The
// user becomes CONFIRMED; it is returned so that the caller can issue tokens.
func (s *Service) CompleteNewPassword(ctx context.Context, c *pool.Client, sub, password string, attrs []Attribute) (*User, error) {
	p, err := s.clientPool(ctx, c)
	if err != nil {
		return nil, err
	}
	u, err := s.GetBySub(ctx, p.Id, sub)
	if err != nil {
		return nil, err
	}
	if u.Status != StatusForceChangePassword {
		return nil, errs.New(errs.NotAuthorized, "The user does not need a new password.")
	}
	writes, err := checkProfileWrites(p, c, u, attrs)
	if err != nil {
		return nil, err
	}
	if err := s.checkNewPassword(p, u, password); err != nil {
		return nil, err
	}
	if err := s.setPassword(p, u, password); err != nil {
		return nil, err
	}
	u.Status, u.TemporaryPasswordExpiresAt = StatusConfirmed, nil
	if _, err := s.updateAttributes(ctx, p, u, writes); err != nil {
		return nil, err
	}
	return u, nil
}

// CompleteProfile (beyond Cognito) sets the missing required attributes of a user whose
// profile is incomplete (a required attribute was added to the pool, or an administrator
// created the user without it); the hosted pages ask for them at sign-in. Every required
// attribute must have a value afterwards.
func (s *Service) CompleteProfile(ctx context.Context, c *pool.Client, sub string, attrs []Attribute) (*User, error) {
	p, err := s.clientPool(ctx, c)
	if err != nil {
		return nil, err
	}
	u, err := s.GetBySub(ctx, p.Id, sub)
	if err != nil {
		return nil, err
	}
	writes, err := checkProfileWrites(p, c, u, attrs)
	if err != nil {
		return nil, err
	}
	if _, err := s.updateAttributes(ctx, p, u, writes); err != nil {
		return nil, err
	}
	return u, nil
}

// UpdateAttributes is a signed-in user's UpdateUserAttributes: only attributes the client may
// write, validated against the schema; an empty value deletes the attribute. A new email or
// phone number gets a verification code as updateAttributes describes; it returns where the
// codes went.
func (s *Service) UpdateAttributes(ctx context.Context, c *pool.Client, sub string, attrs []Attribute) ([]*CodeDelivery, error) {
	if len(attrs) == 0 {
		return nil, errs.New(errs.InvalidParameter, "UserAttributes must name at least one attribute.")
	}
	p, err := s.clientPool(ctx, c)
	if err != nil {
		return nil, err
	}
	u, err := s.GetBySub(ctx, p.Id, sub)
	if err != nil {
		return nil, err
	}
	if err := checkWritable(p, c, attributeNames(attrs)...); err != nil {
		return nil, err
	}
	writes, err := checkAttributes(p, attrs, false)
	if err != nil {
		return nil, err
	}
	return s.updateAttributes(ctx, p, u, writes)
}

// DeleteAttributes is a signed-in user's DeleteUserAttributes: attributes the client may write
// and that may be deleted at all (see checkDeletable).
func (s *Service) DeleteAttributes(ctx context.Context, c *pool.Client, sub string, names []string) error {
	if len(names) == 0 {
		return errs.New(errs.InvalidParameter, "UserAttributeNames must name at least one attribute.")
	}
	p, err := s.clientPool(ctx, c)
	if err != nil {
		return err
	}
	u, err := s.GetBySub(ctx, p.Id, sub)
	if err != nil {
		return err
	}
	if err := checkWritable(p, c, names...); err != nil {
		return err
	}
	return s.deleteAttributes(ctx, p, u, names)
}

// SendAttributeCode is GetUserAttributeVerificationCode: a code to verify the user's email or
// phone number (a pending new value when there is one), throttled as SendCode's.
func (s *Service) SendAttributeCode(ctx context.Context, c *pool.Client, sub, attr string) (*CodeDelivery, error) {
	if attr != "email" && attr != "phone_number" {
		return nil, errs.New(errs.InvalidParameter, "Only email and phone_number can be verified, not %q.", attr)
	}
	if _, err := s.clientPool(ctx, c); err != nil {
		return nil, err
	}
	return s.SendCode(ctx, c.UserPoolId, sub, verifyPurpose(attr), "")
}

// DeleteSelf deletes a signed-in user (Cognito's DeleteUser). The store revokes the user's
// tokens with the user.
func (s *Service) DeleteSelf(ctx context.Context, poolID, sub string) error {
	if err := s.store.DeleteUser(ctx, poolID, sub); err != nil {
		if errs.Is(err, errs.UserNotFound) {
			return userNotFound()
		}
		return fmt.Errorf("delete user: %w", err)
	}
	return nil
}
