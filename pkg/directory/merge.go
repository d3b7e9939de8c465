package directory

// MergePatch lays patch over base as crossbar's PATCH does: nested objects merged
// recursively, the patch winning on conflicts, arrays replaced wholesale, and a JSON
// null in the patch removing the key. base is not modified.
func MergePatch(base, patch Doc) Doc {
	out := base.Clone()
	if out == nil {
		out = Doc{}
	}
	mergeInto(out, patch)
	return out
}

func mergeInto(dst, patch map[string]any) {
	for k, v := range patch {
		if v == nil {
			delete(dst, k)
			continue
		}
		pm, isObj := asMap(v)
		dm, dstObj := asMap(dst[k])
		if isObj && dstObj {
			mergeInto(dm, pm)
			dst[k] = dm
			continue
		}
		dst[k] = cloneValue(v)
	}
}

func asMap(v any) (map[string]any, bool) {
	switch t := v.(type) {
	case map[string]any:
		return t, true
	case Doc:
		return t, true
	}
	return nil, false
}
