package cognito_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpool/userpool/cognito"
	keysvc "github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/message/messagetest"
	"github.com/userpool/userpool/message/smtptest"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/srp"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/token"
	"github.com/userpool/userpool/user"
)

const appPublicURL = "https://id.example.com"

// appEnv is the whole App API: sign-in and self-service, with codes delivered by a running
// outbox worker to a real SMTP server.
type appEnv struct {
	*env
	pub   *cip.Client // anonymous, as apps call the public actions
	mail  *smtptest.Server
	seen  int // mails read so far
	keys  *keysvc.Service
	pools *pool.Service
	clk   *clock
}

func newAppEnv(t *testing.T, st *storage.Store) *appEnv {
	t.Helper()
	mail := smtptest.Start(t, smtptest.Options{})
	senders, err := message.NewSenders(message.Config{SMTPURL: "smtp://" + mail.Addr, MailFrom: "Userpool <no-reply@example.com>"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	pools := pool.NewService(st, "local")
	users := user.NewService(st, pools, testHasher())
	users.SetClock(clk.Now)
	worker := messagetest.RunWorker(t, st, senders)
	users.SetMessaging(user.Messaging{CodeKey: []byte("test"), PublicURL: appPublicURL, Wake: worker.Wake})
	sealer, err := seal.New(seal.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	keySvc, err := keysvc.New(st, sealer, keysvc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	e := newServer(t).serve(&cognito.Handler{Pools: pools, Users: users, Messages: st, Now: clk.Now,
		Auth: &cognito.Auth{Sessions: st, Challenges: st, Users: st, Keys: keySvc, Sealer: sealer, PublicURL: appPublicURL}})
	return &appEnv{env: e, pub: e.anon(), mail: mail, keys: keySvc, pools: pools, clk: clk}
}

var codeRE = regexp.MustCompile(`\b[0-9]{6}\b`)

// code waits for the next mail and returns its recipient and the code in it.
func (e *appEnv) code(t *testing.T) (to, code string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a bound on a hang, not a timing check
	defer cancel()
	got := e.mail.Wait(ctx, e.seen+1)
	if len(got) <= e.seen {
		t.Fatalf("no mail after %d", e.seen)
	}
	m := got[e.seen]
	e.seen++
	code = codeRE.FindString(smtptest.Parse(t, m.Data).Text)
	if code == "" {
		t.Fatalf("no code in the mail to %s", m.To)
	}
	return m.To, code
}

// appPool creates a pool (email auto-verified) and an app client with the given settings.
func (e *appEnv) appPool(t *testing.T, in *cip.CreateUserPoolInput, client *cip.CreateUserPoolClientInput) (string, *types.UserPoolClientType) {
	t.Helper()
	if in == nil {
		in = &cip.CreateUserPoolInput{}
	}
	if in.AutoVerifiedAttributes == nil {
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}
	}
	id := e.createPool(t, in)
	if client == nil {
		client = &cip.CreateUserPoolClientInput{}
	}
	client.UserPoolId, client.ClientName = &id, aws.String("app")
	if client.ExplicitAuthFlows == nil {
		client.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth}
	}
	return id, must(e.api.CreateUserPoolClient(t.Context(), client)).ok(t).UserPoolClient
}

func attr(name, value string) types.AttributeType {
	return types.AttributeType{Name: aws.String(name), Value: aws.String(value)}
}

func (e *appEnv) signIn(t *testing.T, clientID, username, password string) *types.AuthenticationResultType {
	t.Helper()
	out := must(e.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password}})).ok(t)
	if out.AuthenticationResult == nil {
		t.Fatalf("no tokens: challenge %s", out.ChallengeName)
	}
	return out.AuthenticationResult
}

