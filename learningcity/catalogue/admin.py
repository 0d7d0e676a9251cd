"""The admin site for learning domains: for looking things up.

The taxonomy changes only through `services` (cycle and depth checks, audit log), on the
secretariat's domain pages; here it is read-only.
"""

from django.contrib import admin

from .models import LearningDomain


@admin.register(LearningDomain)
class LearningDomainAdmin(admin.ModelAdmin):
    list_display = ("name_fa", "name_en", "parent", "position", "is_active", "city")
    list_filter = ("city", "is_active")
    search_fields = ("name_fa", "name_en", "slug")
    list_select_related = ("city", "parent")
    ordering = ("city", "position", "name_en")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
