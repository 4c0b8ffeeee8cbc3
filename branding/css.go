package branding

import (
	"fmt"
	"slices"
	"strings"

	"github.com/userpool/userpool/errs"
)

// Custom CSS is parsed into rules, each checked against an allow-list, and re-serialised from
// the parsed form: what reaches a page is only what the serialiser writes, never the input's
// text, so comments, escapes and unbalanced tokens cannot smuggle anything past the checks.
//
// Grammar accepted (a small subset of CSS): rule := selector ("," selector)* "{" decl (";" decl)* "}";
// selector := "." class [":" pseudo]; decl := property ":" value. Values are sequences of
// identifiers, numbers with units, percentages, hex colours, quoted font names, commas and the
// functions in allowedFunctions. No at-rules, no url(), no backslash escapes, no expression().

// MaxCSSLength bounds the custom CSS (Cognito's limit is 131,072 characters).
const MaxCSSLength = 131072

// AllowedClasses are the classes custom CSS may style: Cognito's hosted UI classes.
var AllowedClasses = []string{
	"background-customizable", "banner-customizable", "errorMessage-customizable", "idpButton-customizable",
	"idpButton-customizable:hover", "idpDescription-customizable", "inputField-customizable",
	"inputField-customizable:focus", "label-customizable", "legalText-customizable", "logo-customizable",
	"passwordCheck-notValid-customizable", "passwordCheck-valid-customizable", "redirect-customizable",
	"redirect-customizable:hover", "socialButton-customizable", "submitButton-customizable",
	"submitButton-customizable:hover", "textDescription-customizable",
}

// allowedProperties are the properties custom CSS may set: colours, fonts, spacing, borders
// and sizes — nothing that loads resources, positions over other content or runs code.
var allowedProperties = []string{
	"background-color", "color", "border", "border-color", "border-style", "border-width", "border-radius",
	"border-top", "border-right", "border-bottom", "border-left", "border-top-color", "border-bottom-color",
	"border-left-color", "border-right-color", "box-shadow", "outline-color",
	"font-family", "font-size", "font-style", "font-weight", "letter-spacing", "line-height", "text-align",
	"text-decoration", "text-transform",
	"margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
	"padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
	"width", "max-width", "min-width", "height", "max-height", "min-height", "opacity",
}

var allowedFunctions = []string{"rgb", "rgba", "hsl", "hsla", "calc"}

// Rule is one parsed rule: its selectors (from AllowedClasses) and declarations.
type Rule struct {
	Selectors    []string
	Declarations []Declaration
}

// Declaration is one "property: value" with its value's tokens.
type Declaration struct {
	Property string
	Value    []string
}

func cssError(format string, args ...any) error {
	return errs.New(errs.InvalidParameter, "CSS: "+format, args...)
}

// SanitizeCSS parses css and returns it re-serialised, or an InvalidParameter error naming
// the first thing that is not allowed.
func SanitizeCSS(css string) (string, error) {
	if len(css) > MaxCSSLength {
		return "", cssError("at most %d characters are allowed.", MaxCSSLength)
	}
	rules, err := ParseCSS(css)
	if err != nil {
		return "", err
	}
	return Serialize(rules), nil
}

