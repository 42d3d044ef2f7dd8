"""Home page, shared layout pieces (navigation, map script) and the static vendor folder."""