// signInSRP signs in with USER_SRP_AUTH as amazon-cognito-identity-js does, proving that the
// verifier stored at the last password set matches the password.
func (e *appEnv) signInSRP(t *testing.T, poolID, clientID, username, password string) *types.AuthenticationResultType {
	t.Helper()
	ctx := t.Context()
	cl := must(srp.NewClient(srp.PoolName(poolID))).ok(t)
	ch := must(e.pub.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserSrpAuth,
		AuthParameters: map[string]string{"USERNAME": username, "SRP_A": cl.A()}})).ok(t)
	p := ch.ChallengeParameters
	ts := srp.Timestamp(e.clk.Now())
	sig := must(cl.Sign(p["USER_ID_FOR_SRP"], password, p["SALT"], p["SRP_B"], p["SECRET_BLOCK"], ts)).ok(t)
	out := must(e.pub.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: ch.ChallengeName, Session: ch.Session,
		ChallengeResponses: map[string]string{"USERNAME": p["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
			"PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts}})).ok(t)
	if out.AuthenticationResult == nil {
		t.Fatalf("no tokens after SRP: challenge %s", out.ChallengeName)
	}
	return out.AuthenticationResult
}

func attrValue(as []types.AttributeType, name string) string {
	for _, a := range as {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

// The whole self-service journey of one user, through the SDK, with codes read from mail.
func TestSelfServiceJourney(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		e := newAppEnv(t, st)
		ctx := t.Context()
		id, c := e.appPool(t, nil, nil)
		cid := c.ClientId

		// Sign up and confirm with the mailed code.
		up := must(e.pub.SignUp(ctx, &cip.SignUpInput{ClientId: cid, Username: aws.String("alice"), Password: aws.String("Passw0rd!one"),
			UserAttributes: []types.AttributeType{attr("email", "alice@example.com"), attr("name", "Alice")}})).ok(t)
		if up.UserConfirmed || aws.ToString(up.UserSub) == "" || up.CodeDeliveryDetails == nil ||
			aws.ToString(up.CodeDeliveryDetails.Destination) != "a***@e***" || up.CodeDeliveryDetails.DeliveryMedium != types.DeliveryMediumTypeEmail {
			t.Fatalf("SignUp = %+v %+v", up, up.CodeDeliveryDetails)
		}
		_, err := e.pub.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": "Passw0rd!one"}})
		wantErr[*types.UserNotConfirmedException](t, err)
		to, code := e.code(t)
		if to != "alice@example.com" {
			t.Fatalf("code went to %s", to)
		}
		must(e.pub.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: cid, Username: aws.String("alice"), ConfirmationCode: &code})).ok(t)

		// Sign in (also with SRP: the verifier was derived at sign-up), refresh, read the profile.
		e.signInSRP(t, id, *cid, "alice", "Passw0rd!one")
		tokens := e.signIn(t, *cid, "alice", "Passw0rd!one")
		refreshed := must(e.pub.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
			AuthParameters: map[string]string{"REFRESH_TOKEN": *tokens.RefreshToken}})).ok(t).AuthenticationResult
		me := must(e.pub.GetUser(ctx, &cip.GetUserInput{AccessToken: refreshed.AccessToken})).ok(t)
		if aws.ToString(me.Username) != "alice" || attrValue(me.UserAttributes, "email_verified") != "true" ||
			attrValue(me.UserAttributes, "sub") != aws.ToString(up.UserSub) {
			t.Fatalf("GetUser = %+v", me)
		}

		// Change the password: the old one stops working.
		_, err = e.pub.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: tokens.AccessToken,
			PreviousPassword: aws.String("wrong-Passw0rd"), ProposedPassword: aws.String("Passw0rd!two")})
		wantErr[*types.NotAuthorizedException](t, err)
		_, err = e.pub.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: tokens.AccessToken,
			PreviousPassword: aws.String("Passw0rd!one"), ProposedPassword: aws.String("short")})
		wantErr[*types.InvalidPasswordException](t, err)
		must(e.pub.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: tokens.AccessToken,
			PreviousPassword: aws.String("Passw0rd!one"), ProposedPassword: aws.String("Passw0rd!two")})).ok(t)
		_, err = e.pub.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": "Passw0rd!one"}})
		wantErr[*types.NotAuthorizedException](t, err)
		e.signInSRP(t, id, *cid, "alice", "Passw0rd!two")

		// Forgot password: a code by mail, and a new password with it.
		fp := must(e.pub.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: cid, Username: aws.String("alice")})).ok(t)
		if aws.ToString(fp.CodeDeliveryDetails.Destination) != "a***@e***" {
			t.Fatalf("ForgotPassword = %+v", fp.CodeDeliveryDetails)
		}
		_, code = e.code(t)
		must(e.pub.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: cid, Username: aws.String("alice"),
			ConfirmationCode: &code, Password: aws.String("Passw0rd!three")})).ok(t)
		e.signInSRP(t, id, *cid, "alice", "Passw0rd!three")
		tokens = e.signIn(t, *cid, "alice", "Passw0rd!three")

		// Change the email: a code goes to the new address; verifying it applies it.
		upd := must(e.pub.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: tokens.AccessToken,
			UserAttributes: []types.AttributeType{attr("email", "ally@example.org"), attr("given_name", "Ally")}})).ok(t)
		if len(upd.CodeDeliveryDetailsList) != 1 || aws.ToString(upd.CodeDeliveryDetailsList[0].Destination) != "a***@e***" {
			t.Fatalf("UpdateUserAttributes = %+v", upd.CodeDeliveryDetailsList)
		}
		to, code = e.code(t)
		if to != "ally@example.org" {
			t.Fatalf("verification went to %s", to)
		}
		_, err = e.pub.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: tokens.AccessToken, AttributeName: aws.String("email"), Code: aws.String("000000")})
		wantErr[*types.CodeMismatchException](t, err)
		must(e.pub.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: tokens.AccessToken, AttributeName: aws.String("email"), Code: &code})).ok(t)
		// A code on request, too.
		gc := must(e.pub.GetUserAttributeVerificationCode(ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: tokens.AccessToken,
			AttributeName: aws.String("email")})).ok(t)
		if gc.CodeDeliveryDetails.AttributeName == nil || *gc.CodeDeliveryDetails.AttributeName != "email" {
			t.Fatalf("GetUserAttributeVerificationCode = %+v", gc.CodeDeliveryDetails)
		}
		e.code(t)
		must(e.pub.DeleteUserAttributes(ctx, &cip.DeleteUserAttributesInput{AccessToken: tokens.AccessToken, UserAttributeNames: []string{"given_name"}})).ok(t)
		me = must(e.pub.GetUser(ctx, &cip.GetUserInput{AccessToken: tokens.AccessToken})).ok(t)
		if attrValue(me.UserAttributes, "email") != "ally@example.org" || attrValue(me.UserAttributes, "email_verified") != "true" ||
			attrValue(me.UserAttributes, "given_name") != "" || attrValue(me.UserAttributes, "name") != "Alice" {
			t.Fatalf("GetUser after updates = %+v", me.UserAttributes)
		}

		// Global sign-out: every earlier access and refresh token is refused.
		must(e.pub.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: tokens.AccessToken})).ok(t)
		for _, at := range []*string{tokens.AccessToken, refreshed.AccessToken} {
			_, err = e.pub.GetUser(ctx, &cip.GetUserInput{AccessToken: at})
			if ex := wantErr[*types.NotAuthorizedException](t, err); ex.ErrorMessage() != "Access Token has been revoked" {
				t.Fatalf("GetUser after sign-out: %v", err)
			}
		}
		_, err = e.pub.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
			AuthParameters: map[string]string{"REFRESH_TOKEN": *tokens.RefreshToken}})
		wantErr[*types.NotAuthorizedException](t, err)

		// Delete the user: gone, and its tokens with it.
		tokens = e.signIn(t, *cid, "alice", "Passw0rd!three")
		must(e.pub.DeleteUser(ctx, &cip.DeleteUserInput{AccessToken: tokens.AccessToken})).ok(t)
		_, err = e.pub.GetUser(ctx, &cip.GetUserInput{AccessToken: tokens.AccessToken})
		wantErr[*types.NotAuthorizedException](t, err)
		_, err = e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: c.UserPoolId, Username: aws.String("alice")})
		wantErr[*types.UserNotFoundException](t, err)
	})
}

