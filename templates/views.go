package templates

// Brand is a pool's look on its pages: the name in the header, and the pool's branding
// (UI customization) when it has one.
type Brand struct {
	// Name is shown in the header and the title (the pool's name, or the branding's title).
	Name string
	// StyleURL is the pool's generated style sheet (colours and its custom CSS); "" for none.
	StyleURL string
	// LogoURL is the pool's logo; "" for none.
	LogoURL string
	// FooterLinks are the owner's links (terms, privacy...) in the footer.
	FooterLinks []Link
}

// Base is what every page has.
type Base struct {
	Lang  string // the page's language; DefaultLanguage when empty
	Title string // the page's heading and the start of its <title>
	Brand Brand
	// CSRF is the anti-forgery token every form on the page carries.
	CSRF string
	// Alert is a page-level error, announced to screen readers.
	Alert string
	// Notice is a page-level confirmation (a code was sent), announced politely.
	Notice string
}

// Language returns the page's language.
func (b Base) Language() string {
	if b.Lang == "" {
		return DefaultLanguage
	}
	return b.Lang
}

// T returns the catalogue text of key in the page's language.
func (b Base) T(key string, args ...any) string { return T(b.Language(), key, args...) }

// Input is one form control with its value and its error. Type is an HTML input type
// (text, email, tel, date, datetime-local, number, url, password, checkbox).
type Input struct {
	Name  string
	ID    string
	Label string
	Type  string
	Value string
	// Checked is the state of a checkbox (whose value is "true").
	Checked      bool
	Error        string
	Hint         string
	Required     bool
	MinLength    int
	MaxLength    int
	Min, Max     string
	Step         string
	Autocomplete string
	InputMode    string
	// Rules are shown under a new-password input before typing; a failed one is marked.
	Rules []Rule
}

// Describedby is the input's aria-describedby: its error, else its hint and rules.
func (in Input) Describedby() string {
	if in.Error != "" {
		return in.ID + "-error"
	}
	var ids []string
	if in.Hint != "" {
		ids = append(ids, in.ID+"-hint")
	}
	if len(in.Rules) > 0 {
		ids = append(ids, in.ID+"-rules")
	}
	out := ""
	for i, id := range ids {
		if i > 0 {
			out += " "
		}
		out += id
	}
	return out
}

// Rule is one password rule.
type Rule struct {
	Text   string
	Failed bool
}

// Hidden is a hidden form value.
type Hidden struct {
	Name  string
	Value string
}

// Link is a link or button to another page.
type Link struct {
	URL  string
	Text string
}

// SmallForm is a one-button form beside the main one (resend a code).
type SmallForm struct {
	Action string
	Hidden []Hidden
	Text   string // explanation before the button
	Submit string
}

// Form is every form page: sign-in, sign-up, confirmation, password reset, new password,
// profile completion. The layout gives each the same look; the handler fills the inputs.
type Form struct {
	Base
	// Action is the URL the form posts to.
	Action string
	// Intro paragraphs come before the form.
	Intro  []string
	Hidden []Hidden
	Inputs []Input
	Submit string
	// Aside is a second small form (resend the code), Links the ways to other pages.
	Aside *SmallForm
	Links []Link
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
