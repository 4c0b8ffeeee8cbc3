package user_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

type env struct {
	store *storage.Store
	pools *pool.Service
	users *user.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := storagetest.Open(t)
	pools := pool.NewService(st, "local")
	return &env{store: st, pools: pools, users: user.NewService(st, pools, user.DefaultHasher())}
}

func (e *env) pool(t *testing.T, in pool.Pool) *pool.Pool {
	t.Helper()
	if in.Name == "" {
		in.Name = "test"
	}
	p, err := e.pools.CreatePool(context.Background(), &in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *env) create(t *testing.T, poolID string, in user.AdminCreateUserInput) (*user.User, string) {
	t.Helper()
	if in.MessageAction == "" {
		in.MessageAction = "SUPPRESS"
	}
	u, pw, err := e.users.AdminCreateUser(context.Background(), poolID, in)
	if err != nil {
		t.Fatalf("AdminCreateUser(%q): %v", in.Username, err)
	}
	return u, pw
}

func mustCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func attrs(kv ...string) []user.Attribute {
	var out []user.Attribute
	for i := 0; i < len(kv); i += 2 {
		out = append(out, user.Attribute{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestAdminCreateUser(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	p := e.pool(t, pool.Pool{SchemaAttributes: []pool.SchemaAttribute{{Name: "given_name", Required: true}}})
	u, pw := e.create(t, p.Id, user.AdminCreateUserInput{Username: "Ann", Attributes: attrs("email", "ann@example.com")})
	if u.Status != user.StatusForceChangePassword || !u.Enabled || u.UsernameKey != "ann" || u.Username != "Ann" ||
		u.TemporaryPasswordExpiresAt == nil || !u.ProfileIncomplete || len(u.Sub) != 36 {
		t.Errorf("created user %+v", u)
	}
	if days := time.Until(*u.TemporaryPasswordExpiresAt).Hours() / 24; days < 6.9 || days > 7.1 {
		t.Errorf("temporary password expires in %.1f days, want 7", days)
	}
	if err := user.CheckPassword(p.Policies.PasswordPolicy, pw); err != nil {
		t.Errorf("generated temporary password fails the policy: %v", err)
	}
	if _, err := e.users.Authenticate(ctx, p.Id, "ANN", pw); err != nil {
		t.Errorf("authenticate with the temporary password: %v", err)
	}
	for _, name := range []string{"Ann", "ann", "ANN", u.Sub} {
		if got, err := e.users.Get(ctx, p.Id, name); err != nil || got.Sub != u.Sub {
			t.Errorf("Get(%q) = %v, %v", name, got, err)
		}
	}
	_, err := e.users.Get(ctx, p.Id, "ann@example.com")
	mustCode(t, err, errs.UserNotFound) // email is not an alias in this pool

	_, _, err = e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "aNN"})
	mustCode(t, err, errs.UsernameExists)

	bad := []struct {
		in   user.AdminCreateUserInput
		code errs.Code
	}{
		{user.AdminCreateUserInput{Username: "bob smith"}, errs.InvalidParameter},
		{user.AdminCreateUserInput{Username: ""}, errs.InvalidParameter},
		{user.AdminCreateUserInput{Username: "bob", MessageAction: "EMAIL"}, errs.InvalidParameter},
		{user.AdminCreateUserInput{Username: "bob", Attributes: attrs("email", "not-an-email")}, errs.InvalidParameter},
		{user.AdminCreateUserInput{Username: "bob", Attributes: attrs("custom:nope", "x")}, errs.InvalidParameter},
		{user.AdminCreateUserInput{Username: "bob", Attributes: attrs("sub", "x")}, errs.InvalidParameter},
		{user.AdminCreateUserInput{Username: "bob", TemporaryPassword: "weak"}, errs.InvalidPassword},
		{user.AdminCreateUserInput{Username: "bob", TemporaryPassword: "Bob"}, errs.InvalidPassword},
	}
	for _, tt := range bad {
		_, _, err := e.users.AdminCreateUser(ctx, p.Id, tt.in)
		mustCode(t, err, tt.code)
	}
	_, err = e.users.Get(ctx, p.Id, "bob")
	mustCode(t, err, errs.UserNotFound)
	_, _, err = e.users.AdminCreateUser(ctx, "local_missing00", user.AdminCreateUserInput{Username: "bob"})
	mustCode(t, err, errs.ResourceNotFound)

	// A case-sensitive pool keeps Ann and ann apart.
	cs := e.pool(t, pool.Pool{UsernameConfiguration: pool.UsernameConfiguration{CaseSensitive: true}})
	e.create(t, cs.Id, user.AdminCreateUserInput{Username: "Ann"})
	e.create(t, cs.Id, user.AdminCreateUserInput{Username: "ann"})
	_, err = e.users.Get(ctx, cs.Id, "ANN")
	mustCode(t, err, errs.UserNotFound)
}

func TestResend(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	p := e.pool(t, pool.Pool{})
	_, old := e.create(t, p.Id, user.AdminCreateUserInput{Username: "ann"})
	u, pw, err := e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "ann", MessageAction: "RESEND"})
	if err != nil {
		t.Fatal(err)
	}
	if pw == old || u.Status != user.StatusForceChangePassword {
		t.Fatalf("resend gave %q (old %q), status %s", pw, old, u.Status)
	}
	if _, err := e.users.Authenticate(ctx, p.Id, "ann", old); !errs.Is(err, errs.NotAuthorized) {
		t.Errorf("old temporary password still works: %v", err)
	}
	if _, err := e.users.Authenticate(ctx, p.Id, "ann", pw); err != nil {
		t.Errorf("new temporary password: %v", err)
	}
	_, _, err = e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "nobody", MessageAction: "RESEND"})
	mustCode(t, err, errs.UserNotFound)
	if err := e.users.AdminSetPassword(ctx, p.Id, "ann", "Perm4nent!", true); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "ann", MessageAction: "RESEND"})
	mustCode(t, err, errs.UnsupportedUserState)
}

