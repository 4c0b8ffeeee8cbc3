package cognito_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpool/userpool/cognito"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/message/messagetest"
	"github.com/userpool/userpool/message/smtptest"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// newMessagingEnv is a management API whose messages are delivered by a running outbox worker
// through senders.
func newMessagingEnv(t *testing.T, st *storage.Store, senders message.Senders) *env {
	t.Helper()
	pools := pool.NewService(st, "local")
	users := user.NewService(st, pools, testHasher())
	worker := messagetest.RunWorker(t, st, senders)
	users.SetMessaging(user.Messaging{CodeKey: []byte("test"), PublicURL: "https://id.example.com", Wake: worker.Wake})
	return newServer(t).serve(&cognito.Handler{Pools: pools, Users: users, Messages: st})
}

func devSenders() message.Senders {
	s, _ := message.NewSenders(message.Config{}, slog.New(slog.DiscardHandler))
	return s
}

func TestTemplateValidation(t *testing.T) {
	e := newMessagingEnv(t, storagetest.Open(t), devSenders())
	tests := []struct {
		name string
		in   cip.CreateUserPoolInput
		want string
	}{
		{"verification sms without code", cip.CreateUserPoolInput{VerificationMessageTemplate: &types.VerificationMessageTemplateType{
			SmsMessage: aws.String("Welcome!")}}, "VerificationMessageTemplate.SmsMessage must contain {####}"},
		{"verification email without code", cip.CreateUserPoolInput{EmailVerificationMessage: aws.String("<p>Welcome</p>")},
			"EmailVerificationMessage must contain {####}"},
		{"link email without link", cip.CreateUserPoolInput{VerificationMessageTemplate: &types.VerificationMessageTemplateType{
			DefaultEmailOption: types.DefaultEmailOptionTypeConfirmWithLink, EmailMessageByLink: aws.String("Code {####}")}},
			"VerificationMessageTemplate.EmailMessageByLink must contain a link placeholder"},
		{"invitation without username", cip.CreateUserPoolInput{AdminCreateUserConfig: &types.AdminCreateUserConfigType{
			InviteMessageTemplate: &types.MessageTemplateType{EmailMessage: aws.String("Password {####}")}}},
			"AdminCreateUserConfig.InviteMessageTemplate.EmailMessage must contain both {username} and {####}"},
		{"invitation sms too long", cip.CreateUserPoolInput{AdminCreateUserConfig: &types.AdminCreateUserConfigType{
			InviteMessageTemplate: &types.MessageTemplateType{SMSMessage: aws.String("Hello {username}, your temporary password is {####}")}}},
			"SMSMessage must be at most 140 characters with a 6-digit code and a 128-character username substituted"},
		{"mfa sms without code", cip.CreateUserPoolInput{SmsAuthenticationMessage: aws.String("Your code")}, "SmsAuthenticationMessage must contain {####}"},
		{"subject on two lines", cip.CreateUserPoolInput{EmailVerificationSubject: aws.String("Code\r\nBcc: x@example.com")},
			"EmailVerificationSubject must be a single line"},
		{"two fields disagree", cip.CreateUserPoolInput{SmsVerificationMessage: aws.String("A {####}"),
			VerificationMessageTemplate: &types.VerificationMessageTemplateType{SmsMessage: aws.String("B {####}")}}, "set the same template differently"},
		{"bad from", cip.CreateUserPoolInput{EmailConfiguration: &types.EmailConfigurationType{From: aws.String("not an address")}}, "EmailConfiguration.From"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.PoolName = aws.String("bad " + tt.name)
			_, err := e.api.CreateUserPool(t.Context(), &tt.in)
			ipe := wantErr[*types.InvalidParameterException](t, err)
			if !strings.Contains(ipe.ErrorMessage(), tt.want) {
				t.Fatalf("message %q, want it to contain %q", ipe.ErrorMessage(), tt.want)
			}
		})
	}
	pools := must(e.api.ListUserPools(t.Context(), &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})).ok(t)
	if len(pools.UserPools) != 0 {
		t.Fatalf("refused pools were created: %d", len(pools.UserPools))
	}

	// A refused update changes nothing.
	id := e.createPool(t, &cip.CreateUserPoolInput{SmsVerificationMessage: aws.String("Code {####}")})
	_, err := e.api.UpdateUserPool(t.Context(), &cip.UpdateUserPoolInput{UserPoolId: &id, SmsVerificationMessage: aws.String("no code")})
	wantErr[*types.InvalidParameterException](t, err)
	got := must(e.api.DescribeUserPool(t.Context(), &cip.DescribeUserPoolInput{UserPoolId: &id})).ok(t).UserPool
	if aws.ToString(got.SmsVerificationMessage) != "Code {####}" {
		t.Fatalf("SmsVerificationMessage = %q after a refused update", aws.ToString(got.SmsVerificationMessage))
	}
}

