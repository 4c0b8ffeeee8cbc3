package login_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/internal/browsertest"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// The browser tests drive Debian's Chromium headless through each page, from an app's
// authorization request to the code at the app's redirect URI, and save a screenshot of each
// page (see browsertest.Tab).

// chromium starts the test's headless Chromium (skipped without it, unless
// USERPOOL_TEST_REQUIRE_ALL=1).
func chromium(t *testing.T) context.Context { return browsertest.Chromium(t, 420, 900) }

// tab is a fresh browser profile (its own cookies) in a phone-sized window.
type tab struct{ *browsertest.Tab }

func newTab(t *testing.T, browser context.Context) *tab {
	t.Helper()
	tb := &tab{browsertest.NewTab(t, browser, "")}
	tb.Do(chromedp.EmulateViewport(390, 780))
	return tb
}

// fill sets the inputs by id, submits the page's main form and waits for waitFor.
func (tb *tab) fill(values map[string]string, waitFor string) {
	tb.T().Helper()
	tb.Fill(values, "#main form button.primary", chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// appServer is the app's redirect URI: a page that shows it got a code.
func appServer(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>App</title><p id="app-done">The app got a code.</p>`)
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/cb"
}

func logoPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 160, 48))
	for x := range 160 {
		for y := range 48 {
			c := color.RGBA{10, 125, 67, 255}
			if (x/16+y/16)%2 == 0 {
				c = color.RGBA{255, 255, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBrowser(t *testing.T) {
	browser := chromium(t)
	s := newSite(t, storagetest.SQLite(t))
	s.callback = appServer(t)
	p := s.newPool(nil)
	rp := s.relying(p, s.newApp(p, nil))
	ctx := context.Background()

	t.Run("sign-up, confirm and sign-in", func(t *testing.T) {
		tb := newTab(t, browser)
		tb.Do(chromedp.Navigate(rp.authURL("st1")), chromedp.WaitVisible(chromedp.ID("username")))
		tb.Shot("signin")
		tb.Do(chromedp.Click(chromedp.CSS(`a[href*="/signup?"]`)), chromedp.WaitVisible(chromedp.ID("f-given-name")))
		tb.Shot("signup")
		tb.fill(map[string]string{"f-email": "zoe@example.com", "password": newPassword, "password-confirm": newPassword,
			"f-given-name": "Zoé", "f-birthdate": "1990-04-01", "f-custom-team": "Blue", "f-custom-shoe-size": "42"}, "#code")
		tb.Shot("confirm")
		_, code := s.code()
		tb.fill(map[string]string{"code": code}, "#app-done")
		claims := s.tokens(rp, tb.Location(), "st1")
		if claims["email"] != "zoe@example.com" || claims["given_name"] != "Zoé" || claims["email_verified"] != true {
			t.Fatalf("claims %v", claims)
		}
		u, err := s.users.Get(ctx, p.Id, "zoe@example.com")
		if err != nil || u.Attributes["custom:team"] != "Blue" || u.Attributes["birthdate"] != "1990-04-01" {
			t.Fatalf("user %+v %v", u, err)
		}
		// Signing in again in a new browser, with the password.
		tb2 := newTab(t, browser)
		tb2.Do(chromedp.Navigate(rp.authURL("st2")), chromedp.WaitVisible(chromedp.ID("username")))
		tb2.fill(map[string]string{"username": "zoe@example.com", "password": newPassword}, "#app-done")
		s.tokens(rp, tb2.Location(), "st2")
	})

	t.Run("forgot password", func(t *testing.T) {
		s.confirmedUser(p, "ann@example.com", user.Attribute{Name: "given_name", Value: "Ann"}, user.Attribute{Name: "birthdate", Value: "1980-02-03"})
		tb := newTab(t, browser)
		tb.Do(chromedp.Navigate(rp.authURL("st3")), chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.Click(chromedp.CSS(`a[href*="/forgot?"]`)), chromedp.WaitVisible(chromedp.CSS(`#main form[action$="/forgot"]`)))
		tb.Shot("forgot")
		tb.fill(map[string]string{"username": "ann@example.com"}, "#code")
		tb.Shot("reset")
		_, code := s.code()
		tb.fill(map[string]string{"code": code, "password": newPassword, "password-confirm": newPassword}, "#app-done")
		s.tokens(rp, tb.Location(), "st3")
	})

	t.Run("new password required", func(t *testing.T) {
		if _, _, err := s.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "tim@example.com", TemporaryPassword: password, MessageAction: "SUPPRESS",
			Attributes: []user.Attribute{{Name: "email", Value: "tim@example.com"}, {Name: "email_verified", Value: "true"}, {Name: "given_name", Value: "Tim"}}}); err != nil {
			t.Fatal(err)
		}
		tb := newTab(t, browser)
		tb.Do(chromedp.Navigate(rp.authURL("st4")), chromedp.WaitVisible(chromedp.ID("username")))
		tb.fill(map[string]string{"username": "tim@example.com", "password": password}, "#password-confirm")
		tb.Shot("new-password")
		tb.fill(map[string]string{"password": newPassword, "password-confirm": newPassword, "f-birthdate": "2000-01-01"}, "#app-done")
		if claims := s.tokens(rp, tb.Location(), "st4"); claims["birthdate"] != "2000-01-01" {
			t.Fatalf("claims %v", claims)
		}
	})

	t.Run("complete profile", func(t *testing.T) {
		s.confirmedUser(p, "pat@example.com", user.Attribute{Name: "given_name", Value: "Pat"})
		tb := newTab(t, browser)
		tb.Do(chromedp.Navigate(rp.authURL("st5")), chromedp.WaitVisible(chromedp.ID("username")))
		tb.fill(map[string]string{"username": "pat@example.com", "password": password}, "#f-birthdate")
		tb.Shot("profile")
		tb.fill(map[string]string{"f-birthdate": "1975-12-24"}, "#app-done")
		s.tokens(rp, tb.Location(), "st5")
	})

	t.Run("branded pool", func(t *testing.T) {
		bp := s.newPool(func(p *pool.Pool) { p.Name = "Brand" })
		brp := s.relying(bp, s.newApp(bp, nil))
		if _, err := s.brands.Set(ctx, branding.Customization{PoolID: bp.Id, Image: logoPNG(t), PrimaryColor: "#0a7d43", BackgroundColor: "#eef6f1",
			PageTitle: "Green Grocer", CSS: ".submitButton-customizable { border-radius: 999px; } .label-customizable { color: #14532d; }",
			FooterLinks: []branding.FooterLink{{Text: "Terms", URL: "https://grocer.example/terms"}, {Text: "Privacy", URL: "https://grocer.example/privacy"}}}); err != nil {
			t.Fatal(err)
		}
		s.confirmedUser(bp, "gus@example.com", user.Attribute{Name: "given_name", Value: "Gus"}, user.Attribute{Name: "birthdate", Value: "1970-01-01"})
		tb := newTab(t, browser)
		tb.Do(chromedp.Navigate(brp.authURL("st6")), chromedp.WaitVisible(chromedp.CSS("img.logo-customizable")))
		// The logo loaded, and the colours and custom CSS apply (computed by the browser).
		if w := tb.Eval(`String(document.querySelector("img.logo-customizable").naturalWidth)`); w != "160" {
			t.Errorf("logo width %q", w)
		}
		for js, want := range map[string]string{
			`getComputedStyle(document.querySelector("button.primary")).backgroundColor`: "rgb(10, 125, 67)",
			`getComputedStyle(document.querySelector("button.primary")).borderRadius`:    "999px",
			`getComputedStyle(document.body).backgroundColor`:                            "rgb(238, 246, 241)",
			`getComputedStyle(document.querySelector("label")).color`:                    "rgb(20, 83, 45)",
			`document.title`: "Sign in · Green Grocer",
			`document.querySelector(".footer-links").innerText.replace(/\s+/g, " ").trim()`: "Terms Privacy",
		} {
			if got := tb.Eval(js); got != want {
				t.Errorf("%s = %q, want %q", js, got, want)
			}
		}
		tb.Shot("branded-signin")
		tb.fill(map[string]string{"username": "gus@example.com", "password": password}, "#app-done")
		s.tokens(brp, tb.Location(), "st6")
	})

	t.Run("second language", func(t *testing.T) {
		tb := newTab(t, browser)
		tb.Do(chromedp.Navigate(rp.authURL("st7", oauth2.SetAuthURLParam("ui_locales", "fr"))), chromedp.WaitVisible(chromedp.ID("username")))
		if lang, button := tb.Eval(`document.documentElement.lang`), tb.Eval(`document.querySelector("button.primary").innerText`); lang != "fr" || button != "Se connecter" {
			t.Errorf("lang %q, button %q", lang, button)
		}
		tb.Shot("signin-fr")
		tb.Do(chromedp.Click(chromedp.CSS(`a[href*="/signup?"]`)), chromedp.WaitVisible(chromedp.ID("f-given-name")))
		if h1 := tb.Eval(`document.querySelector("h1").innerText`); h1 != "Créer votre compte" {
			t.Errorf("sign-up title %q", h1)
		}
		tb.Shot("signup-fr")
		tb.Do(chromedp.Navigate(rp.authURL("st8", oauth2.SetAuthURLParam("ui_locales", "fr"))), chromedp.WaitVisible(chromedp.ID("username")))
		tb.fill(map[string]string{"username": "ann@example.com", "password": newPassword}, "#app-done")
		s.tokens(rp, tb.Location(), "st8")
	})

	t.Run("error page", func(t *testing.T) {
		tb := newTab(t, browser)
		tb.Do(chromedp.Navigate(s.srv.URL+"/"+p.Id+"/login?authRequestID=expired"), chromedp.WaitVisible(chromedp.CSS("h1")))
		if h1 := tb.Eval(`document.querySelector("h1").innerText`); h1 != "This sign-in has expired" {
			t.Errorf("h1 %q", h1)
		}
		tb.Shot("error")
	})

	t.Run("keyboard only", func(t *testing.T) {
		tb := newTab(t, browser)
		tb.Do(chromedp.Navigate(rp.authURL("st9")), chromedp.WaitVisible(chromedp.ID("username")))
		// Tab moves from the skip link through the form's inputs in order; focus is visible.
		var order []string
		for range 4 {
			tb.Do(chromedp.KeyEvent("\t"))
			order = append(order, tb.Eval(`document.activeElement.id || document.activeElement.className`))
		}
		if strings.Join(order, ",") != "skip,username,password," && !strings.HasPrefix(strings.Join(order, ","), "skip,username,password") {
			t.Errorf("tab order %v", order)
		}
		tb.Do(chromedp.Focus(chromedp.ID("username")))
		if outline := tb.Eval(`getComputedStyle(document.activeElement).outlineStyle`); outline != "solid" {
			t.Errorf("focused input outline %q", outline)
		}
	})
}