func TestUsernameAttributesPool(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	p := e.pool(t, pool.Pool{UsernameAttributes: []string{"email", "phone_number"}})
	u, pw := e.create(t, p.Id, user.AdminCreateUserInput{Username: "Ann@Example.com"})
	if u.Username != u.Sub || u.Attributes["email"] != "Ann@Example.com" || u.AliasKeys["email"] != "ann@example.com" {
		t.Errorf("user %+v", u)
	}
	for _, name := range []string{"ann@example.com", "ANN@EXAMPLE.COM", u.Sub} {
		if got, err := e.users.Get(ctx, p.Id, name); err != nil || got.Sub != u.Sub {
			t.Errorf("Get(%q) = %v, %v", name, got, err)
		}
	}
	if _, err := e.users.Authenticate(ctx, p.Id, "ann@example.com", pw); err != nil {
		t.Error(err)
	}
	phone, _ := e.create(t, p.Id, user.AdminCreateUserInput{Username: "+14155550100"})
	if phone.Attributes["phone_number"] != "+14155550100" {
		t.Errorf("phone user %+v", phone)
	}
	_, _, err := e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "ann@EXAMPLE.com"})
	mustCode(t, err, errs.UsernameExists)
	_, _, err = e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "ann"})
	mustCode(t, err, errs.InvalidParameter)
	_, _, err = e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "bob@example.com", Attributes: attrs("email", "other@example.com")})
	mustCode(t, err, errs.InvalidParameter)
	// The email is the username: it cannot be deleted.
	mustCode(t, e.users.AdminDeleteAttributes(ctx, p.Id, u.Sub, []string{"email"}), errs.InvalidParameter)
}