func TestMessageSettingsRoundTrip(t *testing.T) {
	e := newMessagingEnv(t, storagetest.Open(t), devSenders())
	id := e.createPool(t, &cip.CreateUserPoolInput{
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		VerificationMessageTemplate: &types.VerificationMessageTemplateType{
			EmailSubject: aws.String("Welcome"), EmailMessage: aws.String("<p>Code <b>{####}</b></p>"), SmsMessage: aws.String("Code {####}"),
			DefaultEmailOption: types.DefaultEmailOptionTypeConfirmWithCode,
		},
		AdminCreateUserConfig: &types.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true,
			InviteMessageTemplate: &types.MessageTemplateType{EmailSubject: aws.String("Join us"), EmailMessage: aws.String("{username} / {####}"), SMSMessage: aws.String("{username} {####}")}},
		SmsAuthenticationMessage: aws.String("Sign-in code {####}"),
		EmailConfiguration: &types.EmailConfigurationType{From: aws.String("Example <no-reply@example.com>"),
			ReplyToEmailAddress: aws.String("help@example.com"), EmailSendingAccount: types.EmailSendingAccountTypeDeveloper,
			SourceArn: aws.String("arn:aws:ses:eu-west-1:123456789012:identity/example.com")},
		SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns"), ExternalId: aws.String("x")},
	})
	check := func(t *testing.T) {
		t.Helper()
		p := must(e.api.DescribeUserPool(t.Context(), &cip.DescribeUserPoolInput{UserPoolId: &id})).ok(t).UserPool
		v := p.VerificationMessageTemplate
		if v == nil || aws.ToString(v.EmailSubject) != "Welcome" || aws.ToString(v.EmailMessage) != "<p>Code <b>{####}</b></p>" ||
			aws.ToString(v.SmsMessage) != "Code {####}" || v.DefaultEmailOption != types.DefaultEmailOptionTypeConfirmWithCode {
			t.Fatalf("VerificationMessageTemplate %+v", v)
		}
		if aws.ToString(p.EmailVerificationSubject) != "Welcome" || aws.ToString(p.SmsVerificationMessage) != "Code {####}" ||
			aws.ToString(p.SmsAuthenticationMessage) != "Sign-in code {####}" {
			t.Fatalf("legacy fields %q %q %q", aws.ToString(p.EmailVerificationSubject), aws.ToString(p.SmsVerificationMessage), aws.ToString(p.SmsAuthenticationMessage))
		}
		inv := p.AdminCreateUserConfig.InviteMessageTemplate
		if !p.AdminCreateUserConfig.AllowAdminCreateUserOnly || inv == nil || aws.ToString(inv.EmailSubject) != "Join us" || aws.ToString(inv.SMSMessage) != "{username} {####}" {
			t.Fatalf("AdminCreateUserConfig %+v", p.AdminCreateUserConfig)
		}
		ec := p.EmailConfiguration
		if ec == nil || aws.ToString(ec.From) != "Example <no-reply@example.com>" || aws.ToString(ec.ReplyToEmailAddress) != "help@example.com" ||
			ec.EmailSendingAccount != types.EmailSendingAccountTypeDeveloper || aws.ToString(ec.SourceArn) == "" {
			t.Fatalf("EmailConfiguration %+v", ec)
		}
		if p.SmsConfiguration == nil || aws.ToString(p.SmsConfiguration.ExternalId) != "x" {
			t.Fatalf("SmsConfiguration %+v", p.SmsConfiguration)
		}
	}
	check(t)

	// The extension: an HTML reset-password template, set with raw JSON.
	resp := e.signedJSON(t, "DescribeUserPool", map[string]any{"UserPoolId": id})
	if _, ok := resp.body["UserPool"].(map[string]any)["MessageTemplates"]; !ok {
		t.Fatal("DescribeUserPool has no MessageTemplates")
	}
	// An update as an SDK sends it (describe, then send back the Cognito fields) keeps the
	// extension templates, which the SDK cannot send.
	r := e.signedJSON(t, "UpdateUserPool", map[string]any{"UserPoolId": id,
		"AutoVerifiedAttributes":      []string{"email"},
		"VerificationMessageTemplate": map[string]any{"EmailSubject": "Welcome", "EmailMessage": "<p>Code <b>{####}</b></p>", "SmsMessage": "Code {####}"},
		"AdminCreateUserConfig": map[string]any{"AllowAdminCreateUserOnly": true,
			"InviteMessageTemplate": map[string]any{"EmailSubject": "Join us", "EmailMessage": "{username} / {####}", "SMSMessage": "{username} {####}"}},
		"SmsAuthenticationMessage": "Sign-in code {####}",
		"EmailConfiguration":       map[string]any{"From": "Example <no-reply@example.com>", "ReplyToEmailAddress": "help@example.com", "EmailSendingAccount": "DEVELOPER", "SourceArn": "arn:x"},
		"SmsConfiguration":         map[string]any{"SnsCallerArn": "arn:aws:iam::123456789012:role/sns", "ExternalId": "x"},
		"MessageTemplates":         map[string]any{"resetPassword": map[string]any{"emailHtml": "<p>Reset with {####}</p>"}},
	})
	if r.status != 200 {
		t.Fatalf("UpdateUserPool with MessageTemplates: %d %v", r.status, r.body)
	}
	check(t)
	out := must(e.api.DescribeUserPool(t.Context(), &cip.DescribeUserPoolInput{UserPoolId: &id})).ok(t).UserPool
	_, err := e.api.UpdateUserPool(t.Context(), &cip.UpdateUserPoolInput{UserPoolId: &id,
		AutoVerifiedAttributes: out.AutoVerifiedAttributes, VerificationMessageTemplate: out.VerificationMessageTemplate,
		AdminCreateUserConfig: out.AdminCreateUserConfig, SmsAuthenticationMessage: out.SmsAuthenticationMessage,
		EmailConfiguration: out.EmailConfiguration, SmsConfiguration: out.SmsConfiguration,
		EmailVerificationMessage: out.EmailVerificationMessage, EmailVerificationSubject: out.EmailVerificationSubject,
		SmsVerificationMessage: out.SmsVerificationMessage})
	if err != nil {
		t.Fatal(err)
	}
	check(t)
	resp = e.signedJSON(t, "DescribeUserPool", map[string]any{"UserPoolId": id})
	mt := resp.body["UserPool"].(map[string]any)["MessageTemplates"].(map[string]any)
	if rp, _ := mt["resetPassword"].(map[string]any); rp["emailHtml"] != "<p>Reset with {####}</p>" {
		t.Fatalf("MessageTemplates after an SDK update: %v", mt)
	}
	if v, _ := mt["verification"].(map[string]any); v["sms"] != nil {
		t.Fatalf("MessageTemplates repeats the Cognito fields: %v", mt)
	}
}

