package ui

import "testing"

func TestMatchAcceptLanguage(t *testing.T) {
	t.Parallel()
	cats, err := LoadCatalogs(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		header, want string
	}{
		{"", "en"},
		{"ko", "ko"},
		{"ko-KR", "ko"},
		{"KO-kr", "ko"},
		{"ko-Kore-KR-x-private", "ko"},
		{"en-US,en;q=0.9", "en"},
		{"ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"},
		{"en;q=0.5, ko;q=0.8", "ko"},                  // weights, not order
		{"ko;q=0.5, en;q=0.5", "ko"},                  // equal weights: header order
		{"fr-CH, fr;q=0.9, de;q=0.7, ko;q=0.3", "ko"}, // fallback past languages we lack
		{"fr-CH, fr;q=0.9", "en"},                     // none of ours: the default
		{"ko;q=0", "en"},                              // q=0 means "not this one"
		{"ko;q=0, *;q=0.1", "en"},                     // "*": the default
		{"*", "en"},
		{"ko;q=0.001", "ko"},
		{"ko;q=1.0", "ko"},
		{"ko;q=1.5, en;q=0.1", "en"},    // invalid weight: the entry is skipped
		{"ko;q=0.0001, en;q=0.1", "en"}, // four decimals: invalid
		{"ko;q=abc", "en"},              // malformed
		{"ko;level=1, en", "en"},        // unknown parameter: skipped
		{"k@o, ko", "ko"},               // malformed tag skipped, the next one counts
		{"123, ko", "ko"},               // primary subtag must be letters
		{"kokokokokokoko, ko", "ko"},    // subtag longer than 8
		{",,;, ko ;q=0.7 ,", "ko"},      // stray separators and spaces
		{"x-klingon", "en"},             // private use only
		{"zh-Hant-TW;q=0.9, ko;q=0.8", "ko"},
	}
	for _, tt := range tests {
		if got := cats.Match(tt.header).Lang(); got != tt.want {
			t.Errorf("Match(%q) = %s, want %s", tt.header, got, tt.want)
		}
	}
}

func TestMatchAddedLanguageWithRegion(t *testing.T) {
	t.Parallel()
	tags := []string{"en", "ko", "pt-br", "pt"}
	tests := []struct {
		header string
		want   int
	}{
		{"pt-BR", 2},
		{"pt-PT", 3}, // truncated to pt
		{"pt", 3},    // a range never matches a longer tag in lookup
		{"de", -1},
	}
	for _, tt := range tests {
		if got := lookup(tags, tt.header); got != tt.want {
			t.Errorf("lookup(%q) = %d, want %d", tt.header, got, tt.want)
		}
	}
}