func TestConfirmationCodes(t *testing.T) {
	e := newAppEnv(t, storagetest.Open(t))
	ctx := t.Context()
	_, c := e.appPool(t, nil, nil)
	signUp := func(name string) {
		t.Helper()
		must(e.pub.SignUp(ctx, &cip.SignUpInput{ClientId: c.ClientId, Username: aws.String(name), Password: aws.String("Passw0rd!one"),
			UserAttributes: []types.AttributeType{attr("email", name+"@example.com")}})).ok(t)
	}
	confirm := func(name, code string) error {
		_, err := e.pub.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: c.ClientId, Username: aws.String(name), ConfirmationCode: aws.String(code)})
		return err
	}

	// Wrong codes count; after the limit even the right one is refused until a new code.
	signUp("bob")
	_, code := e.code(t)
	for range user.MaxCodeAttempts {
		wantErr[*types.CodeMismatchException](t, confirm("bob", "999999"))
	}
	wantErr[*types.LimitExceededException](t, confirm("bob", code))
	rs := must(e.pub.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: c.ClientId, Username: aws.String("bob")})).ok(t)
	if aws.ToString(rs.CodeDeliveryDetails.Destination) != "b***@e***" {
		t.Fatalf("ResendConfirmationCode = %+v", rs.CodeDeliveryDetails)
	}
	_, code = e.code(t)
	if err := confirm("bob", code); err != nil {
		t.Fatal(err)
	}
	_, err := e.pub.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: c.ClientId, Username: aws.String("bob")})
	wantErr[*types.InvalidParameterException](t, err)
	wantErr[*types.NotAuthorizedException](t, confirm("bob", code))

	// Sign-up codes expire after 24 hours.
	signUp("cat")
	_, code = e.code(t)
	e.clk.Advance(25 * time.Hour)
	wantErr[*types.ExpiredCodeException](t, confirm("cat", code))
	e.clk.Advance(-25 * time.Hour) // SigV4 checks the signing time against the same clock

	// Bad sign-ups.
	_, err = e.pub.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String("nosuchclient0000000000000"), Username: aws.String("x"), Password: aws.String("Passw0rd!one")})
	wantErr[*types.ResourceNotFoundException](t, err)
	_, err = e.pub.SignUp(ctx, &cip.SignUpInput{ClientId: c.ClientId, Username: aws.String("bob"), Password: aws.String("Passw0rd!one")})
	wantErr[*types.UsernameExistsException](t, err)
	_, err = e.pub.SignUp(ctx, &cip.SignUpInput{ClientId: c.ClientId, Username: aws.String("dan"), Password: aws.String("weak")})
	wantErr[*types.InvalidPasswordException](t, err)
	_, err = e.pub.SignUp(ctx, &cip.SignUpInput{ClientId: c.ClientId, Username: aws.String("dan"), Password: aws.String("Passw0rd!one"),
		UserAttributes: []types.AttributeType{attr("email_verified", "true")}})
	wantErr[*types.NotAuthorizedException](t, err)

	_, closed := e.appPool(t, &cip.CreateUserPoolInput{AdminCreateUserConfig: &types.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true}}, nil)
	_, err = e.pub.SignUp(ctx, &cip.SignUpInput{ClientId: closed.ClientId, Username: aws.String("dan"), Password: aws.String("Passw0rd!one")})
	if ex := wantErr[*types.NotAuthorizedException](t, err); ex.ErrorMessage() != "SignUp is not permitted for this user pool" {
		t.Fatalf("message %q", ex.ErrorMessage())
	}
}

