package trigger

import "github.com/userpool/userpool/pool"

// Sources lists each trigger's sources; the first is the one a test event uses.
var Sources = map[string][]Source{
	pool.TriggerPreSignUp:          {PreSignUpSignUp, PreSignUpAdminCreateUser},
	pool.TriggerPostConfirmation:   {PostConfirmationConfirmSignUp, PostConfirmationConfirmForgotPassword},
	pool.TriggerPreAuthentication:  {PreAuthentication},
	pool.TriggerPostAuthentication: {PostAuthentication},
	pool.TriggerCustomMessage: {CustomMessageSignUp, CustomMessageAdminCreateUser, CustomMessageResendCode,
		CustomMessageForgotPassword, CustomMessageUpdateUserAttribute, CustomMessageVerifyUserAttribute, CustomMessageAuthentication},
	pool.TriggerPreTokenGeneration: {TokenGenerationHostedAuth, TokenGenerationAuthentication, TokenGenerationNewPasswordChallenge,
		TokenGenerationAuthenticateDevice, TokenGenerationRefreshTokens},
	pool.TriggerUserMigration: {UserMigrationAuthentication, UserMigrationForgotPassword},
}

// sample returns an event of src as a trigger receives it, for a fictitious user: the test
// events sent to a trigger on the operator's request, and the golden files.
func sample(src Source) (ev any, h *Header) {
	attrs := map[string]string{"sub": "6f1f5b8e-2d4c-4d7a-9b3e-0c8a1d2e3f40", "email": "test.user@example.com",
		"email_verified": "true", "cognito:user_status": "CONFIRMED"}
	meta := map[string]string{"exampleMetadataKey": "example metadata value"}
	hd := Header{TriggerSource: src, UserName: "test-user", CallerContext: CallerContext{ClientID: "1example23456789abcdefghijk"}}
	switch src {
	case PreSignUpSignUp, PreSignUpAdminCreateUser:
		e := &PreSignUpEvent{Header: hd, Request: PreSignUpRequest{UserAttributes: attrs,
			ValidationData: map[string]string{"accessCode": "1234"}, ClientMetadata: meta}}
		return e, &e.Header
	case PostConfirmationConfirmSignUp, PostConfirmationConfirmForgotPassword:
		e := &PostConfirmationEvent{Header: hd, Request: PostConfirmationRequest{UserAttributes: attrs, ClientMetadata: meta}}
		return e, &e.Header
	case PreAuthentication:
		e := &PreAuthenticationEvent{Header: hd, Request: PreAuthenticationRequest{UserAttributes: attrs,
			ValidationData: map[string]string{"k1": "v1"}}}
		return e, &e.Header
	case PostAuthentication:
		e := &PostAuthenticationEvent{Header: hd, Request: PostAuthenticationRequest{UserAttributes: attrs, ClientMetadata: meta}}
		return e, &e.Header
	case TokenGenerationHostedAuth, TokenGenerationAuthentication, TokenGenerationNewPasswordChallenge,
		TokenGenerationAuthenticateDevice, TokenGenerationRefreshTokens:
		e := &PreTokenGenerationEvent{Header: hd, Request: PreTokenGenerationRequest{UserAttributes: attrs,
			GroupConfiguration: GroupConfiguration{GroupsToOverride: []string{"admins"}, IAMRolesToOverride: []string{}},
			Scopes:             []string{"openid", "email", "aws.cognito.signin.user.admin"}, ClientMetadata: meta}}
		return e, &e.Header
	case UserMigrationAuthentication, UserMigrationForgotPassword:
		e := &UserMigrationEvent{Header: hd, Request: UserMigrationRequest{ValidationData: map[string]string{"k1": "v1"}, ClientMetadata: meta}}
		if src == UserMigrationAuthentication {
			e.Request.Password = "example-password"
		}
		return e, &e.Header
	default: // custom messages
		e := &CustomMessageEvent{Header: hd, Request: CustomMessageRequest{UserAttributes: attrs, CodeParameter: "{####}", ClientMetadata: meta}}
		if src == CustomMessageAdminCreateUser {
			username := "{username}"
			e.Request.UsernameParameter = &username
		}
		if src == CustomMessageSignUp {
			e.Request.LinkParameter = "{##Click Here##}"
		}
		return e, &e.Header
	}
}
