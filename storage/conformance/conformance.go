// Package conformance is one test suite for storage.Store, run on every database it supports
// (SQLite always, PostgreSQL when configured): every store method, unique constraint and
// transaction, and the isolation of pools from each other.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/userpool/userpool/accesskey"
	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/user"
)

// Run runs the suite; open returns a fresh, migrated, empty Store for each subtest.
func Run(t *testing.T, open func(t *testing.T) *storage.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *storage.Store)
	}{
		{"Pools", testPools},
		{"PoolPagination", testPoolPagination},
		{"Clients", testClients},
		{"Groups", testGroups},
		{"ResourceServers", testResourceServers},
		{"Users", testUsers},
		{"UserUniqueness", testUserUniqueness},
		{"ConcurrentCreateUser", testConcurrentCreateUser},
		{"Membership", testMembership},
		{"ListUsersFields", testListUsersFields},
		{"ListUsersPagination", testListUsersPagination},
		{"ListUsersPrefixCharacters", testListUsersPrefixCharacters},
		{"ListUsersBadInput", testListUsersBadInput},
		{"SchemaChangeAddsAliases", testSchemaChangeAddsAliases},
		{"SchemaChangeConflictChangesNothing", testSchemaChangeConflict},
		{"SchemaChangeRequiredAndRemoved", testSchemaChangeRequiredAndRemoved},
		{"DeletePool", testDeletePool},
		{"PoolIsolation", testPoolIsolation},
		{"AccessKeys", testAccessKeys},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var ctx = context.Background()

// wantCode fails unless err carries code.
func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := errs.CodeOf(err); got != code {
		t.Fatalf("got %v (code %s), want %s", err, got, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newPool(t *testing.T, s *storage.Store, id string) *pool.Pool {
	t.Helper()
	p := &pool.Pool{
		Id: id, Name: "pool " + id,
		Policies:              pool.Policies{PasswordPolicy: pool.PasswordPolicy{MinimumLength: 8, RequireNumbers: true, TemporaryPasswordValidityDays: 7}},
		SchemaAttributes:      []pool.SchemaAttribute{{Name: "email", AttributeDataType: pool.TypeString, Mutable: true, Required: true}},
		AliasAttributes:       []string{"email"},
		MfaConfiguration:      "OFF",
		DeletionProtection:    "INACTIVE",
		UsernameConfiguration: pool.UsernameConfiguration{CaseSensitive: false},
	}
	must(t, s.CreatePool(ctx, p))
	return p
}

// newUser returns an unsaved user whose username key is the lower-cased username and whose
// email alias key is the lower-cased email (when given).
func newUser(poolID, username string, attrs map[string]string) *user.User {
	if attrs == nil {
		attrs = map[string]string{}
	}
	u := &user.User{
		PoolID: poolID, Sub: uuid.NewString(), Username: username, UsernameKey: strings.ToLower(username),
		AliasKeys: map[string]string{}, Attributes: attrs,
		Status: user.StatusConfirmed, Enabled: true, PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		PasswordHistory: []string{}, MFA: user.MFASettings{},
	}
	if e := attrs["email"]; e != "" {
		u.AliasKeys["email"] = strings.ToLower(e)
	}
	return u
}

func createUser(t *testing.T, s *storage.Store, poolID, username string, attrs map[string]string) *user.User {
	t.Helper()
	u := newUser(poolID, username, attrs)
	must(t, s.CreateUser(ctx, u))
	return u
}

func getUser(t *testing.T, s *storage.Store, poolID, sub string) *user.User {
	t.Helper()
	u, err := s.GetUser(ctx, poolID, user.Lookup{Kind: user.BySub, Key: sub})
	must(t, err)
	return u
}

func equalJSONish(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testPools(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_pool00001")
	if p.Version != 1 || p.CreationDate.IsZero() {
		t.Fatalf("created pool has version %d, creation date %v", p.Version, p.CreationDate)
	}
	got, err := s.GetPool(ctx, p.Id)
	must(t, err)
	equalJSONish(t, "stored pool", got, p)

	wantCode(t, s.CreatePool(ctx, &pool.Pool{Id: p.Id, Name: "again"}), errs.InvalidParameter)

	p.Name = "renamed"
	p.Policies.PasswordPolicy.MinimumLength = 12
	p.AliasAttributes = nil
	must(t, s.UpdatePool(ctx, p, pool.SchemaChange{}))
	if p.Version != 2 {
		t.Fatalf("version after update = %d, want 2", p.Version)
	}
	got, err = s.GetPool(ctx, p.Id)
	must(t, err)
	equalJSONish(t, "updated pool", got, p)
	if !got.LastModifiedDate.After(got.CreationDate) && !got.LastModifiedDate.Equal(got.CreationDate) {
		t.Fatalf("last modified %v before creation %v", got.LastModifiedDate, got.CreationDate)
	}

	_, err = s.GetPool(ctx, "local_missing00")
	wantCode(t, err, errs.ResourceNotFound)
	wantCode(t, s.UpdatePool(ctx, &pool.Pool{Id: "local_missing00"}, pool.SchemaChange{}), errs.ResourceNotFound)
	wantCode(t, s.DeletePool(ctx, "local_missing00"), errs.ResourceNotFound)

	n, err := s.CountUsers(ctx, p.Id)
	must(t, err)
	if n != 0 {
		t.Fatalf("CountUsers = %d, want 0", n)
	}
	createUser(t, s, p.Id, "alice", nil)
	createUser(t, s, p.Id, "bob", nil)
	n, err = s.CountUsers(ctx, p.Id)
	must(t, err)
	if n != 2 {
		t.Fatalf("CountUsers = %d, want 2", n)
	}

	must(t, s.DeletePool(ctx, p.Id))
	_, err = s.GetPool(ctx, p.Id)
	wantCode(t, err, errs.ResourceNotFound)
}

func testPoolPagination(t *testing.T, s *storage.Store) {
	var want []string
	for i := 0; i < 7; i++ {
		id := fmt.Sprintf("local_pg%07d", 6-i) // created out of order
		newPool(t, s, id)
		want = append(want, id)
	}
	sort.Strings(want)
	var got []string
	for _, p := range listPages(t, 3, func(page pool.Page) ([]*pool.Pool, string, error) { return s.ListPools(ctx, page) }) {
		got = append(got, p.Id)
	}
	equalJSONish(t, "listed pools", got, want)

	_, _, err := s.ListPools(ctx, pool.Page{After: "not a token", Limit: 3})
	wantCode(t, err, errs.InvalidParameter)
	// A token from another listing is refused too.
	_, next, err := s.ListGroups(ctx, want[0], pool.Page{Limit: 1})
	must(t, err)
	if next == "" {
		must(t, s.CreateGroup(ctx, &pool.Group{UserPoolId: want[0], GroupName: "a"}))
		must(t, s.CreateGroup(ctx, &pool.Group{UserPoolId: want[0], GroupName: "b"}))
		_, next, err = s.ListGroups(ctx, want[0], pool.Page{Limit: 1})
		must(t, err)
	}
	_, _, err = s.ListPools(ctx, pool.Page{After: next, Limit: 3})
	wantCode(t, err, errs.InvalidParameter)
}

func testClients(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_clients01")
	c := &pool.Client{
		UserPoolId: p.Id, ClientId: "abcdefghijklmnopqrstuvwxyz", ClientName: "web",
		ClientSecret: "s3cr3t-value-0123456789", CallbackURLs: []string{"https://app.example/cb"},
		AllowedOAuthFlows: []string{"code"}, AllowedOAuthScopes: []string{"openid"},
		AllowedOAuthFlowsUserPoolClient: true, AccessTokenValidity: 60, IdTokenValidity: 60, RefreshTokenValidity: 30,
		TokenValidityUnits:         pool.TokenValidityUnits{AccessToken: "minutes", IdToken: "minutes", RefreshToken: "days"},
		PreventUserExistenceErrors: "ENABLED", EnableTokenRevocation: true,
	}
	must(t, s.CreateClient(ctx, c))
	got, err := s.GetClient(ctx, p.Id, c.ClientId)
	must(t, err)
	equalJSONish(t, "stored client", got, c)

	dup := *c
	dup.ClientName = "again"
	wantCode(t, s.CreateClient(ctx, &dup), errs.InvalidParameter)
	missingPool := *c
	missingPool.UserPoolId = "local_missing00"
	wantCode(t, s.CreateClient(ctx, &missingPool), errs.ResourceNotFound)

	// An update never changes the secret.
	c.ClientName = "web2"
	c.CallbackURLs = []string{"https://app.example/cb2"}
	upd := *c
	upd.ClientSecret = ""
	must(t, s.UpdateClient(ctx, &upd))
	got, err = s.GetClient(ctx, p.Id, c.ClientId)
	must(t, err)
	if got.ClientName != "web2" || got.CallbackURLs[0] != "https://app.example/cb2" || got.ClientSecret != c.ClientSecret {
		t.Fatalf("updated client = %+v", got)
	}

	public := &pool.Client{UserPoolId: p.Id, ClientId: "bbbbbbbbbbbbbbbbbbbbbbbbbb", ClientName: "spa"}
	must(t, s.CreateClient(ctx, public))
	got, err = s.GetClient(ctx, p.Id, public.ClientId)
	must(t, err)
	if got.ClientSecret != "" {
		t.Fatalf("public client has secret %q", got.ClientSecret)
	}

	list, next, err := s.ListClients(ctx, p.Id, pool.Page{Limit: 1})
	must(t, err)
	if len(list) != 1 || list[0].ClientId != c.ClientId || next == "" {
		t.Fatalf("first page: %d clients, next %q", len(list), next)
	}
	list, next, err = s.ListClients(ctx, p.Id, pool.Page{After: next, Limit: 1})
	must(t, err)
	if len(list) != 1 || list[0].ClientId != public.ClientId || next != "" {
		t.Fatalf("second page: %d clients, next %q", len(list), next)
	}

	_, err = s.GetClient(ctx, p.Id, "nosuchclientnosuchclientxx")
	wantCode(t, err, errs.ResourceNotFound)
	wantCode(t, s.UpdateClient(ctx, &pool.Client{UserPoolId: p.Id, ClientId: "nosuchclientnosuchclientxx"}), errs.ResourceNotFound)
	must(t, s.DeleteClient(ctx, p.Id, c.ClientId))
	wantCode(t, s.DeleteClient(ctx, p.Id, c.ClientId), errs.ResourceNotFound)
	_, err = s.GetClient(ctx, p.Id, c.ClientId)
	wantCode(t, err, errs.ResourceNotFound)
}

func intp(i int) *int { return &i }

func testGroups(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_groups001")
	g := &pool.Group{UserPoolId: p.Id, GroupName: "admins", Description: "Admins", RoleArn: "arn:aws:iam::1:role/x", Precedence: intp(0)}
	must(t, s.CreateGroup(ctx, g))
	got, err := s.GetGroup(ctx, p.Id, "admins")
	must(t, err)
	equalJSONish(t, "stored group", got, g)
	wantCode(t, s.CreateGroup(ctx, &pool.Group{UserPoolId: p.Id, GroupName: "admins"}), errs.GroupExists)
	wantCode(t, s.CreateGroup(ctx, &pool.Group{UserPoolId: "local_missing00", GroupName: "admins"}), errs.ResourceNotFound)

	g.Description, g.Precedence, g.RoleArn = "", nil, ""
	must(t, s.UpdateGroup(ctx, g))
	got, err = s.GetGroup(ctx, p.Id, "admins")
	must(t, err)
	if got.Description != "" || got.Precedence != nil || got.RoleArn != "" {
		t.Fatalf("updated group = %+v", got)
	}
	wantCode(t, s.UpdateGroup(ctx, &pool.Group{UserPoolId: p.Id, GroupName: "nope"}), errs.ResourceNotFound)
	_, err = s.GetGroup(ctx, p.Id, "nope")
	wantCode(t, err, errs.ResourceNotFound)

	for _, name := range []string{"b", "a", "c"} {
		must(t, s.CreateGroup(ctx, &pool.Group{UserPoolId: p.Id, GroupName: name, Precedence: intp(3)}))
	}
	names := groupNames(listPages(t, 2, func(page pool.Page) ([]*pool.Group, string, error) { return s.ListGroups(ctx, p.Id, page) }))
	equalJSONish(t, "group names", names, []string{"a", "admins", "b", "c"})

	// Deleting a group removes its memberships.
	u := createUser(t, s, p.Id, "alice", nil)
	must(t, s.AddUserToGroup(ctx, p.Id, u.Sub, "admins"))
	must(t, s.DeleteGroup(ctx, p.Id, "admins"))
	wantCode(t, s.DeleteGroup(ctx, p.Id, "admins"), errs.ResourceNotFound)
	must(t, s.CreateGroup(ctx, &pool.Group{UserPoolId: p.Id, GroupName: "admins"}))
	users, _, err := s.ListUsersInGroup(ctx, p.Id, "admins", pool.Page{Limit: 60})
	must(t, err)
	if len(users) != 0 {
		t.Fatalf("re-created group has %d members from the deleted one", len(users))
	}
}

func testResourceServers(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_rs0000001")
	rs := &pool.ResourceServer{UserPoolId: p.Id, Identifier: "https://api.example", Name: "API",
		Scopes: []pool.Scope{{ScopeName: "read", ScopeDescription: "Read"}, {ScopeName: "write", ScopeDescription: "Write"}}}
	must(t, s.CreateResourceServer(ctx, rs))
	got, err := s.GetResourceServer(ctx, p.Id, rs.Identifier)
	must(t, err)
	equalJSONish(t, "stored resource server", got, rs)
	wantCode(t, s.CreateResourceServer(ctx, &pool.ResourceServer{UserPoolId: p.Id, Identifier: rs.Identifier, Name: "x"}), errs.InvalidParameter)
	wantCode(t, s.CreateResourceServer(ctx, &pool.ResourceServer{UserPoolId: "local_missing00", Identifier: "x", Name: "x"}), errs.ResourceNotFound)

	empty := &pool.ResourceServer{UserPoolId: p.Id, Identifier: "billing", Name: "Billing"}
	must(t, s.CreateResourceServer(ctx, empty))
	got, err = s.GetResourceServer(ctx, p.Id, "billing")
	must(t, err)
	if len(got.Scopes) != 0 {
		t.Fatalf("scopes = %v", got.Scopes)
	}
	list, next, err := s.ListResourceServers(ctx, p.Id, pool.Page{Limit: 1})
	must(t, err)
	if len(list) != 1 || list[0].Identifier != "billing" || next == "" {
		t.Fatalf("first page %+v next %q", list, next)
	}
	list, next, err = s.ListResourceServers(ctx, p.Id, pool.Page{After: next, Limit: 1})
	must(t, err)
	if len(list) != 1 || list[0].Identifier != rs.Identifier || next != "" {
		t.Fatalf("second page %+v next %q", list, next)
	}
	must(t, s.DeleteResourceServer(ctx, p.Id, "billing"))
	wantCode(t, s.DeleteResourceServer(ctx, p.Id, "billing"), errs.ResourceNotFound)
	_, err = s.GetResourceServer(ctx, p.Id, "billing")
	wantCode(t, err, errs.ResourceNotFound)
}

func testUsers(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_users0001")
	exp := time.Now().Add(7 * 24 * time.Hour)
	u := newUser(p.Id, "Alice", map[string]string{
		"email": "Alice@Example.com", "email_verified": "true", "phone_number": "+15550001",
		"name": "Alice A", "given_name": "Alice", "family_name": "A", "preferred_username": "ally", "custom:team": "blue",
	})
	u.AliasKeys["phone_number"] = "+15550001"
	u.AliasKeys["preferred_username"] = "ally"
	u.Status = user.StatusForceChangePassword
	u.TemporaryPasswordExpiresAt = &exp
	u.PasswordHistory = []string{"h1", "h2"}
	u.MFA = user.MFASettings{PreferredMfa: "SOFTWARE_TOKEN_MFA", Enabled: []string{"SOFTWARE_TOKEN_MFA"}}
	must(t, s.CreateUser(ctx, u))
	if u.CreatedAt.IsZero() || u.UpdatedAt.IsZero() {
		t.Fatal("CreateUser did not set the times")
	}

	want := *u
	wantExp := exp.UTC().Truncate(time.Microsecond)
	want.TemporaryPasswordExpiresAt = &wantExp
	for _, by := range []user.Lookup{
		{Kind: user.BySub, Key: u.Sub},
		{Kind: user.ByUsernameKey, Key: "alice"},
		{Kind: user.ByAlias, Attr: "email", Key: "alice@example.com"},
		{Kind: user.ByAlias, Attr: "phone_number", Key: "+15550001"},
		{Kind: user.ByAlias, Attr: "preferred_username", Key: "ally"},
	} {
		got, err := s.GetUser(ctx, p.Id, by)
		must(t, err)
		equalJSONish(t, fmt.Sprintf("user by %+v", by), got, &want)
	}
	for _, by := range []user.Lookup{
		{Kind: user.BySub, Key: uuid.NewString()},
		{Kind: user.ByUsernameKey, Key: "Alice"}, // keys match exactly
		{Kind: user.ByAlias, Attr: "email", Key: "Alice@Example.com"},
	} {
		_, err := s.GetUser(ctx, p.Id, by)
		wantCode(t, err, errs.UserNotFound)
	}
	_, err := s.GetUser(ctx, p.Id, user.Lookup{Kind: user.ByAlias, Attr: "name", Key: "x"})
	wantCode(t, err, errs.InvalidParameter)

	// Update every field, including dropping aliases.
	u.Username, u.UsernameKey = "alice2", "alice2"
	u.Attributes = map[string]string{"email": "new@example.com", "name": "Alice B"}
	u.AliasKeys = map[string]string{"email": "new@example.com"}
	u.Status, u.Enabled, u.PasswordHash = user.StatusConfirmed, false, "$argon2id$new"
	u.PasswordHistory = []string{"h0", "h1"}
	u.TemporaryPasswordExpiresAt = nil
	u.ProfileIncomplete = true
	u.MFA = user.MFASettings{}
	before := u.UpdatedAt
	must(t, s.UpdateUser(ctx, u))
	if u.UpdatedAt.Before(before) {
		t.Fatalf("UpdatedAt went back: %v < %v", u.UpdatedAt, before)
	}
	got := getUser(t, s, p.Id, u.Sub)
	equalJSONish(t, "updated user", got, u)
	_, err = s.GetUser(ctx, p.Id, user.Lookup{Kind: user.ByAlias, Attr: "phone_number", Key: "+15550001"})
	wantCode(t, err, errs.UserNotFound)
	// The dropped alias and username are free again.
	createUser(t, s, p.Id, "alice", map[string]string{"phone_number": "+15550001"})

	missing := newUser(p.Id, "ghost", nil)
	wantCode(t, s.UpdateUser(ctx, missing), errs.UserNotFound)
	wantCode(t, s.DeleteUser(ctx, p.Id, missing.Sub), errs.UserNotFound)
	wantCode(t, s.CreateUser(ctx, newUser("local_missing00", "x", nil)), errs.ResourceNotFound)

	must(t, s.DeleteUser(ctx, p.Id, u.Sub))
	_, err = s.GetUser(ctx, p.Id, user.Lookup{Kind: user.BySub, Key: u.Sub})
	wantCode(t, err, errs.UserNotFound)
}

func testUserUniqueness(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_unique001")
	a := createUser(t, s, p.Id, "alice", map[string]string{"email": "a@example.com"})
	a.AliasKeys["phone_number"] = "+1555"
	a.AliasKeys["preferred_username"] = "ally"
	must(t, s.UpdateUser(ctx, a))

	// Users without aliases never collide on the NULL keys.
	createUser(t, s, p.Id, "nobody1", nil)
	createUser(t, s, p.Id, "nobody2", nil)

	cases := []struct {
		name    string
		mutate  func(u *user.User)
		code    errs.Code
		message string
	}{
		{"username", func(u *user.User) { u.UsernameKey = "alice" }, errs.UsernameExists, "User account already exists"},
		{"email", func(u *user.User) { u.AliasKeys["email"] = "a@example.com" }, errs.AliasExists, "An account with the given email already exists."},
		{"phone_number", func(u *user.User) { u.AliasKeys["phone_number"] = "+1555" }, errs.AliasExists, "An account with the given phone_number already exists."},
		{"preferred_username", func(u *user.User) { u.AliasKeys["preferred_username"] = "ally" }, errs.AliasExists, "An account with the given preferred_username already exists."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check := func(err error) {
				t.Helper()
				wantCode(t, err, tc.code)
				if e, _ := errs.As(err); e.Message != tc.message {
					t.Fatalf("message %q, want %q", e.Message, tc.message)
				}
			}
			u := newUser(p.Id, "new-"+tc.name, nil)
			tc.mutate(u)
			check(s.CreateUser(ctx, u))
			_, err := s.GetUser(ctx, p.Id, user.Lookup{Kind: user.BySub, Key: u.Sub})
			wantCode(t, err, errs.UserNotFound) // nothing was written

			// The same conflict through an update leaves the user as it was.
			v := createUser(t, s, p.Id, "upd-"+tc.name, nil)
			stored := getUser(t, s, p.Id, v.Sub)
			tc.mutate(v)
			check(s.UpdateUser(ctx, v))
			equalJSONish(t, "user after failed update", getUser(t, s, p.Id, v.Sub), stored)
		})
	}
}

func testConcurrentCreateUser(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_race00001")
	const n = 50
	var wg sync.WaitGroup
	errCh := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errCh <- s.CreateUser(ctx, newUser(p.Id, "same", nil))
		}()
	}
	wg.Wait()
	close(errCh)
	wins := 0
	for err := range errCh {
		switch {
		case err == nil:
			wins++
		case errs.Is(err, errs.UsernameExists):
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d creations won, want exactly 1", wins)
	}
	count, err := s.CountUsers(ctx, p.Id)
	must(t, err)
	if count != 1 {
		t.Fatalf("%d users stored, want 1", count)
	}
}

func testMembership(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_members01")
	var users []*user.User
	for i := 0; i < 3; i++ {
		users = append(users, createUser(t, s, p.Id, fmt.Sprintf("user%d", i), nil))
	}
	for _, g := range []string{"g1", "g2", "g3"} {
		must(t, s.CreateGroup(ctx, &pool.Group{UserPoolId: p.Id, GroupName: g}))
	}
	for _, u := range users {
		must(t, s.AddUserToGroup(ctx, p.Id, u.Sub, "g1"))
	}
	must(t, s.AddUserToGroup(ctx, p.Id, users[0].Sub, "g1")) // again: no error, no duplicate
	must(t, s.AddUserToGroup(ctx, p.Id, users[0].Sub, "g3"))
	must(t, s.AddUserToGroup(ctx, p.Id, users[0].Sub, "g2"))

	wantCode(t, s.AddUserToGroup(ctx, p.Id, uuid.NewString(), "g1"), errs.UserNotFound)
	wantCode(t, s.AddUserToGroup(ctx, p.Id, users[0].Sub, "nope"), errs.ResourceNotFound)
	wantCode(t, s.RemoveUserFromGroup(ctx, p.Id, uuid.NewString(), "g1"), errs.UserNotFound)
	wantCode(t, s.RemoveUserFromGroup(ctx, p.Id, users[0].Sub, "nope"), errs.ResourceNotFound)
	_, _, err := s.ListGroupsForUser(ctx, p.Id, uuid.NewString(), pool.Page{Limit: 10})
	wantCode(t, err, errs.UserNotFound)
	_, _, err = s.ListUsersInGroup(ctx, p.Id, "nope", pool.Page{Limit: 10})
	wantCode(t, err, errs.ResourceNotFound)

	groups := groupNames(listPages(t, 2, func(page pool.Page) ([]*pool.Group, string, error) {
		return s.ListGroupsForUser(ctx, p.Id, users[0].Sub, page)
	}))
	equalJSONish(t, "groups of user0", groups, []string{"g1", "g2", "g3"})

	wantSubs := []string{users[0].Sub, users[1].Sub, users[2].Sub}
	sort.Strings(wantSubs)
	var subs []string
	for _, u := range listPages(t, 2, func(page pool.Page) ([]*user.User, string, error) { return s.ListUsersInGroup(ctx, p.Id, "g1", page) }) {
		subs = append(subs, u.Sub)
	}
	equalJSONish(t, "members of g1", subs, wantSubs)

	must(t, s.RemoveUserFromGroup(ctx, p.Id, users[1].Sub, "g1"))
	must(t, s.RemoveUserFromGroup(ctx, p.Id, users[1].Sub, "g1")) // not a member: no error
	must(t, s.DeleteUser(ctx, p.Id, users[2].Sub))                // removes its memberships
	us, _, err := s.ListUsersInGroup(ctx, p.Id, "g1", pool.Page{Limit: 60})
	must(t, err)
	if len(us) != 1 || us[0].Sub != users[0].Sub {
		t.Fatalf("members of g1 after removals: %d", len(us))
	}
	// A re-created user with the deleted one's sub would not inherit its groups.
	ghost := newUser(p.Id, "user2", nil)
	ghost.Sub = users[2].Sub
	must(t, s.CreateUser(ctx, ghost))
	gs, _, err := s.ListGroupsForUser(ctx, p.Id, ghost.Sub, pool.Page{Limit: 60})
	must(t, err)
	if len(gs) != 0 {
		t.Fatalf("re-created user inherits %d groups", len(gs))
	}
}

// listPages follows a listing's cursors to the end with pages of limit, checking page sizes.
func listPages[T any](t *testing.T, limit int, list func(page pool.Page) ([]T, string, error)) []T {
	t.Helper()
	var out []T
	after := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
		items, next, err := list(pool.Page{After: after, Limit: limit})
		must(t, err)
		if len(items) > limit {
			t.Fatalf("page of %d items, limit %d", len(items), limit)
		}
		out = append(out, items...)
		if next == "" {
			return out
		}
		if len(items) == 0 {
			t.Fatal("empty page with a next token")
		}
		after = next
	}
}

func groupNames(gs []*pool.Group) []string {
	var names []string
	for _, g := range gs {
		names = append(names, g.GroupName)
	}
	return names
}

// listAll follows ListUsers' cursors to the end, checking page sizes.
func listAll(t *testing.T, s *storage.Store, poolID string, q user.Query) []*user.User {
	t.Helper()
	return listPages(t, q.Page.Limit, func(page pool.Page) ([]*user.User, string, error) {
		q.Page = page
		return s.ListUsers(ctx, poolID, q)
	})
}

func usernames(us []*user.User) []string {
	out := make([]string, 0, len(us))
	for _, u := range us {
		out = append(out, u.Username)
	}
	return out
}

func testListUsersFields(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_search001")
	mk := func(username string, status user.Status, enabled bool, attrs map[string]string) {
		u := newUser(p.Id, username, attrs)
		u.Status, u.Enabled = status, enabled
		if v := attrs["phone_number"]; v != "" {
			u.AliasKeys["phone_number"] = v
		}
		if v := attrs["preferred_username"]; v != "" {
			u.AliasKeys["preferred_username"] = v
		}
		must(t, s.CreateUser(ctx, u))
	}
	mk("ann", user.StatusConfirmed, true, map[string]string{"email": "ann@a.example", "phone_number": "+4410", "name": "Ann Lee", "given_name": "Ann", "family_name": "Lee", "preferred_username": "annie"})
	mk("anna", user.StatusUnconfirmed, false, map[string]string{"email": "anna@b.example", "phone_number": "+4411", "name": "Anna Lee", "given_name": "Anna", "family_name": "Leeds", "preferred_username": "anna1"})
	mk("bob", user.StatusConfirmed, true, map[string]string{"email": "bob@a.example", "phone_number": "+3310", "name": "Bob Ray", "given_name": "Bob", "family_name": "Ray", "preferred_username": "bobby"})
	mk("carl", user.StatusForceChangePassword, true, nil)
	// Two users share a family name, so "=" returns several rows.
	mk("dan", user.StatusConfirmed, true, map[string]string{"family_name": "Lee"})

	all := listAll(t, s, p.Id, user.Query{Page: pool.Page{Limit: 60}})
	subOf := map[string]string{}
	for _, u := range all {
		subOf[u.Username] = u.Sub
	}
	if len(all) != 5 {
		t.Fatalf("listed %d users, want 5", len(all))
	}

	cases := []struct {
		field, value string
		prefix       bool
		want         []string // in result order
	}{
		{user.FieldUsername, "ann", false, []string{"ann"}},
		{user.FieldUsername, "an", true, []string{"ann", "anna"}},
		{user.FieldUsername, "ANN", false, nil},
		{user.FieldEmail, "bob@a.example", false, []string{"bob"}},
		{user.FieldEmail, "ann", true, []string{"ann", "anna"}},
		{user.FieldEmail, "annx", true, nil},
		{user.FieldPhoneNumber, "+441", true, []string{"ann", "anna"}},
		{user.FieldPhoneNumber, "+3310", false, []string{"bob"}},
		{user.FieldName, "Anna Lee", false, []string{"anna"}},
		{user.FieldName, "Ann", true, []string{"ann", "anna"}},
		{user.FieldGivenName, "Bob", false, []string{"bob"}},
		{user.FieldGivenName, "A", true, []string{"ann", "anna"}},
		{user.FieldFamilyName, "Lee", false, nil}, // filled below: ann and dan, by sub
		{user.FieldFamilyName, "Lee", true, []string{"ann", "dan", "anna"}},
		{user.FieldPreferredUsername, "bobby", false, []string{"bob"}},
		{user.FieldPreferredUsername, "ann", true, []string{"anna1", "annie"}},
		{user.FieldUserStatus, "CONFIRMED", false, nil},
		{user.FieldUserStatus, "FORCE", true, []string{"carl"}},
		{user.FieldStatus, "Disabled", false, []string{"anna"}},
		{user.FieldStatus, "Dis", true, []string{"anna"}},
		{user.FieldStatus, "x", true, nil},
		{user.FieldSub, subOf["bob"], false, []string{"bob"}},
		{user.FieldSub, subOf["carl"][:8], true, []string{"carl"}},
	}
	bySub := func(names ...string) []string {
		sort.Slice(names, func(i, j int) bool { return subOf[names[i]] < subOf[names[j]] })
		return names
	}
	// Where a prefix matches several rows with one value, the tie is broken by sub.
	cases[12].want = bySub("ann", "dan")
	cases[13].want = append(bySub("ann", "dan"), "anna")
	cases[15].want = []string{"anna", "ann"} // anna1 < annie
	cases[16].want = bySub("ann", "bob", "dan")

	for _, tc := range cases {
		op := "="
		if tc.prefix {
			op = "^="
		}
		t.Run(tc.field+op+tc.value, func(t *testing.T) {
			got := usernames(listAll(t, s, p.Id, user.Query{Field: tc.field, Prefix: tc.prefix, Value: tc.value, Page: pool.Page{Limit: 1}}))
			want := tc.want
			if want == nil {
				want = []string{}
			}
			equalJSONish(t, "result", got, want)
		})
	}
}

func testListUsersPagination(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_paging001")
	const n = 137
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		// Groups of three share an email value, so page boundaries fall inside runs of equal values.
		email := fmt.Sprintf("user%03d@example.com", i/3)
		u := newUser(p.Id, fmt.Sprintf("u%03d", i), map[string]string{"email": email, "given_name": "Same"})
		delete(u.AliasKeys, "email")
		must(t, s.CreateUser(ctx, u))
		want[u.Username] = true
	}
	other := newPool(t, s, "local_paging002")
	createUser(t, s, other.Id, "stranger", map[string]string{"email": "user000@example.com", "given_name": "Same"})

	for _, q := range []user.Query{
		{},
		{Field: user.FieldEmail, Prefix: true, Value: "user"},
		{Field: user.FieldGivenName, Value: "Same"},
		{Field: user.FieldGivenName, Prefix: true, Value: "Sa"},
		{Field: user.FieldUsername, Prefix: true, Value: "u"},
		{Field: user.FieldStatus, Value: "Enabled"},
		{Field: user.FieldUserStatus, Prefix: true, Value: "CONF"},
		{Field: user.FieldSub, Prefix: true, Value: ""},
	} {
		for _, limit := range []int{1, 7, 60} {
			t.Run(fmt.Sprintf("%s%v%s/limit%d", q.Field, q.Prefix, q.Value, limit), func(t *testing.T) {
				q.Page = pool.Page{Limit: limit}
				got := listAll(t, s, p.Id, q)
				seen := map[string]bool{}
				for _, u := range got {
					if seen[u.Username] {
						t.Fatalf("%s listed twice", u.Username)
					}
					seen[u.Username] = true
				}
				if len(seen) != n {
					t.Fatalf("listed %d distinct users, want %d", len(seen), n)
				}
				for name := range want {
					if !seen[name] {
						t.Fatalf("%s missing", name)
					}
				}
			})
		}
	}
	// A token made for one query is refused by another.
	_, next, err := s.ListUsers(ctx, p.Id, user.Query{Field: user.FieldEmail, Prefix: true, Value: "user", Page: pool.Page{Limit: 1}})
	must(t, err)
	_, _, err = s.ListUsers(ctx, p.Id, user.Query{Field: user.FieldGivenName, Value: "Same", Page: pool.Page{After: next, Limit: 1}})
	wantCode(t, err, errs.InvalidParameter)
	_, _, err = s.ListUsers(ctx, p.Id, user.Query{Page: pool.Page{After: "garbage!", Limit: 1}})
	wantCode(t, err, errs.InvalidParameter)
}