func TestSelfServiceSecretHash(t *testing.T) {
	e := newAppEnv(t, storagetest.Open(t))
	ctx := t.Context()
	_, c := e.appPool(t, nil, &cip.CreateUserPoolClientInput{GenerateSecret: true})
	hash := cognito.SecretHash(*c.ClientSecret, "eve", *c.ClientId)
	in := func(h string) *cip.SignUpInput {
		return &cip.SignUpInput{ClientId: c.ClientId, Username: aws.String("eve"), Password: aws.String("Passw0rd!one"), SecretHash: &h,
			UserAttributes: []types.AttributeType{attr("email", "eve@example.com")}}
	}
	_, err := e.pub.SignUp(ctx, &cip.SignUpInput{ClientId: c.ClientId, Username: aws.String("eve"), Password: aws.String("Passw0rd!one")})
	wantErr[*types.NotAuthorizedException](t, err)
	_, err = e.pub.SignUp(ctx, in(cognito.SecretHash(*c.ClientSecret, "mallory", *c.ClientId)))
	if ex := wantErr[*types.NotAuthorizedException](t, err); !strings.HasPrefix(ex.ErrorMessage(), "Unable to verify secret hash for client") {
		t.Fatalf("message %q", ex.ErrorMessage())
	}
	must(e.pub.SignUp(ctx, in(hash))).ok(t)
	_, code := e.code(t)
	_, err = e.pub.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: c.ClientId, Username: aws.String("eve"), ConfirmationCode: &code, SecretHash: aws.String("bad")})
	wantErr[*types.NotAuthorizedException](t, err)
	must(e.pub.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: c.ClientId, Username: aws.String("eve"), ConfirmationCode: &code, SecretHash: &hash})).ok(t)
	_, err = e.pub.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: c.ClientId, Username: aws.String("eve")})
	wantErr[*types.NotAuthorizedException](t, err)
	must(e.pub.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: c.ClientId, Username: aws.String("eve"), SecretHash: &hash})).ok(t)
	_, code = e.code(t)
	_, err = e.pub.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: c.ClientId, Username: aws.String("eve"),
		ConfirmationCode: &code, Password: aws.String("Passw0rd!two")})
	wantErr[*types.NotAuthorizedException](t, err)
	must(e.pub.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: c.ClientId, Username: aws.String("eve"),
		ConfirmationCode: &code, Password: aws.String("Passw0rd!two"), SecretHash: &hash})).ok(t)
}

