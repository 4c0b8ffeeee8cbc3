package pool

import (
	"strings"
	"testing"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
)

// validPool builds and normalizes a pool as CreatePool does, without a store.
func validPool(t *testing.T, in Pool) (*Pool, error) {
	t.Helper()
	p := in
	schema, err := buildSchema(in.SchemaAttributes)
	if err != nil {
		return nil, err
	}
	p.SchemaAttributes = schema
	if err := normalizeSettings(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

func wantCode(t *testing.T, err error, code errs.Code, contains string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want %s error, got none", code)
	}
	e, ok := errs.As(err)
	if !ok || e.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	if !strings.Contains(e.Message, contains) {
		t.Fatalf("message %q does not contain %q", e.Message, contains)
	}
}

func TestPoolDefaults(t *testing.T) {
	p, err := validPool(t, Pool{Name: "my pool"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Policies.PasswordPolicy != DefaultPasswordPolicy() {
		t.Errorf("password policy %+v, want defaults", p.Policies.PasswordPolicy)
	}
	if p.MfaConfiguration != MfaOff || p.DeletionProtection != DeletionProtectionInactive {
		t.Errorf("mfa %q deletion protection %q", p.MfaConfiguration, p.DeletionProtection)
	}
	if len(p.SchemaAttributes) != len(standardAttributes) {
		t.Fatalf("schema has %d attributes, want %d", len(p.SchemaAttributes), len(standardAttributes))
	}
	sub := p.Attribute("sub")
	if sub == nil || !sub.Required || sub.Mutable {
		t.Errorf("sub = %+v", sub)
	}
	if a := p.Attribute("updated_at"); a.AttributeDataType != TypeNumber {
		t.Errorf("updated_at type %s", a.AttributeDataType)
	}
	if a := p.Attribute("email_verified"); a.AttributeDataType != TypeBoolean {
		t.Errorf("email_verified type %s", a.AttributeDataType)
	}
	if a := p.Attribute("email"); a.StringAttributeConstraints.MaxLength != "2048" || !a.Mutable || a.Required {
		t.Errorf("email %+v", a)
	}
	if got := p.RequiredAttributes(); len(got) != 0 {
		t.Errorf("required %v", got)
	}
	pp := PasswordPolicy{MinimumLength: 10}
	if err := normalizePasswordPolicy(&pp); err != nil || pp.TemporaryPasswordValidityDays != 7 || pp.RequireNumbers {
		t.Errorf("partial policy: %+v %v", pp, err)
	}
}

func TestPoolValidation(t *testing.T) {
	long := strings.Repeat("a", 129)
	tests := []struct {
		name     string
		in       Pool
		code     errs.Code
		contains string
	}{
		{"ok", Pool{Name: "ok"}, "", ""},
		{"empty name", Pool{Name: ""}, errs.InvalidParameter, "PoolName"},
		{"long name", Pool{Name: long}, errs.InvalidParameter, "PoolName"},
		{"bad name chars", Pool{Name: "a/b"}, errs.InvalidParameter, "PoolName"},
		{"min length 5", Pool{Name: "p", Policies: Policies{PasswordPolicy{MinimumLength: 5}}}, errs.InvalidParameter, "MinimumLength"},
		{"min length 100", Pool{Name: "p", Policies: Policies{PasswordPolicy{MinimumLength: 100}}}, errs.InvalidParameter, "MinimumLength"},
		{"min length 6", Pool{Name: "p", Policies: Policies{PasswordPolicy{MinimumLength: 6}}}, "", ""},
		{"min length 99", Pool{Name: "p", Policies: Policies{PasswordPolicy{MinimumLength: 99}}}, "", ""},
		{"temp validity 366", Pool{Name: "p", Policies: Policies{PasswordPolicy{TemporaryPasswordValidityDays: 366}}}, errs.InvalidParameter, "TemporaryPasswordValidityDays"},
		{"temp validity -1", Pool{Name: "p", Policies: Policies{PasswordPolicy{TemporaryPasswordValidityDays: -1}}}, errs.InvalidParameter, "TemporaryPasswordValidityDays"},
		{"history 25", Pool{Name: "p", Policies: Policies{PasswordPolicy{PasswordHistorySize: 25}}}, errs.InvalidParameter, "PasswordHistorySize"},
		{"history 24", Pool{Name: "p", Policies: Policies{PasswordPolicy{PasswordHistorySize: 24}}}, "", ""},
		{"strength 5", Pool{Name: "p", Policies: Policies{PasswordPolicy{MinimumStrength: 5}}}, errs.InvalidParameter, "MinimumStrength"},
		{"username attrs", Pool{Name: "p", UsernameAttributes: []string{"email", "phone_number"}}, "", ""},
		{"bad username attr", Pool{Name: "p", UsernameAttributes: []string{"preferred_username"}}, errs.InvalidParameter, "UsernameAttributes"},
		{"dup username attr", Pool{Name: "p", UsernameAttributes: []string{"email", "email"}}, errs.InvalidParameter, "more than once"},
		{"aliases", Pool{Name: "p", AliasAttributes: []string{"email", "phone_number", "preferred_username"}}, "", ""},
		{"bad alias", Pool{Name: "p", AliasAttributes: []string{"name"}}, errs.InvalidParameter, "AliasAttributes"},
		{"both", Pool{Name: "p", UsernameAttributes: []string{"email"}, AliasAttributes: []string{"phone_number"}}, errs.InvalidParameter, "Only one of"},
		{"preferred_username required and alias", Pool{Name: "p", AliasAttributes: []string{"preferred_username"},
			SchemaAttributes: []SchemaAttribute{{Name: "preferred_username", Required: true}}}, errs.InvalidParameter, "preferred_username"},
		{"auto verified", Pool{Name: "p", AutoVerifiedAttributes: []string{"email", "phone_number"}}, "", ""},
		{"bad auto verified", Pool{Name: "p", AutoVerifiedAttributes: []string{"name"}}, errs.InvalidParameter, "AutoVerifiedAttributes"},
		{"mfa on", Pool{Name: "p", MfaConfiguration: "ON"}, "", ""},
		{"mfa bad", Pool{Name: "p", MfaConfiguration: "on"}, errs.InvalidParameter, "MfaConfiguration"},
		{"deletion protection bad", Pool{Name: "p", DeletionProtection: "YES"}, errs.InvalidParameter, "DeletionProtection"},
		{"verify before update needs auto verify", Pool{Name: "p",
			UserAttributeUpdateSettings: UserAttributeUpdateSettings{[]string{"email"}}}, errs.InvalidParameter, "AutoVerifiedAttributes"},
		{"verify before update ok", Pool{Name: "p", AutoVerifiedAttributes: []string{"email"},
			UserAttributeUpdateSettings: UserAttributeUpdateSettings{[]string{"email"}}}, "", ""},
		{"recovery ok", Pool{Name: "p", AccountRecoverySetting: &AccountRecoverySetting{[]RecoveryOption{{"verified_email", 1}, {"verified_phone_number", 2}}}}, "", ""},
		{"recovery empty", Pool{Name: "p", AccountRecoverySetting: &AccountRecoverySetting{}}, errs.InvalidParameter, "RecoveryMechanisms"},
		{"recovery bad name", Pool{Name: "p", AccountRecoverySetting: &AccountRecoverySetting{[]RecoveryOption{{"email", 1}}}}, errs.InvalidParameter, "verified_email"},
		{"recovery dup priority", Pool{Name: "p", AccountRecoverySetting: &AccountRecoverySetting{[]RecoveryOption{{"verified_email", 1}, {"verified_phone_number", 1}}}}, errs.InvalidParameter, "unique"},
		{"recovery admin_only mixed", Pool{Name: "p", AccountRecoverySetting: &AccountRecoverySetting{[]RecoveryOption{{"admin_only", 1}, {"verified_email", 2}}}}, errs.InvalidParameter, "admin_only"},
		{"invite ok", Pool{Name: "p", AdminCreateUserConfig: AdminCreateUserConfig{InviteMessageTemplate: &InviteMessageTemplate{EmailMessage: "Hi {username}, {####}"}}}, "", ""},
		{"invite missing code", Pool{Name: "p", AdminCreateUserConfig: AdminCreateUserConfig{InviteMessageTemplate: &InviteMessageTemplate{EmailMessage: "Hi {username}"}}}, errs.InvalidParameter, "{####}"},
		{"verification sms missing code", Pool{Name: "p", VerificationMessageTemplate: &VerificationMessageTemplate{SmsMessage: "your code"}}, errs.InvalidParameter, "{####}"},
		{"verification link missing", Pool{Name: "p", VerificationMessageTemplate: &VerificationMessageTemplate{EmailMessageByLink: "click here"}}, errs.InvalidParameter, "VerificationMessageTemplate.EmailMessageByLink must contain a link placeholder"},
		{"verification bad option", Pool{Name: "p", VerificationMessageTemplate: &VerificationMessageTemplate{DefaultEmailOption: "LINK"}}, errs.InvalidParameter, "DefaultEmailOption"},
		{"subject too long", Pool{Name: "p", VerificationMessageTemplate: &VerificationMessageTemplate{EmailSubject: strings.Repeat("s", 141)}}, errs.InvalidParameter, "EmailSubject"},
		{"invite sms too long for a long username", Pool{Name: "p", AdminCreateUserConfig: AdminCreateUserConfig{InviteMessageTemplate: &InviteMessageTemplate{
			SMSMessage: "Your username is {username} and temporary password is {####}."}}}, errs.InvalidParameter, "AdminCreateUserConfig.InviteMessageTemplate.SMSMessage must be at most 140 characters"},
		{"legacy verification message", Pool{Name: "p", SmsVerificationMessage: "code"}, errs.InvalidParameter, "SmsVerificationMessage must contain {####}"},
		{"legacy and new disagree", Pool{Name: "p", EmailVerificationSubject: "A", VerificationMessageTemplate: &VerificationMessageTemplate{EmailSubject: "B"}},
			errs.InvalidParameter, "set the same template differently"},
		{"legacy and new agree", Pool{Name: "p", EmailVerificationSubject: "A", VerificationMessageTemplate: &VerificationMessageTemplate{EmailSubject: "A"}}, "", ""},
		{"extension and cognito disagree", Pool{Name: "p", SmsAuthenticationMessage: "Code {####}",
			MessageTemplates: message.Templates{MFA: message.Template{SMS: "Your code {####}"}}}, errs.InvalidParameter, "SmsAuthenticationMessage and MessageTemplates.mfa.sms"},
		{"extension template", Pool{Name: "p", MessageTemplates: message.Templates{ResetPassword: message.Template{EmailText: "Reset"}}},
			errs.InvalidParameter, "MessageTemplates.resetPassword.emailText must contain {####}"},
		{"extension html ok", Pool{Name: "p", MessageTemplates: message.Templates{ResetPassword: message.Template{EmailHTML: "<p>{####}</p>"}}}, "", ""},
		{"email from", Pool{Name: "p", EmailConfiguration: &EmailConfiguration{From: "Example <no-reply@example.com>", ReplyToEmailAddress: "help@example.com"}}, "", ""},
		{"email from bad", Pool{Name: "p", EmailConfiguration: &EmailConfiguration{From: "nobody"}}, errs.InvalidParameter, "EmailConfiguration.From"},
		{"reply-to bad", Pool{Name: "p", EmailConfiguration: &EmailConfiguration{ReplyToEmailAddress: "A <a@example.com>"}}, errs.InvalidParameter, "ReplyToEmailAddress"},
		{"sending account bad", Pool{Name: "p", EmailConfiguration: &EmailConfiguration{EmailSendingAccount: "SES"}}, errs.InvalidParameter, "EmailSendingAccount"},
		{"code validity ok", Pool{Name: "p", CodeValidity: CodeValidity{ResetPasswordMinutes: 15}}, "", ""},
		{"code validity too long", Pool{Name: "p", CodeValidity: CodeValidity{SignUpMinutes: 7*24*60 + 1}}, errs.InvalidParameter, "CodeValidity.SignUpMinutes"},
		{"code validity negative", Pool{Name: "p", CodeValidity: CodeValidity{AttributeVerificationMinutes: -1}}, errs.InvalidParameter, "CodeValidity.AttributeVerificationMinutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := validPool(t, tt.in)
			wantCode(t, err, tt.code, tt.contains)
		})
	}
}

func TestSchemaValidation(t *testing.T) {
	custom := func(a SchemaAttribute) Pool { return Pool{Name: "p", SchemaAttributes: []SchemaAttribute{a}} }
	many := make([]SchemaAttribute, 51)
	for i := range many {
		many[i] = SchemaAttribute{Name: "a" + strings.Repeat("x", i%10) + string(rune('a'+i%26)) + string(rune('a'+i/26)), AttributeDataType: TypeString}
	}
	fifty := many[:50]
	tests := []struct {
		name     string
		in       Pool
		code     errs.Code
		contains string
	}{
		{"required email", custom(SchemaAttribute{Name: "email", Required: true}), "", ""},
		{"std type change", custom(SchemaAttribute{Name: "email", AttributeDataType: TypeNumber}), errs.InvalidParameter, "data type"},
		{"std constraint change", custom(SchemaAttribute{Name: "email", StringAttributeConstraints: &StringAttributeConstraints{"0", "10"}}), errs.InvalidParameter, "constraints"},
		{"std constraint same", custom(SchemaAttribute{Name: "email", StringAttributeConstraints: &StringAttributeConstraints{"0", "2048"}}), "", ""},
		{"dup std", Pool{Name: "p", SchemaAttributes: []SchemaAttribute{{Name: "email"}, {Name: "email"}}}, errs.InvalidParameter, "more than once"},
		{"custom no prefix", custom(SchemaAttribute{Name: "tier", AttributeDataType: TypeString, Mutable: true}), "", ""},
		{"custom prefix", custom(SchemaAttribute{Name: "custom:tier", AttributeDataType: TypeNumber}), "", ""},
		{"custom default type", custom(SchemaAttribute{Name: "tier"}), "", ""},
		{"custom name too long", custom(SchemaAttribute{Name: strings.Repeat("n", 21)}), errs.InvalidParameter, "1-20"},
		{"custom name 20", custom(SchemaAttribute{Name: strings.Repeat("n", 20)}), "", ""},
		{"custom name empty", custom(SchemaAttribute{Name: "custom:"}), errs.InvalidParameter, "1-20"},
		{"custom name bad chars", custom(SchemaAttribute{Name: "a b"}), errs.InvalidParameter, "1-20"},
		{"dev prefix", custom(SchemaAttribute{Name: "dev:x"}), errs.InvalidParameter, "1-20"},
		{"custom required", custom(SchemaAttribute{Name: "tier", Required: true}), errs.InvalidParameter, "Required custom attributes are not supported currently."},
		{"custom developer only", custom(SchemaAttribute{Name: "tier", DeveloperOnlyAttribute: true}), errs.InvalidParameter, "developer-only"},
		{"custom bad type", custom(SchemaAttribute{Name: "tier", AttributeDataType: "Int"}), errs.InvalidParameter, "AttributeDataType"},
		{"string constraints", custom(SchemaAttribute{Name: "t", StringAttributeConstraints: &StringAttributeConstraints{"1", "5"}}), "", ""},
		{"string max 2049", custom(SchemaAttribute{Name: "t", StringAttributeConstraints: &StringAttributeConstraints{"1", "2049"}}), errs.InvalidParameter, "MaxLength"},
		{"string min > max", custom(SchemaAttribute{Name: "t", StringAttributeConstraints: &StringAttributeConstraints{"6", "5"}}), errs.InvalidParameter, "MinLength"},
		{"string min negative", custom(SchemaAttribute{Name: "t", StringAttributeConstraints: &StringAttributeConstraints{"-1", "5"}}), errs.InvalidParameter, "MinLength"},
		{"string min not int", custom(SchemaAttribute{Name: "t", StringAttributeConstraints: &StringAttributeConstraints{"x", "5"}}), errs.InvalidParameter, "MinLength"},
		{"string with number constraints", custom(SchemaAttribute{Name: "t", NumberAttributeConstraints: &NumberAttributeConstraints{"1", "5"}}), errs.InvalidParameter, "NumberAttributeConstraints"},
		{"number constraints", custom(SchemaAttribute{Name: "n", AttributeDataType: TypeNumber, NumberAttributeConstraints: &NumberAttributeConstraints{"-5", "5"}}), "", ""},
		{"number min only", custom(SchemaAttribute{Name: "n", AttributeDataType: TypeNumber, NumberAttributeConstraints: &NumberAttributeConstraints{MinValue: "0"}}), "", ""},
		{"number bad min", custom(SchemaAttribute{Name: "n", AttributeDataType: TypeNumber, NumberAttributeConstraints: &NumberAttributeConstraints{MinValue: "zero"}}), errs.InvalidParameter, "MinValue"},
		{"number bad max", custom(SchemaAttribute{Name: "n", AttributeDataType: TypeNumber, NumberAttributeConstraints: &NumberAttributeConstraints{MaxValue: "Inf"}}), errs.InvalidParameter, "MaxValue"},
		{"number min > max", custom(SchemaAttribute{Name: "n", AttributeDataType: TypeNumber, NumberAttributeConstraints: &NumberAttributeConstraints{"5", "1"}}), errs.InvalidParameter, "MinValue"},
		{"number with string constraints", custom(SchemaAttribute{Name: "n", AttributeDataType: TypeNumber, StringAttributeConstraints: &StringAttributeConstraints{"1", "5"}}), errs.InvalidParameter, "StringAttributeConstraints"},
		{"boolean with constraints", custom(SchemaAttribute{Name: "b", AttributeDataType: TypeBoolean, StringAttributeConstraints: &StringAttributeConstraints{"1", "5"}}), errs.InvalidParameter, "constraints"},
		{"datetime", custom(SchemaAttribute{Name: "d", AttributeDataType: TypeDateTime}), "", ""},
		{"dup custom", Pool{Name: "p", SchemaAttributes: []SchemaAttribute{{Name: "x"}, {Name: "custom:x"}}}, errs.InvalidParameter, "custom:x"},
		{"50 custom", Pool{Name: "p", SchemaAttributes: fifty}, "", ""},
		{"51 custom", Pool{Name: "p", SchemaAttributes: many}, errs.InvalidParameter, "at most 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := validPool(t, tt.in)
			wantCode(t, err, tt.code, tt.contains)
			if err == nil && tt.name == "custom no prefix" {
				a := p.Attribute("custom:tier")
				if a == nil || !a.Mutable || a.StringAttributeConstraints == nil || a.StringAttributeConstraints.MaxLength != "2048" {
					t.Errorf("custom:tier = %+v", a)
				}
			}
			if err == nil && tt.name == "required email" && !p.Attribute("email").Required {
				t.Error("email not required")
			}
		})
	}
}

func TestUpdateSchema(t *testing.T) {
	p, err := validPool(t, Pool{Name: "p", SchemaAttributes: []SchemaAttribute{{Name: "tier", Mutable: true}}})
	if err != nil {
		t.Fatal(err)
	}
	tier := *p.Attribute("custom:tier")
	tests := []struct {
		name     string
		in       []SchemaAttribute
		code     errs.Code
		contains string
	}{
		{"nil keeps", nil, "", ""},
		{"require email", []SchemaAttribute{{Name: "email", Required: true}}, "", ""},
		{"same custom", []SchemaAttribute{tier}, "", ""},
		{"same custom short name", []SchemaAttribute{{Name: "tier", Mutable: true}}, "", ""},
		{"change custom", []SchemaAttribute{{Name: "custom:tier", Mutable: false}}, errs.InvalidParameter, "cannot be changed"},
		{"new custom", []SchemaAttribute{{Name: "custom:new"}}, errs.InvalidParameter, "AddCustomAttributes"},
		{"std type", []SchemaAttribute{{Name: "email", AttributeDataType: TypeBoolean}}, errs.InvalidParameter, "data type"},
		{"unrequire sub", []SchemaAttribute{{Name: "sub"}}, errs.InvalidParameter, "sub"},
		{"dup", []SchemaAttribute{{Name: "email"}, {Name: "email"}}, errs.InvalidParameter, "more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := updateSchema(p.SchemaAttributes, tt.in)
			wantCode(t, err, tt.code, tt.contains)
			if err == nil && len(out) != len(p.SchemaAttributes) {
				t.Errorf("schema length %d", len(out))
			}
		})
	}
}

