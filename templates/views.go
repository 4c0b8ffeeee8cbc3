package templates

// Brand is a pool's look on its pages. Issue 6 adds the logo, colours and custom CSS.
type Brand struct {
	// Name is shown in the header and the title (the pool's name).
	Name string
}

// Base is what every page has.
type Base struct {
	Lang  string // the page's language; "en" when empty
	Title string // the page's heading and the start of its <title>
	Brand Brand
	// CSRF is the anti-forgery token every form on the page carries.
	CSRF string
	// Alert is a page-level error, announced to screen readers.
	Alert string
}

// Language returns the page's language.
func (b Base) Language() string {
	if b.Lang == "" {
		return "en"
	}
	return b.Lang
}

// Field is one form input with its value and its error.
type Field struct {
	Label string
	Value string
	Error string
	Hint  string
}

// SignIn is the sign-in page.
type SignIn struct {
	Base
	// Action is the URL the form posts to.
	Action string
	// AuthRequestID is the pending authorization request the sign-in completes.
	AuthRequestID string
	Username      Field
	Password      Field
	// InputMode hints the on-screen keyboard for the identifier ("email", "tel" or "text").
	InputMode string
}

// Link is a link or button to another page.
type Link struct {
	URL  string
	Text string
}

// Message is a page that explains something — an error, the signed-out state — and what to
// do next.
type Message struct {
	Base
	// Paragraphs are the explanation.
	Paragraphs []string
	Next       *Link
}

// Demo is the demo relying party's start page.
type Demo struct {
	Base
	PoolID     string
	ClientID   string
	SignInURL  string
	SignOutURL string
	// CreateUser is the CLI command that creates a demo user.
	CreateUser string
	// Credentials are printed on the server's console at first start.
	Username string
}

// Claim is one claim of a decoded token.
type Claim struct {
	Name  string
	Value string
}

// Token is a decoded token.
type Token struct {
	Name   string
	Claims []Claim
	Raw    string
}

// DemoTokens shows the tokens the demo received.
type DemoTokens struct {
	Base
	Tokens     []Token
	SignOutURL string
	AgainURL   string
}
