package user

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/trigger"
)

// Purpose is what a code confirms. Invitations carry a temporary password (the user's password
// until changed, hashed like any password and expiring after the policy's
// TemporaryPasswordValidityDays), not a code, so there is no invitation purpose.
type Purpose string

const (
	PurposeSignUp        Purpose = "sign_up"
	PurposeResetPassword Purpose = "reset_password"
	PurposeVerifyEmail   Purpose = "verify_email"
	PurposeVerifyPhone   Purpose = "verify_phone"
)

// Code rules.
const (
	// CodeLength is the number of decimal digits of a code.
	CodeLength = 6
	// MaxCodeAttempts wrong tries void a code: later tries, even right ones, answer
	// LimitExceeded until a new code is sent.
	MaxCodeAttempts = 5
	// MaxCodeSends codes of one purpose may be sent to one user, and to one destination,
	// within CodeSendWindow; more answer LimitExceeded.
	MaxCodeSends   = 5
	CodeSendWindow = time.Hour
)

// Code is a one-time code as stored: only its keyed hash, bound to the pool, the user and the
// purpose. There is at most one code per user and purpose; a new one replaces it.
type Code struct {
	PoolID  string
	Sub     string
	Purpose Purpose
	Hash    string // hex HMAC-SHA256, see Service.hashCode
	// Value is what the code confirms: for attribute verification, the email or phone number it
	// was sent to (a pending new value, or the current unverified one).
	Value       string
	Destination string // where the code was sent
	Attempts    int    // wrong tries so far
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// Effects are written in the same transaction as a user change (or on their own): codes, each
// replacing the user's code of its purpose; codes to delete; and messages for the outbox. Every
// code written counts as a send for the throttle.
type Effects struct {
	Codes       []*Code
	DeleteCodes []Purpose
	Messages    []*message.Message
	// Throttle, when set, is checked for each code before anything is written.
	Throttle *Throttle
}

// Throttle lets the domain refuse a send: Allow gets how many codes of the same purpose were
// sent since Since to the same user and to the same destination (in the pool), counted in the
// writing transaction so that concurrent sends cannot all pass.
type Throttle struct {
	Since time.Time
	Allow func(toUser, toDestination int) error
}

func (fx Effects) empty() bool {
	return len(fx.Codes) == 0 && len(fx.DeleteCodes) == 0 && len(fx.Messages) == 0
}

// CodeStore is what the code rules need from the database.
type CodeStore interface {
	// CreateUserWith is CreateUser that also writes fx in the same transaction.
	CreateUserWith(ctx context.Context, u *User, fx Effects) error
	// UpdateUserWith is UpdateUser that also writes fx in the same transaction.
	UpdateUserWith(ctx context.Context, u *User, fx Effects) error
	// WriteEffects writes fx for the user poolID/sub (UserNotFound when there is none).
	WriteEffects(ctx context.Context, poolID, sub string, fx Effects) error
	// GetCode returns the user's code for purpose, or nil.
	GetCode(ctx context.Context, poolID, sub string, purpose Purpose) (*Code, error)
	// CheckCode locks the user's code for purpose and calls check with it (nil when there is
	// none). Then, in the same transaction, it deletes the code if check says consume, or else
	// saves the code's Attempts; it commits and returns check's error.
	CheckCode(ctx context.Context, poolID, sub string, purpose Purpose, check func(c *Code) (consume bool, err error)) error
}

// Messaging is how the Service sends codes and messages.
type Messaging struct {
	// CodeKey keys the hash of stored codes; every process sharing a database needs the same
	// key (the server derives it from the master key).
	CodeKey []byte
	// PublicURL starts the confirm links of link-style verification emails.
	PublicURL string
	// Wake is called after messages were written, to make the outbox worker look now.
	Wake func()
}

// SetMessaging configures codes and messages; call it before the Service is used.
func (s *Service) SetMessaging(m Messaging) {
	s.messaging = m
}

// SetClock replaces the Service's clock (tests); call it before the Service is used.
func (s *Service) SetClock(now func() time.Time) {
	s.now = now
}

func (s *Service) wake() {
	if s.messaging.Wake != nil {
		s.messaging.Wake()
	}
}

// hashCode is HMAC-SHA256 under a server key over the pool, user, purpose and code. A 6-digit
// code has only a million values, so an unkeyed hash could be reversed from a database dump in
// a moment; with the key (derived from the master key, never stored) the dump alone reveals
// nothing. A slow password hash would add nothing: codes are short-lived and tries are limited.
func (s *Service) hashCode(poolID, sub string, purpose Purpose, code string) string {
	mac := hmac.New(sha256.New, s.codeKey())
	for _, part := range []string{poolID, sub, string(purpose), code} {
		mac.Write([]byte(part))
		mac.Write([]byte{0})
	}
	return hex.EncodeToString(mac.Sum(nil))
}

func (s *Service) codeKey() []byte {
	if len(s.messaging.CodeKey) > 0 {
		return s.messaging.CodeKey
	}
	s.keyOnce.Do(func() {
		// Without a configured key (tests, tools), a per-process random key: codes then work
		// only in this process, which is all such callers need.
		s.randomKey = make([]byte, 32)
		_, _ = rand.Read(s.randomKey)
	})
	return s.randomKey
}

// newCode returns a uniformly random 6-digit code.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("generate code: %w", err)
	}
	return fmt.Sprintf("%0*d", CodeLength, n.Int64()), nil
}

