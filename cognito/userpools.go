package cognito

import (
	"context"
	"fmt"
	"strings"

	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/trigger"
)

// userPoolType is Cognito's UserPoolType: the pool's own fields plus what is derived.
type userPoolType struct {
	*pool.Pool
	// The template settings in Cognito's shapes, and the rest as the MessageTemplates
	// extension (these shadow the pool's own fields of the same names).
	VerificationMessageTemplate *pool.VerificationMessageTemplate `json:"VerificationMessageTemplate,omitempty"`
	EmailVerificationMessage    string                            `json:"EmailVerificationMessage,omitempty"`
	EmailVerificationSubject    string                            `json:"EmailVerificationSubject,omitempty"`
	SmsVerificationMessage      string                            `json:"SmsVerificationMessage,omitempty"`
	SmsAuthenticationMessage    string                            `json:"SmsAuthenticationMessage,omitempty"`
	AdminCreateUserConfig       pool.AdminCreateUserConfig        `json:"AdminCreateUserConfig"`
	MessageTemplates            message.Templates                 `json:"MessageTemplates"`
	Arn                         string                            `json:"Arn"`
	CreationDate                epoch                             `json:"CreationDate"`
	LastModifiedDate            epoch                             `json:"LastModifiedDate"`
	EstimatedNumberOfUsers      int64                             `json:"EstimatedNumberOfUsers"`
	// TriggerSecrets (beyond Cognito) are the secrets CreateUserPool generated, shown once.
	TriggerSecrets []trigger.SecretInput `json:"TriggerSecrets,omitempty"`
}

func (h *Handler) toUserPoolType(ctx context.Context, p *pool.Pool) (*userPoolType, error) {
	n, err := h.Pools.CountUsers(ctx, p.Id)
	if err != nil {
		return nil, fmt.Errorf("count users of %s: %w", p.Id, err)
	}
	cm := p.CognitoMessages()
	acu := p.AdminCreateUserConfig
	acu.InviteMessageTemplate = cm.InviteMessageTemplate
	return &userPoolType{Pool: p, Arn: poolARN(p.Id), CreationDate: epoch(p.CreationDate),
		LastModifiedDate: epoch(p.LastModifiedDate), EstimatedNumberOfUsers: n,
		VerificationMessageTemplate: cm.VerificationMessageTemplate, EmailVerificationMessage: cm.EmailVerificationMessage,
		EmailVerificationSubject: cm.EmailVerificationSubject, SmsVerificationMessage: cm.SmsVerificationMessage,
		SmsAuthenticationMessage: cm.SmsAuthenticationMessage, AdminCreateUserConfig: acu, MessageTemplates: cm.Extension,
	}, nil
}

// passwordPolicyIn is PasswordPolicyType as sent; absent numbers take Cognito's defaults.
type passwordPolicyIn struct {
	MinimumLength                 *int
	RequireUppercase              bool
	RequireLowercase              bool
	RequireNumbers                bool
	RequireSymbols                bool
	TemporaryPasswordValidityDays *int
	PasswordHistorySize           *int
	MinimumStrength               *int
}

type policiesIn struct {
	PasswordPolicy *passwordPolicyIn
}

// passwordPolicy turns the sent policies into the pool's: absent entirely means the domain's
// default policy; absent members of a sent policy take the default's values.
func passwordPolicy(in *policiesIn) pool.Policies {
	def := pool.DefaultPasswordPolicy()
	if in == nil || in.PasswordPolicy == nil {
		return pool.Policies{PasswordPolicy: def}
	}
	pp := in.PasswordPolicy
	return pool.Policies{PasswordPolicy: pool.PasswordPolicy{
		MinimumLength:                 orDefault(pp.MinimumLength, def.MinimumLength),
		RequireUppercase:              pp.RequireUppercase,
		RequireLowercase:              pp.RequireLowercase,
		RequireNumbers:                pp.RequireNumbers,
		RequireSymbols:                pp.RequireSymbols,
		TemporaryPasswordValidityDays: orDefault(pp.TemporaryPasswordValidityDays, def.TemporaryPasswordValidityDays),
		PasswordHistorySize:           orDefault(pp.PasswordHistorySize, def.PasswordHistorySize),
		MinimumStrength:               orDefault(pp.MinimumStrength, def.MinimumStrength),
	}}
}

// schemaAttributeIn is SchemaAttributeType as sent; absent flags matter (Mutable defaults to true).
type schemaAttributeIn struct {
	Name                       string
	AttributeDataType          string
	DeveloperOnlyAttribute     *bool
	Mutable                    *bool
	Required                   *bool
	StringAttributeConstraints *pool.StringAttributeConstraints
	NumberAttributeConstraints *pool.NumberAttributeConstraints
}

func (a schemaAttributeIn) toPool() pool.SchemaAttribute {
	return pool.SchemaAttribute{
		Name:                       a.Name,
		AttributeDataType:          a.AttributeDataType,
		DeveloperOnlyAttribute:     orDefault(a.DeveloperOnlyAttribute, false),
		Mutable:                    orDefault(a.Mutable, true),
		Required:                   orDefault(a.Required, false),
		StringAttributeConstraints: a.StringAttributeConstraints,
		NumberAttributeConstraints: a.NumberAttributeConstraints,
	}
}

