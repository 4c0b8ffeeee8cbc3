package cognito_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
)

// AdminResetUserPassword through the SDK: the old password stops working
// (PasswordResetRequiredException), the code arrives by mail, ConfirmForgotPassword sets a new
// password. Users it cannot reset get an error and stay as they were.
func TestAdminResetUserPassword(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		e := newAppEnv(t, st)
		ctx := t.Context()
		id, c := e.appPool(t, nil, nil)
		user := func(name string, attrs ...types.AttributeType) {
			must(e.api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String(name),
				MessageAction: types.MessageActionTypeSuppress, UserAttributes: attrs})).ok(t)
		}
		user("kim", attr("email", "kim@example.com"), attr("email_verified", "true"))
		must(e.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: aws.String("kim"),
			Password: aws.String("Passw0rd!one"), Permanent: true})).ok(t)
		e.signIn(t, *c.ClientId, "kim", "Passw0rd!one")

		must(e.api.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &id, Username: aws.String("kim")})).ok(t)
		got := must(e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: aws.String("kim")})).ok(t)
		if got.UserStatus != types.UserStatusTypeResetRequired {
			t.Fatalf("status after the reset: %s", got.UserStatus)
		}
		_, err := e.pub.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: c.ClientId, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Passw0rd!one"}})
		wantErr[*types.PasswordResetRequiredException](t, err)
		to, code := e.code(t)
		if to != "kim@example.com" {
			t.Fatalf("the code went to %s", to)
		}
		must(e.pub.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: c.ClientId, Username: aws.String("kim"),
			ConfirmationCode: &code, Password: aws.String("Passw0rd!two")})).ok(t)
		e.signIn(t, *c.ClientId, "kim", "Passw0rd!two")

		// Users it cannot reset.
		user("tom") // FORCE_CHANGE_PASSWORD
		user("nomail", attr("email", "nomail@example.com"))
		must(e.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: aws.String("nomail"),
			Password: aws.String("Passw0rd!one"), Permanent: true})).ok(t)
		user("off", attr("email", "off@example.com"), attr("email_verified", "true"))
		must(e.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: aws.String("off"),
			Password: aws.String("Passw0rd!one"), Permanent: true})).ok(t)
		must(e.api.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &id, Username: aws.String("off")})).ok(t)
		for _, tc := range []struct {
			username string
			check    func(error)
		}{
			{"tom", func(err error) { wantErr[*types.NotAuthorizedException](t, err) }},
			{"nomail", func(err error) { wantErr[*types.InvalidParameterException](t, err) }},
			{"off", func(err error) { wantErr[*types.NotAuthorizedException](t, err) }},
			{"nobody", func(err error) { wantErr[*types.UserNotFoundException](t, err) }},
		} {
			var before types.UserStatusType
			if tc.username != "nobody" {
				before = must(e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: &tc.username})).ok(t).UserStatus
			}
			_, err := e.api.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &id, Username: &tc.username})
			tc.check(err)
			if tc.username != "nobody" {
				if after := must(e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: &tc.username})).ok(t).UserStatus; after != before {
					t.Errorf("%s: status %s -> %s after a refused reset", tc.username, before, after)
				}
			}
		}
		// A management action: refused without a signature.
		_, err = e.pub.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &id, Username: aws.String("kim")})
		if err == nil {
			t.Fatal("an unsigned AdminResetUserPassword was accepted")
		}
	})
}
