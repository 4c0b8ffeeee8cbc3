// Package trigger calls a pool's triggers: webhooks that receive the JSON event a Cognito Lambda
// trigger receives and answer with the same event, its response filled in. Blocking triggers
// (pre sign-up, pre authentication, custom message, pre token generation, user migration) are
// called while the action waits, with Cognito's 5-second limit; their refusal or failure aborts
// the action with Cognito's errors. Post confirmation and post authentication events go through
// the durable message outbox and are retried; they never undo what the user did.
package trigger

// Source is an event's triggerSource.
type Source string

// Trigger sources, as Cognito names them.
const (
	PreSignUpSignUp          Source = "PreSignUp_SignUp"
	PreSignUpAdminCreateUser Source = "PreSignUp_AdminCreateUser"

	PostConfirmationConfirmSignUp         Source = "PostConfirmation_ConfirmSignUp"
	PostConfirmationConfirmForgotPassword Source = "PostConfirmation_ConfirmForgotPassword"

	PreAuthentication  Source = "PreAuthentication_Authentication"
	PostAuthentication Source = "PostAuthentication_Authentication"

	CustomMessageSignUp              Source = "CustomMessage_SignUp"
	CustomMessageAdminCreateUser     Source = "CustomMessage_AdminCreateUser"
	CustomMessageResendCode          Source = "CustomMessage_ResendCode"
	CustomMessageForgotPassword      Source = "CustomMessage_ForgotPassword"
	CustomMessageUpdateUserAttribute Source = "CustomMessage_UpdateUserAttribute"
	CustomMessageVerifyUserAttribute Source = "CustomMessage_VerifyUserAttribute"
	CustomMessageAuthentication      Source = "CustomMessage_Authentication"

	TokenGenerationHostedAuth           Source = "TokenGeneration_HostedAuth"
	TokenGenerationAuthentication       Source = "TokenGeneration_Authentication"
	TokenGenerationNewPasswordChallenge Source = "TokenGeneration_NewPasswordChallenge"
	TokenGenerationAuthenticateDevice   Source = "TokenGeneration_AuthenticateDevice"
	TokenGenerationRefreshTokens        Source = "TokenGeneration_RefreshTokens"

	UserMigrationAuthentication Source = "UserMigration_Authentication"
	UserMigrationForgotPassword Source = "UserMigration_ForgotPassword"
)

// Header is the envelope every event shares.
type Header struct {
	Version       string        `json:"version"`
	TriggerSource Source        `json:"triggerSource"`
	Region        string        `json:"region"`
	UserPoolID    string        `json:"userPoolId"`
	UserName      string        `json:"userName"`
	CallerContext CallerContext `json:"callerContext"`
}

// CallerContext says who called: the SDK (Userpool sends its own name) and the app client.
type CallerContext struct {
	AWSSDKVersion string `json:"awsSdkVersion"`
	ClientID      string `json:"clientId"`
}

// empty is the response of triggers that answer nothing: Cognito sends "response": {}.
type empty struct{}

// PreSignUpEvent is sent before a user is created (PreSignUp_SignUp, PreSignUp_AdminCreateUser).
type PreSignUpEvent struct {
	Header
	Request  PreSignUpRequest  `json:"request"`
	Response PreSignUpResponse `json:"response"`
}

type PreSignUpRequest struct {
	UserAttributes map[string]string `json:"userAttributes"`
	ValidationData map[string]string `json:"validationData"`
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
}

// PreSignUpResponse: the auto flags apply to PreSignUp_SignUp only (Cognito ignores them for
// AdminCreateUser); auto-verifying needs the attribute to be present.
type PreSignUpResponse struct {
	AutoConfirmUser bool `json:"autoConfirmUser"`
	AutoVerifyEmail bool `json:"autoVerifyEmail"`
	AutoVerifyPhone bool `json:"autoVerifyPhone"`
}

// PostConfirmationEvent is sent after a user is confirmed, by code or by an administrator
// (ConfirmSignUp), or after a password reset (ConfirmForgotPassword).
type PostConfirmationEvent struct {
	Header
	Request  PostConfirmationRequest `json:"request"`
	Response empty                   `json:"response"`
}

type PostConfirmationRequest struct {
	UserAttributes map[string]string `json:"userAttributes"`
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
}

// PreAuthenticationEvent is sent before a password sign-in is accepted; a refusal denies it.
type PreAuthenticationEvent struct {
	Header
	Request  PreAuthenticationRequest `json:"request"`
	Response empty                    `json:"response"`
}