func schemaAttributes(in []schemaAttributeIn) []pool.SchemaAttribute {
	out := make([]pool.SchemaAttribute, 0, len(in))
	for _, a := range in {
		out = append(out, a.toPool())
	}
	return out
}

// poolSettingsIn are the members CreateUserPool and UpdateUserPool share.
type poolSettingsIn struct {
	Policies                    *policiesIn
	AutoVerifiedAttributes      []string
	MfaConfiguration            string
	DeletionProtection          string
	AdminCreateUserConfig       *pool.AdminCreateUserConfig
	AccountRecoverySetting      *pool.AccountRecoverySetting
	UserAttributeUpdateSettings *pool.UserAttributeUpdateSettings
	VerificationMessageTemplate *pool.VerificationMessageTemplate
	EmailVerificationMessage    string
	EmailVerificationSubject    string
	SmsVerificationMessage      string
	SmsAuthenticationMessage    string
	EmailConfiguration          *pool.EmailConfiguration
	SmsConfiguration            *pool.SmsConfiguration
	// Beyond Cognito.
	MessageTemplates *message.Templates
	CodeValidity     *pool.CodeValidity
	// SigningAlgorithm (RS256 or ES256); absent keeps the pool's (RS256 for a new pool).
	SigningAlgorithm *string
	LambdaConfig     *pool.LambdaConfig
	// TriggerSecrets (beyond Cognito) set or rotate the triggers' signing secrets.
	TriggerSecrets []trigger.SecretInput
}

// apply sets p's mutable settings from in; omitted ones take their defaults, as Cognito's
// UpdateUserPool does. The exception is MessageTemplates, which no AWS SDK can send: when it is
// omitted, the pool keeps the templates Cognito's fields cannot express, so that an SDK's
// UpdateUserPool does not wipe the HTML bodies and the other extension templates.
func (in *poolSettingsIn) apply(p *pool.Pool) {
	switch {
	case in.MessageTemplates != nil:
		p.MessageTemplates = *in.MessageTemplates
	case p.Id != "":
		p.MessageTemplates = p.CognitoMessages().Extension
	default:
		p.MessageTemplates = message.Templates{}
	}
	p.EmailVerificationMessage, p.EmailVerificationSubject = in.EmailVerificationMessage, in.EmailVerificationSubject
	p.SmsVerificationMessage, p.SmsAuthenticationMessage = in.SmsVerificationMessage, in.SmsAuthenticationMessage
	p.EmailConfiguration, p.SmsConfiguration = in.EmailConfiguration, in.SmsConfiguration
	p.CodeValidity = orDefault(in.CodeValidity, pool.CodeValidity{})
	p.Policies = passwordPolicy(in.Policies)
	p.AutoVerifiedAttributes = in.AutoVerifiedAttributes
	p.MfaConfiguration = in.MfaConfiguration
	p.DeletionProtection = in.DeletionProtection
	p.AdminCreateUserConfig = orDefault(in.AdminCreateUserConfig, pool.AdminCreateUserConfig{})
	p.AccountRecoverySetting = in.AccountRecoverySetting
	p.UserAttributeUpdateSettings = orDefault(in.UserAttributeUpdateSettings, pool.UserAttributeUpdateSettings{})
	p.VerificationMessageTemplate = in.VerificationMessageTemplate
	if in.SigningAlgorithm != nil {
		p.SigningAlgorithm = *in.SigningAlgorithm
	}
	p.LambdaConfig = in.LambdaConfig
}

type createUserPoolIn struct {
	PoolName string `required:"true"`
	poolSettingsIn
	Schema                []schemaAttributeIn
	UsernameAttributes    []string
	AliasAttributes       []string
	UsernameConfiguration *struct{ CaseSensitive *bool }
}

type userPoolOut struct {
	UserPool *userPoolType `json:"UserPool"`
}

func (h *Handler) createUserPool(ctx context.Context, in *createUserPoolIn) (*userPoolOut, error) {
	p := &pool.Pool{
		Name:               in.PoolName,
		SchemaAttributes:   schemaAttributes(in.Schema),
		UsernameAttributes: in.UsernameAttributes,
		AliasAttributes:    in.AliasAttributes,
	}
	if in.UsernameConfiguration != nil {
		p.UsernameConfiguration.CaseSensitive = orDefault(in.UsernameConfiguration.CaseSensitive, false)
	}
	in.apply(p)
	created, generated, err := h.createPool(ctx, p, in.TriggerSecrets)
	if err != nil {
		return nil, err
	}
	if err := h.syncSigningKey(ctx, created, ""); err != nil {
		return nil, err
	}
	out, err := h.toUserPoolType(ctx, created)
	if out != nil {
		out.TriggerSecrets = generated
	}
	return &userPoolOut{UserPool: out}, err
}

type poolIDIn struct {
	UserPoolId string `required:"true"`
}

