package pool

import (
	"errors"
	"net/mail"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
)

// EmailConfiguration is Cognito's EmailConfigurationType. From and ReplyToEmailAddress override
// the server's From address (USERPOOL_MAIL_FROM) for this pool's email; SourceArn,
// EmailSendingAccount and ConfigurationSet are kept and returned (SDKs send them) but mean
// nothing here: mail goes through the server's SMTP settings.
type EmailConfiguration struct {
	SourceArn           string `json:"SourceArn,omitempty"`
	ReplyToEmailAddress string `json:"ReplyToEmailAddress,omitempty"`
	EmailSendingAccount string `json:"EmailSendingAccount,omitempty"`
	From                string `json:"From,omitempty"`
	ConfigurationSet    string `json:"ConfigurationSet,omitempty"`
}

// SmsConfiguration is Cognito's SmsConfigurationType: kept and returned, but texts go through the
// server's SMS webhook, not SNS.
type SmsConfiguration struct {
	SnsCallerArn string `json:"SnsCallerArn,omitempty"`
	ExternalId   string `json:"ExternalId,omitempty"`
	SnsRegion    string `json:"SnsRegion,omitempty"`
}

// CodeValidity (beyond Cognito) is how long each kind of code stays valid, in minutes; zero
// takes the default (sign-up 24 hours, password reset 1 hour, attribute verification 24 hours).
type CodeValidity struct {
	SignUpMinutes                int `json:"SignUpMinutes"`
	ResetPasswordMinutes         int `json:"ResetPasswordMinutes"`
	AttributeVerificationMinutes int `json:"AttributeVerificationMinutes"`
}

// Code validity defaults and bounds, in minutes.
const (
	DefaultSignUpCodeMinutes                = 24 * 60
	DefaultResetPasswordCodeMinutes         = 60
	DefaultAttributeVerificationCodeMinutes = 24 * 60
	maxCodeMinutes                          = 7 * 24 * 60
)

// Email sending accounts (Cognito's EmailSendingAccountType).
const (
	EmailSendingCognitoDefault = "COGNITO_DEFAULT"
	EmailSendingDeveloper      = "DEVELOPER"
)

// Templates returns the pool's templates with every unset field taken from message.Defaults.
func (p *Pool) Templates() message.Templates {
	return p.MessageTemplates.WithDefaults()
}

// MailFrom returns the pool's From and Reply-To overrides ("" = the server's defaults).
func (p *Pool) MailFrom() (from, replyTo string) {
	if p.EmailConfiguration == nil {
		return "", ""
	}
	return p.EmailConfiguration.From, p.EmailConfiguration.ReplyToEmailAddress
}

// CognitoMessages are the template settings in Cognito's shapes, derived from MessageTemplates,
// and the rest of MessageTemplates: what Cognito cannot express.
type CognitoMessages struct {
	VerificationMessageTemplate *VerificationMessageTemplate
	EmailVerificationMessage    string
	EmailVerificationSubject    string
	SmsVerificationMessage      string
	SmsAuthenticationMessage    string
	InviteMessageTemplate       *InviteMessageTemplate
	// Extension is MessageTemplates without the fields the Cognito shapes above carry, so that
	// a client sending back what it read does not say the same thing twice.
	Extension message.Templates
}

// CognitoMessages splits the pool's operator-set templates into Cognito's fields and the rest.
// Cognito's email messages are HTML (as in Cognito, whose emails are HTML), so they map to the
// EmailHTML bodies.
func (p *Pool) CognitoMessages() CognitoMessages {
	t := p.MessageTemplates
	option := t.EmailOption
	if option == "" {
		option = message.ConfirmWithCode
	}
	out := CognitoMessages{
		VerificationMessageTemplate: &VerificationMessageTemplate{
			SmsMessage: t.Verification.SMS, EmailMessage: t.Verification.EmailHTML, EmailSubject: t.Verification.EmailSubject,
			EmailMessageByLink: t.VerificationByLink.EmailHTML, EmailSubjectByLink: t.VerificationByLink.EmailSubject,
			DefaultEmailOption: string(option),
		},
		EmailVerificationMessage: t.Verification.EmailHTML,
		EmailVerificationSubject: t.Verification.EmailSubject,
		SmsVerificationMessage:   t.Verification.SMS,
		SmsAuthenticationMessage: t.MFA.SMS,
	}
	if inv := t.Invitation; inv.SMS != "" || inv.EmailHTML != "" || inv.EmailSubject != "" {
		out.InviteMessageTemplate = &InviteMessageTemplate{SMSMessage: inv.SMS, EmailMessage: inv.EmailHTML, EmailSubject: inv.EmailSubject}
	}
	ext := t
	ext.EmailOption = ""
	ext.Verification.SMS, ext.Verification.EmailHTML, ext.Verification.EmailSubject = "", "", ""
	ext.VerificationByLink.EmailHTML, ext.VerificationByLink.EmailSubject = "", ""
	ext.Invitation.SMS, ext.Invitation.EmailHTML, ext.Invitation.EmailSubject = "", "", ""
	ext.MFA.SMS = ""
	out.Extension = ext
	return out
}

