package pool_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
)

func newService(t *testing.T) *pool.Service {
	t.Helper()
	return pool.NewService(storagetest.Open(t), "local")
}

func mustCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func createPool(t *testing.T, s *pool.Service, in pool.Pool) *pool.Pool {
	t.Helper()
	p, err := s.CreatePool(context.Background(), &in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func countPools(t *testing.T, s *pool.Service) int {
	t.Helper()
	pools, _, err := s.ListPools(context.Background(), pool.Page{Limit: 60})
	if err != nil {
		t.Fatal(err)
	}
	return len(pools)
}

func TestCreateAndGetPool(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	p := createPool(t, s, pool.Pool{Name: "app", SchemaAttributes: []pool.SchemaAttribute{
		{Name: "email", Required: true}, {Name: "tier", AttributeDataType: "String", Mutable: true},
	}})
	if !regexp.MustCompile(`^local_[A-Za-z0-9]{9}$`).MatchString(p.Id) {
		t.Errorf("pool id %q", p.Id)
	}
	got, err := s.GetPool(ctx, p.Id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "app" || got.MfaConfiguration != "OFF" || got.Policies.PasswordPolicy != pool.DefaultPasswordPolicy() ||
		!got.Attribute("email").Required || got.Attribute("custom:tier") == nil || got.UsernameConfiguration.CaseSensitive {
		t.Errorf("stored pool %+v", got)
	}
	_, err = s.GetPool(ctx, "local_missing00")
	mustCode(t, err, errs.ResourceNotFound)

	// Bad input changes nothing.
	for _, in := range []pool.Pool{
		{Name: ""},
		{Name: "x", UsernameAttributes: []string{"email"}, AliasAttributes: []string{"email"}},
		{Name: "x", SchemaAttributes: []pool.SchemaAttribute{{Name: "tier", Required: true}}},
	} {
		_, err := s.CreatePool(ctx, &in)
		mustCode(t, err, errs.InvalidParameter)
	}
	if n := countPools(t, s); n != 1 {
		t.Errorf("%d pools after bad creations, want 1", n)
	}
}

func TestUpdatePool(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	p := createPool(t, s, pool.Pool{Name: "app", UsernameAttributes: []string{"email"}})

	in := *p
	in.UsernameAttributes = []string{"phone_number"}
	_, err := s.UpdatePool(ctx, &in)
	mustCode(t, err, errs.InvalidParameter)

	in = *p
	in.UsernameConfiguration.CaseSensitive = true
	_, err = s.UpdatePool(ctx, &in)
	mustCode(t, err, errs.InvalidParameter)

	in = *p
	in.SchemaAttributes = []pool.SchemaAttribute{{Name: "custom:new"}}
	_, err = s.UpdatePool(ctx, &in)
	mustCode(t, err, errs.InvalidParameter)

	in = *p
	in.Name = "renamed"
	in.MfaConfiguration = "OPTIONAL"
	in.Policies.PasswordPolicy = pool.PasswordPolicy{MinimumLength: 12}
	in.SchemaAttributes = []pool.SchemaAttribute{{Name: "given_name", Required: true}}
	out, err := s.UpdatePool(ctx, &in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != "renamed" || out.MfaConfiguration != "OPTIONAL" || out.Policies.PasswordPolicy.MinimumLength != 12 ||
		!out.Attribute("given_name").Required || out.Version <= p.Version || !out.CreationDate.Equal(p.CreationDate) {
		t.Errorf("updated pool %+v", out)
	}

	_, err = s.UpdatePool(ctx, &pool.Pool{Id: "local_missing00", Name: "x"})
	mustCode(t, err, errs.ResourceNotFound)
}

func TestDeletePoolProtection(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	p := createPool(t, s, pool.Pool{Name: "app", DeletionProtection: "ACTIVE"})
	mustCode(t, s.DeletePool(ctx, p.Id), errs.InvalidParameter)
	p.DeletionProtection = "INACTIVE"
	if _, err := s.UpdatePool(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePool(ctx, p.Id); err != nil {
		t.Fatal(err)
	}
	mustCode(t, s.DeletePool(ctx, p.Id), errs.ResourceNotFound)
}

func TestListPoolsPaging(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	for range 3 {
		createPool(t, s, pool.Pool{Name: "p"})
	}
	for _, limit := range []int{0, -1, 61} {
		_, _, err := s.ListPools(ctx, pool.Page{Limit: limit})
		mustCode(t, err, errs.InvalidParameter)
	}
	seen := map[string]bool{}
	page := pool.Page{Limit: 2}
	for {
		pools, next, err := s.ListPools(ctx, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pools {
			seen[p.Id] = true
		}
		if next == "" {
			break
		}
		page.After = next
	}
	if len(seen) != 3 {
		t.Errorf("paged through %d pools, want 3", len(seen))
	}
}

func TestAddCustomAttributes(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	p := createPool(t, s, pool.Pool{Name: "app", SchemaAttributes: []pool.SchemaAttribute{{Name: "tier"}}})
	many := func(n int, prefix string) []pool.SchemaAttribute {
		var out []pool.SchemaAttribute
		for i := range n {
			out = append(out, pool.SchemaAttribute{Name: prefix + string(rune('a'+i%26)) + string(rune('a'+i/26))})
		}
		return out
	}
	bad := [][]pool.SchemaAttribute{
		nil,
		many(26, "x"),
		{{Name: "tier"}},
		{{Name: "custom:tier"}},
		{{Name: "email"}},
		{{Name: "n", Required: true}},
		{{Name: "dup"}, {Name: "dup"}},
		{{Name: "bad name"}},
	}
	for _, attrs := range bad {
		err := s.AddCustomAttributes(ctx, p.Id, attrs)
		mustCode(t, err, errs.InvalidParameter)
	}
	if err := s.AddCustomAttributes(ctx, p.Id, []pool.SchemaAttribute{{Name: "level", AttributeDataType: "Number", Mutable: true}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddCustomAttributes(ctx, p.Id, many(25, "y")); err != nil {
		t.Fatal(err)
	}
	// 27 custom attributes now; 24 more would make 51.
	mustCode(t, s.AddCustomAttributes(ctx, p.Id, many(24, "z")), errs.InvalidParameter)
	got, err := s.GetPool(ctx, p.Id)
	if err != nil {
		t.Fatal(err)
	}
	if a := got.Attribute("custom:level"); a == nil || a.AttributeDataType != "Number" || !a.Mutable {
		t.Errorf("custom:level = %+v", a)
	}
	if n := len(got.SchemaAttributes); n != 20+27 {
		t.Errorf("schema has %d attributes, want 47", n)
	}
	mustCode(t, s.AddCustomAttributes(ctx, "local_missing00", many(1, "q")), errs.ResourceNotFound)
}

func TestClients(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	p := createPool(t, s, pool.Pool{Name: "app"})
	if _, err := s.CreateResourceServer(ctx, &pool.ResourceServer{UserPoolId: p.Id, Identifier: "https://api.example.com", Name: "API",
		Scopes: []pool.Scope{{ScopeName: "read", ScopeDescription: "Read"}}}); err != nil {
		t.Fatal(err)
	}
	m2m := pool.ClientDefaults()
	m2m.UserPoolId, m2m.ClientName = p.Id, "machine"
	m2m.AllowedOAuthFlowsUserPoolClient = true
	m2m.AllowedOAuthFlows = []string{"client_credentials"}
	m2m.AllowedOAuthScopes = []string{"https://api.example.com/read"}
	c, err := s.CreateClient(ctx, &m2m, true)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-z0-9]{26}$`).MatchString(c.ClientId) || !regexp.MustCompile(`^[a-z0-9]{51}$`).MatchString(c.ClientSecret) {
		t.Errorf("client id %q secret %q", c.ClientId, c.ClientSecret)
	}
	got, err := s.GetClient(ctx, p.Id, c.ClientId)
	if err != nil {
		t.Fatal(err)
	}
	if got.ClientSecret != c.ClientSecret || !got.EnableTokenRevocation || got.PreventUserExistenceErrors != "ENABLED" {
		t.Errorf("stored client %+v", got)
	}

	// Bad input.
	bad := m2m
	bad.AllowedOAuthScopes = []string{"https://api.example.com/write"}
	_, err = s.CreateClient(ctx, &bad, true)
	mustCode(t, err, errs.ScopeDoesNotExist)
	_, err = s.CreateClient(ctx, &m2m, false)
	mustCode(t, err, errs.InvalidOAuthFlow)
	bad = m2m
	bad.UserPoolId = "local_missing00"
	_, err = s.CreateClient(ctx, &bad, true)
	mustCode(t, err, errs.ResourceNotFound)
	bad = m2m
	bad.ClientSecret = "short"
	_, err = s.CreateClient(ctx, &bad, false)
	mustCode(t, err, errs.InvalidParameter)

	// Update: full replacement, keeping id, secret and creation date.
	upd := pool.ClientDefaults()
	upd.UserPoolId, upd.ClientId, upd.ClientName = p.Id, c.ClientId, "renamed"
	upd.AccessTokenValidity, upd.TokenValidityUnits.AccessToken = 30, "minutes"
	out, err := s.UpdateClient(ctx, &upd)
	if err != nil {
		t.Fatal(err)
	}
	if out.ClientSecret != c.ClientSecret || out.ClientId != c.ClientId || !out.CreationDate.Equal(c.CreationDate) ||
		out.ClientName != "renamed" || len(out.AllowedOAuthFlows) != 0 || out.AccessTokenTTL().Minutes() != 30 {
		t.Errorf("updated client %+v", out)
	}
	public := pool.ClientDefaults()
	public.UserPoolId, public.ClientName = p.Id, "spa"
	pc, err := s.CreateClient(ctx, &public, false)
	if err != nil {
		t.Fatal(err)
	}
	pc.AllowedOAuthFlows = []string{"client_credentials"}
	_, err = s.UpdateClient(ctx, pc)
	mustCode(t, err, errs.InvalidOAuthFlow)
	upd.ClientId = "nosuchclient"
	_, err = s.UpdateClient(ctx, &upd)
	mustCode(t, err, errs.ResourceNotFound)

	clients, _, err := s.ListClients(ctx, p.Id, pool.Page{})
	if err != nil || len(clients) != 2 {
		t.Fatalf("ListClients = %d, %v", len(clients), err)
	}
	_, _, err = s.ListClients(ctx, p.Id, pool.Page{Limit: 61})
	mustCode(t, err, errs.InvalidParameter)
	_, _, err = s.ListClients(ctx, "local_missing00", pool.Page{})
	mustCode(t, err, errs.ResourceNotFound)
	if err := s.DeleteClient(ctx, p.Id, pc.ClientId); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetClient(ctx, p.Id, pc.ClientId)
	mustCode(t, err, errs.ResourceNotFound)
}

func TestGroups(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	p := createPool(t, s, pool.Pool{Name: "app"})
	one, two := 1, 2
	g, err := s.CreateGroup(ctx, &pool.Group{UserPoolId: p.Id, GroupName: "admins", Description: "Admins", Precedence: &one})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateGroup(ctx, &pool.Group{UserPoolId: p.Id, GroupName: "admins"})
	mustCode(t, err, errs.GroupExists)
	_, err = s.CreateGroup(ctx, &pool.Group{UserPoolId: p.Id, GroupName: "bad name"})
	mustCode(t, err, errs.InvalidParameter)
	_, err = s.CreateGroup(ctx, &pool.Group{UserPoolId: "local_missing00", GroupName: "x"})
	mustCode(t, err, errs.ResourceNotFound)

	out, err := s.UpdateGroup(ctx, &pool.Group{UserPoolId: p.Id, GroupName: "admins", Description: "All admins", Precedence: &two})
	if err != nil {
		t.Fatal(err)
	}
	if out.Description != "All admins" || *out.Precedence != 2 || !out.CreationDate.Equal(g.CreationDate) {
		t.Errorf("updated group %+v", out)
	}
	_, err = s.UpdateGroup(ctx, &pool.Group{UserPoolId: p.Id, GroupName: "nobody"})
	mustCode(t, err, errs.ResourceNotFound)
	groups, _, err := s.ListGroups(ctx, p.Id, pool.Page{})
	if err != nil || len(groups) != 1 {
		t.Fatalf("ListGroups = %d, %v", len(groups), err)
	}
	_, _, err = s.ListGroups(ctx, p.Id, pool.Page{Limit: 61})
	mustCode(t, err, errs.InvalidParameter)
	if err := s.DeleteGroup(ctx, p.Id, "admins"); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetGroup(ctx, p.Id, "admins")
	mustCode(t, err, errs.ResourceNotFound)
}

func TestResourceServers(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	p := createPool(t, s, pool.Pool{Name: "app"})
	rs, err := s.CreateResourceServer(ctx, &pool.ResourceServer{UserPoolId: p.Id, Identifier: "orders", Name: "Orders"})
	if err != nil {
		t.Fatal(err)
	}
	if rs.Scopes == nil {
		t.Error("nil scopes")
	}
	_, err = s.CreateResourceServer(ctx, &pool.ResourceServer{UserPoolId: p.Id, Identifier: "bad id", Name: "x"})
	mustCode(t, err, errs.InvalidParameter)
	_, err = s.CreateResourceServer(ctx, &pool.ResourceServer{UserPoolId: "local_missing00", Identifier: "x", Name: "x"})
	mustCode(t, err, errs.ResourceNotFound)
	if _, err := s.GetResourceServer(ctx, p.Id, "orders"); err != nil {
		t.Fatal(err)
	}
	servers, _, err := s.ListResourceServers(ctx, p.Id, pool.Page{})
	if err != nil || len(servers) != 1 {
		t.Fatalf("ListResourceServers = %d, %v", len(servers), err)
	}
	_, _, err = s.ListResourceServers(ctx, p.Id, pool.Page{Limit: 51})
	mustCode(t, err, errs.InvalidParameter)
	if err := s.DeleteResourceServer(ctx, p.Id, "orders"); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetResourceServer(ctx, p.Id, "orders")
	mustCode(t, err, errs.ResourceNotFound)
}