func (h *Handler) describeUserPool(ctx context.Context, in *poolIDIn) (*userPoolOut, error) {
	p, err := h.Pools.GetPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	out, err := h.toUserPoolType(ctx, p)
	return &userPoolOut{UserPool: out}, err
}

type updateUserPoolIn struct {
	UserPoolId string `required:"true"`
	PoolName   *string
	poolSettingsIn
	// Beyond Cognito: aliases and required flags may change; absent means unchanged.
	AliasAttributes []string
	Schema          []schemaAttributeIn
}

// updateUserPoolOut is Cognito's empty answer plus, beyond Cognito, the trigger secrets that
// were generated (shown this once).
type updateUserPoolOut struct {
	TriggerSecrets []trigger.SecretInput `json:"TriggerSecrets,omitempty"`
}

func (h *Handler) updateUserPool(ctx context.Context, in *updateUserPoolIn) (*updateUserPoolOut, error) {
	cur, err := h.Pools.GetPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	p := *cur
	if in.PoolName != nil {
		p.Name = *in.PoolName
	}
	in.apply(&p)
	if in.AliasAttributes != nil {
		p.AliasAttributes = in.AliasAttributes
	}
	// The domain keeps the schema when SchemaAttributes is nil and otherwise allows only
	// changes of standard attributes' Required flags.
	p.SchemaAttributes = nil
	if in.Schema != nil {
		p.SchemaAttributes = schemaOverlay(cur, in.Schema)
	}
	updated, generated, err := h.updatePool(ctx, &p, in.TriggerSecrets)
	if err != nil {
		return nil, err
	}
	if err := h.syncSigningKey(ctx, updated, cur.Algorithm()); err != nil {
		return nil, err
	}
	return &updateUserPoolOut{TriggerSecrets: generated}, nil
}

// schemaOverlay turns the schema sent to UpdateUserPool into attributes whose absent members
// are those of the pool's current attribute, so that only what was sent can differ.
func schemaOverlay(cur *pool.Pool, sent []schemaAttributeIn) []pool.SchemaAttribute {
	out := make([]pool.SchemaAttribute, 0, len(sent))
	for _, a := range sent {
		c := cur.Attribute(a.Name)
		if c == nil && !strings.Contains(a.Name, ":") {
			c = cur.Attribute(pool.CustomPrefix + a.Name)
		}
		if c == nil {
			out = append(out, a.toPool()) // the domain reports the unknown attribute
			continue
		}
		out = append(out, pool.SchemaAttribute{
			Name:                       a.Name,
			AttributeDataType:          a.AttributeDataType,
			DeveloperOnlyAttribute:     orDefault(a.DeveloperOnlyAttribute, c.DeveloperOnlyAttribute),
			Mutable:                    orDefault(a.Mutable, c.Mutable),
			Required:                   orDefault(a.Required, c.Required),
			StringAttributeConstraints: a.StringAttributeConstraints,
			NumberAttributeConstraints: a.NumberAttributeConstraints,
		})
	}
	return out
}

func (h *Handler) deleteUserPool(ctx context.Context, in *poolIDIn) (*empty, error) {
	return &empty{}, h.Pools.DeletePool(ctx, in.UserPoolId)
}

type listUserPoolsIn struct {
	MaxResults *int `required:"true"`
	NextToken  *string
}

type userPoolDescription struct {
	Id               string            `json:"Id"`
	Name             string            `json:"Name"`
	CreationDate     epoch             `json:"CreationDate"`
	LastModifiedDate epoch             `json:"LastModifiedDate"`
	LambdaConfig     pool.LambdaConfig `json:"LambdaConfig"`
}

type listUserPoolsOut struct {
	UserPools []userPoolDescription `json:"UserPools"`
	NextToken *string               `json:"NextToken,omitempty"`
}

func (h *Handler) listUserPools(ctx context.Context, in *listUserPoolsIn) (*listUserPoolsOut, error) {
	pools, next, err := h.Pools.ListPools(ctx, pool.Page{After: str(in.NextToken), Limit: orDefault(in.MaxResults, 0)})
	if err != nil {
		return nil, err
	}
	out := &listUserPoolsOut{UserPools: make([]userPoolDescription, 0, len(pools)), NextToken: pageToken(next)}
	for _, p := range pools {
		d := userPoolDescription{Id: p.Id, Name: p.Name,
			CreationDate: epoch(p.CreationDate), LastModifiedDate: epoch(p.LastModifiedDate)}
		if p.LambdaConfig != nil {
			d.LambdaConfig = *p.LambdaConfig
		}
		out.UserPools = append(out.UserPools, d)
	}
	return out, nil
}

type addCustomAttributesIn struct {
	UserPoolId       string              `required:"true"`
	CustomAttributes []schemaAttributeIn `required:"true"`
}

func (h *Handler) addCustomAttributes(ctx context.Context, in *addCustomAttributesIn) (*empty, error) {
	return &empty{}, h.Pools.AddCustomAttributes(ctx, in.UserPoolId, schemaAttributes(in.CustomAttributes))
}
