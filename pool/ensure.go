package pool

import (
	"context"
	"fmt"
	"slices"
)

// EnsureClient finds the pool's app client named want.ClientName, or creates it from want (with
// a generated secret when generateSecret). A found client keeps its settings and id, and gains
// the callback and sign-out URLs of want it lacks: the server's public URL may have changed
// since the client was made, and the URLs of the old one may still be in use. The server's own
// apps (the admin console, the demo) are set up this way at every start.
func (s *Service) EnsureClient(ctx context.Context, poolID string, want *Client, generateSecret bool) (*Client, error) {
	page := Page{Limit: 60}
	for {
		clients, next, err := s.ListClients(ctx, poolID, page)
		if err != nil {
			return nil, fmt.Errorf("ensure client %q: %w", want.ClientName, err)
		}
		for _, c := range clients {
			if c.ClientName == want.ClientName {
				return s.addURLs(ctx, c, want)
			}
		}
		if next == "" {
			break
		}
		page.After = next
	}
	in := *want
	in.UserPoolId = poolID
	c, err := s.CreateClient(ctx, &in, generateSecret)
	if err != nil {
		return nil, fmt.Errorf("ensure client %q: %w", want.ClientName, err)
	}
	return c, nil
}

// addURLs adds want's callback and sign-out URLs that c lacks, saving c only when it changed.
func (s *Service) addURLs(ctx context.Context, c, want *Client) (*Client, error) {
	changed := false
	add := func(have *[]string, urls []string) {
		for _, u := range urls {
			if !slices.Contains(*have, u) {
				*have = append(slices.Clone(*have), u)
				changed = true
			}
		}
	}
	add(&c.CallbackURLs, want.CallbackURLs)
	add(&c.LogoutURLs, want.LogoutURLs)
	if !changed {
		return c, nil
	}
	updated, err := s.UpdateClient(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("ensure client %q: %w", want.ClientName, err)
	}
	return updated, nil
}
