"""The sandbox's views: identity (OAuth/OIDC and connections), accounting, and the control page."""
