"""The webinars' pages, one module per audience: `public` (everyone), `registration` (whoever holds a personal
link) and `manage` (portal admins). Every view derives from `portal.views.access.PermissionView`."""
