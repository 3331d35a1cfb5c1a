# Reading the man pages as a reader sees them.

# render PAGE: the page as plain text, lines unbroken.
render() {
	if command -v mandoc >/dev/null; then
		mandoc -Tascii -O width=1000 "$1" | col -b
	else
		groff -mandoc -Tascii -rLL=1000n "$1" 2>/dev/null | col -b
	fi
}

# synopsis PAGE: the rendered SYNOPSIS on one line.
synopsis() {
	render "$1" | awk '/^SYNOPSIS/ { on = 1; next } on && /^[A-Z]/ { exit } on' |
		tr -s ' \n' '  ' | sed 's/^ //; s/ $//'
}
