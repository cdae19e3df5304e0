"""Thin views: check access, call one service or selector, render. One module per topic:
`record_tab` (the tab's door), `contact_tab`, `deal_tab`, `integrations` (the Integrations page and
OAuth); `_common` holds the gate they share."""

from linking.views.integrations import OAUTH_MAX_AGE, OAUTH_SESSION_KEY

__all__ = ["OAUTH_MAX_AGE", "OAUTH_SESSION_KEY"]
