package pool_test

import (
	"context"
	"testing"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

func TestSystemPool(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	p, created, err := s.EnsureSystemPool(ctx, &pool.Pool{Name: "operators"})
	if err != nil || !created || p.Id != "local_system000" || !pool.IsSystemPool(p.Id) {
		t.Fatalf("first: %+v %v %v", p, created, err)
	}
	again, created, err := s.EnsureSystemPool(ctx, &pool.Pool{Name: "other name"})
	if err != nil || created || again.Name != "operators" {
		t.Fatalf("second: %+v %v %v", again, created, err)
	}
	createPool(t, s, pool.Pool{Name: "ordinary"})
	if n := countPools(t, s); n != 1 {
		t.Fatalf("ListPools lists %d pools, want the ordinary one only", n)
	}
	mustCode(t, s.DeletePool(ctx, p.Id), errs.InvalidParameter)
	if _, err := s.GetPool(ctx, p.Id); err != nil {
		t.Fatalf("the system pool went: %v", err)
	}
}

func TestRegenerateClientSecret(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	p := createPool(t, s, pool.Pool{Name: "p"})
	c, err := s.CreateClient(ctx, &pool.Client{UserPoolId: p.Id, ClientName: "web"}, true)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := s.RegenerateClientSecret(ctx, p.Id, c.ClientId)
	if err != nil || nc.ClientSecret == c.ClientSecret || len(nc.ClientSecret) != pool.ClientSecretLength {
		t.Fatalf("regenerate: %+v %v", nc, err)
	}
	if got, _ := s.GetClient(ctx, p.Id, c.ClientId); got.ClientSecret != nc.ClientSecret {
		t.Fatal("the new secret was not stored")
	}
	public, err := s.CreateClient(ctx, &pool.Client{UserPoolId: p.Id, ClientName: "spa"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ pool, client string }{{p.Id, public.ClientId}, {p.Id, "nosuchclient"}, {"local_nosuchpoo", c.ClientId}} {
		if _, err := s.RegenerateClientSecret(ctx, tc.pool, tc.client); err == nil {
			t.Errorf("regenerate %s/%s: no error", tc.pool, tc.client)
		}
	}
	if got, _ := s.GetClient(ctx, p.Id, public.ClientId); got.ClientSecret != "" {
		t.Fatal("a public client got a secret")
	}
}