func TestAliases(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	p := e.pool(t, pool.Pool{AliasAttributes: []string{"email", "preferred_username"}})
	_, _, err := e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "ann@example.com"})
	mustCode(t, err, errs.InvalidParameter)

	ann, _ := e.create(t, p.Id, user.AdminCreateUserInput{Username: "ann",
		Attributes: attrs("email", "Shared@Example.com", "email_verified", "true", "preferred_username", "Annie")})
	for _, name := range []string{"shared@example.com", "annie", "ANNIE"} {
		if got, err := e.users.Get(ctx, p.Id, name); err != nil || got.Sub != ann.Sub {
			t.Errorf("Get(%q) = %v, %v", name, got, err)
		}
	}
	// An unverified email gives no alias, so it does not conflict.
	e.create(t, p.Id, user.AdminCreateUserInput{Username: "carl", Attributes: attrs("email", "shared@example.com")})
	verified := user.AdminCreateUserInput{Username: "bob", Attributes: attrs("email", "shared@example.com", "email_verified", "true")}
	_, _, err = e.users.AdminCreateUser(ctx, p.Id, verified)
	mustCode(t, err, errs.AliasExists)
	_, _, err = e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "dora", Attributes: attrs("preferred_username", "annie"), ForceAliasCreation: true})
	mustCode(t, err, errs.AliasExists)

	verified.ForceAliasCreation = true
	bob, _ := e.create(t, p.Id, verified)
	if got, err := e.users.Get(ctx, p.Id, "shared@example.com"); err != nil || got.Sub != bob.Sub {
		t.Errorf("alias not moved to bob: %v, %v", got, err)
	}
	ann, err = e.users.Get(ctx, p.Id, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if ann.Attributes["email_verified"] != "false" || ann.AliasKeys["email"] != "" || ann.Attributes["email"] != "Shared@Example.com" {
		t.Errorf("ann after the move: %+v", ann)
	}
	// Verifying ann's email again conflicts with bob.
	mustCode(t, e.users.AdminUpdateAttributes(ctx, p.Id, "ann", attrs("email_verified", "true")), errs.AliasExists)
}

func TestUpdateAndDeleteAttributes(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	p := e.pool(t, pool.Pool{SchemaAttributes: []pool.SchemaAttribute{
		{Name: "family_name", Required: true},
		{Name: "tenant", AttributeDataType: "String", Mutable: false},
		{Name: "age", AttributeDataType: "Number", Mutable: true, NumberAttributeConstraints: &pool.NumberAttributeConstraints{MinValue: "0", MaxValue: "150"}},
	}})
	u, _ := e.create(t, p.Id, user.AdminCreateUserInput{Username: "ann",
		Attributes: attrs("email", "ann@example.com", "email_verified", "true", "custom:tenant", "acme", "phone_number", "+14155550100", "phone_number_verified", "true")})
	if !u.ProfileIncomplete {
		t.Error("user without the required family_name is not ProfileIncomplete")
	}
	if err := e.users.AdminUpdateAttributes(ctx, p.Id, "ann", attrs("email", "new@example.com", "family_name", "Smith", "custom:age", "42")); err != nil {
		t.Fatal(err)
	}
	u, _ = e.users.Get(ctx, p.Id, "ann")
	if u.Attributes["email"] != "new@example.com" || u.Attributes["email_verified"] != "false" || u.ProfileIncomplete || u.Attributes["custom:age"] != "42" {
		t.Errorf("after update: %+v", u)
	}
	// A new phone number with its verified flag in the same call stays verified.
	if err := e.users.AdminUpdateAttributes(ctx, p.Id, "ann", attrs("phone_number", "+14155550199", "phone_number_verified", "true")); err != nil {
		t.Fatal(err)
	}
	u, _ = e.users.Get(ctx, p.Id, "ann")
	if u.Attributes["phone_number_verified"] != "true" {
		t.Errorf("phone_number_verified = %q", u.Attributes["phone_number_verified"])
	}
	badUpdates := [][]user.Attribute{
		attrs("custom:tenant", "other"),
		attrs("sub", "x"),
		attrs("custom:age", "200"),
		attrs("birthdate", "1990-13-01"),
		attrs("nope", "x"),
		attrs("family_name", ""),
	}
	for _, a := range badUpdates {
		mustCode(t, e.users.AdminUpdateAttributes(ctx, p.Id, "ann", a), errs.InvalidParameter)
	}
	mustCode(t, e.users.AdminUpdateAttributes(ctx, p.Id, "nobody", attrs("name", "x")), errs.UserNotFound)

	for _, names := range [][]string{nil, {"family_name"}, {"sub"}, {"custom:tenant"}, {"nope"}} {
		mustCode(t, e.users.AdminDeleteAttributes(ctx, p.Id, "ann", names), errs.InvalidParameter)
	}
	if err := e.users.AdminDeleteAttributes(ctx, p.Id, "ann", []string{"email", "custom:age"}); err != nil {
		t.Fatal(err)
	}
	u, _ = e.users.Get(ctx, p.Id, "ann")
	if _, ok := u.Attributes["email"]; ok || u.Attributes["email_verified"] != "" || u.Attributes["custom:age"] != "" || u.Attributes["custom:tenant"] != "acme" {
		t.Errorf("after delete: %+v", u.Attributes)
	}
}

