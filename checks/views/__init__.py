"""The checks app's pages, one module per audience: `public` (anyone), `applicant` (a verified public body's
members), `review` (handlers, and admins reading along) and `manage` (portal admins). Every view derives from
`portal.views.access.PermissionView`; checks/urls.py imports the modules."""
