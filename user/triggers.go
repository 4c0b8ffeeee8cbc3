package user

import (
	"context"
	"fmt"
	"maps"

	"github.com/google/uuid"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/trigger"
)

// Triggers are the pool's triggers (package trigger). Each call does nothing when the pool
// does not configure the trigger. The blocking ones return Cognito's trigger errors, which
// abort the action before anything is written; the post-* ones return an outbox message that
// is written with the change it reports.
type Triggers interface {
	PreSignUp(ctx context.Context, p *pool.Pool, ev *trigger.PreSignUpEvent) error
	PreAuthentication(ctx context.Context, p *pool.Pool, ev *trigger.PreAuthenticationEvent) error
	UserMigration(ctx context.Context, p *pool.Pool, ev *trigger.UserMigrationEvent) error
	CustomMessage(ctx context.Context, p *pool.Pool, typ message.Type, ev *trigger.CustomMessageEvent) (message.Templates, error)
	PostConfirmation(p *pool.Pool, ev *trigger.PostConfirmationEvent) (*message.Message, error)
	PostAuthentication(p *pool.Pool, ev *trigger.PostAuthenticationEvent) (*message.Message, error)
}

// SetTriggers makes the Service call the pools' triggers; call it before the Service is used.
func (s *Service) SetTriggers(t Triggers) {
	s.triggers = t
}

// Caller is who asked for an action, as triggers see it: the app client ("" for admin
// actions) and Cognito's ValidationData and ClientMetadata.
type Caller struct {
	ClientID       string
	ValidationData map[string]string
	ClientMetadata map[string]string
}

func header(src trigger.Source, username, clientID string) trigger.Header {
	return trigger.Header{TriggerSource: src, UserName: username, CallerContext: trigger.CallerContext{ClientID: clientID}}
}

