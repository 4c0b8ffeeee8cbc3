// Package pool holds user pools and what hangs off them: the attribute schema, sign-in
// identifiers, password policy, app clients, groups and resource servers. Field names and JSON
// tags follow Cognito's UserPoolType and friends, so the JSON API can return them unchanged.
package pool

import (
	"time"

	"github.com/userpool/userpool/message"
)

// Pool is a user pool (a tenant). Its id is "{region}_{9 letters or digits}".
type Pool struct {
	Id                     string                `json:"Id"`
	Name                   string                `json:"Name"`
	Policies               Policies              `json:"Policies"`
	SchemaAttributes       []SchemaAttribute     `json:"SchemaAttributes"`
	UsernameAttributes     []string              `json:"UsernameAttributes,omitempty"`
	AliasAttributes        []string              `json:"AliasAttributes,omitempty"`
	UsernameConfiguration  UsernameConfiguration `json:"UsernameConfiguration"`
	AutoVerifiedAttributes []string              `json:"AutoVerifiedAttributes,omitempty"`
	MfaConfiguration       string                `json:"MfaConfiguration"`
	// MfaFactors are the second factors the pool offers (see pool/mfa.go).
	MfaFactors                  MfaFactors                  `json:"MfaFactors"`
	DeletionProtection          string                      `json:"DeletionProtection"`
	AdminCreateUserConfig       AdminCreateUserConfig       `json:"AdminCreateUserConfig"`
	AccountRecoverySetting      *AccountRecoverySetting     `json:"AccountRecoverySetting,omitempty"`
	UserAttributeUpdateSettings UserAttributeUpdateSettings `json:"UserAttributeUpdateSettings"`
	// The Cognito-shaped template fields (VerificationMessageTemplate, the three legacy
	// verification fields, SmsAuthenticationMessage and AdminCreateUserConfig's
	// InviteMessageTemplate) are input only: CreatePool and UpdatePool fold them into
	// MessageTemplates and clear them; CognitoMessages gives them back.
	// SigningAlgorithm (beyond Cognito) is what the pool signs its tokens with: RS256 (the
	// default, as Cognito) or ES256.
	SigningAlgorithm            string                       `json:"SigningAlgorithm,omitempty"`
	VerificationMessageTemplate *VerificationMessageTemplate `json:"VerificationMessageTemplate,omitempty"`
	EmailVerificationMessage    string                       `json:"EmailVerificationMessage,omitempty"`
	EmailVerificationSubject    string                       `json:"EmailVerificationSubject,omitempty"`
	SmsVerificationMessage      string                       `json:"SmsVerificationMessage,omitempty"`
	SmsAuthenticationMessage    string                       `json:"SmsAuthenticationMessage,omitempty"`
	EmailConfiguration          *EmailConfiguration          `json:"EmailConfiguration,omitempty"`
	SmsConfiguration            *SmsConfiguration            `json:"SmsConfiguration,omitempty"`
	// MessageTemplates (beyond Cognito) are the pool's templates, one per message type; empty
	// fields take message.Defaults. They hold what Cognito's fields cannot say: HTML and text
	// bodies, reset-password, attribute-verification and MFA email templates.
	MessageTemplates message.Templates `json:"MessageTemplates"`
	// CodeValidity (beyond Cognito) says how long codes stay valid.
	CodeValidity CodeValidity `json:"CodeValidity"`
	// LambdaConfig holds the pool's triggers: webhook URLs where Cognito has Lambda ARNs.
	LambdaConfig     *LambdaConfig `json:"LambdaConfig,omitempty"`
	CreationDate     time.Time     `json:"-"`
	LastModifiedDate time.Time     `json:"-"`
	// Version increases on every update; caches compare it to know they are stale.
	Version int64 `json:"-"`
}

// Policies groups the pool's policies, as Cognito does.
type Policies struct {
	PasswordPolicy PasswordPolicy `json:"PasswordPolicy"`
}

