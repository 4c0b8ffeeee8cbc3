package storage_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
)

// The keyset helper behind the List* methods: pages in key order that end with an empty
// cursor (also when the last page is full), the default limit, and tokens it did not make, or
// made for another list, refused.
func TestKeysetPages(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Store) {
		const poolID = "local_keyset001"
		if err := s.CreatePool(ctx, &pool.Pool{Id: poolID, Name: "keyset"}); err != nil {
			t.Fatal(err)
		}
		var all []string
		for i := 65; i >= 1; i-- { // created out of order
			name := fmt.Sprintf("g%03d", i)
			if err := s.CreateGroup(ctx, &pool.Group{UserPoolId: poolID, GroupName: name}); err != nil {
				t.Fatal(err)
			}
			all = append(all, name)
		}
		slices.Sort(all)

		for _, limit := range []int{1, 5, 13, 65, 100} {
			var got []string
			after := ""
			for pages := 0; ; pages++ {
				if pages > 70 {
					t.Fatalf("limit %d: pagination does not end", limit)
				}
				names, next, err := storage.PageGroupNames(ctx, s, poolID, "groups", after, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(names) > min(limit, 60) {
					t.Fatalf("limit %d: page of %d", limit, len(names))
				}
				got = append(got, names...)
				if next == "" {
					break
				}
				after = next
			}
			if !slices.Equal(got, all) {
				t.Fatalf("limit %d: pages give %v, want %v", limit, got, all)
			}
		}

		names, next, err := storage.PageGroupNames(ctx, s, poolID, "groups", "", 0)
		if err != nil || len(names) != 60 || next == "" {
			t.Fatalf("no limit: %d names, next %q, err %v; want the default page of 60 and more", len(names), next, err)
		}
		for _, token := range []string{"not a token", "e30", next} {
			_, _, err := storage.PageGroupNames(ctx, s, poolID, "clients", token, 5)
			if !errs.Is(err, errs.InvalidParameter) {
				t.Errorf("token %q for another list: err %v, want InvalidParameter", token, err)
			}
		}
	})
}