// eventAttributes are a user's attributes as triggers receive them: with sub, and with
// Cognito's cognito:user_status.
func eventAttributes(u *User) map[string]string {
	attrs := maps.Clone(u.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrs["sub"] = u.Sub
	attrs["cognito:user_status"] = string(u.Status)
	return attrs
}

// preSignUp calls the pre sign-up trigger for a user about to be created.
func (s *Service) preSignUp(ctx context.Context, p *pool.Pool, src trigger.Source, username string, attrs map[string]string, c Caller) (trigger.PreSignUpResponse, error) {
	if s.triggers == nil {
		return trigger.PreSignUpResponse{}, nil
	}
	ev := &trigger.PreSignUpEvent{Header: header(src, username, c.ClientID), Request: trigger.PreSignUpRequest{
		UserAttributes: maps.Clone(attrs), ValidationData: c.ValidationData, ClientMetadata: c.ClientMetadata}}
	if err := s.triggers.PreSignUp(ctx, p, ev); err != nil {
		return trigger.PreSignUpResponse{}, err
	}
	return ev.Response, nil
}

// messageTemplates are the templates to render u's message of type typ with: the pool's, or
// what its custom message trigger made of them.
func (s *Service) messageTemplates(ctx context.Context, p *pool.Pool, u *User, src trigger.Source, typ message.Type, clientMetadata map[string]string) (message.Templates, error) {
	if s.triggers == nil {
		return p.Templates(), nil
	}
	ev := &trigger.CustomMessageEvent{Header: header(src, u.Username, ""), Request: trigger.CustomMessageRequest{
		UserAttributes: eventAttributes(u), ClientMetadata: clientMetadata}}
	return s.triggers.CustomMessage(ctx, p, typ, ev)
}

// postConfirmation returns the outbox messages of u's post confirmation event.
func (s *Service) postConfirmation(p *pool.Pool, u *User, src trigger.Source, c Caller) ([]*message.Message, error) {
	if s.triggers == nil {
		return nil, nil
	}
	m, err := s.triggers.PostConfirmation(p, &trigger.PostConfirmationEvent{Header: header(src, u.Username, c.ClientID),
		Request: trigger.PostConfirmationRequest{UserAttributes: eventAttributes(u), ClientMetadata: c.ClientMetadata}})
	if err != nil || m == nil {
		return nil, err
	}
	return []*message.Message{m}, nil
}

// preAuthentication asks the pre authentication trigger whether u may sign in.
func (s *Service) preAuthentication(ctx context.Context, p *pool.Pool, u *User, c Caller) error {
	if s.triggers == nil {
		return nil
	}
	return s.triggers.PreAuthentication(ctx, p, &trigger.PreAuthenticationEvent{Header: header(trigger.PreAuthentication, u.Username, c.ClientID),
		Request: trigger.PreAuthenticationRequest{UserAttributes: eventAttributes(u), ValidationData: c.ValidationData}})
}

// postAuthentication writes u's post authentication event to the outbox. The sign-in has
// happened: a failure to write the event is returned, and the caller only logs it.
func (s *Service) postAuthentication(ctx context.Context, p *pool.Pool, u *User, c Caller) error {
	if s.triggers == nil {
		return nil
	}
	m, err := s.triggers.PostAuthentication(p, &trigger.PostAuthenticationEvent{Header: header(trigger.PostAuthentication, u.Username, c.ClientID),
		Request: trigger.PostAuthenticationRequest{UserAttributes: eventAttributes(u), ClientMetadata: c.ClientMetadata}})
	if err != nil || m == nil {
		return err
	}
	if err := s.store.WriteEffects(ctx, p.Id, u.Sub, Effects{Messages: []*message.Message{m}}); err != nil {
		return err
	}
	s.wake()
	return nil
}

// migrate creates a user the pool does not know from the user migration trigger's answer.
// For UserMigration_Authentication the user gets the password they signed in with: the
// trigger has checked it against the legacy store, and the pool's password policy does not
// apply (as in Cognito); finalUserStatus CONFIRMED signs them in, RESET_REQUIRED (the
// default) answers PasswordResetRequired. For UserMigration_ForgotPassword (no password) the
// user is RESET_REQUIRED whatever the answer says, and the caller sends the reset code.
// messageAction is checked and has no effect: Userpool's welcome message is the invitation,
// which carries a temporary password a migrated user does not have.
func (s *Service) migrate(ctx context.Context, p *pool.Pool, src trigger.Source, username, password string, c Caller) (*User, error) {
	if err := CheckUsername(username); err != nil {
		return nil, err
	}
	ev := &trigger.UserMigrationEvent{Header: header(src, username, c.ClientID),
		Request: trigger.UserMigrationRequest{Password: password, ValidationData: c.ValidationData, ClientMetadata: c.ClientMetadata}}
	if err := s.triggers.UserMigration(ctx, p, ev); err != nil {
		return nil, err
	}
	resp := ev.Response
	list := make([]Attribute, 0, len(resp.UserAttributes))
	for k, v := range resp.UserAttributes {
		if k == "username" || k == "sub" {
			continue // the username is the one signed in with; the sub is new
		}
		list = append(list, Attribute{Name: k, Value: v})
	}
	attrs, err := checkAttributes(p, list, true)
	if err != nil {
		return nil, errs.Wrap(errs.InvalidLambdaResponse, err, "Unrecognizable lambda output: UserMigration answered invalid userAttributes: "+errMessage(err))
	}
	maps.DeleteFunc(attrs, func(_, v string) bool { return v == "" })
	sub := uuid.NewString()
	name, err := identify(p, username, sub, attrs)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	u := &User{PoolID: p.Id, Sub: sub, Username: name, UsernameKey: p.NormalizeUsername(name), Attributes: attrs,
		Status: StatusResetRequired, Enabled: true, CreatedAt: now, UpdatedAt: now}
	if password != "" {
		if resp.FinalUserStatus == "CONFIRMED" {
			u.Status = StatusConfirmed
		}
		if u.PasswordHash, err = s.hasher.Hash(password); err != nil {
			return nil, err
		}
		if err := s.setVerifier(p, u, password); err != nil {
			return nil, err
		}
	}
	u.AliasKeys = aliasKeys(p, attrs)
	u.ProfileIncomplete = len(missingRequired(p, attrs)) > 0
	if err := s.claimAliases(ctx, p, u, resp.ForceAliasCreation); err != nil {
		return nil, err
	}
	if err := s.store.CreateUserWith(ctx, u, Effects{}); err != nil {
		return nil, fmt.Errorf("migrate user: %w", err)
	}
	return u, nil
}

func errMessage(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return err.Error()
}