type PreAuthenticationRequest struct {
	UserAttributes map[string]string `json:"userAttributes"`
	ValidationData map[string]string `json:"validationData"`
	UserNotFound   bool              `json:"userNotFound"`
}

// PostAuthenticationEvent is sent after a successful sign-in.
type PostAuthenticationEvent struct {
	Header
	Request  PostAuthenticationRequest `json:"request"`
	Response empty                     `json:"response"`
}

type PostAuthenticationRequest struct {
	NewDeviceUsed  bool              `json:"newDeviceUsed"`
	UserAttributes map[string]string `json:"userAttributes"`
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
}

// CustomMessageEvent is sent before a code (or an invitation) goes out. The response may
// replace the email subject, the email body (HTML) and the SMS text; any message it replaces
// must still contain CodeParameter.
type CustomMessageEvent struct {
	Header
	Request  CustomMessageRequest  `json:"request"`
	Response CustomMessageResponse `json:"response"`
}

type CustomMessageRequest struct {
	UserAttributes    map[string]string `json:"userAttributes"`
	CodeParameter     string            `json:"codeParameter"`
	LinkParameter     string            `json:"linkParameter,omitempty"`
	UsernameParameter *string           `json:"usernameParameter"` // null but for AdminCreateUser, as Cognito
	ClientMetadata    map[string]string `json:"clientMetadata,omitempty"`
}

// CustomMessageResponse: Cognito sends null for each member; an answer that leaves a member
// null keeps the pool's template for it.
type CustomMessageResponse struct {
	SMSMessage   *string `json:"smsMessage"`
	EmailMessage *string `json:"emailMessage"`
	EmailSubject *string `json:"emailSubject"`
}

// PreTokenGenerationEvent is the V2_0 event, sent before ID and access tokens are signed.
type PreTokenGenerationEvent struct {
	Header
	Request  PreTokenGenerationRequest  `json:"request"`
	Response PreTokenGenerationResponse `json:"response"`
}

type PreTokenGenerationRequest struct {
	UserAttributes     map[string]string  `json:"userAttributes"`
	GroupConfiguration GroupConfiguration `json:"groupConfiguration"`
	Scopes             []string           `json:"scopes"`
	ClientMetadata     map[string]string  `json:"clientMetadata,omitempty"`
}

// GroupConfiguration is the user's groups (and their IAM roles, which Userpool does not have).
type GroupConfiguration struct {
	GroupsToOverride   []string `json:"groupsToOverride"`
	IAMRolesToOverride []string `json:"iamRolesToOverride"`
	PreferredRole      *string  `json:"preferredRole"`
}

type PreTokenGenerationResponse struct {
	ClaimsAndScopeOverrideDetails *ClaimsAndScopeOverrideDetails `json:"claimsAndScopeOverrideDetails"`
}

type ClaimsAndScopeOverrideDetails struct {
	IDTokenGeneration     *TokenGeneration    `json:"idTokenGeneration,omitempty"`
	AccessTokenGeneration *TokenGeneration    `json:"accessTokenGeneration,omitempty"`
	GroupOverrideDetails  *GroupConfiguration `json:"groupOverrideDetails,omitempty"`
}

// TokenGeneration changes one token. Claim values may be strings, numbers, booleans, arrays or
// objects (V2_0). Scopes apply to the access token only.
type TokenGeneration struct {
	ClaimsToAddOrOverride map[string]any `json:"claimsToAddOrOverride,omitempty"`
	ClaimsToSuppress      []string       `json:"claimsToSuppress,omitempty"`
	ScopesToAdd           []string       `json:"scopesToAdd,omitempty"`
	ScopesToSuppress      []string       `json:"scopesToSuppress,omitempty"`
}

// UserMigrationEvent is sent when a sign-in (with the password) or a password reset names a
// user who does not exist; the answer's attributes create the user.
type UserMigrationEvent struct {
	Header
	Request  UserMigrationRequest  `json:"request"`
	Response UserMigrationResponse `json:"response"`
}

type UserMigrationRequest struct {
	Password       string            `json:"password,omitempty"`
	ValidationData map[string]string `json:"validationData"`
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
}

type UserMigrationResponse struct {
	UserAttributes         map[string]string `json:"userAttributes"`
	FinalUserStatus        string            `json:"finalUserStatus,omitempty"`
	MessageAction          string            `json:"messageAction,omitempty"`
	DesiredDeliveryMediums []string          `json:"desiredDeliveryMediums,omitempty"`
	ForceAliasCreation     bool              `json:"forceAliasCreation"`
	EnableSMSMFA           bool              `json:"enableSMSMFA,omitempty"`
}
