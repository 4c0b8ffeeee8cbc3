package templates

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The pages' text lives in message catalogues, one JSON object per language
// (i18n/LANG.json: key → text). Texts are fmt formats: arguments are referred to as %[1]s,
// %[2]s... so that a translation may reorder them.

//go:embed i18n/*.json
var i18nFS embed.FS

// DefaultLanguage is the language of a page when none of the browser's is available.
const DefaultLanguage = "en"

var catalogs = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	files, err := i18nFS.ReadDir("i18n")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		b, err := i18nFS.ReadFile("i18n/" + f.Name())
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("templates: catalogue %s: %v", f.Name(), err))
		}
		out[strings.TrimSuffix(f.Name(), path.Ext(f.Name()))] = m
	}
	if out[DefaultLanguage] == nil {
		panic("templates: no catalogue for the default language")
	}
	return out
}()

// Languages returns the languages the pages are available in, sorted.
func Languages() []string {
	out := make([]string, 0, len(catalogs))
	for l := range catalogs {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Keys returns the keys of a language's catalogue (tests compare catalogues with it).
func Keys(lang string) []string {
	out := make([]string, 0, len(catalogs[lang]))
	for k := range catalogs[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// HasKey reports whether the default catalogue has key.
func HasKey(key string) bool {
	_, ok := catalogs[DefaultLanguage][key]
	return ok
}

// T returns the text of key in lang (falling back to the default language), formatted with
// args. An unknown key returns the key itself, which the catalogue tests catch.
func T(lang, key string, args ...any) string {
	s, ok := catalogs[lang][key]
	if !ok {
		if s, ok = catalogs[DefaultLanguage][key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Negotiate picks the page language: the first of the authorization request's ui_locales
// that the pages have, else the best of the browser's Accept-Language, else the default.
// Tags match by their primary language ("fr-CA" gets "fr").
func Negotiate(uiLocales []string, acceptLanguage string) string {
	for _, tag := range uiLocales {
		if l := supported(tag); l != "" {
			return l
		}
	}
	type weighted struct {
		lang string
		q    float64
		pos  int
	}
	var cands []weighted
	for i, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if l := supported(tag); l != "" && q > 0 {
			cands = append(cands, weighted{l, q, i})
		}
	}
	if len(cands) == 0 {
		return DefaultLanguage
	}
	slices.SortStableFunc(cands, func(a, b weighted) int {
		if a.q != b.q {
			if a.q > b.q {
				return -1
			}
			return 1
		}
		return a.pos - b.pos
	})
	return cands[0].lang
}

// supported returns the catalogue language of a BCP 47 tag, or "".
func supported(tag string) string {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	primary, _, _ = strings.Cut(primary, "_")
	if _, ok := catalogs[primary]; ok {
		return primary
	}
	return ""
}
