package trigger

import (
	"context"
	"strings"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
)

// Each method below calls one blocking trigger when the pool configures it and does nothing
// otherwise. The caller fills the event's triggerSource, userName, callerContext.clientId and
// request; the method fills the rest of the envelope and, on success, ev.Response.

// PreSignUp calls the pre sign-up trigger. The caller applies the auto flags (for
// PreSignUp_SignUp only, as Cognito).
func (s *Service) PreSignUp(ctx context.Context, p *pool.Pool, ev *PreSignUpEvent) error {
	if p.TriggerURL(pool.TriggerPreSignUp) == "" {
		return nil
	}
	ev.Request.UserAttributes, ev.Request.ValidationData = orEmpty(ev.Request.UserAttributes), orEmpty(ev.Request.ValidationData)
	ev.Response = PreSignUpResponse{}
	var resp PreSignUpResponse
	if err := s.invoke(ctx, p, pool.TriggerPreSignUp, &ev.Header, ev, &resp, nil); err != nil {
		return err
	}
	ev.Response = resp
	return nil
}

// PreAuthentication calls the pre authentication trigger; its refusal denies the sign-in.
func (s *Service) PreAuthentication(ctx context.Context, p *pool.Pool, ev *PreAuthenticationEvent) error {
	if p.TriggerURL(pool.TriggerPreAuthentication) == "" {
		return nil
	}
	ev.Request.UserAttributes, ev.Request.ValidationData = orEmpty(ev.Request.UserAttributes), orEmpty(ev.Request.ValidationData)
	return s.invoke(ctx, p, pool.TriggerPreAuthentication, &ev.Header, ev, nil, nil)
}

// UserMigration calls the user migration trigger. Its answer must give the user's attributes,
// and may only say CONFIRMED or RESET_REQUIRED, SUPPRESS, EMAIL or SMS where Cognito does.
func (s *Service) UserMigration(ctx context.Context, p *pool.Pool, ev *UserMigrationEvent) error {
	if p.TriggerURL(pool.TriggerUserMigration) == "" {
		return nil
	}
	ev.Request.ValidationData = orEmpty(ev.Request.ValidationData)
	var resp UserMigrationResponse
	check := func() error {
		if len(resp.UserAttributes) == 0 {
			return invalid("UserMigration must answer the user's userAttributes")
		}
		switch resp.FinalUserStatus {
		case "", "CONFIRMED", "RESET_REQUIRED":
		default:
			return invalid("finalUserStatus must be CONFIRMED or RESET_REQUIRED, not %q", resp.FinalUserStatus)
		}
		switch resp.MessageAction {
		case "", "SUPPRESS", "RESEND":
		default:
			return invalid("messageAction must be SUPPRESS or RESEND, not %q", resp.MessageAction)
		}
		for _, m := range resp.DesiredDeliveryMediums {
			if m != "EMAIL" && m != "SMS" {
				return invalid("desiredDeliveryMediums may hold EMAIL and SMS, not %q", m)
			}
		}
		return nil
	}
	if err := s.invoke(ctx, p, pool.TriggerUserMigration, &ev.Header, ev, &resp, check); err != nil {
		return err
	}
	ev.Response = resp
	return nil
}

// CustomMessage calls the custom message trigger for a message of type typ and returns the
// templates to render it with: the pool's, with what the answer replaced. A replaced email body
// is HTML (as in Cognito); every replaced text must keep the code placeholder (and an
// invitation's the username placeholder), else the answer is InvalidLambdaResponse.
func (s *Service) CustomMessage(ctx context.Context, p *pool.Pool, typ message.Type, ev *CustomMessageEvent) (message.Templates, error) {
	ts := p.Templates()
	if p.TriggerURL(pool.TriggerCustomMessage) == "" {
		return ts, nil
	}
	ev.Request.UserAttributes = orEmpty(ev.Request.UserAttributes)
	ev.Request.CodeParameter = message.CodePlaceholder
	byLink := typ == message.Verification && ts.EmailOption == message.ConfirmWithLink
	if byLink {
		ev.Request.LinkParameter = "{##Click Here##}"
	}
	if typ == message.Invitation {
		username := message.UsernamePlaceholder
		ev.Request.UsernameParameter = &username
	}
	ev.Response = CustomMessageResponse{}
	var resp CustomMessageResponse
	check := func() error {
		email, sms := slot(&ts, typ, byLink), slot(&ts, typ, false)
		if email == nil {
			return errs.New(errs.InvalidParameter, "unknown message type %q", typ)
		}
		if resp.EmailSubject != nil {
			email.EmailSubject = *resp.EmailSubject
		}
		if resp.EmailMessage != nil {
			email.EmailHTML, email.EmailText = *resp.EmailMessage, ""
		}
		if resp.SMSMessage != nil {
			sms.SMS = *resp.SMSMessage
		}
		if err := ts.Validate(); err != nil {
			return invalid("CustomMessage answered a message Userpool cannot send: %s", errMessage(err))
		}
		return nil
	}
	if err := s.invoke(ctx, p, pool.TriggerCustomMessage, &ev.Header, ev, &resp, check); err != nil {
		return message.Templates{}, err
	}
	ev.Response = resp
	return ts, nil
}

// slot is the template of ts that renders typ (its link variant for link verification email).
func slot(ts *message.Templates, typ message.Type, byLink bool) *message.Template {
	switch typ {
	case message.Verification:
		if byLink {
			return &ts.VerificationByLink
		}
		return &ts.Verification
	case message.Invitation:
		return &ts.Invitation
	case message.ResetPassword:
		return &ts.ResetPassword
	case message.AttributeVerification:
		return &ts.AttributeVerification
	case message.MFA:
		return &ts.MFA
	}
	return nil
}

func invalid(format string, args ...any) error {
	return errs.New(errs.InvalidLambdaResponse, "Unrecognizable lambda output: "+format+".", args...)
}

func errMessage(err error) string {
	if e, ok := errs.As(err); ok {
		return strings.TrimSuffix(e.Message, ".")
	}
	return err.Error()
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