func TestAdminCreateUserSendsInvitation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		mail := smtptest.Start(t, smtptest.Options{})
		senders, err := message.NewSenders(message.Config{SMTPURL: "smtp://" + mail.Addr, MailFrom: "Userpool <no-reply@example.com>"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := newMessagingEnv(t, st, senders)
		id := e.createPool(t, &cip.CreateUserPoolInput{
			AdminCreateUserConfig: &types.AdminCreateUserConfigType{InviteMessageTemplate: &types.MessageTemplateType{
				EmailSubject: aws.String("Welcome to Example"), EmailMessage: aws.String("<p>Sign in as {username} with <b>{####}</b></p>")}},
			EmailConfiguration: &types.EmailConfigurationType{From: aws.String("Example <hello@example.com>"), ReplyToEmailAddress: aws.String("help@example.com")},
		})
		// SUPPRESS sends nothing.
		e.createUser(t, id, "quiet", "email", "quiet@example.com")
		out := must(e.api.AdminCreateUser(t.Context(), &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String("ann<b>"),
			TemporaryPassword: aws.String("Temp-Passw0rd!"), DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("ann@example.com")}}})).ok(t)
		if aws.ToString(out.User.Username) != "ann<b>" || out.User.UserStatus != types.UserStatusTypeForceChangePassword {
			t.Fatalf("user %+v", out.User)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a bound on a hang, not a timing check
		defer cancel()
		got := mail.Wait(ctx, 1)
		if len(got) != 1 {
			t.Fatalf("received %d mails", len(got))
		}
		m := got[0]
		if m.From != "hello@example.com" || m.To != "ann@example.com" {
			t.Fatalf("envelope from %q to %q", m.From, m.To)
		}
		p := smtptest.Parse(t, m.Data)
		if p.Subject != "Welcome to Example" || p.Header.Get("Reply-To") != "<help@example.com>" {
			t.Errorf("subject %q, reply-to %q", p.Subject, p.Header.Get("Reply-To"))
		}
		if !strings.Contains(p.HTML, "Sign in as ann&lt;b&gt; with <b>Temp-Passw0rd!</b>") {
			t.Errorf("HTML part %q", p.HTML)
		}
		if !strings.Contains(p.Text, "Sign in as ann<b> with Temp-Passw0rd!") {
			t.Errorf("text part %q", p.Text)
		}

		// The operator's log shows both users' fate, redacted.
		resp := e.signedJSON(t, "ListMessages", map[string]any{"UserPoolId": id})
		msgs, _ := resp.body["Messages"].([]any)
		if len(msgs) != 1 {
			t.Fatalf("ListMessages = %v", resp.body)
		}
		entry := msgs[0].(map[string]any)
		if entry["Destination"] != "ann@example.com" || entry["Type"] != "invitation" || strings.Contains(entry["Body"].(string), "Temp-Passw0rd!") ||
			!strings.Contains(entry["Body"].(string), message.Redaction) {
			t.Fatalf("log entry %v", entry)
		}
		e.signedJSON(t, "ListMessages", map[string]any{"UserPoolId": id, "Status": "lost"}).wantType(t, "InvalidParameterException")
		e.signedJSON(t, "ListMessages", map[string]any{"UserPoolId": "local_missing00"}).wantType(t, "ResourceNotFoundException")

		// A medium the user has no attribute for is refused, and creates no user.
		_, err = e.api.AdminCreateUser(t.Context(), &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String("bob"),
			DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeSms},
			UserAttributes:         []types.AttributeType{{Name: aws.String("email"), Value: aws.String("bob@example.com")}}})
		wantErr[*types.InvalidParameterException](t, err)
		_, err = e.api.AdminGetUser(t.Context(), &cip.AdminGetUserInput{UserPoolId: &id, Username: aws.String("bob")})
		wantErr[*types.UserNotFoundException](t, err)
	})
}