func testListUsersPrefixCharacters(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_chars0001")
	names := map[string]string{ // username -> given_name
		"pct":     "50%off",
		"pct2":    "50%",
		"five":    "50 off",
		"under":   "a_b",
		"under2":  "axb",
		"slash":   `a\b`,
		"quote":   `o'neil`,
		"accent":  "Élodie",
		"accent2": "Élan",
		"plain":   "Elodie",
		"cjk":     "山田",
		"cjk2":    "山本",
		"emoji":   "😀x",
		"maxrune": "z\U0010FFFF",
		"maxrun2": "z\U0010FFFFa",
		"z":       "z",
	}
	for username, given := range names {
		createUser(t, s, p.Id, username, map[string]string{"given_name": given})
	}
	cases := []struct {
		prefix string
		want   []string
	}{
		{"50%", []string{"pct2", "pct"}},
		{"50", []string{"five", "pct2", "pct"}},
		{"a_", []string{"under"}},
		{`a\`, []string{"slash"}},
		{"o'", []string{"quote"}},
		{"Él", []string{"accent2", "accent"}},
		{"É", []string{"accent2", "accent"}},
		{"E", []string{"plain"}},
		{"山", []string{"cjk2", "cjk"}}, // 本 (U+672C) < 田 (U+7530)
		{"山本", []string{"cjk2"}},
		{"😀", []string{"emoji"}},
		{"z\U0010FFFF", []string{"maxrune", "maxrun2"}},
		{"z", []string{"z", "maxrune", "maxrun2"}},
		{"%", nil},
		{"_", nil},
	}
	for _, tc := range cases {
		t.Run(tc.prefix, func(t *testing.T) {
			got := usernames(listAll(t, s, p.Id, user.Query{Field: user.FieldGivenName, Prefix: true, Value: tc.prefix, Page: pool.Page{Limit: 2}}))
			want := tc.want
			if want == nil {
				want = []string{}
			}
			equalJSONish(t, "result", got, want)
		})
	}
	got := usernames(listAll(t, s, p.Id, user.Query{Field: user.FieldGivenName, Value: "50%", Page: pool.Page{Limit: 60}}))
	equalJSONish(t, "= 50%", got, []string{"pct2"})
}

func testListUsersBadInput(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_badinput1")
	for _, q := range []user.Query{
		{Field: "custom:team", Value: "x"},
		{Field: "password_hash", Value: "x"},
		{Field: user.FieldStatus, Value: "enabled"},
		{Field: user.FieldEmail, Value: "\xff"},
		{Field: user.FieldEmail, Value: "a\x00b"},
	} {
		q.Page.Limit = 10
		_, _, err := s.ListUsers(ctx, p.Id, q)
		wantCode(t, err, errs.InvalidParameter)
	}
}

func aliasKey(attr, value string, verified bool) string {
	if attr == "email" && !verified {
		return ""
	}
	return strings.ToLower(value)
}

func testSchemaChangeAddsAliases(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_schema001")
	var subs []string
	// More users than one backfill batch.
	for i := 0; i < 1203; i++ {
		u := newUser(p.Id, fmt.Sprintf("user%04d", i), map[string]string{
			"email": fmt.Sprintf("User%04d@Example.com", i), "email_verified": fmt.Sprint(i%2 == 0),
			"preferred_username": fmt.Sprintf("Pref%04d", i),
		})
		u.AliasKeys = map[string]string{}
		must(t, s.CreateUser(ctx, u))
		subs = append(subs, u.Sub)
	}
	p.AliasAttributes = []string{"email", "preferred_username"}
	must(t, s.UpdatePool(ctx, p, pool.SchemaChange{AddedAliases: []string{"email", "preferred_username"}, AliasKey: aliasKey}))
	for _, i := range []int{0, 1, 600, 1202} {
		u := getUser(t, s, p.Id, subs[i])
		wantEmail := ""
		if i%2 == 0 {
			wantEmail = fmt.Sprintf("user%04d@example.com", i)
		}
		if u.AliasKeys["email"] != wantEmail || u.AliasKeys["preferred_username"] != fmt.Sprintf("pref%04d", i) {
			t.Fatalf("user %d alias keys = %v", i, u.AliasKeys)
		}
	}
	got, err := s.GetUser(ctx, p.Id, user.Lookup{Kind: user.ByAlias, Attr: "preferred_username", Key: "pref1202"})
	must(t, err)
	if got.Sub != subs[1202] {
		t.Fatal("alias lookup found the wrong user")
	}
	// The new keys are enforced from now on.
	clash := newUser(p.Id, "clash", nil)
	clash.AliasKeys["preferred_username"] = "pref0007"
	wantCode(t, s.CreateUser(ctx, clash), errs.AliasExists)
}

func testSchemaChangeConflict(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_schema002")
	p.AliasAttributes = []string{"phone_number"}
	must(t, s.UpdatePool(ctx, p, pool.SchemaChange{}))
	mk := func(username string, attrs map[string]string, aliasKeys map[string]string) {
		u := newUser(p.Id, username, attrs)
		u.AliasKeys = aliasKeys
		must(t, s.CreateUser(ctx, u))
	}
	mk("alice", map[string]string{"email": "Same@example.com", "email_verified": "true", "phone_number": "+1000", "given_name": "A"}, map[string]string{"phone_number": "+1000"})
	mk("bob", map[string]string{"email": "same@EXAMPLE.com", "email_verified": "true"}, nil)
	mk("carol", map[string]string{"email": "carol@example.com", "email_verified": "true", "preferred_username": "x"}, nil)
	mk("dave", map[string]string{"preferred_username": "X"}, nil)
	mk("erin", map[string]string{"preferred_username": "x"}, nil)
	// An unverified email gives no alias key, so it conflicts with nobody.
	mk("frank", map[string]string{"email": "same@example.com"}, nil)

	before, err := s.GetPool(ctx, p.Id)
	must(t, err)
	usersBefore := listAll(t, s, p.Id, user.Query{Page: pool.Page{Limit: 60}})

	changed := *p
	changed.Name = "should not stick"
	changed.AliasAttributes = []string{"email", "preferred_username"}
	err = s.UpdatePool(ctx, &changed, pool.SchemaChange{
		AddedAliases: []string{"email", "preferred_username"}, AliasKey: aliasKey,
		RemovedAliases: []string{"phone_number"}, AddedRequired: []string{"given_name"},
	})
	wantCode(t, err, errs.AliasExists)
	var ce *pool.ConflictsError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v does not carry a ConflictsError", err)
	}
	wantConflicts := []pool.AliasConflict{
		{Attribute: "email", Value: "same@example.com", Usernames: []string{"alice", "bob"}},
		{Attribute: "preferred_username", Value: "x", Usernames: []string{"carol", "dave", "erin"}},
	}
	equalJSONish(t, "conflicts", ce.Conflicts, wantConflicts)
	e, _ := errs.As(err)
	for _, part := range []string{"same@example.com", "alice", "bob", "carol", "dave", "erin"} {
		if !strings.Contains(e.Message, part) {
			t.Fatalf("message %q does not mention %q", e.Message, part)
		}
	}

	after, err := s.GetPool(ctx, p.Id)
	must(t, err)
	equalJSONish(t, "pool after failed update", after, before)
	equalJSONish(t, "users after failed update", listAll(t, s, p.Id, user.Query{Page: pool.Page{Limit: 60}}), usersBefore)
}

func testSchemaChangeRequiredAndRemoved(t *testing.T, s *storage.Store) {
	p := newPool(t, s, "local_schema003")
	full := createUser(t, s, p.Id, "full", map[string]string{"email": "f@example.com", "given_name": "F", "family_name": "L"})
	partial := createUser(t, s, p.Id, "partial", map[string]string{"email": "p@example.com", "given_name": "P"})
	empty := createUser(t, s, p.Id, "empty", map[string]string{"given_name": ""})
	p.AliasAttributes = nil
	must(t, s.UpdatePool(ctx, p, pool.SchemaChange{RemovedAliases: []string{"email"}, AddedRequired: []string{"given_name", "family_name", "sub"}}))
	for _, tc := range []struct {
		u          *user.User
		incomplete bool
	}{{full, false}, {partial, true}, {empty, true}} {
		got := getUser(t, s, p.Id, tc.u.Sub)
		if got.ProfileIncomplete != tc.incomplete {
			t.Errorf("%s: ProfileIncomplete = %v, want %v", tc.u.Username, got.ProfileIncomplete, tc.incomplete)
		}
		if len(got.AliasKeys) != 0 {
			t.Errorf("%s: alias keys %v after email stopped being an alias", tc.u.Username, got.AliasKeys)
		}
	}
	// Two users may now share an email, since it is no alias any more.
	createUser(t, s, p.Id, "twin", map[string]string{"email": "f@example.com"})

	wantCode(t, s.UpdatePool(ctx, p, pool.SchemaChange{AddedAliases: []string{"nickname"}, AliasKey: aliasKey}), errs.InvalidParameter)
}

func testDeletePool(t *testing.T, s *storage.Store) {
	doomed := newPool(t, s, "local_doomed001")
	kept := newPool(t, s, "local_kept00001")
	for _, p := range []*pool.Pool{doomed, kept} {
		u := createUser(t, s, p.Id, "alice", map[string]string{"email": "a@example.com"})
		must(t, s.CreateGroup(ctx, &pool.Group{UserPoolId: p.Id, GroupName: "g"}))
		must(t, s.AddUserToGroup(ctx, p.Id, u.Sub, "g"))
		must(t, s.CreateClient(ctx, &pool.Client{UserPoolId: p.Id, ClientId: "cccccccccccccccccccccccccc", ClientName: "c", ClientSecret: "x"}))
		must(t, s.CreateResourceServer(ctx, &pool.ResourceServer{UserPoolId: p.Id, Identifier: "api", Name: "api"}))
	}
	must(t, s.DeletePool(ctx, doomed.Id))

	n, err := s.CountUsers(ctx, doomed.Id)
	must(t, err)
	if n != 0 {
		t.Fatalf("%d users left in the deleted pool", n)
	}
	_, err = s.GetUser(ctx, doomed.Id, user.Lookup{Kind: user.ByUsernameKey, Key: "alice"})
	wantCode(t, err, errs.UserNotFound)
	_, err = s.GetClient(ctx, doomed.Id, "cccccccccccccccccccccccccc")
	wantCode(t, err, errs.ResourceNotFound)
	_, err = s.GetGroup(ctx, doomed.Id, "g")
	wantCode(t, err, errs.ResourceNotFound)
	_, err = s.GetResourceServer(ctx, doomed.Id, "api")
	wantCode(t, err, errs.ResourceNotFound)
	// A pool re-created with the same id starts empty.
	newPool(t, s, doomed.Id)
	us, _, err := s.ListUsers(ctx, doomed.Id, user.Query{Page: pool.Page{Limit: 60}})
	must(t, err)
	gs, _, err := s.ListGroups(ctx, doomed.Id, pool.Page{Limit: 60})
	must(t, err)
	cs, _, err := s.ListClients(ctx, doomed.Id, pool.Page{Limit: 60})
	must(t, err)
	rs, _, err := s.ListResourceServers(ctx, doomed.Id, pool.Page{Limit: 60})
	must(t, err)
	if len(us)+len(gs)+len(cs)+len(rs) != 0 {
		t.Fatalf("re-created pool holds %d users, %d groups, %d clients, %d resource servers", len(us), len(gs), len(cs), len(rs))
	}

	// The other pool is untouched.
	u, err := s.GetUser(ctx, kept.Id, user.Lookup{Kind: user.ByAlias, Attr: "email", Key: "a@example.com"})
	must(t, err)
	members, _, err := s.ListUsersInGroup(ctx, kept.Id, "g", pool.Page{Limit: 60})
	must(t, err)
	if len(members) != 1 || members[0].Sub != u.Sub {
		t.Fatal("the kept pool lost its group membership")
	}
	if _, err := s.GetClient(ctx, kept.Id, "cccccccccccccccccccccccccc"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetResourceServer(ctx, kept.Id, "api"); err != nil {
		t.Fatal(err)
	}
}

// testPoolIsolation proves that pool A's rows cannot be read, changed, deleted or listed
// through pool B, even when B holds rows with the same names.
func testPoolIsolation(t *testing.T, s *storage.Store) {
	a := newPool(t, s, "local_aaaaaaaaa")
	b := newPool(t, s, "local_bbbbbbbbb")
	ua := createUser(t, s, a.Id, "alice", map[string]string{"email": "alice@example.com", "given_name": "Alice"})
	ua.AliasKeys["phone_number"] = "+1555"
	ua.AliasKeys["preferred_username"] = "ally"
	must(t, s.UpdateUser(ctx, ua))
	must(t, s.CreateGroup(ctx, &pool.Group{UserPoolId: a.Id, GroupName: "ga", Description: "A's"}))
	must(t, s.AddUserToGroup(ctx, a.Id, ua.Sub, "ga"))
	must(t, s.CreateClient(ctx, &pool.Client{UserPoolId: a.Id, ClientId: "aaaaaaaaaaaaaaaaaaaaaaaaaa", ClientName: "A", ClientSecret: "sa"}))
	must(t, s.CreateResourceServer(ctx, &pool.ResourceServer{UserPoolId: a.Id, Identifier: "api-a", Name: "A"}))

	// Reads through B.
	for _, by := range []user.Lookup{
		{Kind: user.BySub, Key: ua.Sub},
		{Kind: user.ByUsernameKey, Key: "alice"},
		{Kind: user.ByAlias, Attr: "email", Key: "alice@example.com"},
		{Kind: user.ByAlias, Attr: "phone_number", Key: "+1555"},
		{Kind: user.ByAlias, Attr: "preferred_username", Key: "ally"},
	} {
		_, err := s.GetUser(ctx, b.Id, by)
		wantCode(t, err, errs.UserNotFound)
	}
	_, err := s.GetGroup(ctx, b.Id, "ga")
	wantCode(t, err, errs.ResourceNotFound)
	_, err = s.GetClient(ctx, b.Id, "aaaaaaaaaaaaaaaaaaaaaaaaaa")
	wantCode(t, err, errs.ResourceNotFound)
	_, err = s.GetResourceServer(ctx, b.Id, "api-a")
	wantCode(t, err, errs.ResourceNotFound)
	_, _, err = s.ListGroupsForUser(ctx, b.Id, ua.Sub, pool.Page{Limit: 60})
	wantCode(t, err, errs.UserNotFound)
	_, _, err = s.ListUsersInGroup(ctx, b.Id, "ga", pool.Page{Limit: 60})
	wantCode(t, err, errs.ResourceNotFound)

	// Lists through B.
	for _, q := range []user.Query{
		{}, {Field: user.FieldUsername, Value: "alice"}, {Field: user.FieldEmail, Prefix: true, Value: "alice"},
		{Field: user.FieldGivenName, Value: "Alice"}, {Field: user.FieldSub, Value: ua.Sub}, {Field: user.FieldStatus, Value: "Enabled"},
	} {
		q.Page.Limit = 60
		us, _, err := s.ListUsers(ctx, b.Id, q)
		must(t, err)
		if len(us) != 0 {
			t.Fatalf("ListUsers %+v through pool B returned %d users", q, len(us))
		}
	}
	gs, _, err := s.ListGroups(ctx, b.Id, pool.Page{Limit: 60})
	must(t, err)
	cs, _, err := s.ListClients(ctx, b.Id, pool.Page{Limit: 60})
	must(t, err)
	rs, _, err := s.ListResourceServers(ctx, b.Id, pool.Page{Limit: 60})
	must(t, err)
	n, err := s.CountUsers(ctx, b.Id)
	must(t, err)
	if len(gs)+len(cs)+len(rs) != 0 || n != 0 {
		t.Fatalf("pool B lists %d groups, %d clients, %d resource servers, counts %d users", len(gs), len(cs), len(rs), n)
	}

	// Changes through B.
	hijack := *ua
	hijack.PoolID = b.Id
	hijack.Username = "mallory"
	wantCode(t, s.UpdateUser(ctx, &hijack), errs.UserNotFound)
	wantCode(t, s.DeleteUser(ctx, b.Id, ua.Sub), errs.UserNotFound)
	wantCode(t, s.UpdateGroup(ctx, &pool.Group{UserPoolId: b.Id, GroupName: "ga", Description: "B's"}), errs.ResourceNotFound)
	wantCode(t, s.DeleteGroup(ctx, b.Id, "ga"), errs.ResourceNotFound)
	wantCode(t, s.UpdateClient(ctx, &pool.Client{UserPoolId: b.Id, ClientId: "aaaaaaaaaaaaaaaaaaaaaaaaaa", ClientName: "B"}), errs.ResourceNotFound)
	wantCode(t, s.DeleteClient(ctx, b.Id, "aaaaaaaaaaaaaaaaaaaaaaaaaa"), errs.ResourceNotFound)
	wantCode(t, s.DeleteResourceServer(ctx, b.Id, "api-a"), errs.ResourceNotFound)
	wantCode(t, s.AddUserToGroup(ctx, b.Id, ua.Sub, "ga"), errs.UserNotFound)
	wantCode(t, s.RemoveUserFromGroup(ctx, b.Id, ua.Sub, "ga"), errs.UserNotFound)

	// B's own rows with the same names and keys do not collide with A's.
	ub := createUser(t, s, b.Id, "alice", map[string]string{"email": "alice@example.com"})
	ub.AliasKeys["phone_number"] = "+1555"
	ub.AliasKeys["preferred_username"] = "ally"
	must(t, s.UpdateUser(ctx, ub))
	must(t, s.CreateGroup(ctx, &pool.Group{UserPoolId: b.Id, GroupName: "ga"}))
	must(t, s.CreateClient(ctx, &pool.Client{UserPoolId: b.Id, ClientId: "aaaaaaaaaaaaaaaaaaaaaaaaaa", ClientName: "B"}))
	must(t, s.CreateResourceServer(ctx, &pool.ResourceServer{UserPoolId: b.Id, Identifier: "api-a", Name: "B"}))
	// A user of B cannot join A's group through B, nor A's user B's group.
	wantCode(t, s.AddUserToGroup(ctx, a.Id, ub.Sub, "ga"), errs.UserNotFound)
	wantCode(t, s.AddUserToGroup(ctx, b.Id, ua.Sub, "ga"), errs.UserNotFound)
	// B's schema change and deletion leave A alone.
	b.AliasAttributes = []string{"email"}
	must(t, s.UpdatePool(ctx, b, pool.SchemaChange{RemovedAliases: []string{"email", "phone_number", "preferred_username"}, AddedRequired: []string{"family_name"}}))
	must(t, s.DeletePool(ctx, b.Id))

	// A is exactly as it was.
	got := getUser(t, s, a.Id, ua.Sub)
	equalJSONish(t, "A's user", got, ua)
	g, err := s.GetGroup(ctx, a.Id, "ga")
	must(t, err)
	if g.Description != "A's" {
		t.Fatalf("A's group description = %q", g.Description)
	}
	c, err := s.GetClient(ctx, a.Id, "aaaaaaaaaaaaaaaaaaaaaaaaaa")
	must(t, err)
	if c.ClientName != "A" || c.ClientSecret != "sa" {
		t.Fatalf("A's client = %+v", c)
	}
	if _, err := s.GetResourceServer(ctx, a.Id, "api-a"); err != nil {
		t.Fatal(err)
	}
	members, _, err := s.ListUsersInGroup(ctx, a.Id, "ga", pool.Page{Limit: 60})
	must(t, err)
	if len(members) != 1 || members[0].Sub != ua.Sub {
		t.Fatalf("A's group has %d members", len(members))
	}
}

func testAccessKeys(t *testing.T, s *storage.Store) {
	n, err := s.CountAccessKeys(ctx)
	must(t, err)
	if n != 0 {
		t.Fatalf("fresh database has %d access keys", n)
	}
	k1 := &accesskey.Key{ID: "AKIAAAAAAAAAAAAAAAA1", Secret: strings.Repeat("s", 40), Enabled: true}
	k2 := &accesskey.Key{ID: "AKIAAAAAAAAAAAAAAAA2", Secret: strings.Repeat("t", 40), Enabled: true, CreatedAt: time.Now().Add(time.Second)}
	must(t, s.CreateAccessKey(ctx, k1))
	must(t, s.CreateAccessKey(ctx, k2))
	wantCode(t, s.CreateAccessKey(ctx, &accesskey.Key{ID: k1.ID, Secret: "x"}), errs.InvalidParameter)

	got, err := s.GetAccessKey(ctx, k1.ID)
	must(t, err)
	equalJSONish(t, "stored key", got, k1)
	_, err = s.GetAccessKey(ctx, "AKIANOSUCHKEY0000000")
	wantCode(t, err, errs.UnrecognizedClient)

	must(t, s.SetAccessKeyEnabled(ctx, k1.ID, false))
	got, err = s.GetAccessKey(ctx, k1.ID)
	must(t, err)
	if got.Enabled {
		t.Fatal("key still enabled")
	}
	wantCode(t, s.SetAccessKeyEnabled(ctx, "AKIANOSUCHKEY0000000", true), errs.UnrecognizedClient)

	list, err := s.ListAccessKeys(ctx)
	must(t, err)
	if len(list) != 2 || list[0].ID != k1.ID || list[1].ID != k2.ID || list[1].Secret != k2.Secret {
		t.Fatalf("listed keys %+v", list)
	}
	must(t, s.DeleteAccessKey(ctx, k1.ID))
	wantCode(t, s.DeleteAccessKey(ctx, k1.ID), errs.UnrecognizedClient)
	n, err = s.CountAccessKeys(ctx)
	must(t, err)
	if n != 1 {
		t.Fatalf("CountAccessKeys = %d, want 1", n)
	}
}