func TestPasswordsAndStatus(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	p := e.pool(t, pool.Pool{Policies: pool.Policies{PasswordPolicy: pool.PasswordPolicy{
		MinimumLength: 8, RequireNumbers: true, PasswordHistorySize: 2}}})
	e.create(t, p.Id, user.AdminCreateUserInput{Username: "ann"})
	mustCode(t, e.users.AdminSetPassword(ctx, p.Id, "ann", "nodigits", true), errs.InvalidPassword)
	mustCode(t, e.users.AdminSetPassword(ctx, p.Id, "ann", "", true), errs.InvalidParameter)
	mustCode(t, e.users.AdminSetPassword(ctx, p.Id, "nobody", "password1", true), errs.UserNotFound)

	if err := e.users.AdminSetPassword(ctx, p.Id, "ann", "password1", true); err != nil {
		t.Fatal(err)
	}
	u, _ := e.users.Get(ctx, p.Id, "ann")
	if u.Status != user.StatusConfirmed || u.TemporaryPasswordExpiresAt != nil {
		t.Errorf("after permanent set: %s %v", u.Status, u.TemporaryPasswordExpiresAt)
	}
	if _, err := e.users.Authenticate(ctx, p.Id, "ann", "password1"); err != nil {
		t.Fatal(err)
	}
	// History of 2: the current and the previous password cannot be reused.
	mustCode(t, e.users.AdminSetPassword(ctx, p.Id, "ann", "password1", true), errs.PasswordHistoryViolation)
	if err := e.users.AdminSetPassword(ctx, p.Id, "ann", "password2", true); err != nil {
		t.Fatal(err)
	}
	mustCode(t, e.users.AdminSetPassword(ctx, p.Id, "ann", "password1", true), errs.PasswordHistoryViolation)
	if err := e.users.AdminSetPassword(ctx, p.Id, "ann", "password3", true); err != nil {
		t.Fatal(err)
	}
	if err := e.users.AdminSetPassword(ctx, p.Id, "ann", "password1", true); err != nil {
		t.Errorf("a password older than the history was refused: %v", err)
	}

	// A temporary password puts the user back in FORCE_CHANGE_PASSWORD.
	if err := e.users.AdminSetPassword(ctx, p.Id, "ann", "temporary9", false); err != nil {
		t.Fatal(err)
	}
	u, _ = e.users.Get(ctx, p.Id, "ann")
	if u.Status != user.StatusForceChangePassword || u.TemporaryPasswordExpiresAt == nil {
		t.Errorf("after temporary set: %s", u.Status)
	}

	err := e.users.AdminConfirmSignUp(ctx, p.Id, "ann")
	mustCode(t, err, errs.NotAuthorized)
	if !strings.Contains(err.Error(), "User cannot be confirmed. Current status is FORCE_CHANGE_PASSWORD") {
		t.Errorf("message: %v", err)
	}
	unconfirmed := &user.User{PoolID: p.Id, Sub: "6f1c2b0e-0000-4000-8000-000000000001", Username: "carl", UsernameKey: "carl",
		Status: user.StatusUnconfirmed, Enabled: true, Attributes: map[string]string{}}
	if err := e.store.CreateUser(ctx, unconfirmed); err != nil {
		t.Fatal(err)
	}
	if err := e.users.AdminConfirmSignUp(ctx, p.Id, "carl"); err != nil {
		t.Fatal(err)
	}
	if u, _ := e.users.Get(ctx, p.Id, "carl"); u.Status != user.StatusConfirmed {
		t.Errorf("carl is %s", u.Status)
	}

	if err := e.users.SetEnabled(ctx, p.Id, "ann", false); err != nil {
		t.Fatal(err)
	}
	_, err = e.users.Authenticate(ctx, p.Id, "ann", "temporary9")
	mustCode(t, err, errs.NotAuthorized)
	if !strings.Contains(err.Error(), "User is disabled.") {
		t.Errorf("disabled: %v", err)
	}
	if err := e.users.AdminDeleteUser(ctx, p.Id, "ann"); err != nil {
		t.Fatal(err)
	}
	mustCode(t, e.users.AdminDeleteUser(ctx, p.Id, "ann"), errs.UserNotFound)
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	p := e.pool(t, pool.Pool{})
	e.create(t, p.Id, user.AdminCreateUserInput{Username: "ann", TemporaryPassword: "Temp0rary!"})

	_, err := e.users.Authenticate(ctx, p.Id, "ann", "wrong")
	mustCode(t, err, errs.NotAuthorized)
	if errors.Is(err, user.ErrUnknownUser) {
		t.Error("a wrong password reports an unknown user")
	}
	_, err = e.users.Authenticate(ctx, p.Id, "nobody", "Temp0rary!")
	mustCode(t, err, errs.NotAuthorized)
	if !errors.Is(err, user.ErrUnknownUser) || !strings.Contains(err.Error(), "Incorrect username or password.") {
		t.Errorf("unknown user: %v", err)
	}

	// An imported bcrypt hash signs in and is re-hashed to argon2id.
	hash, err := bcrypt.GenerateFromPassword([]byte("Imp0rted!"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	imported := &user.User{PoolID: p.Id, Sub: "6f1c2b0e-0000-4000-8000-000000000002", Username: "old", UsernameKey: "old",
		Status: user.StatusConfirmed, Enabled: true, PasswordHash: string(hash), Attributes: map[string]string{}}
	if err := e.store.CreateUser(ctx, imported); err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.Authenticate(ctx, p.Id, "old", "Imp0rted!"); err != nil {
		t.Fatal(err)
	}
	u, _ := e.users.Get(ctx, p.Id, "old")
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Errorf("hash not upgraded: %s", u.PasswordHash[:8])
	}
	if _, err := e.users.Authenticate(ctx, p.Id, "old", "Imp0rted!"); err != nil {
		t.Errorf("sign-in after the rehash: %v", err)
	}

	// Expired temporary password.
	expired := time.Now().Add(-time.Hour)
	u, _ = e.users.Get(ctx, p.Id, "ann")
	u.TemporaryPasswordExpiresAt = &expired
	if err := e.store.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	_, err = e.users.Authenticate(ctx, p.Id, "ann", "Temp0rary!")
	mustCode(t, err, errs.NotAuthorized)
	if !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired temporary password: %v", err)
	}
}