func TestAliasKeyAndUsername(t *testing.T) {
	insensitive := &Pool{AliasAttributes: []string{"email", "phone_number", "preferred_username"}}
	sensitive := &Pool{AliasAttributes: []string{"email", "preferred_username"}, UsernameConfiguration: UsernameConfiguration{CaseSensitive: true}}
	byEmail := &Pool{UsernameAttributes: []string{"email", "phone_number"}}
	none := &Pool{}
	tests := []struct {
		name        string
		p           *Pool
		attr, value string
		verified    bool
		want        string
	}{
		{"email verified", insensitive, "email", "Ann@Example.COM", true, "ann@example.com"},
		{"email unverified", insensitive, "email", "ann@example.com", false, ""},
		{"email case-sensitive pool still lower", sensitive, "email", "Ann@Example.com", true, "ann@example.com"},
		{"phone verified", insensitive, "phone_number", "+14155550100", true, "+14155550100"},
		{"phone unverified", insensitive, "phone_number", "+14155550100", false, ""},
		{"phone not alias", sensitive, "phone_number", "+14155550100", true, ""},
		{"preferred insensitive", insensitive, "preferred_username", "Ann", false, "ann"},
		{"preferred sensitive", sensitive, "preferred_username", "Ann", false, "Ann"},
		{"username attr unverified", byEmail, "email", "Ann@example.com", false, "ann@example.com"},
		{"username phone unverified", byEmail, "phone_number", "+14155550100", false, "+14155550100"},
		{"no aliases", none, "email", "a@b.c", true, ""},
		{"empty value", insensitive, "email", "", true, ""},
		{"other attr", insensitive, "name", "Ann", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.AliasKey(tt.attr, tt.value, tt.verified); got != tt.want {
				t.Errorf("AliasKey = %q, want %q", got, tt.want)
			}
		})
	}
	if got := insensitive.NormalizeUsername("ÄnnA"); got != "änna" {
		t.Errorf("NormalizeUsername = %q", got)
	}
	if got := sensitive.NormalizeUsername("AnnA"); got != "AnnA" {
		t.Errorf("NormalizeUsername sensitive = %q", got)
	}
	if !byEmail.IsUsernameAttribute("email") || byEmail.IsAlias("email") || !insensitive.IsAlias("email") {
		t.Error("IsUsernameAttribute/IsAlias")
	}
}

