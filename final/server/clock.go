//go:build linux

package server

import "time"

// clock keeps the two times a response and its log line need, formatted
// once a second rather than once a request: the Date field (RFC 9110
// §6.6.1, IMF-fixdate, always GMT) and the access log's timestamp.
type clock struct {
	second int64
	date   []byte // "Date: Thu, 26 Nov 2026 01:28:12 GMT\r\n"
	stamp  []byte // "[26/Nov/2026:01:28:12 +0000]"
}

func (c *clock) update(now time.Time) {
	sec := now.Unix()
	if sec == c.second && c.date != nil {
		return
	}
	c.second = sec
	utc := now.UTC()
	c.date = append(c.date[:0], "Date: "...)
	c.date = utc.AppendFormat(c.date, "Mon, 02 Jan 2006 15:04:05 GMT")
	c.date = append(c.date, "\r\n"...)
	c.stamp = append(c.stamp[:0], '[')
	c.stamp = utc.AppendFormat(c.stamp, "02/Jan/2006:15:04:05 +0000")
	c.stamp = append(c.stamp, ']')
}