func TestListAndGroups(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	p := e.pool(t, pool.Pool{})
	for _, name := range []string{"Alice", "alfred", "bob"} {
		e.create(t, p.Id, user.AdminCreateUserInput{Username: name, Attributes: attrs("email", strings.ToLower(name)+"@example.com")})
	}
	tests := []struct {
		filter string
		want   int
	}{
		{"", 3},
		{`username ^= "AL"`, 2},
		{`username = "alice"`, 1},
		{`email = "bob@example.com"`, 1},
		{`cognito:user_status = "force_change_password"`, 3},
		{`status = "Enabled"`, 3},
		{`status = "Disabled"`, 0},
	}
	for _, tt := range tests {
		users, _, err := e.users.List(ctx, p.Id, tt.filter, pool.Page{})
		if err != nil {
			t.Fatalf("List(%q): %v", tt.filter, err)
		}
		if len(users) != tt.want {
			t.Errorf("List(%q) = %d users, want %d", tt.filter, len(users), tt.want)
		}
	}
	_, _, err := e.users.List(ctx, p.Id, `custom:x = "1"`, pool.Page{})
	mustCode(t, err, errs.InvalidParameter)
	_, _, err = e.users.List(ctx, p.Id, "", pool.Page{Limit: 61})
	mustCode(t, err, errs.InvalidParameter)
	_, _, err = e.users.List(ctx, "local_missing00", "", pool.Page{})
	mustCode(t, err, errs.ResourceNotFound)

	if _, err := e.pools.CreateGroup(ctx, &pool.Group{UserPoolId: p.Id, GroupName: "admins"}); err != nil {
		t.Fatal(err)
	}
	mustCode(t, e.users.AddToGroup(ctx, p.Id, "bob", "nogroup"), errs.ResourceNotFound)
	mustCode(t, e.users.AddToGroup(ctx, p.Id, "nobody", "admins"), errs.UserNotFound)
	for range 2 { // idempotent
		if err := e.users.AddToGroup(ctx, p.Id, "BOB", "admins"); err != nil {
			t.Fatal(err)
		}
	}
	groups, _, err := e.users.ListGroupsForUser(ctx, p.Id, "bob", pool.Page{})
	if err != nil || len(groups) != 1 || groups[0].GroupName != "admins" {
		t.Fatalf("ListGroupsForUser = %v, %v", groups, err)
	}
	members, _, err := e.users.ListUsersInGroup(ctx, p.Id, "admins", pool.Page{})
	if err != nil || len(members) != 1 || members[0].Username != "bob" {
		t.Fatalf("ListUsersInGroup = %v, %v", members, err)
	}
	_, _, err = e.users.ListUsersInGroup(ctx, p.Id, "nogroup", pool.Page{})
	mustCode(t, err, errs.ResourceNotFound)
	_, _, err = e.users.ListGroupsForUser(ctx, p.Id, "bob", pool.Page{Limit: 61})
	mustCode(t, err, errs.InvalidParameter)
	if err := e.users.RemoveFromGroup(ctx, p.Id, "bob", "admins"); err != nil {
		t.Fatal(err)
	}
	if groups, _, _ := e.users.ListGroupsForUser(ctx, p.Id, "bob", pool.Page{}); len(groups) != 0 {
		t.Errorf("still in %d groups", len(groups))
	}
}

