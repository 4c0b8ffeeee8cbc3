package cognito_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/userpool/userpool/audit"
	"github.com/userpool/userpool/cognito"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// Every signed call leaves one record: the action, the access key, the ids of the request
// and the outcome; never the password it carried. Unsigned calls leave none.
func TestAuditRecordsSignedCalls(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		pools := pool.NewService(st, "local")
		e := newServer(t).serve(&cognito.Handler{Pools: pools, Users: user.NewService(st, pools, testHasher()), Audit: &audit.Log{Store: st}})
		p, err := e.api.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("audited")})
		if err != nil {
			t.Fatal(err)
		}
		id := aws.ToString(p.UserPool.Id)
		const password = "Secret-Passw0rd-1!"
		if _, err := e.api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: p.UserPool.Id, Username: aws.String("jane"),
			TemporaryPassword: aws.String(password), MessageAction: "SUPPRESS"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.api.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: p.UserPool.Id, Username: aws.String("nobody")}); err == nil {
			t.Fatal("deleted a user that does not exist")
		}
		// Unsigned: not recorded.
		_, _ = e.anon().SignUp(ctx, &cip.SignUpInput{ClientId: aws.String("none"), Username: aws.String("x"), Password: aws.String(password)})

		recs, _, err := st.ListAuditRecords(ctx, audit.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 3 {
			t.Fatalf("records: %d, want 3: %+v", len(recs), recs)
		}
		want := []audit.Record{ // newest first
			{ActorKind: audit.AccessKey, Actor: testKeyID, Action: "AdminDeleteUser", PoolID: id, Target: "Username=nobody", Outcome: "UserNotFoundException"},
			{ActorKind: audit.AccessKey, Actor: testKeyID, Action: "AdminCreateUser", PoolID: id, Target: "Username=jane", Outcome: audit.OK},
			{ActorKind: audit.AccessKey, Actor: testKeyID, Action: "CreateUserPool", Outcome: audit.OK},
		}
		for i, w := range want {
			got := *recs[i]
			if got.ID == "" || got.At.IsZero() {
				t.Errorf("record %d has no id or time: %+v", i, got)
			}
			got.ID, got.At = "", w.At
			if got != w {
				t.Errorf("record %d:\n got %+v\nwant %+v", i, got, w)
			}
			if strings.Contains(recs[i].Target, password) {
				t.Errorf("record %d holds the password", i)
			}
		}
		// The search filters.
		for _, tc := range []struct {
			name string
			q    audit.Query
			want int
		}{
			{"pool", audit.Query{PoolID: id}, 2},
			{"action", audit.Query{Action: "CreateUserPool"}, 1},
			{"actor", audit.Query{Actor: "someone else"}, 0},
			{"until before", audit.Query{To: recs[2].At}, 0},
			{"from", audit.Query{From: recs[2].At}, 3},
		} {
			if got, _, err := (&audit.Log{Store: st}).Search(ctx, tc.q); err != nil || len(got) != tc.want {
				t.Errorf("%s: %d records, %v; want %d", tc.name, len(got), err, tc.want)
			}
		}
		// Paging: one record a page, newest first, then the end.
		first, next, err := st.ListAuditRecords(ctx, audit.Query{Limit: 2})
		if err != nil || len(first) != 2 || next == "" {
			t.Fatalf("first page: %d %q %v", len(first), next, err)
		}
		rest, next, err := st.ListAuditRecords(ctx, audit.Query{Limit: 2, Cursor: next})
		if err != nil || len(rest) != 1 || next != "" || rest[0].Action != "CreateUserPool" {
			t.Fatalf("second page: %+v %q %v", rest, next, err)
		}
		// Bad inputs.
		if _, _, err := st.ListAuditRecords(ctx, audit.Query{Cursor: "garbage"}); err == nil {
			t.Error("a bad cursor was accepted")
		}
		if _, _, err := (&audit.Log{Store: st}).Search(ctx, audit.Query{From: recs[0].At, To: recs[2].At}); err == nil {
			t.Error("From after To was accepted")
		}
		// Deleting the pool keeps its trail.
		if _, err := e.api.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: p.UserPool.Id}); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := st.ListAuditRecords(ctx, audit.Query{PoolID: id}); len(got) != 3 || got[0].Action != "DeleteUserPool" {
			t.Fatalf("after the pool's deletion: %+v", got)
		}
	})
}
