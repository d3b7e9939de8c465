package directory

// foldRune returns the lower-case ASCII letters a Latin letter with diacritics folds
// to, or "" for anything else (non-letters, non-Latin scripts, combining marks). It
// covers Latin-1 Supplement (U+00C0-U+00FF), Latin Extended-A (U+0100-U+017F), the
// Romanian comma-below letters and capital sharp s. Ligatures and letters without a
// decomposition fold the way names are usually transliterated: Æ→ae, Œ→oe, Ĳ→ij,
// ß→ss, Þ→th, Ø→o, Ł→l, Đ→d, Ħ→h, Ŋ→n, ı→i, ĸ→k, ſ→s.
func foldRune(r rune) string {
	switch r {
	case 'À', 'Á', 'Â', 'Ã', 'Ä', 'Å', 'à', 'á', 'â', 'ã', 'ä', 'å',
		'Ā', 'ā', 'Ă', 'ă', 'Ą', 'ą':
		return "a"
	case 'Æ', 'æ':
		return "ae"
	case 'Ç', 'ç', 'Ć', 'ć', 'Ĉ', 'ĉ', 'Ċ', 'ċ', 'Č', 'č':
		return "c"
	case 'Ð', 'ð', 'Ď', 'ď', 'Đ', 'đ':
		return "d"
	case 'È', 'É', 'Ê', 'Ë', 'è', 'é', 'ê', 'ë',
		'Ē', 'ē', 'Ĕ', 'ĕ', 'Ė', 'ė', 'Ę', 'ę', 'Ě', 'ě':
		return "e"
	case 'Ĝ', 'ĝ', 'Ğ', 'ğ', 'Ġ', 'ġ', 'Ģ', 'ģ':
		return "g"
	case 'Ĥ', 'ĥ', 'Ħ', 'ħ':
		return "h"
	case 'Ì', 'Í', 'Î', 'Ï', 'ì', 'í', 'î', 'ï',
		'Ĩ', 'ĩ', 'Ī', 'ī', 'Ĭ', 'ĭ', 'Į', 'į', 'İ', 'ı':
		return "i"
	case 'Ĳ', 'ĳ':
		return "ij"
	case 'Ĵ', 'ĵ':
		return "j"
	case 'Ķ', 'ķ', 'ĸ':
		return "k"
	case 'Ĺ', 'ĺ', 'Ļ', 'ļ', 'Ľ', 'ľ', 'Ŀ', 'ŀ', 'Ł', 'ł':
		return "l"
	case 'Ñ', 'ñ', 'Ń', 'ń', 'Ņ', 'ņ', 'Ň', 'ň', 'ŉ', 'Ŋ', 'ŋ':
		return "n"
	case 'Ò', 'Ó', 'Ô', 'Õ', 'Ö', 'Ø', 'ò', 'ó', 'ô', 'õ', 'ö', 'ø',
		'Ō', 'ō', 'Ŏ', 'ŏ', 'Ő', 'ő':
		return "o"
	case 'Œ', 'œ':
		return "oe"
	case 'Ŕ', 'ŕ', 'Ŗ', 'ŗ', 'Ř', 'ř':
		return "r"
	case 'Ś', 'ś', 'Ŝ', 'ŝ', 'Ş', 'ş', 'Š', 'š', 'ſ', 'Ș', 'ș':
		return "s"
	case 'ß', 'ẞ':
		return "ss"
	case 'Ţ', 'ţ', 'Ť', 'ť', 'Ŧ', 'ŧ', 'Ț', 'ț':
		return "t"
	case 'Þ', 'þ':
		return "th"
	case 'Ù', 'Ú', 'Û', 'Ü', 'ù', 'ú', 'û', 'ü',
		'Ũ', 'ũ', 'Ū', 'ū', 'Ŭ', 'ŭ', 'Ů', 'ů', 'Ű', 'ű', 'Ų', 'ų':
		return "u"
	case 'Ŵ', 'ŵ':
		return "w"
	case 'Ý', 'ý', 'ÿ', 'Ŷ', 'ŷ', 'Ÿ':
		return "y"
	case 'Ź', 'ź', 'Ż', 'ż', 'Ž', 'ž':
		return "z"
	}
	return ""
}
