package pool_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

func TestEnsureClient(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	p := createPool(t, s, pool.Pool{Name: "app"})
	// More apps than one page of ListClients, so that the one asked for is found on the second.
	for i := range 60 {
		if _, err := s.CreateClient(ctx, &pool.Client{UserPoolId: p.Id, ClientName: fmt.Sprintf("other-%02d", i)}, false); err != nil {
			t.Fatal(err)
		}
	}
	want := func(base string) *pool.Client {
		return &pool.Client{ClientName: "zz-console", CallbackURLs: []string{base + "/cb"}, LogoutURLs: []string{base + "/out"},
			AllowedOAuthFlows: []string{pool.FlowCode}, AllowedOAuthScopes: []string{"openid"}, AllowedOAuthFlowsUserPoolClient: true}
	}
	count := func() int {
		n := 0
		for page := (pool.Page{}); ; {
			cs, next, err := s.ListClients(ctx, p.Id, page)
			if err != nil {
				t.Fatal(err)
			}
			n += len(cs)
			if next == "" {
				return n
			}
			page.After = next
		}
	}

	first, err := s.EnsureClient(ctx, p.Id, want("https://a.example"), true)
	if err != nil || first.ClientSecret == "" || first.UserPoolId != p.Id || count() != 61 {
		t.Fatalf("create: %+v %v (%d apps)", first, err, count())
	}
	tests := []struct {
		name          string
		want          *pool.Client
		callbacks     []string
		logouts       []string
		wantCode      errs.Code
		secretChanges bool
	}{
		{name: "found unchanged", want: want("https://a.example"),
			callbacks: []string{"https://a.example/cb"}, logouts: []string{"https://a.example/out"}},
		{name: "new public URL is added, the old one kept", want: want("https://b.example"),
			callbacks: []string{"https://a.example/cb", "https://b.example/cb"}, logouts: []string{"https://a.example/out", "https://b.example/out"}},
		{name: "found again after the change", want: want("https://a.example"),
			callbacks: []string{"https://a.example/cb", "https://b.example/cb"}, logouts: []string{"https://a.example/out", "https://b.example/out"}},
		{name: "an invalid URL is refused and changes nothing", want: want("javascript:alert(1)//x"), wantCode: errs.InvalidParameter,
			callbacks: []string{"https://a.example/cb", "https://b.example/cb"}, logouts: []string{"https://a.example/out", "https://b.example/out"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := s.EnsureClient(ctx, p.Id, tc.want, true)
			if tc.wantCode != "" {
				mustCode(t, err, tc.wantCode)
			} else if err != nil || c.ClientId != first.ClientId || c.ClientSecret != first.ClientSecret {
				t.Fatalf("ensure: %+v %v", c, err)
			}
			got, err := s.GetClient(ctx, p.Id, first.ClientId)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.CallbackURLs, tc.callbacks) || !slices.Equal(got.LogoutURLs, tc.logouts) || count() != 61 {
				t.Fatalf("stored: %v %v (%d apps)", got.CallbackURLs, got.LogoutURLs, count())
			}
		})
	}
	// A public app: no secret.
	pub, err := s.EnsureClient(ctx, p.Id, &pool.Client{ClientName: "public"}, false)
	if err != nil || pub.ClientSecret != "" {
		t.Fatalf("public app: %+v %v", pub, err)
	}
	// An unknown pool.
	_, err = s.EnsureClient(ctx, "local_missing00", want("https://a.example"), false)
	mustCode(t, err, errs.ResourceNotFound)
}
