package cognito

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"

	"github.com/userpool/userpool/errs"
)

// authClass is how an action is authorised (Cognito's service model marks each operation).
type authClass int

const (
	// authSigV4: signed with an admin access key (the management actions).
	authSigV4 authClass = iota
	// authNone: no signature; the body carries a ClientId or an AccessToken (SignUp,
	// InitiateAuth, GetUser, ...), which the action checks itself.
	authNone
)

// action is one X-Amz-Target operation.
type action struct {
	auth authClass
	run  func(h *Handler, ctx context.Context, body []byte) (any, error)
}

// actions maps each operation name to its auth class and handler.
var actions = map[string]action{
	// User pools.
	"CreateUserPool":      op(authSigV4, (*Handler).createUserPool),
	"DescribeUserPool":    op(authSigV4, (*Handler).describeUserPool),
	"UpdateUserPool":      op(authSigV4, (*Handler).updateUserPool),
	"DeleteUserPool":      op(authSigV4, (*Handler).deleteUserPool),
	"ListUserPools":       op(authSigV4, (*Handler).listUserPools),
	"AddCustomAttributes": op(authSigV4, (*Handler).addCustomAttributes),
	// App clients.
	"CreateUserPoolClient":   op(authSigV4, (*Handler).createUserPoolClient),
	"DescribeUserPoolClient": op(authSigV4, (*Handler).describeUserPoolClient),
	"UpdateUserPoolClient":   op(authSigV4, (*Handler).updateUserPoolClient),
	"DeleteUserPoolClient":   op(authSigV4, (*Handler).deleteUserPoolClient),
	"ListUserPoolClients":    op(authSigV4, (*Handler).listUserPoolClients),
	// Resource servers.
	"CreateResourceServer":   op(authSigV4, (*Handler).createResourceServer),
	"DescribeResourceServer": op(authSigV4, (*Handler).describeResourceServer),
	"ListResourceServers":    op(authSigV4, (*Handler).listResourceServers),
	"DeleteResourceServer":   op(authSigV4, (*Handler).deleteResourceServer),
	// Users.
	"AdminCreateUser":           op(authSigV4, (*Handler).adminCreateUser),
	"AdminGetUser":              op(authSigV4, (*Handler).adminGetUser),
	"ListUsers":                 op(authSigV4, (*Handler).listUsers),
	"AdminDeleteUser":           op(authSigV4, (*Handler).adminDeleteUser),
	"AdminEnableUser":           op(authSigV4, (*Handler).adminEnableUser),
	"AdminDisableUser":          op(authSigV4, (*Handler).adminDisableUser),
	"AdminConfirmSignUp":        op(authSigV4, (*Handler).adminConfirmSignUp),
	"AdminUpdateUserAttributes": op(authSigV4, (*Handler).adminUpdateUserAttributes),
	"AdminDeleteUserAttributes": op(authSigV4, (*Handler).adminDeleteUserAttributes),
	"AdminSetUserPassword":      op(authSigV4, (*Handler).adminSetUserPassword),
	"AdminResetUserPassword":    op(authSigV4, (*Handler).adminResetUserPassword),
	// Groups.
	"CreateGroup":              op(authSigV4, (*Handler).createGroup),
	"GetGroup":                 op(authSigV4, (*Handler).getGroup),
	"UpdateGroup":              op(authSigV4, (*Handler).updateGroup),
	"DeleteGroup":              op(authSigV4, (*Handler).deleteGroup),
	"ListGroups":               op(authSigV4, (*Handler).listGroups),
	"AdminAddUserToGroup":      op(authSigV4, (*Handler).adminAddUserToGroup),
	"AdminRemoveUserFromGroup": op(authSigV4, (*Handler).adminRemoveUserFromGroup),
	"AdminListGroupsForUser":   op(authSigV4, (*Handler).adminListGroupsForUser),
	"ListUsersInGroup":         op(authSigV4, (*Handler).listUsersInGroup),
	// Hosted pages' branding.
	"SetUICustomization": op(authSigV4, (*Handler).setUICustomization),
	"GetUICustomization": op(authSigV4, (*Handler).getUICustomization),
	// Sign-in (auth.go, srp.go, refresh.go): public actions identified by ClientId.
	"InitiateAuth":                op(authNone, (*Handler).initiateAuth),
	"RespondToAuthChallenge":      op(authNone, (*Handler).respondToAuthChallenge),
	"GetTokensFromRefreshToken":   op(authNone, (*Handler).getTokensFromRefreshToken),
	"RevokeToken":                 op(authNone, (*Handler).revokeToken),
	"AdminInitiateAuth":           op(authSigV4, (*Handler).adminInitiateAuth),
	"AdminRespondToAuthChallenge": op(authSigV4, (*Handler).adminRespondToAuthChallenge),
	// Self-service (signup.go, accesstoken.go): public actions identified by ClientId or by
	// the signed-in user's AccessToken.
	"SignUp":                           op(authNone, (*Handler).signUp),
	"ConfirmSignUp":                    op(authNone, (*Handler).confirmSignUp),
	"ResendConfirmationCode":           op(authNone, (*Handler).resendConfirmationCode),
	"ForgotPassword":                   op(authNone, (*Handler).forgotPassword),
	"ConfirmForgotPassword":            op(authNone, (*Handler).confirmForgotPassword),
	"GetUser":                          op(authNone, (*Handler).getUser),
	"UpdateUserAttributes":             op(authNone, (*Handler).updateUserAttributes),
	"DeleteUserAttributes":             op(authNone, (*Handler).deleteUserAttributes),
	"GetUserAttributeVerificationCode": op(authNone, (*Handler).getUserAttributeVerificationCode),
	"VerifyUserAttribute":              op(authNone, (*Handler).verifyUserAttribute),
	"ChangePassword":                   op(authNone, (*Handler).changePassword),
	"GlobalSignOut":                    op(authNone, (*Handler).globalSignOut),
	"DeleteUser":                       op(authNone, (*Handler).deleteUser),
	"AdminUserGlobalSignOut":           op(authSigV4, (*Handler).adminUserGlobalSignOut),
	// MFA (mfa.go).
	"SetUserPoolMfaConfig":      op(authSigV4, (*Handler).setUserPoolMfaConfig),
	"GetUserPoolMfaConfig":      op(authSigV4, (*Handler).getUserPoolMfaConfig),
	"AdminSetUserMFAPreference": op(authSigV4, (*Handler).adminSetUserMFAPreference),
	"SetUserMFAPreference":      op(authNone, (*Handler).setUserMFAPreference),
	"AssociateSoftwareToken":    op(authNone, (*Handler).associateSoftwareToken),
	"VerifySoftwareToken":       op(authNone, (*Handler).verifySoftwareToken),
	// Beyond Cognito: MFA reset and recovery codes.
	"AdminResetUserMFA":       op(authSigV4, (*Handler).adminResetUserMFA),
	"RegenerateRecoveryCodes": op(authNone, (*Handler).regenerateRecoveryCodes),
	// Messages (beyond Cognito): the operator's message log.
	"ListMessages": op(authSigV4, (*Handler).listMessages),
	// Beyond Cognito: signing keys.
	"RotateSigningKey": op(authSigV4, (*Handler).rotateSigningKey),
	// Beyond Cognito: triggers (triggers.go).
	"TestTrigger":            op(authSigV4, (*Handler).testTrigger),
	"ListTriggerInvocations": op(authSigV4, (*Handler).listTriggerInvocations),
}