// PreventUserExistenceErrors: ENABLED answers an unknown user as a known one; LEGACY says
// UserNotFoundException.
func TestUserExistenceErrors(t *testing.T) {
	e := newAppEnv(t, storagetest.Open(t))
	ctx := t.Context()
	id, hide := e.appPool(t, nil, &cip.CreateUserPoolClientInput{PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled})
	legacy := must(e.api.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &id, ClientName: aws.String("legacy"),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesLegacy})).ok(t).UserPoolClient

	fp := must(e.pub.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: hide.ClientId, Username: aws.String("ghost@example.com")})).ok(t)
	if aws.ToString(fp.CodeDeliveryDetails.Destination) != "g***@e***" || fp.CodeDeliveryDetails.DeliveryMedium != types.DeliveryMediumTypeEmail {
		t.Fatalf("pretend delivery %+v", fp.CodeDeliveryDetails)
	}
	rs := must(e.pub.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: hide.ClientId, Username: aws.String("ghost")})).ok(t)
	if rs.CodeDeliveryDetails == nil || rs.CodeDeliveryDetails.DeliveryMedium != types.DeliveryMediumTypeEmail {
		t.Fatalf("pretend resend %+v", rs.CodeDeliveryDetails)
	}
	_, err := e.pub.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: hide.ClientId, Username: aws.String("ghost"), ConfirmationCode: aws.String("123456")})
	wantErr[*types.CodeMismatchException](t, err)
	_, err = e.pub.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: hide.ClientId, Username: aws.String("ghost"),
		ConfirmationCode: aws.String("123456"), Password: aws.String("Passw0rd!one")})
	wantErr[*types.CodeMismatchException](t, err)

	_, err = e.pub.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: legacy.ClientId, Username: aws.String("ghost")})
	wantErr[*types.UserNotFoundException](t, err)
	_, err = e.pub.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: legacy.ClientId, Username: aws.String("ghost")})
	wantErr[*types.UserNotFoundException](t, err)
	_, err = e.pub.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: legacy.ClientId, Username: aws.String("ghost"), ConfirmationCode: aws.String("123456")})
	wantErr[*types.UserNotFoundException](t, err)
	_, err = e.pub.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: legacy.ClientId, Username: aws.String("ghost"),
		ConfirmationCode: aws.String("123456"), Password: aws.String("Passw0rd!one")})
	wantErr[*types.UserNotFoundException](t, err)

	// A known user without a verified channel cannot reset.
	e.createUser(t, id, "kim", "email", "kim@example.com")
	must(e.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: aws.String("kim"), Password: aws.String("Passw0rd!one"), Permanent: true})).ok(t)
	_, err = e.pub.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: hide.ClientId, Username: aws.String("kim")})
	if ex := wantErr[*types.InvalidParameterException](t, err); ex.ErrorMessage() != "Cannot reset password for the user as there is no registered/verified email or phone_number" {
		t.Fatalf("message %q", ex.ErrorMessage())
	}
}

