//go:build !linux

package kit

// This course is about Linux system calls (epoll, accept4, sendfile), so it
// builds only on Linux. README.md, section "Not on Linux?", shows how to run
// it in a Linux VM or container.
var _ = this_course_needs_Linux__see_README_section_Not_on_Linux