// CodeDelivery is Cognito's CodeDeliveryDetailsType: where a code went, masked.
type CodeDelivery struct {
	Destination    string `json:"Destination"`
	DeliveryMedium string `json:"DeliveryMedium"` // EMAIL or SMS
	AttributeName  string `json:"AttributeName"`
}

// Delivery mediums, as Cognito names them.
const (
	MediumEmail = "EMAIL"
	MediumSMS   = "SMS"
)

func newDelivery(ch message.Channel, to string) *CodeDelivery {
	if ch == message.SMS {
		return &CodeDelivery{Destination: MaskPhone(to), DeliveryMedium: MediumSMS, AttributeName: "phone_number"}
	}
	return &CodeDelivery{Destination: MaskEmail(to), DeliveryMedium: MediumEmail, AttributeName: "email"}
}

// MaskEmail hides most of an address, as Cognito does: "a***@e***".
func MaskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" {
		return "***"
	}
	return local[:1] + "***@" + domain[:1] + "***"
}

// MaskPhone keeps the last four digits: "+*******0100".
func MaskPhone(phone string) string {
	if len(phone) <= 5 {
		return "+****"
	}
	return "+" + strings.Repeat("*", len(phone)-5) + phone[len(phone)-4:]
}

// codeTarget is one code to compose: for whom, why, by which channel, to where.
type codeTarget struct {
	pool    *pool.Pool
	user    *User
	purpose Purpose
	channel message.Channel
	to      string // destination
	value   string // Code.Value
	// templates, when set, replace the pool's (the custom message trigger's answer).
	templates *message.Templates
}

// composeCode makes a code and its message; it returns the code in clear only inside the message.
func (s *Service) composeCode(t codeTarget) (*Code, *message.Message, error) {
	code, err := newCode()
	if err != nil {
		return nil, nil, err
	}
	now := s.now().UTC()
	var ttl time.Duration
	var typ message.Type
	switch t.purpose {
	case PurposeSignUp:
		ttl, typ = t.pool.SignUpCodeTTL(), message.Verification
	case PurposeResetPassword:
		ttl, typ = t.pool.ResetPasswordCodeTTL(), message.ResetPassword
	case PurposeVerifyEmail, PurposeVerifyPhone:
		ttl, typ = t.pool.AttributeVerificationCodeTTL(), message.AttributeVerification
	case PurposeMFASMS, PurposeMFAEmail:
		ttl, typ = MFACodeTTL, message.MFA
	default:
		return nil, nil, errs.New(errs.InvalidParameter, "unknown code purpose %q", t.purpose)
	}
	from, replyTo := t.pool.MailFrom()
	draft := message.Draft{
		PoolID: t.pool.Id, Type: typ, Channel: t.channel, Destination: t.to,
		Values: message.Values{Code: code, Username: displayName(t.pool, t.user)},
	}
	if t.channel == message.Email {
		draft.From, draft.ReplyTo = from, replyTo
	}
	if t.purpose == PurposeSignUp && t.channel == message.Email && t.pool.Templates().EmailOption == message.ConfirmWithLink {
		draft.Values.LinkURL = s.confirmLink(t.pool.Id, t.user.Username, code)
	}
	ts := t.pool.Templates()
	if t.templates != nil {
		ts = *t.templates
	}
	m, err := message.New(ts, draft, now)
	if err != nil {
		return nil, nil, fmt.Errorf("compose %s message: %w", typ, err)
	}
	c := &Code{
		PoolID: t.pool.Id, Sub: t.user.Sub, Purpose: t.purpose, Hash: s.hashCode(t.pool.Id, t.user.Sub, t.purpose, code),
		Value: t.value, Destination: t.to, ExpiresAt: now.Add(ttl), CreatedAt: now,
	}
	return c, m, nil
}