func TestClientValidation(t *testing.T) {
	p, err := validPool(t, Pool{Name: "p", Id: "local_abc", SchemaAttributes: []SchemaAttribute{{Name: "tier"}}})
	if err != nil {
		t.Fatal(err)
	}
	custom := []string{"https://api.example.com/read", "api/write"}
	base := func(mod func(c *Client)) Client {
		c := ClientDefaults()
		c.ClientName = "web"
		if mod != nil {
			mod(&c)
		}
		return c
	}
	oauth := func(c *Client) {
		c.AllowedOAuthFlowsUserPoolClient = true
		c.AllowedOAuthFlows = []string{"code"}
		c.AllowedOAuthScopes = []string{"openid", "email"}
		c.CallbackURLs = []string{"https://app.example.com/cb"}
	}
	tests := []struct {
		name     string
		c        Client
		secret   bool
		code     errs.Code
		contains string
	}{
		{"defaults", base(nil), false, "", ""},
		{"zero client", Client{ClientName: "x"}, false, "", ""},
		{"no name", base(func(c *Client) { c.ClientName = "" }), false, errs.InvalidParameter, "ClientName"},
		{"long name", base(func(c *Client) { c.ClientName = strings.Repeat("n", 129) }), false, errs.InvalidParameter, "ClientName"},
		{"oauth ok", base(oauth), false, "", ""},
		{"callback localhost http", base(func(c *Client) {
			c.CallbackURLs = []string{"http://localhost:3000/cb", "http://127.0.0.1/cb", "http://[::1]:8080/cb"}
		}), false, "", ""},
		{"callback app scheme", base(func(c *Client) { c.CallbackURLs = []string{"myapp://cb"} }), false, "", ""},
		{"callback http remote", base(func(c *Client) { c.CallbackURLs = []string{"http://example.com/cb"} }), false, errs.InvalidParameter, "https"},
		{"callback fragment", base(func(c *Client) { c.CallbackURLs = []string{"https://example.com/cb#x"} }), false, errs.InvalidParameter, "fragment"},
		{"callback relative", base(func(c *Client) { c.CallbackURLs = []string{"/cb"} }), false, errs.InvalidParameter, "absolute"},
		{"callback javascript", base(func(c *Client) { c.CallbackURLs = []string{"javascript:alert(1)"} }), false, errs.InvalidParameter, "scheme"},
		{"callback too long", base(func(c *Client) { c.CallbackURLs = []string{"https://e.com/" + strings.Repeat("a", 1011)} }), false, errs.InvalidParameter, "1-1024"},
		{"callback dup", base(func(c *Client) { c.CallbackURLs = []string{"https://e.com/", "https://e.com/"} }), false, errs.InvalidParameter, "more than once"},
		{"logout bad", base(func(c *Client) { c.LogoutURLs = []string{"http://e.com/"} }), false, errs.InvalidParameter, "LogoutURLs"},
		{"too many callbacks", base(func(c *Client) {
			for i := range 101 {
				c.CallbackURLs = append(c.CallbackURLs, "https://e.com/"+strings.Repeat("a", i))
			}
		}), false, errs.InvalidParameter, "100"},
		{"default redirect not in callbacks", base(func(c *Client) { oauth(c); c.DefaultRedirectURI = "https://other/" }), false, errs.InvalidParameter, "DefaultRedirectURI"},
		{"default redirect ok", base(func(c *Client) { oauth(c); c.DefaultRedirectURI = "https://app.example.com/cb" }), false, "", ""},
		{"bad flow", base(func(c *Client) { c.AllowedOAuthFlows = []string{"password"} }), false, errs.InvalidParameter, "AllowedOAuthFlows"},
		{"client credentials ok", base(func(c *Client) {
			c.AllowedOAuthFlowsUserPoolClient = true
			c.AllowedOAuthFlows = []string{"client_credentials"}
			c.AllowedOAuthScopes = []string{"api/write"}
		}), true, "", ""},
		{"client credentials no secret", base(func(c *Client) { c.AllowedOAuthFlows = []string{"client_credentials"} }), false, errs.InvalidOAuthFlow, "secret"},
		{"client credentials mixed", base(func(c *Client) { c.AllowedOAuthFlows = []string{"client_credentials", "code"} }), true, errs.InvalidOAuthFlow, "along with"},
		{"oauth enabled no flows", base(func(c *Client) { c.AllowedOAuthFlowsUserPoolClient = true }), false, errs.InvalidParameter, "required"},
		{"code without callback", base(func(c *Client) { oauth(c); c.CallbackURLs = nil }), false, errs.InvalidParameter, "CallbackURLs"},
		{"unknown scope", base(func(c *Client) { c.AllowedOAuthScopes = []string{"openid", "api/delete"} }), false, errs.ScopeDoesNotExist, "api/delete"},
		{"custom scope with slash id", base(func(c *Client) { c.AllowedOAuthScopes = []string{"https://api.example.com/read"} }), false, "", ""},
		{"email without openid", base(func(c *Client) { c.AllowedOAuthScopes = []string{"email"} }), false, errs.InvalidParameter, "openid"},
		{"dup scope", base(func(c *Client) { c.AllowedOAuthScopes = []string{"openid", "openid"} }), false, errs.InvalidParameter, "more than once"},
		{"auth flows legacy", base(func(c *Client) { c.ExplicitAuthFlows = []string{"ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"} }), false, "", ""},
		{"auth flows mixed", base(func(c *Client) { c.ExplicitAuthFlows = []string{"ADMIN_NO_SRP_AUTH", "ALLOW_USER_SRP_AUTH"} }), false, errs.InvalidParameter, "mix"},
		{"auth flows unknown", base(func(c *Client) { c.ExplicitAuthFlows = []string{"ALLOW_EVERYTHING"} }), false, errs.InvalidParameter, "ExplicitAuthFlows"},
		{"idp cognito", base(func(c *Client) { c.SupportedIdentityProviders = []string{"COGNITO"} }), false, "", ""},
		{"idp google", base(func(c *Client) { c.SupportedIdentityProviders = []string{"Google"} }), false, errs.InvalidParameter, "Google"},
		{"access 5 minutes", base(func(c *Client) { c.AccessTokenValidity, c.TokenValidityUnits.AccessToken = 5, UnitMinutes }), false, "", ""},
		{"access 4 minutes", base(func(c *Client) { c.AccessTokenValidity, c.TokenValidityUnits.AccessToken = 4, UnitMinutes }), false, errs.InvalidParameter, "AccessTokenValidity"},
		{"access 25 hours", base(func(c *Client) { c.AccessTokenValidity = 25 }), false, errs.InvalidParameter, "AccessTokenValidity"},
		{"id 86400 seconds", base(func(c *Client) { c.IdTokenValidity, c.TokenValidityUnits.IdToken = 86400, UnitSeconds }), false, "", ""},
		{"id 2 days", base(func(c *Client) { c.IdTokenValidity, c.TokenValidityUnits.IdToken = 2, UnitDays }), false, errs.InvalidParameter, "IdTokenValidity"},
		{"refresh 59 minutes", base(func(c *Client) { c.RefreshTokenValidity, c.TokenValidityUnits.RefreshToken = 59, UnitMinutes }), false, errs.InvalidParameter, "RefreshTokenValidity"},
		{"refresh 3650 days", base(func(c *Client) { c.RefreshTokenValidity = 3650 }), false, "", ""},
		{"refresh 3651 days", base(func(c *Client) { c.RefreshTokenValidity = 3651 }), false, errs.InvalidParameter, "RefreshTokenValidity"},
		{"negative validity", base(func(c *Client) { c.RefreshTokenValidity = -1 }), false, errs.InvalidParameter, "RefreshTokenValidity"},
		{"bad unit", base(func(c *Client) { c.TokenValidityUnits.AccessToken = "weeks" }), false, errs.InvalidParameter, "TokenValidityUnits"},
		{"read attrs", base(func(c *Client) { c.ReadAttributes = []string{"email", "email_verified", "custom:tier"} }), false, "", ""},
		{"read unknown", base(func(c *Client) { c.ReadAttributes = []string{"custom:nope"} }), false, errs.InvalidParameter, "custom:nope"},
		{"write verified", base(func(c *Client) { c.WriteAttributes = []string{"email_verified"} }), false, errs.InvalidParameter, "email_verified"},
		{"write sub", base(func(c *Client) { c.WriteAttributes = []string{"sub"} }), false, errs.InvalidParameter, "sub"},
		{"write ok", base(func(c *Client) { c.WriteAttributes = []string{"email", "custom:tier"} }), false, "", ""},
		{"prevent legacy", base(func(c *Client) { c.PreventUserExistenceErrors = "LEGACY" }), false, "", ""},
		{"prevent bad", base(func(c *Client) { c.PreventUserExistenceErrors = "OFF" }), false, errs.InvalidParameter, "PreventUserExistenceErrors"},
		{"session 15", base(func(c *Client) { c.AuthSessionValidity = 15 }), false, "", ""},
		{"session 16", base(func(c *Client) { c.AuthSessionValidity = 16 }), false, errs.InvalidParameter, "AuthSessionValidity"},
		{"session 2", base(func(c *Client) { c.AuthSessionValidity = 2 }), false, errs.InvalidParameter, "AuthSessionValidity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			err := normalizeClient(&c, p, custom, tt.secret)
			wantCode(t, err, tt.code, tt.contains)
			if err == nil && tt.name == "zero client" {
				if c.PreventUserExistenceErrors != "ENABLED" || c.AuthSessionValidity != 3 || len(c.ExplicitAuthFlows) != 3 ||
					c.TokenValidityUnits.RefreshToken != UnitDays || c.RefreshTokenValidity != 30 {
					t.Errorf("defaults not filled: %+v", c)
				}
			}
		})
	}
}

