"""Working-group and action-plan pages, mounted at the root of each language (namespace "workgroups").

Each area keeps its routes beside its views: groups.py, meetings.py, tasks.py, plan.py, documents.py.
"""

from . import documents, groups, meetings, plan, tasks

app_name = "workgroups"
urlpatterns = [
    *groups.urlpatterns,
    *meetings.urlpatterns,
    *tasks.urlpatterns,
    *plan.urlpatterns,
    *documents.urlpatterns,
]
