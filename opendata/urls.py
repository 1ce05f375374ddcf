"""The open-data URLs: each part (OCDS, the read API, the calendar feeds and the open-data page) keeps its own
list, all under the namespace `opendata`."""

from . import api_urls, feed_urls, ocds_urls, page_urls

app_name = "opendata"
urlpatterns = [*page_urls.urlpatterns, *ocds_urls.urlpatterns, *api_urls.urlpatterns, *feed_urls.urlpatterns]