func TestClientTTL(t *testing.T) {
	c := ClientDefaults()
	if c.AccessTokenTTL() != time.Hour || c.IDTokenTTL() != time.Hour || c.RefreshTokenTTL() != 30*24*time.Hour {
		t.Errorf("default TTLs %v %v %v", c.AccessTokenTTL(), c.IDTokenTTL(), c.RefreshTokenTTL())
	}
	c = Client{AccessTokenValidity: 90, TokenValidityUnits: TokenValidityUnits{AccessToken: UnitMinutes}}
	if c.AccessTokenTTL() != 90*time.Minute || c.IDTokenTTL() != time.Hour {
		t.Errorf("TTLs %v %v", c.AccessTokenTTL(), c.IDTokenTTL())
	}
}

func TestGroupAndResourceServerValidation(t *testing.T) {
	neg, zero := -1, 0
	groups := []struct {
		name     string
		g        Group
		code     errs.Code
		contains string
	}{
		{"ok", Group{GroupName: "admins", Precedence: &zero}, "", ""},
		{"unicode", Group{GroupName: "Админы-€"}, "", ""},
		{"empty", Group{}, errs.InvalidParameter, "GroupName"},
		{"space", Group{GroupName: "a b"}, errs.InvalidParameter, "GroupName"},
		{"long", Group{GroupName: strings.Repeat("g", 129)}, errs.InvalidParameter, "GroupName"},
		{"description", Group{GroupName: "g", Description: strings.Repeat("d", 2049)}, errs.InvalidParameter, "Description"},
		{"precedence", Group{GroupName: "g", Precedence: &neg}, errs.InvalidParameter, "Precedence"},
		{"role ok", Group{GroupName: "g", RoleArn: "arn:aws:iam::123456789012:role/x"}, "", ""},
		{"role bad", Group{GroupName: "g", RoleArn: "role/xxxxxxxxxxxxxxxxxxxx"}, errs.InvalidParameter, "RoleArn"},
	}
	for _, tt := range groups {
		t.Run("group "+tt.name, func(t *testing.T) { wantCode(t, checkGroup(&tt.g), tt.code, tt.contains) })
	}
	scopes := func(n int) []Scope {
		var out []Scope
		for i := range n {
			out = append(out, Scope{ScopeName: "s" + strings.Repeat("x", i), ScopeDescription: "d"})
		}
		return out
	}
	servers := []struct {
		name     string
		rs       ResourceServer
		code     errs.Code
		contains string
	}{
		{"ok", ResourceServer{Identifier: "https://api.example.com", Name: "API", Scopes: []Scope{{"read", "Read"}}}, "", ""},
		{"no scopes", ResourceServer{Identifier: "api", Name: "API"}, "", ""},
		{"empty id", ResourceServer{Name: "API"}, errs.InvalidParameter, "Identifier"},
		{"id space", ResourceServer{Identifier: "a b", Name: "API"}, errs.InvalidParameter, "Identifier"},
		{"id long", ResourceServer{Identifier: strings.Repeat("i", 257), Name: "API"}, errs.InvalidParameter, "Identifier"},
		{"empty name", ResourceServer{Identifier: "api"}, errs.InvalidParameter, "Name"},
		{"100 scopes", ResourceServer{Identifier: "api", Name: "API", Scopes: scopes(100)}, "", ""},
		{"101 scopes", ResourceServer{Identifier: "api", Name: "API", Scopes: scopes(101)}, errs.InvalidParameter, "100"},
		{"scope slash", ResourceServer{Identifier: "api", Name: "API", Scopes: []Scope{{"a/b", "d"}}}, errs.InvalidParameter, "ScopeName"},
		{"scope empty", ResourceServer{Identifier: "api", Name: "API", Scopes: []Scope{{"", "d"}}}, errs.InvalidParameter, "ScopeName"},
		{"scope no description", ResourceServer{Identifier: "api", Name: "API", Scopes: []Scope{{"read", ""}}}, errs.InvalidParameter, "ScopeDescription"},
		{"scope dup", ResourceServer{Identifier: "api", Name: "API", Scopes: []Scope{{"read", "d"}, {"read", "e"}}}, errs.InvalidParameter, "more than once"},
	}
	for _, tt := range servers {
		t.Run("server "+tt.name, func(t *testing.T) { wantCode(t, checkResourceServer(&tt.rs), tt.code, tt.contains) })
	}
}