// confirmLink is the hosted confirm page carrying the code, for link-style verification.
func (s *Service) confirmLink(poolID, username, code string) string {
	q := url.Values{"username": {username}, "code": {code}}
	return strings.TrimRight(s.messaging.PublicURL, "/") + "/" + poolID + "/confirm?" + q.Encode()
}

// displayName is the name a user signs in with, for {username}: in pools with
// UsernameAttributes the username is the sub, so the email or phone number is shown instead.
func displayName(p *pool.Pool, u *User) string {
	if len(p.UsernameAttributes) > 0 {
		for _, a := range p.UsernameAttributes {
			if v := u.Attributes[a]; v != "" {
				return v
			}
		}
	}
	return u.Username
}

// SendCode creates a code for the user poolID/sub and purpose, replacing any earlier one, and
// writes its message to the outbox in the same transaction. ch picks email or SMS for sign-up
// and password reset ("" = email when the user has one, else SMS); attribute verification uses
// the attribute's channel and goes to a pending new value when there is one; MFA codes go by
// their purpose's channel (PurposeMFASMS, PurposeMFAEmail) and are valid for MFACodeTTL. Sends are
// throttled: at most MaxCodeSends per CodeSendWindow per user and purpose, and per destination
// and purpose (LimitExceeded).
func (s *Service) SendCode(ctx context.Context, poolID, sub string, purpose Purpose, ch message.Channel) (*CodeDelivery, error) {
	return s.sendCode(ctx, poolID, sub, purpose, ch, "")
}

// sendCode is SendCode whose custom message trigger sees src; "" derives it from the purpose
// (a sign-up code sent again is CustomMessage_ResendCode; the first one, at sign-up, passes
// CustomMessage_SignUp).
func (s *Service) sendCode(ctx context.Context, poolID, sub string, purpose Purpose, ch message.Channel, src trigger.Source) (*CodeDelivery, error) {
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return nil, fmt.Errorf("send code: %w", err)
	}
	u, err := s.store.GetUser(ctx, poolID, Lookup{Kind: BySub, Key: sub})
	if err != nil {
		return nil, fmt.Errorf("send code: %w", err)
	}
	t := codeTarget{pool: p, user: u, purpose: purpose, channel: ch}
	switch purpose {
	case PurposeVerifyEmail, PurposeVerifyPhone:
		attr := verifiedAttribute(purpose)
		t.channel, t.to = channelOf(attr), u.Attributes[attr]
		// A pending change (see AdminUpdateAttributes) is confirmed at its new value.
		if old, err := s.store.GetCode(ctx, poolID, sub, purpose); err != nil {
			return nil, fmt.Errorf("send code: %w", err)
		} else if old != nil && old.Value != "" {
			t.to = old.Value
		}
		if t.to == "" {
			return nil, errs.New(errs.InvalidParameter, "The user has no %s to verify.", attr)
		}
		t.value = t.to
	case PurposeSignUp, PurposeResetPassword:
		switch {
		case ch == "" && u.Attributes["email"] != "":
			t.channel = message.Email
		case ch == "":
			t.channel = message.SMS
		case ch != message.Email && ch != message.SMS:
			return nil, errs.New(errs.InvalidParameter, "unknown channel %q", ch)
		}
		t.to = u.Attributes[attributeOf(t.channel)]
		if t.to == "" {
			return nil, errs.New(errs.InvalidParameter, "There is no %s to send the code to.", attributeOf(t.channel))
		}
	case PurposeMFASMS, PurposeMFAEmail:
		t.channel = message.Email
		if purpose == PurposeMFASMS {
			t.channel = message.SMS
		}
		t.to = u.Attributes[attributeOf(t.channel)]
		if t.to == "" {
			return nil, errs.New(errs.InvalidParameter, "There is no %s to send the code to.", attributeOf(t.channel))
		}
	default:
		return nil, errs.New(errs.InvalidParameter, "unknown code purpose %q", purpose)
	}
	if src == "" {
		src = customMessageSource(purpose)
	}
	ts, err := s.messageTemplates(ctx, p, u, src, messageType(purpose), nil)
	if err != nil {
		return nil, err
	}
	t.templates = &ts
	c, m, err := s.composeCode(t)
	if err != nil {
		return nil, err
	}
	fx := Effects{Codes: []*Code{c}, Messages: []*message.Message{m}, Throttle: &Throttle{
		Since: c.CreatedAt.Add(-CodeSendWindow),
		Allow: func(toUser, toDestination int) error {
			if toUser >= MaxCodeSends || toDestination >= MaxCodeSends {
				return errs.New(errs.LimitExceeded, "Attempt limit exceeded, please try after some time.")
			}
			return nil
		},
	}}
	if err := s.store.WriteEffects(ctx, poolID, sub, fx); err != nil {
		if errs.Is(err, errs.LimitExceeded) {
			return nil, err
		}
		return nil, fmt.Errorf("send code: %w", err)
	}
	s.wake()
	return newDelivery(t.channel, t.to), nil
}

