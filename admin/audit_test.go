package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/userpool/userpool/admin"
	"github.com/userpool/userpool/audit"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/message/messagetest"
	"github.com/userpool/userpool/message/smtptest"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
)

// An operator's change leaves one record with the operator, the action, the pool, the
// target and the outcome, and none of what the form carried besides; the audit page finds it
// by pool, actor, action and day, and pages.
func TestAuditLog(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		c := newConsole(t, db)
		ctx := context.Background()
		b := c.operator()
		pl, err := c.pools.CreatePool(ctx, &pool.Pool{Name: "audited"})
		if err != nil {
			t.Fatal(err)
		}
		base := "/admin/pools/" + pl.Id
		const password = "Set-Passw0rd-1!"
		p := c.submit(b, c.get(b, base+"/users"), "/users", url.Values{"username": {"jane"}, "password": {password}})
		if !strings.Contains(p.body, "User jane") {
			t.Fatalf("create user: %d %s", p.status, p.body)
		}
		jane, err := c.users.Get(ctx, pl.Id, "jane")
		if err != nil {
			t.Fatal(err)
		}
		c.submit(b, c.get(b, base+"/users/"+jane.Sub), "/password", url.Values{"password": {password + "2"}, "permanent": {"true"}})
		// A refused one: an existing username.
		if p = c.submit(b, c.get(b, base+"/users"), "/users", url.Values{"username": {"jane"}}); p.status != http.StatusConflict {
			t.Fatalf("duplicate user: %d", p.status)
		}

		recs, _, err := c.store.ListAuditRecords(ctx, audit.Query{PoolID: pl.Id})
		if err != nil {
			t.Fatal(err)
		}
		want := []audit.Record{
			{ActorKind: audit.Operator, Actor: admin.FirstOperator, Action: "user.create", PoolID: pl.Id, Target: "Username=jane", Outcome: "UsernameExistsException"},
			{ActorKind: audit.Operator, Actor: admin.FirstOperator, Action: "user.password", PoolID: pl.Id, Target: "Sub=" + jane.Sub, Outcome: audit.OK},
			{ActorKind: audit.Operator, Actor: admin.FirstOperator, Action: "user.create", PoolID: pl.Id, Target: "Username=jane", Outcome: audit.OK},
		}
		if len(recs) != len(want) {
			t.Fatalf("records: %+v", recs)
		}
		for i, w := range want {
			got := *recs[i]
			got.ID, got.At = "", time.Time{}
			if got != w {
				t.Errorf("record %d:\n got %+v\nwant %+v", i, got, w)
			}
			if strings.Contains(recs[i].Target+recs[i].Action, "Passw0rd") {
				t.Errorf("record %d holds a password: %+v", i, recs[i])
			}
		}
		// The sign-in is on record too.
		if signIns, _, _ := c.store.ListAuditRecords(ctx, audit.Query{Action: "signin"}); len(signIns) != 1 || signIns[0].Actor != admin.FirstOperator {
			t.Fatalf("sign-in records: %+v", signIns)
		}

		// The page's filters.
		today := time.Now().UTC().Format(time.DateOnly)
		for _, tc := range []struct {
			query  string
			status int
			want   []string
			absent []string
		}{
			{"pool=" + pl.Id, http.StatusOK, []string{"user.password", "UsernameExistsException"}, []string{"signin"}},
			{"action=signin", http.StatusOK, []string{"<td>signin</td>"}, []string{"user.create"}},
			{"actor=nobody", http.StatusOK, []string{"No records."}, nil},
			{"from=" + today + "&to=" + today + "&action=user.password", http.StatusOK, []string{"user.password"}, []string{"user.create"}},
			{"to=2000-01-01", http.StatusOK, []string{"No records."}, nil},
			{"from=yesterday", http.StatusBadRequest, []string{`aria-describedby="from-error"`}, nil},
			{"cursor=forged", http.StatusBadRequest, []string{"pagination"}, nil},
		} {
			p := c.get(b, "/admin/audit?"+tc.query)
			if p.status != tc.status {
				t.Errorf("%s: %d", tc.query, p.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(p.body, w) {
					t.Errorf("%s: lacks %q", tc.query, w)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(p.body, a) {
					t.Errorf("%s: has %q", tc.query, a)
				}
			}
		}
		// Paging: more than a page of records gives a link to the next one.
		for i := range 55 {
			c.admin.Audit.Record(ctx, audit.Record{ActorKind: audit.Operator, Actor: "bulk", Action: "test", Target: audit.Targets("N", string(rune('a'+i%26)))})
		}
		p = c.get(b, "/admin/audit?actor=bulk")
		if n := strings.Count(p.body, "<td>bulk</td>"); n != 50 || !strings.Contains(p.body, "Older records") {
			t.Fatalf("first page: %d rows", n)
		}
		next := p.body[strings.Index(p.body, `<a href="/admin/audit?`)+len(`<a href="`):]
		next = strings.ReplaceAll(next[:strings.Index(next, `"`)], "&amp;", "&")
		if p = c.get(b, next); strings.Count(p.body, "<td>bulk</td>") != 5 || strings.Contains(p.body, "Older records") {
			t.Fatalf("second page (%s): %s", next, p.body)
		}
	})
}