// TestBrowserFormPost: with response_mode=form_post the page the browser gets posts the code
// to the app by itself (its script is allowed by the page's CSP), and the app receives the
// code, state and iss, and redeems the code.
func TestBrowserFormPost(t *testing.T) {
	browser := chromium(t)
	posted := make(chan url.Values, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.ParseForm() == nil {
			select {
			case posted <- r.PostForm:
			default:
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>App</title><p id="app-done">%s</p>`, r.Method)
	}))
	t.Cleanup(app.Close)
	s := newSite(t, storagetest.SQLite(t))
	s.callback = strings.Replace(app.URL, "127.0.0.1", "localhost", 1) + "/cb"
	p := s.newPool(nil)
	rp := s.relying(p, s.newApp(p, nil))
	s.confirmedUser(p, "fay@example.com", user.Attribute{Name: "given_name", Value: "Fay"}, user.Attribute{Name: "birthdate", Value: "1985-05-05"})

	tb := newTab(t, browser)
	tb.Do(chromedp.Navigate(rp.authURL("fp1", oauth2.SetAuthURLParam("response_mode", "form_post"))), chromedp.WaitVisible(chromedp.ID("username")))
	tb.fill(map[string]string{"username": "fay@example.com", "password": password}, "#app-done")
	if m := tb.Eval(`document.getElementById("app-done").innerText`); m != "POST" {
		t.Fatalf("the app was reached with %s, want the form's POST", m)
	}
	var form url.Values
	select {
	case form = <-posted:
	default:
		t.Fatal("the app received no form")
	}
	if form.Get("state") != "fp1" || form.Get("iss") != s.srv.URL+"/"+p.Id || form.Get("code") == "" {
		t.Fatalf("the app received %v", form)
	}
	if _, err := rp.cfg.Exchange(context.Background(), form.Get("code"), oauth2.VerifierOption(rp.pkce)); err != nil {
		t.Fatalf("redeem the posted code: %v", err)
	}
}
