package httpparse

// Rebase points the current Request at another copy of its head. A server
// that waits a long time for a body may want to move the few bytes of a
// pinned head out of a large read buffer into a small one (or back), so
// that a thousand slow uploads do not each hold a buffer sized for the
// fastest client. The parser kept offsets, not pointers, so the Request can
// be rebuilt over the new bytes: b must hold the same bytes the head was
// parsed from, starting at the start of the message (empty lines before the
// request line included), at least Request().HeadLen of them.
func (p *Parser) Rebase(b []byte) {
	r := &p.req
	if r.HeadLen == 0 || len(b) < r.HeadLen {
		return // no head parsed, or not the whole of it: nothing to rebase
	}
	r.Method = b[p.lineStart:p.methodEnd:p.methodEnd]
	r.Target = b[p.targetStart:p.targetEnd:p.targetEnd]
	r.Version = b[p.versionStart : p.versionStart+8 : p.versionStart+8]
	for i, f := range p.fields[:len(r.Headers)] {
		r.Headers[i] = Header{
			Name:  b[f.nameStart:f.nameEnd:f.nameEnd],
			Value: b[f.valueStart:f.valueEnd:f.valueEnd],
		}
	}
	// Host is the one Host field; Upgrade, when kept, the last Upgrade
	// field (framing.go): find them again among the rebuilt fields.
	for i := range r.Headers {
		switch {
		case r.Host != nil && equalFold(r.Headers[i].Name, "Host"):
			r.Host = r.Headers[i].Value
		case r.Upgrade != nil && equalFold(r.Headers[i].Name, "Upgrade"):
			r.Upgrade = r.Headers[i].Value
		}
	}
}