func TestPoolSchemaChangesReachUsers(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	p := e.pool(t, pool.Pool{})
	e.create(t, p.Id, user.AdminCreateUserInput{Username: "ann", Attributes: attrs("email", "same@example.com", "email_verified", "true")})
	e.create(t, p.Id, user.AdminCreateUserInput{Username: "bob", Attributes: attrs("email", "SAME@example.com", "email_verified", "true", "given_name", "Bob")})

	// Two users share a verified email: it cannot become an alias.
	in := *p
	in.AliasAttributes = []string{"email"}
	_, err := e.pools.UpdatePool(ctx, &in)
	mustCode(t, err, errs.AliasExists)
	if got, _ := e.pools.GetPool(ctx, p.Id); len(got.AliasAttributes) != 0 {
		t.Errorf("aliases changed despite the conflict: %v", got.AliasAttributes)
	}

	if err := e.users.AdminUpdateAttributes(ctx, p.Id, "bob", attrs("email", "bob@example.com", "email_verified", "true")); err != nil {
		t.Fatal(err)
	}
	in.SchemaAttributes = []pool.SchemaAttribute{{Name: "given_name", Required: true}}
	if _, err := e.pools.UpdatePool(ctx, &in); err != nil {
		t.Fatal(err)
	}
	if got, err := e.users.Get(ctx, p.Id, "same@example.com"); err != nil || got.Username != "ann" {
		t.Errorf("Get by the new alias: %v, %v", got, err)
	}
	ann, _ := e.users.Get(ctx, p.Id, "ann")
	bob, _ := e.users.Get(ctx, p.Id, "bob")
	if !ann.ProfileIncomplete || bob.ProfileIncomplete {
		t.Errorf("ProfileIncomplete: ann %v bob %v", ann.ProfileIncomplete, bob.ProfileIncomplete)
	}
}

func TestConcurrentCreateSameUsername(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	p := e.pool(t, pool.Pool{})
	const n = 10
	var wg sync.WaitGroup
	results := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, _, err := e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "race", MessageAction: "SUPPRESS"})
			results <- err
		})
	}
	wg.Wait()
	close(results)
	ok := 0
	for err := range results {
		switch {
		case err == nil:
			ok++
		case !errs.Is(err, errs.UsernameExists):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d creations succeeded, want exactly 1", ok)
	}
}
