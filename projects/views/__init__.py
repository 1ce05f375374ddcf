"""Views of the projects app, one module per audience: `public` (catalogues, need and call pages, CPV search),
`buyer` (needs, assessments, calls, responses read, questions answered) and `company` (responses, questions,
interest profile). Every view derives from `portal.views.access.PermissionView` (see `base`)."""