// PasswordPolicy is Cognito's PasswordPolicyType plus MinimumStrength (beyond Cognito): the
// lowest zxcvbn score (0–4) a new password must reach; 0 turns the check off.
type PasswordPolicy struct {
	MinimumLength                 int  `json:"MinimumLength"`
	RequireUppercase              bool `json:"RequireUppercase"`
	RequireLowercase              bool `json:"RequireLowercase"`
	RequireNumbers                bool `json:"RequireNumbers"`
	RequireSymbols                bool `json:"RequireSymbols"`
	TemporaryPasswordValidityDays int  `json:"TemporaryPasswordValidityDays"`
	PasswordHistorySize           int  `json:"PasswordHistorySize"`
	MinimumStrength               int  `json:"MinimumStrength,omitempty"`
}

// Attribute data types.
const (
	TypeString   = "String"
	TypeNumber   = "Number"
	TypeDateTime = "DateTime"
	TypeBoolean  = "Boolean"
)

// SchemaAttribute is Cognito's SchemaAttributeType. Custom attributes are named "custom:NAME".
type SchemaAttribute struct {
	Name                       string                      `json:"Name"`
	AttributeDataType          string                      `json:"AttributeDataType"`
	DeveloperOnlyAttribute     bool                        `json:"DeveloperOnlyAttribute"`
	Mutable                    bool                        `json:"Mutable"`
	Required                   bool                        `json:"Required"`
	StringAttributeConstraints *StringAttributeConstraints `json:"StringAttributeConstraints,omitempty"`
	NumberAttributeConstraints *NumberAttributeConstraints `json:"NumberAttributeConstraints,omitempty"`
}

// StringAttributeConstraints bounds a string attribute's length; Cognito passes numbers as strings.
type StringAttributeConstraints struct {
	MinLength string `json:"MinLength,omitempty"`
	MaxLength string `json:"MaxLength,omitempty"`
}

// NumberAttributeConstraints bounds a number attribute's value; Cognito passes numbers as strings.
type NumberAttributeConstraints struct {
	MinValue string `json:"MinValue,omitempty"`
	MaxValue string `json:"MaxValue,omitempty"`
}

// UsernameConfiguration: whether usernames (and email / preferred_username aliases) match
// case-sensitively. Userpool defaults to case-insensitive.
type UsernameConfiguration struct {
	CaseSensitive bool `json:"CaseSensitive"`
}

// AdminCreateUserConfig is Cognito's AdminCreateUserConfigType.
type AdminCreateUserConfig struct {
	AllowAdminCreateUserOnly bool                   `json:"AllowAdminCreateUserOnly"`
	InviteMessageTemplate    *InviteMessageTemplate `json:"InviteMessageTemplate,omitempty"`
}

// InviteMessageTemplate is the AdminCreateUser invitation (used by the messaging issue).
type InviteMessageTemplate struct {
	SMSMessage   string `json:"SMSMessage,omitempty"`
	EmailMessage string `json:"EmailMessage,omitempty"`
	EmailSubject string `json:"EmailSubject,omitempty"`
}

// VerificationMessageTemplate is Cognito's VerificationMessageTemplateType.
type VerificationMessageTemplate struct {
	SmsMessage         string `json:"SmsMessage,omitempty"`
	EmailMessage       string `json:"EmailMessage,omitempty"`
	EmailSubject       string `json:"EmailSubject,omitempty"`
	EmailMessageByLink string `json:"EmailMessageByLink,omitempty"`
	EmailSubjectByLink string `json:"EmailSubjectByLink,omitempty"`
	DefaultEmailOption string `json:"DefaultEmailOption,omitempty"`
}

// AccountRecoverySetting is Cognito's AccountRecoverySettingType.
type AccountRecoverySetting struct {
	RecoveryMechanisms []RecoveryOption `json:"RecoveryMechanisms"`
}

// RecoveryOption is one recovery mechanism with its priority.
type RecoveryOption struct {
	Name     string `json:"Name"`
	Priority int    `json:"Priority"`
}

// UserAttributeUpdateSettings is Cognito's UserAttributeUpdateSettingsType.
type UserAttributeUpdateSettings struct {
	AttributesRequireVerificationBeforeUpdate []string `json:"AttributesRequireVerificationBeforeUpdate"`
}