// A failed message without secrets goes back to pending and is delivered; one that carried
// a code cannot be retried.
func TestRetryFailedMessage(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		c := newConsole(t, db)
		ctx := context.Background()
		mail := smtptest.Start(t, smtptest.Options{})
		senders, err := message.NewSenders(message.Config{SMTPURL: "smtp://" + mail.Addr, MailFrom: "Userpool <no-reply@example.com>"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		pl, err := c.pools.CreatePool(ctx, &pool.Pool{Name: "mail"})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		failed := func(id, text string) {
			m := &message.Message{ID: id, PoolID: pl.Id, Channel: message.Email, Destination: "jane@example.com", Type: message.Verification,
				Content: message.Content{Subject: "Hello", Text: text}, Redacted: message.Content{Subject: "Hello", Text: text},
				Status: message.Pending, NextAttemptAt: now.Add(time.Hour), CreatedAt: now}
			if err := c.store.EnqueueMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
			if err := c.store.MarkFailed(ctx, pl.Id, id, "550 mailbox unavailable"); err != nil {
				t.Fatal(err)
			}
		}
		failed("notice", "Your account is ready.")
		failed("code", "Your code is "+message.Redaction)

		c.admin.Outbox = messagetest.RunWorker(t, c.store, senders)

		b := c.operator()
		base := "/admin/pools/" + pl.Id + "/messages"
		p := c.get(b, base+"?status=failed")
		if strings.Count(p.body, "/retry") != 1 || !strings.Contains(p.body, "Carried a code") {
			t.Fatalf("failed messages: %s", p.body)
		}
		// Without the confirmation, and for the message with a code: refused, nothing changes.
		for _, tc := range []struct{ id, confirm string }{{"notice", ""}, {"code", "yes"}, {"missing", "yes"}} {
			form := url.Values{"csrf_token": {c.csrf(b)}, "confirm": {tc.confirm}}
			if p := c.do(b, http.MethodPost, base+"/"+tc.id+"/retry", form); p.status < 400 {
				t.Errorf("retry %s (confirm %q): %d", tc.id, tc.confirm, p.status)
			}
		}
		if msgs, _, _ := c.store.ListMessages(ctx, message.ListQuery{PoolID: pl.Id, Status: message.Failed}); len(msgs) != 2 {
			t.Fatalf("a refused retry changed a message: %+v", msgs)
		}
		p = c.submit(b, p, "/notice/retry", url.Values{"confirm": {"yes"}})
		if !strings.Contains(p.body, "queued to be sent again") {
			t.Fatalf("retry: %d %s", p.status, p.body)
		}
		// A bound on a hang, not a timing check.
		wait, stop := context.WithTimeout(ctx, time.Minute)
		defer stop()
		got := mail.Wait(wait, 1)
		if len(got) != 1 || !strings.Contains(string(got[0].Data), "Your account is ready.") {
			t.Fatalf("delivered: %+v", got)
		}
		for {
			m, err := c.store.GetMessage(ctx, pl.Id, "notice")
			if err != nil {
				t.Fatal(err)
			}
			if m.Status == message.Sent {
				if m.Attempts != 0 || m.LastError != "" {
					t.Fatalf("retried message: %+v", m)
				}
				break
			}
			if wait.Err() != nil {
				t.Fatalf("the message was not marked sent: %+v", m)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if recs, _, _ := c.store.ListAuditRecords(ctx, audit.Query{Action: "message.retry"}); len(recs) != 4 || recs[0].Target != "MessageId=notice" || recs[0].Outcome != audit.OK {
			t.Fatalf("retry records: %+v", recs)
		}
	})
}

// A refused create form shows the error next to its field and keeps what was typed.
func TestCreateFormsFieldErrors(t *testing.T) {
	c := newConsole(t, storagetest.SQLite(t))
	ctx := context.Background()
	b := c.operator()
	pl, err := c.pools.CreatePool(ctx, &pool.Pool{Name: "forms"})
	if err != nil {
		t.Fatal(err)
	}
	base := "/admin/pools/" + pl.Id
	c.submit(b, c.get(b, base+"/users"), "/users", url.Values{"username": {"jane"}})
	for _, tc := range []struct {
		name, page, action string
		form               url.Values
		field, kept        string
	}{
		{"app without callback", base + "/apps/new", "/apps", url.Values{"name": {"web-app"}, "flows": {"code"}, "scopes": {"openid"}, "access": {"1"},
			"access_unit": {"hours"}, "id": {"1"}, "id_unit": {"hours"}, "refresh": {"30"}, "refresh_unit": {"days"}}, "callbacks", `value="web-app"`},
		{"group with a bad precedence", base + "/groups", "/groups", url.Values{"name": {"staff-group"}, "precedence": {"-1"}}, "precedence", `value="staff-group"`},
		{"existing username", base + "/users", "/users", url.Values{"username": {"jane"}, "email": {"kept@example.com"}}, "username", `value="kept@example.com"`},
		{"bad phone number", base + "/users", "/users", url.Values{"username": {"joe"}, "phone_number": {"12"}}, "phone", `value="joe"`},
	} {
		p := c.submit(b, c.get(b, tc.page), tc.action, tc.form)
		if p.status < 400 || !strings.Contains(p.body, `aria-invalid="true" aria-describedby="`+tc.field+`-error"`) ||
			!strings.Contains(p.body, `id="`+tc.field+`-error"`) || !strings.Contains(p.body, tc.kept) {
			t.Errorf("%s: %d %s", tc.name, p.status, p.body)
		}
	}
}