// templateSource is one Cognito-shaped field and the template field it sets.
type templateSource struct {
	name  string // as Cognito names it, for errors
	value string
	dst   *string
	slot  string // message.FieldError names of dst
	field string
}

// normalizeMessaging folds the Cognito-shaped template fields into MessageTemplates (refusing two
// fields that set one template differently), validates the templates, the email settings and
// the code validity, and fills defaults.
func normalizeMessaging(p *Pool) error {
	t := &p.MessageTemplates
	var sources []templateSource
	add := func(name, value string, dst *string, slot, field string) {
		sources = append(sources, templateSource{name, value, dst, slot, field})
	}
	if v := p.VerificationMessageTemplate; v != nil {
		add("VerificationMessageTemplate.SmsMessage", v.SmsMessage, &t.Verification.SMS, "verification", "sms")
		add("VerificationMessageTemplate.EmailMessage", v.EmailMessage, &t.Verification.EmailHTML, "verification", "emailHtml")
		add("VerificationMessageTemplate.EmailSubject", v.EmailSubject, &t.Verification.EmailSubject, "verification", "emailSubject")
		add("VerificationMessageTemplate.EmailMessageByLink", v.EmailMessageByLink, &t.VerificationByLink.EmailHTML, "verificationByLink", "emailHtml")
		add("VerificationMessageTemplate.EmailSubjectByLink", v.EmailSubjectByLink, &t.VerificationByLink.EmailSubject, "verificationByLink", "emailSubject")
		switch v.DefaultEmailOption {
		case "", string(message.ConfirmWithCode), string(message.ConfirmWithLink):
		default:
			return errs.New(errs.InvalidParameter, "VerificationMessageTemplate.DefaultEmailOption must be CONFIRM_WITH_CODE or CONFIRM_WITH_LINK, not %q.", v.DefaultEmailOption)
		}
		if v.DefaultEmailOption != "" {
			if t.EmailOption != "" && string(t.EmailOption) != v.DefaultEmailOption {
				return conflict("VerificationMessageTemplate.DefaultEmailOption", "MessageTemplates.emailOption")
			}
			t.EmailOption = message.EmailOption(v.DefaultEmailOption)
		}
	}
	add("EmailVerificationMessage", p.EmailVerificationMessage, &t.Verification.EmailHTML, "verification", "emailHtml")
	add("EmailVerificationSubject", p.EmailVerificationSubject, &t.Verification.EmailSubject, "verification", "emailSubject")
	add("SmsVerificationMessage", p.SmsVerificationMessage, &t.Verification.SMS, "verification", "sms")
	add("SmsAuthenticationMessage", p.SmsAuthenticationMessage, &t.MFA.SMS, "mfa", "sms")
	if inv := p.AdminCreateUserConfig.InviteMessageTemplate; inv != nil {
		add("AdminCreateUserConfig.InviteMessageTemplate.SMSMessage", inv.SMSMessage, &t.Invitation.SMS, "invitation", "sms")
		add("AdminCreateUserConfig.InviteMessageTemplate.EmailMessage", inv.EmailMessage, &t.Invitation.EmailHTML, "invitation", "emailHtml")
		add("AdminCreateUserConfig.InviteMessageTemplate.EmailSubject", inv.EmailSubject, &t.Invitation.EmailSubject, "invitation", "emailSubject")
	}
	names := map[string]string{} // "slot.field" -> the Cognito field that set it
	for _, s := range sources {
		if s.value == "" {
			continue
		}
		key := s.slot + "." + s.field
		if *s.dst != "" && *s.dst != s.value {
			other := names[key]
			if other == "" {
				other = "MessageTemplates." + key
			}
			return conflict(s.name, other)
		}
		*s.dst = s.value
		names[key] = s.name
	}
	p.VerificationMessageTemplate = nil
	p.EmailVerificationMessage, p.EmailVerificationSubject, p.SmsVerificationMessage, p.SmsAuthenticationMessage = "", "", "", ""
	p.AdminCreateUserConfig.InviteMessageTemplate = nil

	if err := t.WithDefaults().Validate(); err != nil {
		var fe *message.FieldError
		if !errors.As(err, &fe) {
			return err
		}
		name := names[fe.Slot+"."+fe.Field]
		if name == "" {
			name = "MessageTemplates." + fe.Slot + "." + fe.Field
		}
		return errs.Wrap(errs.InvalidParameter, err, name+" "+fe.Rule+".")
	}
	if err := normalizeEmailConfiguration(p); err != nil {
		return err
	}
	return normalizeCodeValidity(&p.CodeValidity)
}