// Access tokens: only this pool's, unexpired, with the admin scope, not revoked, of a live user.
func TestAccessTokenChecks(t *testing.T) {
	e := newAppEnv(t, storagetest.Open(t))
	ctx := t.Context()
	id, c := e.appPool(t, nil, nil)
	otherID, _ := e.appPool(t, nil, nil)
	u := e.createUser(t, id, "kim", "email", "kim@example.com")
	must(e.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: aws.String("kim"), Password: aws.String("Passw0rd!one"), Permanent: true})).ok(t)
	tokens := e.signIn(t, *c.ClientId, "kim", "Passw0rd!one")
	claims := mustClaims(t, e, id, *tokens.AccessToken)

	p := must(e.pools.GetPool(ctx, id)).ok(t)
	other := must(e.pools.GetPool(ctx, otherID)).ok(t)
	cl := must(e.pools.GetClient(ctx, id, *c.ClientId)).ok(t)
	sub := attrValue(u.Attributes, "sub")
	mint := func(pl *pool.Pool, issuer string, scopes []string, issued time.Time) string {
		m := must((&token.Minter{Keys: e.keys}).Mint(ctx, token.MintInput{Pool: pl, Issuer: issuer, Client: cl,
			User: token.User{Sub: sub, Username: "kim"}, Scopes: scopes, AuthTime: issued, IssuedAt: issued,
			OriginJTI: claims.String("origin_jti")})).ok(t)
		return m.AccessToken
	}
	for _, tc := range []struct {
		name, token, message string
	}{
		{"malformed", "not-a-jwt", "Invalid Access Token"},
		{"another pool's key", mint(other, appPublicURL+"/"+id, []string{token.ScopeCognitoAdmin}, time.Now()), "Invalid Access Token"},
		{"another issuer", mint(p, "https://evil.example.com/"+id, []string{token.ScopeCognitoAdmin}, time.Now()), "Invalid Access Token"},
		{"expired", mint(p, appPublicURL+"/"+id, []string{token.ScopeCognitoAdmin}, time.Now().Add(-2*time.Hour)), "Access Token has expired"},
		{"missing scope", mint(p, appPublicURL+"/"+id, []string{"openid", "email"}, time.Now()), "Access Token does not have required scopes"},
		{"id token", *tokens.IdToken, "Invalid Access Token"},
	} {
		_, err := e.pub.GetUser(ctx, &cip.GetUserInput{AccessToken: &tc.token})
		if ex := wantErr[*types.NotAuthorizedException](t, err); ex.ErrorMessage() != tc.message {
			t.Errorf("%s: message %q, want %q", tc.name, ex.ErrorMessage(), tc.message)
		}
	}
	// The same checks guard every token-authorised action.
	_, err := e.pub.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: aws.String("not-a-jwt"),
		UserAttributes: []types.AttributeType{attr("name", "x")}})
	wantErr[*types.NotAuthorizedException](t, err)
	_, err = e.pub.DeleteUser(ctx, &cip.DeleteUserInput{AccessToken: aws.String("not-a-jwt")})
	wantErr[*types.NotAuthorizedException](t, err)

	// Disabled: refused; the administrator's global sign-out revokes the rest.
	second := e.signIn(t, *c.ClientId, "kim", "Passw0rd!one")
	must(e.api.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &id, Username: aws.String("kim")})).ok(t)
	_, err = e.pub.GetUser(ctx, &cip.GetUserInput{AccessToken: second.AccessToken})
	if ex := wantErr[*types.NotAuthorizedException](t, err); ex.ErrorMessage() != "Access Token has been revoked" {
		t.Fatalf("after AdminUserGlobalSignOut: %q", ex.ErrorMessage())
	}
	_, err = e.api.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &id, Username: aws.String("nobody")})
	wantErr[*types.UserNotFoundException](t, err)
	// AdminUserGlobalSignOut needs SigV4.
	_, err = e.pub.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &id, Username: aws.String("kim")})
	if err == nil {
		t.Fatal("AdminUserGlobalSignOut without a signature succeeded")
	}
}

// mustClaims verifies a token of pool poolID and returns its claims.
func mustClaims(t *testing.T, e *appEnv, poolID, raw string) token.Claims {
	t.Helper()
	v := &token.Verifier{Keys: e.keys}
	return must(v.Verify(t.Context(), poolID, appPublicURL+"/"+poolID, raw, token.UseAccess)).ok(t)
}
