package user_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/srp"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

const goodPassword = "Corr3ct-Horse!"

func client(p *pool.Pool, prevent string, write ...string) *pool.Client {
	return &pool.Client{UserPoolId: p.Id, ClientId: "testclient", PreventUserExistenceErrors: prevent, WriteAttributes: write}
}

// wantSRP checks that u's stored verifier is the one a client derives from password.
func wantSRP(t *testing.T, p *pool.Pool, u *user.User, password string) {
	t.Helper()
	if len(u.SRPSalt) == 0 || !bytes.Equal(u.SRPVerifier, srp.Verifier(srp.PoolName(p.Id), u.Username, password, u.SRPSalt)) {
		t.Fatalf("srp verifier of %s does not match the password", u.Username)
	}
}

func TestSignUpAndConfirm(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e, _ := codeEnv(t, st)
		p := e.pool(t, pool.Pool{AutoVerifiedAttributes: []string{"email"}, AliasAttributes: []string{"email"},
			SchemaAttributes: []pool.SchemaAttribute{{Name: "given_name", AttributeDataType: pool.TypeString, Mutable: true, Required: true}}})
		c := client(p, pool.PreventUserExistenceLegacy)
		ok := user.SignUpInput{Username: "ann", Password: goodPassword, Attributes: attrs("email", "ann@example.com", "given_name", "Ann")}

		res, err := e.users.SignUp(ctx, c, ok)
		if err != nil {
			t.Fatal(err)
		}
		if res.Confirmed || res.User.Status != user.StatusUnconfirmed || res.Delivery == nil ||
			*res.Delivery != (user.CodeDelivery{Destination: "a***@e***", DeliveryMedium: "EMAIL", AttributeName: "email"}) {
			t.Fatalf("sign-up result %+v (delivery %+v)", res, res.Delivery)
		}
		u, err := e.users.GetBySub(ctx, p.Id, res.User.Sub)
		if err != nil {
			t.Fatal(err)
		}
		wantSRP(t, p, u, goodPassword)

		// Bad sign-ups change nothing.
		for _, tc := range []struct {
			name string
			c    *pool.Client
			in   user.SignUpInput
			want errs.Code
		}{
			{"taken", c, ok, errs.UsernameExists},
			{"no password", c, user.SignUpInput{Username: "bob", Attributes: attrs("given_name", "Bob")}, errs.InvalidParameter},
			{"weak password", c, user.SignUpInput{Username: "bob", Password: "short", Attributes: attrs("given_name", "Bob")}, errs.InvalidPassword},
			{"bad username", c, user.SignUpInput{Username: "bo b", Password: goodPassword, Attributes: attrs("given_name", "Bob")}, errs.InvalidParameter},
			{"email as username", c, user.SignUpInput{Username: "bob@example.com", Password: goodPassword, Attributes: attrs("given_name", "Bob")}, errs.InvalidParameter},
			{"required missing", c, user.SignUpInput{Username: "bob", Password: goodPassword}, errs.InvalidParameter},
			{"verified flag", c, user.SignUpInput{Username: "bob", Password: goodPassword, Attributes: attrs("given_name", "Bob", "email_verified", "true")}, errs.NotAuthorized},
			{"not writable", client(p, "", "email"), user.SignUpInput{Username: "bob", Password: goodPassword, Attributes: attrs("given_name", "Bob")}, errs.NotAuthorized},
			{"unknown attribute", c, user.SignUpInput{Username: "bob", Password: goodPassword, Attributes: attrs("given_name", "Bob", "custom:x", "1")}, errs.InvalidParameter},
			{"bad email", c, user.SignUpInput{Username: "bob", Password: goodPassword, Attributes: attrs("given_name", "Bob", "email", "nope")}, errs.InvalidParameter},
		} {
			_, err := e.users.SignUp(ctx, tc.c, tc.in)
			if !errs.Is(err, tc.want) {
				t.Errorf("%s: got %v, want %s", tc.name, err, tc.want)
			}
		}
		if _, err := e.users.Get(ctx, p.Id, "bob"); !errs.Is(err, errs.UserNotFound) {
			t.Fatalf("a refused sign-up created bob: %v", err)
		}

		// Unconfirmed: no sign-in yet; a wrong code counts, the right one confirms and verifies.
		_, err = e.users.SignIn(ctx, p.Id, "ann", goodPassword)
		mustCode(t, err, errs.UserNotConfirmed)
		code, _ := lastCode(t, st, p.Id)
		_, err = e.users.ConfirmSignUp(ctx, c, "ann", "000000x", false)
		mustCode(t, err, errs.CodeMismatch)
		u, err = e.users.ConfirmSignUp(ctx, c, "ann", code, false)
		if err != nil {
			t.Fatal(err)
		}
		if u.Status != user.StatusConfirmed || u.Attributes["email_verified"] != "true" {
			t.Fatalf("confirmed user %+v", u)
		}
		// The verified email is now an alias to sign in with.
		if _, err := e.users.SignIn(ctx, p.Id, "ann@example.com", goodPassword); err != nil {
			t.Fatal(err)
		}
		_, err = e.users.ConfirmSignUp(ctx, c, "ann", code, false)
		mustCode(t, err, errs.NotAuthorized)

		// A second user with the same email cannot take the alias unless forced.
		res, err = e.users.SignUp(ctx, c, user.SignUpInput{Username: "ann2", Password: goodPassword, Attributes: attrs("email", "ann@example.com", "given_name", "Ann")})
		if err != nil {
			t.Fatal(err)
		}
		code, _ = lastCode(t, st, p.Id)
		_, err = e.users.ConfirmSignUp(ctx, c, "ann2", code, false)
		mustCode(t, err, errs.AliasExists)
		if _, err := e.users.ConfirmSignUp(ctx, c, "ann2", code, true); err != nil {
			t.Fatalf("the code must survive the alias refusal: %v", err)
		}
		if got, _ := e.users.Get(ctx, p.Id, "ann@example.com"); got == nil || got.Sub != res.User.Sub {
			t.Fatal("forced alias did not move")
		}

		// SignUp is refused when only administrators may create users.
		closed := e.pool(t, pool.Pool{AdminCreateUserConfig: pool.AdminCreateUserConfig{AllowAdminCreateUserOnly: true}})
		_, err = e.users.SignUp(ctx, client(closed, ""), user.SignUpInput{Username: "x", Password: goodPassword})
		mustCode(t, err, errs.NotAuthorized)
	})
}