// op adapts a typed handler: it decodes the body into In, checks the members tagged
// `required:"true"`, and runs fn.
func op[In, Out any](auth authClass, fn func(h *Handler, ctx context.Context, in *In) (Out, error)) action {
	return action{auth: auth, run: func(h *Handler, ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		if err := checkRequired(in); err != nil {
			return nil, err
		}
		return fn(h, ctx, in)
	}}
}

// empty is the output of actions that return nothing: "{}".
type empty struct{}

// decode parses a JSON 1.1 request body. Unknown members are ignored, as AWS services do, so
// that clients built for newer API versions keep working.
func decode(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return errs.New(errs.SerializationError, "Unexpected JSON type for member %s: expected %s", typeErr.Field, jsonKind(typeErr.Type))
	}
	return errs.New(errs.SerializationError, "The request body is not a valid JSON object")
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.Kind().String()
}

// checkRequired reports the first top-level member tagged `required:"true"` that is absent,
// in Cognito's validation wording.
func checkRequired(in any) error {
	v := reflect.ValueOf(in).Elem()
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Tag.Get("required") != "true" || !v.Field(i).IsZero() {
			continue
		}
		name := f.Name
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "" {
			name = tag
		}
		return errs.New(errs.InvalidParameter, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(name))
	}
	return nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