func conflict(a, b string) error {
	return errs.New(errs.InvalidParameter, "%s and %s set the same template differently; set one of them.", a, b)
}

func normalizeEmailConfiguration(p *Pool) error {
	if p.EmailConfiguration == nil {
		p.EmailConfiguration = &EmailConfiguration{}
	}
	ec := p.EmailConfiguration
	switch ec.EmailSendingAccount {
	case "":
		ec.EmailSendingAccount = EmailSendingCognitoDefault
	case EmailSendingCognitoDefault, EmailSendingDeveloper:
	default:
		return errs.New(errs.InvalidParameter, "EmailConfiguration.EmailSendingAccount must be COGNITO_DEFAULT or DEVELOPER, not %q.", ec.EmailSendingAccount)
	}
	if ec.From != "" {
		if _, err := mail.ParseAddress(ec.From); err != nil {
			return errs.New(errs.InvalidParameter, "EmailConfiguration.From %q is not an email address (like no-reply@example.com or \"Example <no-reply@example.com>\").", ec.From)
		}
	}
	if ec.ReplyToEmailAddress != "" {
		if a, err := mail.ParseAddress(ec.ReplyToEmailAddress); err != nil || a.Name != "" {
			return errs.New(errs.InvalidParameter, "EmailConfiguration.ReplyToEmailAddress %q is not an email address.", ec.ReplyToEmailAddress)
		}
	}
	return nil
}

func normalizeCodeValidity(cv *CodeValidity) error {
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{
		{"CodeValidity.SignUpMinutes", &cv.SignUpMinutes, DefaultSignUpCodeMinutes},
		{"CodeValidity.ResetPasswordMinutes", &cv.ResetPasswordMinutes, DefaultResetPasswordCodeMinutes},
		{"CodeValidity.AttributeVerificationMinutes", &cv.AttributeVerificationMinutes, DefaultAttributeVerificationCodeMinutes},
	} {
		if *f.v == 0 {
			*f.v = f.def
		}
		if *f.v < 1 || *f.v > maxCodeMinutes {
			return errs.New(errs.InvalidParameter, "%s must be between 1 and %d (7 days).", f.name, maxCodeMinutes)
		}
	}
	return nil
}

// Code validity accessors, for the user package's code rules.

// SignUpCodeTTL is how long a sign-up confirmation code is valid.
func (p *Pool) SignUpCodeTTL() time.Duration {
	return minutes(p.CodeValidity.SignUpMinutes, DefaultSignUpCodeMinutes)
}

// ResetPasswordCodeTTL is how long a password reset code is valid.
func (p *Pool) ResetPasswordCodeTTL() time.Duration {
	return minutes(p.CodeValidity.ResetPasswordMinutes, DefaultResetPasswordCodeMinutes)
}

// AttributeVerificationCodeTTL is how long an email or phone verification code is valid.
func (p *Pool) AttributeVerificationCodeTTL() time.Duration {
	return minutes(p.CodeValidity.AttributeVerificationMinutes, DefaultAttributeVerificationCodeMinutes)
}

// minutes covers pools stored before CodeValidity existed.
func minutes(n, def int) time.Duration {
	if n <= 0 {
		n = def
	}
	return time.Duration(n) * time.Minute
}