func TestSignUpChannels(t *testing.T) {
	ctx := context.Background()
	e, _ := codeEnv(t, storagetest.Open(t))

	// UsernameAttributes: the username is the sub; phone before email when both auto-verify.
	p := e.pool(t, pool.Pool{UsernameAttributes: []string{"email"}, AutoVerifiedAttributes: []string{"email", "phone_number"}})
	res, err := e.users.SignUp(ctx, client(p, ""), user.SignUpInput{Username: "eve@example.com", Password: goodPassword,
		Attributes: attrs("phone_number", "+12065550100")})
	if err != nil {
		t.Fatal(err)
	}
	if res.User.Username != res.User.Sub || res.User.Attributes["email"] != "eve@example.com" || res.Delivery.DeliveryMedium != "SMS" {
		t.Fatalf("sign-up %+v, delivery %+v", res.User, res.Delivery)
	}
	_, err = e.users.SignUp(ctx, client(p, ""), user.SignUpInput{Username: "EVE@example.com", Password: goodPassword})
	mustCode(t, err, errs.UsernameExists)
	_, err = e.users.SignUp(ctx, client(p, ""), user.SignUpInput{Username: "eve", Password: goodPassword})
	mustCode(t, err, errs.InvalidParameter)

	// Without auto-verified attributes: no code, the user waits for an administrator.
	plain := e.pool(t, pool.Pool{})
	res, err = e.users.SignUp(ctx, client(plain, ""), user.SignUpInput{Username: "al", Password: goodPassword, Attributes: attrs("email", "al@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Delivery != nil || res.Confirmed {
		t.Fatalf("no code expected: %+v", res)
	}
	_, err = e.users.ResendConfirmationCode(ctx, client(plain, ""), "al")
	mustCode(t, err, errs.InvalidParameter)
}

func TestUserExistence(t *testing.T) {
	ctx := context.Background()
	e, _ := codeEnv(t, storagetest.Open(t))
	p := e.pool(t, pool.Pool{AutoVerifiedAttributes: []string{"email"}})
	hide, legacy := client(p, pool.PreventUserExistenceEnabled), client(p, pool.PreventUserExistenceLegacy)

	d1, err := e.users.ForgotPassword(ctx, hide, "nobody")
	if err != nil {
		t.Fatal(err)
	}
	d2, err := e.users.ForgotPassword(ctx, hide, "nobody")
	if err != nil || *d1 != *d2 || d1.DeliveryMedium != "SMS" { // legacy recovery order: SMS first
		t.Fatalf("fake deliveries %+v %+v %v", d1, d2, err)
	}
	if d, err := e.users.ForgotPassword(ctx, hide, "nobody@example.com"); err != nil || d.DeliveryMedium != "EMAIL" || d.Destination != "n***@e***" {
		t.Fatalf("fake delivery to an email username: %+v %v", d, err)
	}
	if d, err := e.users.ResendConfirmationCode(ctx, hide, "nobody"); err != nil || d.DeliveryMedium != "EMAIL" {
		t.Fatalf("fake resend: %+v %v", d, err)
	}
	_, err = e.users.ConfirmSignUp(ctx, hide, "nobody", "123456", false)
	mustCode(t, err, errs.CodeMismatch)
	err = e.users.ConfirmForgotPassword(ctx, hide, "nobody", "123456", goodPassword)
	mustCode(t, err, errs.CodeMismatch)
	err = e.users.ConfirmForgotPassword(ctx, hide, "nobody", "123456", "weak")
	mustCode(t, err, errs.InvalidPassword)

	for name, call := range map[string]func() error{
		"ForgotPassword":         func() error { _, err := e.users.ForgotPassword(ctx, legacy, "nobody"); return err },
		"ResendConfirmationCode": func() error { _, err := e.users.ResendConfirmationCode(ctx, legacy, "nobody"); return err },
		"ConfirmSignUp":          func() error { _, err := e.users.ConfirmSignUp(ctx, legacy, "nobody", "1", false); return err },
		"ConfirmForgotPassword":  func() error { return e.users.ConfirmForgotPassword(ctx, legacy, "nobody", "1", goodPassword) },
	} {
		if err := call(); !errs.Is(err, errs.UserNotFound) {
			t.Errorf("%s with LEGACY: %v, want UserNotFound", name, err)
		}
	}
}

func TestForgotPassword(t *testing.T) {
	ctx := context.Background()
	e, _ := codeEnv(t, storagetest.Open(t))
	st := e.store
	p := e.pool(t, pool.Pool{
		Policies: pool.Policies{PasswordPolicy: pool.PasswordPolicy{MinimumLength: 8, PasswordHistorySize: 2}},
		AccountRecoverySetting: &pool.AccountRecoverySetting{RecoveryMechanisms: []pool.RecoveryOption{
			{Name: "verified_email", Priority: 2}, {Name: "verified_phone_number", Priority: 1}}},
	})
	c := client(p, pool.PreventUserExistenceEnabled)
	u, _ := e.create(t, p.Id, user.AdminCreateUserInput{Username: "kim", Attributes: attrs("email", "kim@example.com", "phone_number", "+12065550100")})

	// A temporary password cannot be reset; nor can a user without a verified channel.
	_, err := e.users.ForgotPassword(ctx, c, "kim")
	mustCode(t, err, errs.NotAuthorized)
	if err := e.users.AdminSetPassword(ctx, p.Id, "kim", goodPassword, true); err != nil {
		t.Fatal(err)
	}
	_, err = e.users.ForgotPassword(ctx, c, "kim")
	mustCode(t, err, errs.InvalidParameter)

	// Email verified only: the code goes by email; both verified: by SMS (priority 1).
	if err := e.users.AdminUpdateAttributes(ctx, p.Id, "kim", attrs("email_verified", "true")); err != nil {
		t.Fatal(err)
	}
	if d, err := e.users.ForgotPassword(ctx, c, "kim"); err != nil || d.DeliveryMedium != "EMAIL" {
		t.Fatalf("delivery %+v %v", d, err)
	}
	if err := e.users.AdminUpdateAttributes(ctx, p.Id, "kim", attrs("phone_number_verified", "true")); err != nil {
		t.Fatal(err)
	}
	if d, err := e.users.ForgotPassword(ctx, c, "kim"); err != nil || d.DeliveryMedium != "SMS" {
		t.Fatalf("delivery %+v %v", d, err)
	}
	code, m := lastCode(t, st, p.Id)
	if m.Channel != message.SMS || m.Type != message.ResetPassword {
		t.Fatalf("message %+v", m)
	}

	// Lock the user out, then reset: bad passwords leave the code usable, the right one
	// confirms and clears the lockout.
	for range user.LockoutThreshold + 1 {
		_, _ = e.users.SignIn(ctx, p.Id, "kim", "Wrong-passw0rd")
	}
	mustCode(t, e.users.ConfirmForgotPassword(ctx, c, "kim", code, "short"), errs.InvalidPassword)
	mustCode(t, e.users.ConfirmForgotPassword(ctx, c, "kim", code, goodPassword), errs.PasswordHistoryViolation)
	mustCode(t, e.users.ConfirmForgotPassword(ctx, c, "kim", "999999x", "N3w-passphrase"), errs.CodeMismatch)
	if err := e.users.ConfirmForgotPassword(ctx, c, "kim", code, "N3w-passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.SignIn(ctx, p.Id, "kim", "N3w-passphrase"); err != nil {
		t.Fatalf("sign in after reset: %v", err)
	}
	got, _ := e.users.GetBySub(ctx, p.Id, u.Sub)
	wantSRP(t, p, got, "N3w-passphrase")
	mustCode(t, e.users.ConfirmForgotPassword(ctx, c, "kim", code, "An0ther-passphrase"), errs.ExpiredCode)

	// admin_only recovery refuses known and unknown users alike.
	admin := e.pool(t, pool.Pool{AccountRecoverySetting: &pool.AccountRecoverySetting{RecoveryMechanisms: []pool.RecoveryOption{{Name: "admin_only", Priority: 1}}}})
	_, err = e.users.ForgotPassword(ctx, client(admin, pool.PreventUserExistenceEnabled), "nobody")
	mustCode(t, err, errs.NotAuthorized)
}

func TestChangePasswordAndProfile(t *testing.T) {
	ctx := context.Background()
	e, _ := codeEnv(t, storagetest.Open(t))
	p := e.pool(t, pool.Pool{
		AutoVerifiedAttributes: []string{"email"},
		SchemaAttributes:       []pool.SchemaAttribute{{Name: "family_name", AttributeDataType: pool.TypeString, Mutable: true, Required: true}},
	})
	c := client(p, "")
	u, temp := e.create(t, p.Id, user.AdminCreateUserInput{Username: "lee"})
	if !u.ProfileIncomplete {
		t.Fatal("expected an incomplete profile")
	}

	// NEW_PASSWORD_REQUIRED: the missing required attribute must come with the password.
	_, err := e.users.CompleteNewPassword(ctx, c, u.Sub, goodPassword, nil)
	mustCode(t, err, errs.InvalidParameter)
	_, err = e.users.CompleteNewPassword(ctx, c, u.Sub, "weak", attrs("family_name", "Lee"))
	mustCode(t, err, errs.InvalidPassword)
	_, err = e.users.CompleteNewPassword(ctx, client(p, "", "email"), u.Sub, goodPassword, attrs("family_name", "Lee"))
	mustCode(t, err, errs.NotAuthorized)
	done, err := e.users.CompleteNewPassword(ctx, c, u.Sub, goodPassword, attrs("family_name", "Lee"))
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != user.StatusConfirmed || done.ProfileIncomplete || done.Attributes["family_name"] != "Lee" {
		t.Fatalf("after new password: %+v", done)
	}
	_, err = e.users.CompleteNewPassword(ctx, c, u.Sub, goodPassword, nil)
	mustCode(t, err, errs.NotAuthorized)
	if _, err := e.users.SignIn(ctx, p.Id, "lee", temp); err == nil {
		t.Fatal("the temporary password still works")
	}

	// ChangePassword: a wrong previous password counts towards the lockout.
	mustCode(t, e.users.ChangePassword(ctx, p.Id, u.Sub, "Wrong-passw0rd", "N3w-passphrase"), errs.NotAuthorized)
	mustCode(t, e.users.ChangePassword(ctx, p.Id, u.Sub, goodPassword, "weak"), errs.InvalidPassword)
	if err := e.users.ChangePassword(ctx, p.Id, u.Sub, goodPassword, "N3w-passphrase"); err != nil {
		t.Fatal(err)
	}
	got, _ := e.users.GetBySub(ctx, p.Id, u.Sub)
	wantSRP(t, p, got, "N3w-passphrase")
	for range user.LockoutThreshold {
		_ = e.users.ChangePassword(ctx, p.Id, u.Sub, "Wrong-passw0rd", "An0ther-passphrase")
	}
	mustCode(t, e.users.ChangePassword(ctx, p.Id, u.Sub, "N3w-passphrase", "An0ther-passphrase"), errs.NotAuthorized) // locked

	// Attribute updates honour WriteAttributes and send a code for a new email.
	_, err = e.users.UpdateAttributes(ctx, client(p, "", "family_name"), u.Sub, attrs("email", "lee@example.com"))
	mustCode(t, err, errs.NotAuthorized)
	ds, err := e.users.UpdateAttributes(ctx, c, u.Sub, attrs("email", "lee@example.com"))
	if err != nil || len(ds) != 1 || ds[0].Destination != "l***@e***" {
		t.Fatalf("deliveries %+v %v", ds, err)
	}
	code, _ := lastCode(t, e.store, p.Id)
	if err := e.users.VerifyAttribute(ctx, p.Id, u.Sub, "email", code); err != nil {
		t.Fatal(err)
	}
	if d, err := e.users.SendAttributeCode(ctx, c, u.Sub, "email"); err != nil || d.AttributeName != "email" {
		t.Fatalf("attribute code %+v %v", d, err)
	}
	_, err = e.users.SendAttributeCode(ctx, c, u.Sub, "family_name")
	mustCode(t, err, errs.InvalidParameter)
	mustCode(t, e.users.DeleteAttributes(ctx, c, u.Sub, []string{"family_name"}), errs.InvalidParameter) // required
	mustCode(t, e.users.DeleteAttributes(ctx, client(p, "", "family_name"), u.Sub, []string{"email"}), errs.NotAuthorized)
	if err := e.users.DeleteAttributes(ctx, c, u.Sub, []string{"email"}); err != nil {
		t.Fatal(err)
	}

	// CompleteProfile fills a required attribute that became missing.
	v, _ := e.create(t, p.Id, user.AdminCreateUserInput{Username: "max"})
	mustCode(t, func() error { _, err := e.users.CompleteProfile(ctx, c, v.Sub, nil); return err }(), errs.InvalidParameter)
	if got, err := e.users.CompleteProfile(ctx, c, v.Sub, attrs("family_name", "Max")); err != nil || got.ProfileIncomplete {
		t.Fatalf("complete profile: %+v %v", got, err)
	}

	if err := e.users.DeleteSelf(ctx, p.Id, u.Sub); err != nil {
		t.Fatal(err)
	}
	mustCode(t, e.users.DeleteSelf(ctx, p.Id, u.Sub), errs.UserNotFound)
}

// A user whose password predates SRP gets a verifier at the next password sign-in.
func TestVerifierAtSignIn(t *testing.T) {
	ctx := context.Background()
	e, _ := codeEnv(t, storagetest.Open(t))
	p := e.pool(t, pool.Pool{})
	u, _ := e.create(t, p.Id, user.AdminCreateUserInput{Username: "old"})
	if err := e.users.AdminSetPassword(ctx, p.Id, "old", goodPassword, true); err != nil {
		t.Fatal(err)
	}
	u, _ = e.users.GetBySub(ctx, p.Id, u.Sub)
	u.SRPSalt, u.SRPVerifier = nil, nil
	if err := e.store.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.SignIn(ctx, p.Id, "old", goodPassword); err != nil {
		t.Fatal(err)
	}
	u, _ = e.users.GetBySub(ctx, p.Id, u.Sub)
	wantSRP(t, p, u, goodPassword)
}
