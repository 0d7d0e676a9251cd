from django.urls import path

from ..views import plan as views

urlpatterns = [
    path("plan/", views.plan_current, name="plan_current"),
    path("plan/new/", views.plan_create, name="plan_create"),
    path("plan/<int:year>/", views.plan, name="plan"),
    path("plan/<int:year>/manage/", views.plan_manage, name="plan_manage"),
    path("plan/<int:year>/manage/objectives/<int:pk>/", views.objective_edit, name="objective_edit"),
    path("plan/<int:year>/manage/results/<int:pk>/", views.result_edit, name="result_edit"),
    path("plan/<int:year>/manage/budget/<int:pk>/", views.budget_line_edit, name="budget_line_edit"),
    path("plan/<int:year>/import/", views.results_import, name="results_import"),
    path("plan/<int:year>/import/template.<str:file_format>", views.results_template, name="results_template"),
    path("plan/<int:year>/results/<int:pk>/", views.result, name="result"),
]