// Client is an app client (Cognito's UserPoolClientType). ClientSecret is plain in memory and
// sealed with the master key at rest.
type Client struct {
	UserPoolId                      string             `json:"UserPoolId"`
	ClientId                        string             `json:"ClientId"`
	ClientName                      string             `json:"ClientName"`
	ClientSecret                    string             `json:"ClientSecret,omitempty"`
	CallbackURLs                    []string           `json:"CallbackURLs,omitempty"`
	LogoutURLs                      []string           `json:"LogoutURLs,omitempty"`
	DefaultRedirectURI              string             `json:"DefaultRedirectURI,omitempty"`
	AllowedOAuthFlows               []string           `json:"AllowedOAuthFlows,omitempty"`
	AllowedOAuthScopes              []string           `json:"AllowedOAuthScopes,omitempty"`
	AllowedOAuthFlowsUserPoolClient bool               `json:"AllowedOAuthFlowsUserPoolClient"`
	ExplicitAuthFlows               []string           `json:"ExplicitAuthFlows,omitempty"`
	SupportedIdentityProviders      []string           `json:"SupportedIdentityProviders,omitempty"`
	AccessTokenValidity             int                `json:"AccessTokenValidity"`
	IdTokenValidity                 int                `json:"IdTokenValidity"`
	RefreshTokenValidity            int                `json:"RefreshTokenValidity"`
	TokenValidityUnits              TokenValidityUnits `json:"TokenValidityUnits"`
	ReadAttributes                  []string           `json:"ReadAttributes,omitempty"`
	WriteAttributes                 []string           `json:"WriteAttributes,omitempty"`
	PreventUserExistenceErrors      string             `json:"PreventUserExistenceErrors"`
	EnableTokenRevocation           bool               `json:"EnableTokenRevocation"`
	AuthSessionValidity             int                `json:"AuthSessionValidity"`
	// RefreshTokenRotation is Cognito's RefreshTokenRotationType: with Feature ENABLED every
	// refresh_token grant returns a new refresh token and the presented one stays usable for
	// RetryGracePeriodSeconds (0-60); nil or DISABLED returns the same refresh token.
	RefreshTokenRotation *RefreshTokenRotation `json:"RefreshTokenRotation,omitempty"`
	// AllowLoopbackRedirectAnyPort (beyond Cognito) lets a native app use a registered
	// http://127.0.0.1, http://[::1] or http://localhost callback URL with any port (RFC 8252
	// section 7.3). Off by default: redirect URIs must match a registered one exactly.
	AllowLoopbackRedirectAnyPort bool      `json:"AllowLoopbackRedirectAnyPort,omitempty"`
	CreationDate                 time.Time `json:"-"`
	LastModifiedDate             time.Time `json:"-"`
}

// RefreshTokenRotation is Cognito's RefreshTokenRotationType.
type RefreshTokenRotation struct {
	Feature                 string `json:"Feature"`
	RetryGracePeriodSeconds int    `json:"RetryGracePeriodSeconds"`
}

// TokenValidityUnits: "seconds", "minutes", "hours" or "days" for each token.
type TokenValidityUnits struct {
	AccessToken  string `json:"AccessToken"`
	IdToken      string `json:"IdToken"`
	RefreshToken string `json:"RefreshToken"`
}

// Group is a group of users in a pool.
type Group struct {
	UserPoolId       string    `json:"UserPoolId"`
	GroupName        string    `json:"GroupName"`
	Description      string    `json:"Description,omitempty"`
	RoleArn          string    `json:"RoleArn,omitempty"`
	Precedence       *int      `json:"Precedence,omitempty"`
	CreationDate     time.Time `json:"-"`
	LastModifiedDate time.Time `json:"-"`
}

// ResourceServer defines custom scopes "Identifier/ScopeName" for client_credentials.
type ResourceServer struct {
	UserPoolId string  `json:"UserPoolId"`
	Identifier string  `json:"Identifier"`
	Name       string  `json:"Name"`
	Scopes     []Scope `json:"Scopes"`
}

// Scope is one custom scope of a resource server.
type Scope struct {
	ScopeName        string `json:"ScopeName"`
	ScopeDescription string `json:"ScopeDescription"`
}

// Page asks for at most Limit items after the opaque cursor After ("" = from the start).
type Page struct {
	After string
	Limit int
}