// ParseCSS parses custom CSS into rules (see the grammar above).
func ParseCSS(css string) ([]Rule, error) {
	toks, err := tokenize(css)
	if err != nil {
		return nil, err
	}
	var rules []Rule
	i := 0
	for i < len(toks) {
		var r Rule
		// Selectors up to "{".
		for {
			if i+1 >= len(toks) || toks[i] != "." {
				return nil, cssError("a rule must start with a class selector such as .submitButton-customizable.")
			}
			sel := toks[i+1]
			i += 2
			if i+1 < len(toks) && toks[i] == ":" {
				sel += ":" + toks[i+1]
				i += 2
			}
			if !slices.Contains(AllowedClasses, sel) {
				return nil, cssError("the selector .%s is not allowed; allowed: .%s.", sel, strings.Join(AllowedClasses, ", ."))
			}
			r.Selectors = append(r.Selectors, "."+sel)
			if i < len(toks) && toks[i] == "," {
				i++
				continue
			}
			break
		}
		if i >= len(toks) || toks[i] != "{" {
			return nil, cssError("expected { after %s.", strings.Join(r.Selectors, ", "))
		}
		i++
		for i < len(toks) && toks[i] != "}" {
			if toks[i] == ";" {
				i++
				continue
			}
			prop := strings.ToLower(toks[i])
			if !slices.Contains(allowedProperties, prop) {
				return nil, cssError("the property %q is not allowed; allowed: %s.", toks[i], strings.Join(allowedProperties, ", "))
			}
			if i+1 >= len(toks) || toks[i+1] != ":" {
				return nil, cssError("expected : after %s.", prop)
			}
			i += 2
			d := Declaration{Property: prop}
			depth := 0
			for i < len(toks) && (depth > 0 || toks[i] != ";" && toks[i] != "}") {
				t := toks[i]
				switch {
				case t == "(":
					depth++
				case t == ")":
					depth--
					if depth < 0 {
						return nil, cssError("unbalanced ) in %s.", prop)
					}
				case t == "{" || t == "}" || t == ";" || t == ":" || t == "." || t == "*" && !inCalc(d.Value):
					return nil, cssError("unexpected %q in the value of %s.", t, prop)
				}
				if i+1 < len(toks) && toks[i+1] == "(" && !isFunction(t) {
					return nil, cssError("the function %s() is not allowed; allowed: %s.", t, strings.Join(allowedFunctions, ", "))
				}
				d.Value = append(d.Value, t)
				i++
			}
			if depth != 0 {
				return nil, cssError("unbalanced ( in %s.", prop)
			}
			if len(d.Value) == 0 {
				return nil, cssError("%s has no value.", prop)
			}
			r.Declarations = append(r.Declarations, d)
		}
		if i >= len(toks) {
			return nil, cssError("missing } at the end.")
		}
		i++
		rules = append(rules, r)
	}
	return rules, nil
}

// inCalc reports whether the value so far is inside calc( (where * is multiplication).
func inCalc(value []string) bool { return slices.Contains(value, "calc") }

func isFunction(name string) bool { return slices.Contains(allowedFunctions, strings.ToLower(name)) }

// tokenize splits css into punctuation, words (identifiers, numbers with units, hex colours,
// !important) and quoted strings, dropping comments and whitespace. Anything else — a
// backslash escape, "@", "<", a string with a quote or newline inside — is refused.
func tokenize(css string) ([]string, error) {
	var toks []string
	for i := 0; i < len(css); {
		c := css[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case strings.HasPrefix(css[i:], "/*"):
			end := strings.Index(css[i+2:], "*/")
			if end < 0 {
				return nil, cssError("unterminated comment.")
			}
			i += end + 4
		case strings.IndexByte("{}:;,.()/*+", c) >= 0:
			toks = append(toks, string(c))
			i++
		case c == '"' || c == '\'':
			end := strings.IndexByte(css[i+1:], c)
			if end < 0 {
				return nil, cssError("unterminated string.")
			}
			s := css[i+1 : i+1+end]
			for _, r := range s {
				if !(r == ' ' || r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
					return nil, cssError("strings may hold only letters, digits, spaces, '-' and '_' (font names).")
				}
			}
			toks = append(toks, `"`+s+`"`)
			i += end + 2
		case isWordByte(c) || c == '#' || c == '!' || c == '%':
			j := i + 1
			for j < len(css) && (isWordByte(css[j]) || css[j] == '%' || css[j] == '.' && j+1 < len(css) && isDigit(css[j+1])) {
				j++
			}
			w := css[i:j]
			if strings.Contains(strings.ToLower(w), "expression") || strings.EqualFold(w, "url") || strings.EqualFold(w, "image-set") {
				return nil, cssError("%q is not allowed.", w)
			}
			if c == '!' && !strings.EqualFold(w, "!important") {
				return nil, cssError("%q is not allowed.", w)
			}
			toks = append(toks, w)
			i = j
		default:
			return nil, cssError("the character %q is not allowed.", fmt.Sprintf("%c", c))
		}
	}
	return toks, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isWordByte accepts ASCII letters, digits, '-' and '_' ('.' inside numbers is handled by the
// caller). '/', '*' and '+' are tokens of their own, so that the serialiser, which separates
// tokens with spaces, can never write "/*".
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '-' || c == '_'
}

// Serialize writes rules back as CSS, one rule per line.
func Serialize(rules []Rule) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(strings.Join(r.Selectors, ", "))
		b.WriteString(" {")
		for _, d := range r.Declarations {
			b.WriteString(" ")
			b.WriteString(d.Property)
			b.WriteString(": ")
			b.WriteString(joinValue(d.Value))
			b.WriteString(";")
		}
		b.WriteString(" }\n")
	}
	return b.String()
}

// joinValue joins value tokens with spaces, except around parentheses and before commas.
func joinValue(toks []string) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t != ")" && t != "," && t != "(" && toks[i-1] != "(" {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String()
}