// VerifyCode checks code against the user's code for purpose and consumes it when right. A
// wrong code is CodeMismatch and counts a try; after MaxCodeAttempts wrong tries the code is
// void (LimitExceeded); an expired or missing code is ExpiredCode. It returns the consumed code
// (its Value is what it confirmed).
func (s *Service) VerifyCode(ctx context.Context, poolID, sub string, purpose Purpose, code string) (*Code, error) {
	var used *Code
	now := s.now()
	err := s.store.CheckCode(ctx, poolID, sub, purpose, func(c *Code) (bool, error) {
		switch {
		case c == nil:
			return false, errs.New(errs.ExpiredCode, "Invalid code provided, please request a code again.")
		case c.Attempts >= MaxCodeAttempts:
			return false, errs.New(errs.LimitExceeded, "Attempt limit exceeded, please try after some time.")
		case !now.Before(c.ExpiresAt):
			return false, errs.New(errs.ExpiredCode, "Invalid code provided, please request a code again.")
		case !hmac.Equal([]byte(s.hashCode(poolID, sub, purpose, code)), []byte(c.Hash)):
			c.Attempts++
			return false, errs.New(errs.CodeMismatch, "Invalid verification code provided, please try again.")
		}
		used = c
		return true, nil
	})
	if err != nil {
		if _, ok := errs.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("verify code: %w", err)
	}
	return used, nil
}

// customMessageSource is the custom message trigger source of a code sent on its own.
func customMessageSource(p Purpose) trigger.Source {
	switch p {
	case PurposeSignUp:
		return trigger.CustomMessageResendCode
	case PurposeResetPassword:
		return trigger.CustomMessageForgotPassword
	case PurposeMFASMS, PurposeMFAEmail:
		return trigger.CustomMessageAuthentication
	}
	return trigger.CustomMessageVerifyUserAttribute
}

// messageType is the message a code of purpose p travels in.
func messageType(p Purpose) message.Type {
	switch p {
	case PurposeSignUp:
		return message.Verification
	case PurposeResetPassword:
		return message.ResetPassword
	case PurposeMFASMS, PurposeMFAEmail:
		return message.MFA
	}
	return message.AttributeVerification
}

func verifiedAttribute(p Purpose) string {
	if p == PurposeVerifyPhone {
		return "phone_number"
	}
	return "email"
}

func attributeOf(ch message.Channel) string {
	if ch == message.SMS {
		return "phone_number"
	}
	return "email"
}

func channelOf(attr string) message.Channel {
	if attr == "phone_number" {
		return message.SMS
	}
	return message.Email
}

func verifyPurpose(attr string) Purpose {
	if attr == "phone_number" {
		return PurposeVerifyPhone
	}
	return PurposeVerifyEmail
}