func TestRandomString(t *testing.T) {
	s, err := randomString(lowerAlnum, ClientSecretLength)
	if err != nil || len(s) != 51 || strings.Trim(s, lowerAlnum) != "" {
		t.Fatalf("randomString = %q, %v", s, err)
	}
	other, _ := randomString(lowerAlnum, ClientSecretLength)
	if s == other {
		t.Fatal("two random strings are equal")
	}
}

func TestCognitoMessagesRoundTrip(t *testing.T) {
	p, err := validPool(t, Pool{Name: "p",
		VerificationMessageTemplate: &VerificationMessageTemplate{SmsMessage: "Code {####}", EmailSubject: "Welcome", DefaultEmailOption: "CONFIRM_WITH_LINK"},
		AdminCreateUserConfig:       AdminCreateUserConfig{InviteMessageTemplate: &InviteMessageTemplate{EmailMessage: "<p>{username} {####}</p>"}},
		MessageTemplates:            message.Templates{Verification: message.Template{EmailText: "Your code: {####}"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.VerificationMessageTemplate != nil || p.AdminCreateUserConfig.InviteMessageTemplate != nil {
		t.Fatal("the Cognito-shaped fields were not folded into MessageTemplates")
	}
	mt := p.MessageTemplates
	if mt.Verification.SMS != "Code {####}" || mt.Verification.EmailSubject != "Welcome" || mt.EmailOption != message.ConfirmWithLink ||
		mt.Invitation.EmailHTML != "<p>{username} {####}</p>" || mt.Verification.EmailText != "Your code: {####}" {
		t.Fatalf("MessageTemplates = %+v", mt)
	}
	cm := p.CognitoMessages()
	if v := cm.VerificationMessageTemplate; v.SmsMessage != "Code {####}" || v.EmailSubject != "Welcome" || v.DefaultEmailOption != "CONFIRM_WITH_LINK" {
		t.Fatalf("VerificationMessageTemplate = %+v", v)
	}
	if cm.InviteMessageTemplate == nil || cm.InviteMessageTemplate.EmailMessage != "<p>{username} {####}</p>" {
		t.Fatalf("InviteMessageTemplate = %+v", cm.InviteMessageTemplate)
	}
	if cm.Extension.Verification != (message.Template{EmailText: "Your code: {####}"}) || cm.Extension.Invitation != (message.Template{}) {
		t.Fatalf("Extension = %+v", cm.Extension)
	}
	// Sending back what was read changes nothing.
	again := *p
	again.VerificationMessageTemplate, again.AdminCreateUserConfig.InviteMessageTemplate = cm.VerificationMessageTemplate, cm.InviteMessageTemplate
	again.EmailVerificationMessage, again.EmailVerificationSubject, again.SmsVerificationMessage = cm.EmailVerificationMessage, cm.EmailVerificationSubject, cm.SmsVerificationMessage
	again.MessageTemplates = cm.Extension
	q, err := validPool(t, again)
	if err != nil {
		t.Fatal(err)
	}
	if q.MessageTemplates != p.MessageTemplates {
		t.Fatalf("round trip: %+v, want %+v", q.MessageTemplates, p.MessageTemplates)
	}
	if p.SignUpCodeTTL() != 24*time.Hour || p.ResetPasswordCodeTTL() != time.Hour || p.AttributeVerificationCodeTTL() != 24*time.Hour {
		t.Fatalf("code validity defaults: %+v", p.CodeValidity)
	}
}
